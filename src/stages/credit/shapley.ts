// Exact Shapley values over feature groups: the model is run on every coalition of groups (present groups
// take the applicant's values, absent ones the baseline), and each group's value is its weighted average
// marginal contribution. Exact, not sampled, so a decision's reasons are the same every time it is replayed.
import { ErrorCode, FengkongError } from '../../errors.js';

/** 2^10 = 1,024 model rows per decision; beyond that exact enumeration costs more than a decision is worth. */
export const maxShapleyGroups = 10;
export const defaultMaxRowsPerRun = 65_536;

export interface CoalitionPlan {
  readonly groupCount: number;
  /** 2^groupCount. */
  readonly coalitionCount: number;
  /** Plan order: coalitions[index] is a bitmask, bit i set meaning group i takes the applicant's values. */
  readonly coalitions: Uint16Array;
  /** The number of groups in each coalition, in plan order. */
  readonly sizes: Uint8Array;
  /** weightBySize[s] = s! (k - s - 1)! / k!: the Shapley weight of a coalition of s groups, s = 0..k-1. */
  readonly weightBySize: Float64Array;
}

export interface CoalitionBatchOptions {
  /** The most rows handed to one model run; a chunk holds whole decisions. Default 65,536. */
  readonly maxRowsPerRun?: number;
}

export interface CoalitionChunk {
  /** Index of the chunk's first decision in the batch. */
  readonly firstDecision: number;
  readonly decisionCount: number;
  /** decisionCount * 2^k rows; decision firstDecision + j owns rows j * 2^k .. (j + 1) * 2^k - 1, in plan order. */
  readonly rows: Float32Array;
}

export interface CoalitionBatch {
  readonly decisionCount: number;
  readonly width: number;
  /** decisionCount * 2^k: the rows over all chunks. */
  readonly rowCount: number;
  readonly decisionsPerChunk: number;
  readonly chunkCount: number;
  /**
   * The chunks in order. One buffer is allocated per call and refilled for each chunk, so memory stays at one
   * chunk whatever the batch size: a chunk's rows are valid until the next chunk is asked for (copy to keep).
   */
  chunks(): Generator<CoalitionChunk, void, undefined>;
}

export interface AdverseActionGroup {
  readonly code: string;
  readonly text: string;
}

export interface AdverseActionReason {
  readonly code: string;
  readonly text: string;
  /** The group's Shapley value in points: negative, the points it cost the applicant. */
  readonly points: number;
}

/** The coalitions of `groupCount` groups and their Shapley weights; compute once per model and reuse. */
export function coalitionPlan(groupCount: number): CoalitionPlan {
  if (!Number.isInteger(groupCount) || groupCount < 1 || groupCount > maxShapleyGroups) {
    throw new FengkongError(
      ErrorCode.MODEL_INVALID,
      `credit attributions: ${Number.isInteger(groupCount) ? groupCount : 'a non-integer number of'} feature groups; exact Shapley values need 1 to ${maxShapleyGroups} (each decision costs 2^groups model rows)`,
    );
  }
  const coalitionCount = 1 << groupCount;
  const coalitions = new Uint16Array(coalitionCount);
  const sizes = new Uint8Array(coalitionCount);
  for (let mask = 1; mask < coalitionCount; mask++) {
    coalitions[mask] = mask;
    // mask & (mask - 1) clears the lowest set bit: one group fewer, already counted.
    sizes[mask] = sizes[mask & (mask - 1)]! + 1;
  }
  // s!(k-s-1)!/k! = 1 / (k * C(k-1, s)): the binomial is an exact integer here, so each weight is one
  // correctly rounded division rather than a ratio of rounded factorials.
  const weightBySize = new Float64Array(groupCount);
  let binomial = 1;
  for (let s = 0; s < groupCount; s++) {
    weightBySize[s] = 1 / (groupCount * binomial);
    binomial = (binomial * (groupCount - 1 - s)) / (s + 1);
  }
  return { groupCount, coalitionCount, coalitions, sizes, weightBySize };
}

/**
 * The 2^k coalition rows for one decision, in plan order: in coalition S, the columns of the groups in S
 * take `x` and those of the other groups take `baseline`; columns in no group always take `x`.
 */
export function buildCoalitionRows(
  x: Float32Array,
  baseline: Float32Array,
  groups: readonly (readonly number[])[],
  plan: CoalitionPlan,
  out?: Float32Array,
): Float32Array {
  const width = baseline.length;
  if (x.length !== width) {
    throw new FengkongError(ErrorCode.EVENT_INVALID, `credit attributions: expected ${width} feature values, got ${x.length}`);
  }
  checkGroups(groups, width, plan);
  const size = plan.coalitionCount * width;
  const rows = out ?? new Float32Array(size);
  if (rows.length !== size) {
    throw new FengkongError(ErrorCode.EVENT_INVALID, `credit attributions: the output buffer holds ${rows.length} values, needs ${size}`);
  }
  writeCoalitionRows(x, baseline, groups, plan, rows, 0);
  return rows;
}

/**
 * The coalition rows of n decisions (`rows` holds n rows of the baseline's width), n * 2^k rows in all,
 * delivered in chunks of at most `maxRowsPerRun` rows so memory stays bounded however large n is.
 */
export function buildCoalitionBatch(
  rows: Float32Array,
  n: number,
  baseline: Float32Array,
  groups: readonly (readonly number[])[],
  plan: CoalitionPlan,
  options: CoalitionBatchOptions = {},
): CoalitionBatch {
  const { maxRowsPerRun = defaultMaxRowsPerRun } = options;
  const width = baseline.length;
  if (!Number.isInteger(n) || n < 0) {
    throw new FengkongError(ErrorCode.EVENT_INVALID, 'credit attributions: the decision count must be a non-negative integer');
  }
  if (rows.length !== n * width) {
    throw new FengkongError(
      ErrorCode.EVENT_INVALID,
      `credit attributions: ${n} decisions of ${width} features need ${n * width} values, got ${rows.length}`,
    );
  }
  if (!Number.isInteger(maxRowsPerRun) || maxRowsPerRun < plan.coalitionCount) {
    throw new FengkongError(
      ErrorCode.CONFIG_INVALID,
      `credit attributions: maxRowsPerRun must be an integer of at least ${plan.coalitionCount}, the rows of one decision`,
    );
  }
  checkGroups(groups, width, plan);
  const rowsPerDecision = plan.coalitionCount;
  const decisionsPerChunk = Math.min(Math.floor(maxRowsPerRun / rowsPerDecision), Math.max(n, 1));
  const chunkCount = Math.ceil(n / decisionsPerChunk);

  function* chunks(): Generator<CoalitionChunk, void, undefined> {
    if (n === 0) return;
    const buffer = new Float32Array(decisionsPerChunk * rowsPerDecision * width);
    for (let firstDecision = 0; firstDecision < n; firstDecision += decisionsPerChunk) {
      const decisionCount = Math.min(decisionsPerChunk, n - firstDecision);
      for (let j = 0; j < decisionCount; j++) {
        const start = (firstDecision + j) * width;
        writeCoalitionRows(rows.subarray(start, start + width), baseline, groups, plan, buffer, j * rowsPerDecision * width);
      }
      const used = decisionCount * rowsPerDecision * width;
      yield { firstDecision, decisionCount, rows: used === buffer.length ? buffer : buffer.subarray(0, used) };
    }
  }

  return { decisionCount: n, width, rowCount: n * rowsPerDecision, decisionsPerChunk, chunkCount, chunks };
}

/**
 * φ_i = Σ_{S ∌ i} w(|S|) (f(S ∪ {i}) - f(S)) from f at every coalition, in plan order: exact, O(k 2^k).
 * The values sum to f(all groups) - f(no group) (efficiency).
 */
export function shapleyFromValues(values: ArrayLike<number>, plan: CoalitionPlan, out?: Float64Array): Float64Array {
  const { groupCount, coalitionCount, sizes, weightBySize } = plan;
  if (values.length !== coalitionCount) {
    throw new FengkongError(
      ErrorCode.MODEL_INVALID,
      `credit attributions: expected ${coalitionCount} model outputs (one per coalition), got ${values.length}`,
    );
  }
  for (let mask = 0; mask < coalitionCount; mask++) {
    if (!Number.isFinite(values[mask])) {
      throw new FengkongError(
        ErrorCode.MODEL_INVALID,
        `credit attributions: the model output for coalition ${mask} is not a finite number`,
      );
    }
  }
  const phis = out ?? new Float64Array(groupCount);
  if (phis.length !== groupCount) {
    throw new FengkongError(
      ErrorCode.EVENT_INVALID,
      `credit attributions: the output buffer holds ${phis.length} values, needs ${groupCount}`,
    );
  }
  for (let group = 0; group < groupCount; group++) {
    const bit = 1 << group;
    let phi = 0;
    for (let mask = 0; mask < coalitionCount; mask++) {
      if ((mask & bit) !== 0) continue;
      phi += weightBySize[sizes[mask]!]! * (values[mask | bit]! - values[mask]!);
    }
    phis[group] = phi;
  }
  return phis;
}

/**
 * The groups that lowered the score most, most negative first, at most `max`; groups with no negative
 * value give no reason. Equal values keep the groups' order, so the same decision always gives the same
 * reasons.
 */
export function adverseActionReasons(phis: ArrayLike<number>, groups: readonly AdverseActionGroup[], max = 4): AdverseActionReason[] {
  if (phis.length !== groups.length) {
    throw new FengkongError(ErrorCode.MODEL_INVALID, `adverse action reasons: ${phis.length} values but ${groups.length} groups`);
  }
  if (!Number.isInteger(max) || max < 0) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, 'adverse action reasons: max must be a non-negative integer');
  }
  const lowering: number[] = [];
  for (let index = 0; index < phis.length; index++) {
    const phi = phis[index]!;
    if (Number.isNaN(phi)) {
      throw new FengkongError(ErrorCode.MODEL_INVALID, `adverse action reasons: the value of group ${index} is not a number`);
    }
    if (phi < 0) lowering.push(index);
  }
  lowering.sort((a, b) => phis[a]! - phis[b]! || a - b);
  return lowering.slice(0, max).map((index) => ({ code: groups[index]!.code, text: groups[index]!.text, points: phis[index]! }));
}

function writeCoalitionRows(
  x: Float32Array,
  baseline: Float32Array,
  groups: readonly (readonly number[])[],
  plan: CoalitionPlan,
  out: Float32Array,
  outOffset: number,
): void {
  const width = baseline.length;
  const { groupCount, coalitionCount } = plan;
  for (let mask = 0; mask < coalitionCount; mask++) {
    const rowStart = outOffset + mask * width;
    out.set(x, rowStart);
    for (let group = 0; group < groupCount; group++) {
      if ((mask & (1 << group)) !== 0) continue;
      for (const column of groups[group]!) out[rowStart + column] = baseline[column]!;
    }
  }
}

/** Every column index in range and in at most one group: a column in two groups would be counted twice. */
function checkGroups(groups: readonly (readonly number[])[], width: number, plan: CoalitionPlan): void {
  if (groups.length !== plan.groupCount) {
    throw new FengkongError(
      ErrorCode.MODEL_INVALID,
      `credit attributions: ${groups.length} feature groups but the coalition plan is for ${plan.groupCount}`,
    );
  }
  const owner = new Int16Array(width).fill(-1);
  for (let group = 0; group < groups.length; group++) {
    const columns = groups[group]!;
    for (let position = 0; position < columns.length; position++) {
      const column = columns[position]!;
      if (!Number.isInteger(column) || column < 0 || column >= width) {
        throw new FengkongError(
          ErrorCode.MODEL_INVALID,
          `credit attributions: groups.${group}.${position} is not a column index in [0, ${width - 1}]`,
        );
      }
      const previous = owner[column]!;
      if (previous !== -1) {
        throw new FengkongError(
          ErrorCode.MODEL_INVALID,
          `credit attributions: column ${column} is in group ${previous} and again in group ${group}; a column belongs to at most one group`,
        );
      }
      owner[column] = group;
    }
  }
}
