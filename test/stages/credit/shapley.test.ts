// Exact Shapley values over feature groups: they add up to f(all) - f(none), agree with the textbook
// definition (the average marginal contribution over every ordering of the groups), recover a linear
// model's terms exactly, and give adverse action reasons in a stable, monotone order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import {
  adverseActionReasons,
  buildCoalitionBatch,
  buildCoalitionRows,
  coalitionPlan,
  defaultMaxRowsPerRun,
  maxShapleyGroups,
  shapleyFromValues,
} from '../../../src/stages/credit/shapley.js';
import { thrownBy } from '../../fixtures/errors.js';

/** Reference: Shapley's definition, the marginal contribution of each group averaged over all k! orderings. */
function shapleyByPermutations(values: ArrayLike<number>, groupCount: number): number[] {
  const totals = new Array<number>(groupCount).fill(0);
  let orderings = 0;
  const visit = (order: number[], remaining: number[]) => {
    if (remaining.length === 0) {
      orderings++;
      let mask = 0;
      for (const group of order) {
        totals[group]! += values[mask | (1 << group)]! - values[mask]!;
        mask |= 1 << group;
      }
      return;
    }
    for (const group of remaining)
      visit(
        [...order, group],
        remaining.filter((other) => other !== group),
      );
  };
  visit(
    [],
    Array.from({ length: groupCount }, (_, group) => group),
  );
  return totals.map((total) => total / orderings);
}

const coalitionValues = (maxGroups: number) =>
  fc.integer({ min: 1, max: maxGroups }).chain((groupCount) =>
    fc.record({
      groupCount: fc.constant(groupCount),
      values: fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 1 << groupCount, maxLength: 1 << groupCount }),
    }),
  );

const scaleOf = (values: ArrayLike<number>) => Math.max(1, ...Array.from(values, Math.abs));

/** Swaps bits i and j of a mask. */
function swapBits(mask: number, i: number, j: number): number {
  const bitI = (mask >> i) & 1;
  const bitJ = (mask >> j) & 1;
  return bitI === bitJ ? mask : mask ^ ((1 << i) | (1 << j));
}

describe('coalitionPlan', () => {
  it('lists the 2^k coalitions in mask order with their sizes and the weights s!(k-s-1)!/k!', () => {
    const plan = coalitionPlan(3);
    expect(plan.groupCount).toBe(3);
    expect(plan.coalitionCount).toBe(8);
    expect(Array.from(plan.coalitions)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(plan.sizes)).toEqual([0, 1, 1, 2, 1, 2, 2, 3]);
    expect(Array.from(plan.weightBySize)).toEqual([1 / 3, 1 / 6, 1 / 3]);
  });

  it("gives each group's coalitions weights that sum to 1, for every k up to the limit", () => {
    const factorial = (m: number): number => (m <= 1 ? 1 : m * factorial(m - 1));
    for (let k = 1; k <= maxShapleyGroups; k++) {
      const plan = coalitionPlan(k);
      let total = 0;
      for (let s = 0; s < k; s++) {
        expect(plan.weightBySize[s]).toBeCloseTo((factorial(s) * factorial(k - s - 1)) / factorial(k), 15);
        total += (factorial(k - 1) / (factorial(s) * factorial(k - 1 - s))) * plan.weightBySize[s]!;
      }
      expect(total).toBeCloseTo(1, 14);
    }
  });

  it('refuses more than 10 groups, and fewer than one', () => {
    for (const count of [11, 0, -1, 2.5]) {
      const error = thrownBy(() => coalitionPlan(count));
      expect(error.code).toBe(ErrorCode.MODEL_INVALID);
      expect(error.message).toContain('1 to 10');
    }
  });
});

describe('shapleyFromValues', () => {
  it('is efficient: the values sum to f(all) - f(empty) for any f', () => {
    fc.assert(
      fc.property(coalitionValues(maxShapleyGroups), ({ groupCount, values }) => {
        const plan = coalitionPlan(groupCount);
        const phis = shapleyFromValues(values, plan);
        const sum = phis.reduce((total, phi) => total + phi, 0);
        const expected = values[plan.coalitionCount - 1]! - values[0]!;
        expect(Math.abs(sum - expected)).toBeLessThanOrEqual(1e-9 * scaleOf(values));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the average marginal contribution over all k! orderings (k <= 6)', () => {
    fc.assert(
      fc.property(coalitionValues(6), ({ groupCount, values }) => {
        const phis = shapleyFromValues(values, coalitionPlan(groupCount));
        const reference = shapleyByPermutations(values, groupCount);
        for (let group = 0; group < groupCount; group++) {
          expect(Math.abs(phis[group]! - reference[group]!)).toBeLessThanOrEqual(1e-9 * scaleOf(values));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives exactly 0 to two groups that never change f', () => {
    fc.assert(
      fc.property(
        coalitionValues(8).filter(({ groupCount }) => groupCount >= 2),
        fc.nat(),
        fc.nat(),
        ({ groupCount, values }, first, second) => {
          const i = first % groupCount;
          const j = (i + 1 + (second % (groupCount - 1))) % groupCount;
          const ignored = (1 << i) | (1 << j);
          const f = values.map((_, mask) => values[mask & ~ignored]!);
          const phis = shapleyFromValues(f, coalitionPlan(groupCount));
          expect(phis[i]).toBe(0);
          expect(phis[j]).toBe(0);
        },
      ),
    );
  });

  it('gives equal values to two interchangeable groups', () => {
    fc.assert(
      fc.property(
        coalitionValues(8).filter(({ groupCount }) => groupCount >= 2),
        fc.nat(),
        fc.nat(),
        ({ groupCount, values }, first, second) => {
          const i = first % groupCount;
          const j = (i + 1 + (second % (groupCount - 1))) % groupCount;
          const f = values.map((_, mask) => values[Math.min(mask, swapBits(mask, i, j))]!);
          const phis = shapleyFromValues(f, coalitionPlan(groupCount));
          expect(Math.abs(phis[i]! - phis[j]!)).toBeLessThanOrEqual(1e-9 * scaleOf(f));
        },
      ),
    );
  });

  it('writes into a given buffer, and refuses outputs of the wrong count or not finite', () => {
    const plan = coalitionPlan(2);
    const out = new Float64Array(2);
    expect(shapleyFromValues([0, 1, 2, 3], plan, out)).toBe(out);
    expect(Array.from(out)).toEqual([1, 2]);
    expect(thrownBy(() => shapleyFromValues([0, 1, 2], plan)).code).toBe(ErrorCode.MODEL_INVALID);
    expect(thrownBy(() => shapleyFromValues([0, NaN, 2, 3], plan)).message).toContain('coalition 1');
    expect(thrownBy(() => shapleyFromValues([0, 1, Infinity, 3], plan)).code).toBe(ErrorCode.MODEL_INVALID);
    expect(thrownBy(() => shapleyFromValues([0, 1, 2, 3], plan, new Float64Array(3))).code).toBe(ErrorCode.EVENT_INVALID);
  });
});

/** A linear model f(row) = intercept + β · row over float32 rows, evaluated in float64. */
function linearOutputs(rows: Float32Array, width: number, beta: readonly number[], intercept: number): Float64Array {
  const outputs = new Float64Array(rows.length / width);
  for (let row = 0; row < outputs.length; row++) {
    let value = intercept;
    for (let j = 0; j < width; j++) value += beta[j]! * rows[row * width + j]!;
    outputs[row] = value;
  }
  return outputs;
}

/** Random groups over `width` columns: each column in one of `groupCount` groups or in none (-1). */
const linearCase = fc
  .record({ width: fc.integer({ min: 1, max: 12 }), groupCount: fc.integer({ min: 1, max: 6 }) })
  .chain(({ width, groupCount }) => {
    const float = fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true });
    return fc.record({
      width: fc.constant(width),
      groupCount: fc.constant(groupCount),
      owners: fc.array(fc.integer({ min: -1, max: groupCount - 1 }), { minLength: width, maxLength: width }),
      x: fc.array(float, { minLength: width, maxLength: width }),
      baseline: fc.array(float, { minLength: width, maxLength: width }),
      beta: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: width, maxLength: width }),
      intercept: fc.double({ min: -5, max: 5, noNaN: true }),
    });
  });

function groupsFromOwners(owners: readonly number[], groupCount: number): number[][] {
  const groups = Array.from({ length: groupCount }, () => [] as number[]);
  owners.forEach((owner, column) => {
    if (owner >= 0) groups[owner]!.push(column);
  });
  return groups;
}

describe('buildCoalitionRows', () => {
  it('gives the groups in a coalition the applicant values and the others the baseline; ungrouped columns keep x', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5]);
    const baseline = Float32Array.from([10, 20, 30, 40, 50]);
    const rows = buildCoalitionRows(x, baseline, [[0, 3], [2]], coalitionPlan(2));
    expect(Array.from(rows)).toEqual([
      ...[10, 2, 30, 40, 5], // {}
      ...[1, 2, 30, 4, 5], // {group 0}
      ...[10, 2, 3, 40, 5], // {group 1}
      ...[1, 2, 3, 4, 5], // {group 0, group 1}
    ]);
  });

  it("recovers a linear model's terms exactly: φ_g = Σ_{j in g} β_j (x_j - b_j)", () => {
    fc.assert(
      fc.property(linearCase, ({ width, groupCount, owners, x, baseline, beta, intercept }) => {
        const groups = groupsFromOwners(owners, groupCount);
        const plan = coalitionPlan(groupCount);
        const x32 = Float32Array.from(x);
        const baseline32 = Float32Array.from(baseline);
        const rows = buildCoalitionRows(x32, baseline32, groups, plan);
        const outputs = linearOutputs(rows, width, beta, intercept);
        const phis = shapleyFromValues(outputs, plan);
        const scale = scaleOf(outputs);
        groups.forEach((columns, group) => {
          const expected = columns.reduce((total, j) => total + beta[j]! * (x32[j]! - baseline32[j]!), 0);
          expect(Math.abs(phis[group]! - expected)).toBeLessThanOrEqual(1e-9 * scale);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('fills a given buffer, and refuses a wrong buffer, a wrong width, and malformed groups', () => {
    const plan = coalitionPlan(2);
    const x = new Float32Array(4);
    const baseline = new Float32Array(4);
    const out = new Float32Array(16);
    expect(buildCoalitionRows(x, baseline, [[0], [1, 2]], plan, out)).toBe(out);
    expect(thrownBy(() => buildCoalitionRows(x, baseline, [[0], [1]], plan, new Float32Array(15))).code).toBe(ErrorCode.EVENT_INVALID);
    expect(thrownBy(() => buildCoalitionRows(new Float32Array(3), baseline, [[0], [1]], plan)).code).toBe(ErrorCode.EVENT_INVALID);
    const twice = thrownBy(() => buildCoalitionRows(x, baseline, [[0, 1], [1]], plan));
    expect(twice.code).toBe(ErrorCode.MODEL_INVALID);
    expect(twice.message).toContain('column 1 is in group 0 and again in group 1');
    expect(thrownBy(() => buildCoalitionRows(x, baseline, [[0, 0], [1]], plan)).message).toContain('column 0');
    expect(thrownBy(() => buildCoalitionRows(x, baseline, [[0], [4]], plan)).message).toContain('groups.1.0');
    expect(thrownBy(() => buildCoalitionRows(x, baseline, [[0], [1.5]], plan)).code).toBe(ErrorCode.MODEL_INVALID);
    expect(thrownBy(() => buildCoalitionRows(x, baseline, [[0]], plan)).message).toContain('1 feature groups');
  });
});

describe('buildCoalitionBatch', () => {
  const width = 3;
  const groups = [[0], [1], [2]];
  const plan = coalitionPlan(3);
  const baseline = Float32Array.from([0.5, -1, 2]);
  const decisions = 10;
  const rows = Float32Array.from({ length: decisions * width }, (_, index) => index + 1);

  it('gives each decision its 2^k rows, in chunks of whole decisions no larger than maxRowsPerRun', () => {
    const batch = buildCoalitionBatch(rows, decisions, baseline, groups, plan, { maxRowsPerRun: 20 });
    expect(batch.rowCount).toBe(80);
    expect(batch.decisionsPerChunk).toBe(2);
    expect(batch.chunkCount).toBe(5);
    let nextDecision = 0;
    let chunks = 0;
    for (const chunk of batch.chunks()) {
      chunks++;
      expect(chunk.firstDecision).toBe(nextDecision);
      expect(chunk.rows.length / width).toBeLessThanOrEqual(20);
      expect(chunk.rows.length).toBe(chunk.decisionCount * plan.coalitionCount * width);
      for (let j = 0; j < chunk.decisionCount; j++) {
        const decision = nextDecision + j;
        const single = buildCoalitionRows(rows.subarray(decision * width, (decision + 1) * width), baseline, groups, plan);
        const size = plan.coalitionCount * width;
        expect(Array.from(chunk.rows.subarray(j * size, (j + 1) * size))).toEqual(Array.from(single));
      }
      nextDecision += chunk.decisionCount;
    }
    expect(chunks).toBe(5);
    expect(nextDecision).toBe(decisions);
  });

  it('ends with a shorter chunk when the decisions do not divide evenly', () => {
    const batch = buildCoalitionBatch(rows, decisions, baseline, groups, plan, { maxRowsPerRun: 31 });
    const counts = Array.from(batch.chunks(), (chunk) => chunk.decisionCount);
    expect(counts).toEqual([3, 3, 3, 1]);
    expect(batch.chunkCount).toBe(4);
  });

  it('gives the same Shapley values chunk by chunk as decision by decision', () => {
    const beta = [0.3, -2, 1.5];
    const batch = buildCoalitionBatch(rows, decisions, baseline, groups, plan, { maxRowsPerRun: 24 });
    for (const chunk of batch.chunks()) {
      const outputs = linearOutputs(chunk.rows, width, beta, 0.1);
      for (let j = 0; j < chunk.decisionCount; j++) {
        const phis = shapleyFromValues(outputs.subarray(j * plan.coalitionCount, (j + 1) * plan.coalitionCount), plan);
        const decision = chunk.firstDecision + j;
        for (let column = 0; column < width; column++) {
          expect(phis[column]).toBeCloseTo(beta[column]! * (rows[decision * width + column]! - baseline[column]!), 9);
        }
      }
    }
  });

  it('defaults to 65,536 rows per run, and keeps a small batch in one chunk', () => {
    expect(defaultMaxRowsPerRun).toBe(65_536);
    const wide = coalitionPlan(10);
    const manyGroups = Array.from({ length: 10 }, (_, group) => [group]);
    const n = 150;
    const batch = buildCoalitionBatch(new Float32Array(n * 10), n, new Float32Array(10), manyGroups, wide);
    expect(batch.decisionsPerChunk).toBe(64);
    expect(batch.chunkCount).toBe(3);
    const small = buildCoalitionBatch(rows, decisions, baseline, groups, plan);
    expect(small.chunkCount).toBe(1);
    expect(Array.from(small.chunks())[0]!.rows.length).toBe(decisions * plan.coalitionCount * width);
  });

  it('yields nothing for no decisions', () => {
    const batch = buildCoalitionBatch(new Float32Array(0), 0, baseline, groups, plan);
    expect(batch.rowCount).toBe(0);
    expect(batch.chunkCount).toBe(0);
    expect(Array.from(batch.chunks())).toEqual([]);
  });

  it('refuses a cap below one decision, a count that does not match the rows, and malformed groups', () => {
    const small = thrownBy(() => buildCoalitionBatch(rows, decisions, baseline, groups, plan, { maxRowsPerRun: 7 }));
    expect(small.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(small.message).toContain('at least 8');
    expect(thrownBy(() => buildCoalitionBatch(rows, 9, baseline, groups, plan)).code).toBe(ErrorCode.EVENT_INVALID);
    expect(thrownBy(() => buildCoalitionBatch(rows, -1, baseline, groups, plan)).code).toBe(ErrorCode.EVENT_INVALID);
    expect(thrownBy(() => buildCoalitionBatch(rows, decisions, baseline, [[0], [0], [2]], plan)).code).toBe(ErrorCode.MODEL_INVALID);
  });
});

describe('adverseActionReasons', () => {
  const groups = ['DTI', 'UTIL', 'DELINQ', 'INQ', 'AGE', 'INCOME'].map((code) => ({ code, text: `reason ${code}` }));

  it('lists the groups that lowered the score most, most negative first, ties in group order, at most 4', () => {
    expect(adverseActionReasons([-3, 5, -10, -3, -1, -0.5], groups)).toEqual([
      { code: 'DELINQ', text: 'reason DELINQ', points: -10 },
      { code: 'DTI', text: 'reason DTI', points: -3 },
      { code: 'INQ', text: 'reason INQ', points: -3 },
      { code: 'AGE', text: 'reason AGE', points: -1 },
    ]);
    expect(adverseActionReasons([-3, 5, -10, -3, -1, -0.5], groups, 2).map((reason) => reason.code)).toEqual(['DELINQ', 'DTI']);
  });

  it('gives no reason for groups that raised the score or left it unchanged', () => {
    expect(adverseActionReasons([1, 0, -0, 2, 3, 4], groups)).toEqual([]);
  });

  it('refuses mismatched lengths, a bad max and NaN values', () => {
    expect(thrownBy(() => adverseActionReasons([1, 2], groups)).code).toBe(ErrorCode.MODEL_INVALID);
    expect(thrownBy(() => adverseActionReasons([1, 2, 3, 4, 5, 6], groups, -1)).code).toBe(ErrorCode.CONFIG_INVALID);
    expect(thrownBy(() => adverseActionReasons([1, NaN, 3, 4, 5, 6], groups)).message).toContain('group 1');
  });

  const phisAndGroups = fc.integer({ min: 1, max: 10 }).chain((count) =>
    fc.record({
      // Small integers make ties common, which is where a tie-break shows.
      phis: fc.array(fc.integer({ min: -6, max: 6 }), { minLength: count, maxLength: count }),
      max: fc.integer({ min: 0, max: 6 }),
    }),
  );
  const groupsFor = (count: number) => Array.from({ length: count }, (_, index) => ({ code: `G${index}`, text: `group ${index}` }));

  it('holds at most max reasons, only negative, sorted most negative first with ties in group order, codes from the groups', () => {
    fc.assert(
      fc.property(phisAndGroups, ({ phis, max }) => {
        const reasons = adverseActionReasons(phis, groupsFor(phis.length), max);
        expect(reasons.length).toBeLessThanOrEqual(max);
        expect(reasons.length).toBe(Math.min(max, phis.filter((phi) => phi < 0).length));
        const indices = reasons.map((reason) => Number(reason.code.slice(1)));
        reasons.forEach((reason, position) => {
          const index = indices[position]!;
          expect(reason.points).toBeLessThan(0);
          expect(reason.points).toBe(phis[index]);
          expect(reason.text).toBe(`group ${index}`);
          if (position > 0) {
            const previous = reasons[position - 1]!;
            expect(previous.points < reason.points || (previous.points === reason.points && indices[position - 1]! < index)).toBe(true);
          }
        });
        // Every group left out is no more negative than the last one listed (or not negative at all).
        const last = reasons.at(-1);
        phis.forEach((phi, index) => {
          if (indices.includes(index) || phi >= 0 || last === undefined) return;
          expect(phi > last.points || (phi === last.points && index > indices.at(-1)!)).toBe(true);
        });
        expect(adverseActionReasons(phis, groupsFor(phis.length), max)).toEqual(reasons);
      }),
      { numRuns: 500 },
    );
  });

  it('never moves a group later in the list when its value becomes more negative', () => {
    const positionOf = (reasons: readonly { code: string }[], code: string) => {
      const position = reasons.findIndex((reason) => reason.code === code);
      return position === -1 ? Infinity : position;
    };
    fc.assert(
      fc.property(phisAndGroups, fc.nat(), fc.integer({ min: 1, max: 8 }), ({ phis, max }, pick, decrease) => {
        const index = pick % phis.length;
        const named = groupsFor(phis.length);
        const before = positionOf(adverseActionReasons(phis, named, max), `G${index}`);
        const lowered = phis.map((phi, other) => (other === index ? phi - decrease : phi));
        const after = positionOf(adverseActionReasons(lowered, named, max), `G${index}`);
        expect(after).toBeLessThanOrEqual(before);
      }),
      { numRuns: 500 },
    );
  });
});
