// Threshold tuning: replay the labelled history under the current policy, search the policy's
// thresholds on the tuning slice (re-deciding each row's recorded policy facts with the engine's policy
// evaluator, tuneSearch.ts), stage the tuned pack (the current one with only the thresholds, the reason
// texts that quote them, its version and description changed), then replay the whole history again
// with the staged pack, as the engine loads it, and measure it on the check slice it never saw.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ErrorCode, FengkongError } from '../errors.js';
import type { EngineConfigInput } from '../schema/config.js';
import { PolicyPack } from '../schema/policyPack.js';
import { describeIssues } from '../schema/issues.js';
import { createPolicyEvaluator } from '../policy/evaluate.js';
import { createOutputSet, type OutputSet, writeOutputs } from '../batch/outputFiles.js';
import { percent } from './format.js';
import { HELD_OUT_SHARE, modelsTraining } from './heldOut.js';
import { replayLabelled, type LabelledOutcome } from './replay.js';
import { type SlicesSample, slicesSample, type TuneSlices, tuneSlices } from './tuneSlices.js';
import { loadPolicyInputs, type PolicyInputs } from './tunePolicyInputs.js';
import { type Constraints, describeConstraints, meets, SliceTally, type SliceMetrics } from './tuneMetrics.js';
import { DEFAULT_GRID, type Objective, searchThresholds, type SearchGrid, type SearchResult, type TuningRow } from './tuneSearch.js';
import { describeThresholds, readThresholds, withThresholds, type PolicyThresholds } from './tuneThresholds.js';

/** The check slice: by default what the trainers hold out, so models trained on the file never saw it. */
export const DEFAULT_HOLDOUT = HELD_OUT_SHARE;
export const DEFAULT_CONFIDENCE = 0.95;

export interface TuneOptions {
  readonly inputPath: string;
  /** Where the tuned policy pack is written. */
  readonly outPath: string;
  /**
   * The output set (declaring outPath) the pack is staged in, for the caller to commit with its other
   * outputs; without one, tunePolicy makes its own and puts the pack in place when it succeeds.
   */
  readonly outputs?: OutputSet;
  /** The engine config; its policy pack (default: the shipped one) is the one tuned. */
  readonly config?: EngineConfigInput;
  readonly objective: Objective;
  readonly constraints: Constraints;
  /** One-sided confidence with which the constraints must hold on the tuning slice (default 0.95; 0: on the rates). */
  readonly confidence?: number;
  readonly holdout?: number;
  readonly chunkSize?: number;
  readonly grid?: SearchGrid;
}

export interface SliceRange {
  readonly rows: number;
  /** The time field's value of the first and last rows (applied_at); their data lines without a time field. */
  readonly from: string;
  readonly to: string;
}

export interface TuneResult {
  readonly input: {
    readonly name: string;
    readonly sha256: string;
    readonly read: number;
    readonly decided: number;
    readonly rejected: number;
  };
  readonly policy: { readonly name: string; readonly version: string; readonly tunedVersion: string };
  readonly objective: Objective;
  readonly constraints: Constraints;
  readonly confidence: number;
  readonly holdout: number;
  /** How rows are ordered into slices: `by applied_at` (the time field), or `in the file's order`. */
  readonly orderedBy: string;
  readonly slices: { readonly history: SliceRange; readonly tuning: SliceRange; readonly check: SliceRange };
  /** Whether the models' scores are in or out of sample on each slice, by what the models record of their training data. */
  readonly sample: SlicesSample;
  readonly thresholds: { readonly current: PolicyThresholds; readonly tuned: PolicyThresholds };
  readonly search: SearchResult;
  /** The current and tuned policies on the tuning slice, each from a full replay. */
  readonly tuning: { readonly current: SliceMetrics; readonly tuned: SliceMetrics };
  /** The same on the check slice: what the constraint is judged on. */
  readonly check: { readonly current: SliceMetrics; readonly tuned: SliceMetrics; readonly met: boolean };
  readonly tunedPack: PolicyPack;
  readonly configSha256: { readonly current: string; readonly tuned: string };
}

/**
 * Tunes, stages the tuned pack in `options.outputs` and checks it by a replay of the staged file; the
 * caller commits the set with its other outputs. Without a set, `outPath` is checked before any work and
 * the pack put in place at the end, or not at all when anything fails. A constraint missed on the check
 * slice is a result, not a failure: the pack is still written (result.check.met says which).
 */
export async function tunePolicy(options: TuneOptions): Promise<TuneResult> {
  if (options.outputs !== undefined) return tuneInto(options.outputs, options);
  const outputs = createOutputSet([options.outPath]);
  let result: TuneResult | undefined;
  await writeOutputs(outputs, async (set) => {
    result = await tuneInto(set, options);
  });
  return result!;
}

async function tuneInto(outputs: OutputSet, options: TuneOptions): Promise<TuneResult> {
  const holdout = options.holdout ?? DEFAULT_HOLDOUT;
  const config = options.config ?? {};
  const spec = { objective: options.objective, constraints: options.constraints, confidence: options.confidence ?? DEFAULT_CONFIDENCE };
  const chunk = options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize };
  // The pack is read and its thresholds checked before the replay: a mistake in it fails in a moment.
  const inputs = loadPolicyInputs(config);
  const { pack, path: packPath } = inputs.policy;
  const currentThresholds = readThresholds(pack, packPath);
  const models = modelsTraining(config);

  const replay = await replayLabelled(options.inputPath, { config, command: 'tune', ...chunk });
  if (replay.rows.length === 0) {
    throw new FengkongError(
      ErrorCode.METRIC_INPUT_INVALID,
      `${options.inputPath}: no application was decided (${replay.read} data lines read, ${replay.rejected.length} rejected): tune needs labelled applications`,
    );
  }
  const slices = tuneSlices(replay.rows, holdout, options.inputPath);
  const rows = tuningRows(slices.tuning, inputs);
  const search = searchThresholds(inputs.policy, currentThresholds, rows, spec, options.grid ?? DEFAULT_GRID, inputs.amountFact);
  const tuned = search.chosen.thresholds;

  const timeField = replay.outcomes.time;
  const orderedBy = timeField === null ? "in the file's order" : `by ${timeField}`;
  const tunedVersion = `${pack.version}-tuned-${createHash('sha256')
    .update(JSON.stringify({ input: replay.inputSha256, tuned, spec, holdout }))
    .digest('hex')
    .slice(0, 8)}`;
  const description =
    `Tuned by fengkong tune from ${pack.policy} ${pack.version} on ${basename(options.inputPath)} (sha256 ${replay.inputSha256.slice(0, 12)}): ` +
    `the tuning slice is the ${slices.tuning.length} applications ${orderedBy} from ${rangeOf(slices.tuning).from} to ${rangeOf(slices.tuning).to}, ` +
    `just before the latest ${percent(holdout)} (the check slice, never used for tuning). ` +
    `Objective: maximise ${options.objective === 'approvals' ? 'approvals' : 'expected profit'} subject to ${describeConstraints(options.constraints)}` +
    (spec.confidence > 0 ? ` (held at ${percent(spec.confidence)} one-sided confidence on the tuning slice). ` : '. ') +
    `Thresholds: ${describeThresholds(tuned, pack)} (were: ${describeThresholds(currentThresholds, pack)}). ` +
    `Everything else is ${pack.policy} ${pack.version} unchanged.`;
  const tunedPack = checkedPack(
    withThresholds(packAsWritten(packPath), tuned, { version: tunedVersion, description }, packPath),
    options.outPath,
  );
  const stagedPack = outputs.stage(options.outPath, `${JSON.stringify(tunedPack, null, 2)}\n`);

  // The check replays the staged file itself: what is checked is byte for byte what will be put in place.
  const tunedReplay = await replayLabelled(options.inputPath, {
    config: { ...config, policyPack: resolve(stagedPack) },
    command: 'tune',
    ...chunk,
  });
  if (tunedReplay.inputSha256 !== replay.inputSha256) {
    throw new FengkongError(ErrorCode.FILE_READ, `${options.inputPath}: the file changed while tune was replaying it`);
  }
  const tunedSlices = sameRows(tuneSlices(tunedReplay.rows, holdout, options.inputPath), slices, options.outPath);
  const check = { current: metricsOf(slices.check), tuned: metricsOf(tunedSlices.check) };
  return {
    input: {
      name: basename(options.inputPath),
      sha256: replay.inputSha256,
      read: replay.read,
      decided: replay.rows.length,
      rejected: replay.rejected.length,
    },
    policy: { name: pack.policy, version: pack.version, tunedVersion },
    objective: options.objective,
    constraints: options.constraints,
    confidence: spec.confidence,
    holdout,
    orderedBy,
    slices: { history: rangeOf(slices.history), tuning: rangeOf(slices.tuning), check: rangeOf(slices.check) },
    sample: slicesSample(models, replay.inputSha256, holdout, timeField),
    thresholds: { current: currentThresholds, tuned },
    search,
    tuning: { current: metricsOf(slices.tuning), tuned: metricsOf(tunedSlices.tuning) },
    check: { ...check, met: meets(check.tuned, options.constraints) },
    tunedPack,
    configSha256: { current: replay.configSha256, tuned: tunedReplay.configSha256 },
  };
}

/**
 * The tuning rows with the facts their policy read. The current pack, evaluated on them, must give
 * every recorded verdict back (outcome, tier, rules fired, amount approved): else the facts are not
 * what the engine read, and the search would tune something else.
 */
export function tuningRows(outcomes: readonly LabelledOutcome[], inputs: PolicyInputs): TuningRow[] {
  const evaluate = createPolicyEvaluator(inputs.policy, 'compiled', {}, inputs.amountFact);
  return outcomes.map((outcome) => {
    // The amount as the event gave it: a row without one got no offer, so its facts carry none either.
    const facts = {
      ...inputs.factsOf(outcome.decision),
      ...(inputs.amountFact === null || outcome.amount === null ? {} : { [inputs.amountFact]: outcome.amount }),
    };
    const verdict = evaluate(facts);
    const { decision } = outcome;
    if (
      verdict instanceof Promise ||
      verdict.outcome !== decision.outcome ||
      verdict.tier !== decision.tier ||
      verdict.fired.map((hit) => hit.code).join() !== decision.stages.policy.fired.map((hit) => hit.code).join() ||
      verdict.offer?.approvedAmount !== decision.offer?.approvedAmount
    ) {
      throw new FengkongError(
        ErrorCode.POLICY_INVALID,
        `${inputs.policy.path}: the policy facts rebuilt for data line ${outcome.line} do not give its recorded decision back: tune cannot re-decide this pack from the stage outputs a decision records`,
      );
    }
    return {
      facts,
      amount: outcome.amount ?? 0,
      isFraud: outcome.isFraud,
      defaulted: outcome.defaulted,
      intRatePercent: outcome.intRatePercent,
      termMonths: outcome.termMonths,
    };
  });
}

export function metricsOf(outcomes: readonly LabelledOutcome[]): SliceMetrics {
  const tally = new SliceTally();
  for (const row of outcomes) tally.add(row, row.decision.outcome, row.approvedAmount);
  return tally.metrics();
}

/**
 * The pack as its file holds it: the loaded pack has been through the schema, which fills defaults and
 * orders keys its own way; the tuned file should differ from its source in the thresholds only. The
 * file was validated at load (loadPolicyInputs), so it has the schema's shape.
 */
function packAsWritten(path: string): PolicyPack {
  return JSON.parse(readFileSync(path, 'utf8')) as PolicyPack;
}

function checkedPack(pack: PolicyPack, outPath: string): PolicyPack {
  const parsed = PolicyPack.safeParse(pack);
  if (!parsed.success) {
    throw new FengkongError(
      ErrorCode.POLICY_INVALID,
      `${outPath}: the tuned pack fails the policy pack schema: ${describeIssues(parsed.error)}`,
    );
  }
  return pack;
}

/**
 * The second replay decides the same rows in the same order (same input, checked by its hash): its
 * slices are the first's, unless the tuned pack made the engine refuse a row the current one decided.
 */
function sameRows(slices: TuneSlices<LabelledOutcome>, first: TuneSlices<LabelledOutcome>, outPath: string): TuneSlices<LabelledOutcome> {
  for (const key of ['history', 'tuning', 'check'] as const) {
    const lines = (rows: LabelledOutcome[]) => rows.map((row) => row.line).join();
    if (lines(slices[key]) !== lines(first[key])) {
      throw new FengkongError(
        ErrorCode.POLICY_INVALID,
        `${outPath}: the replay with the tuned pack decided other rows in the ${key} slice (${slices[key].length}, against ${first[key].length} with the current pack)`,
      );
    }
  }
  return slices;
}

function rangeOf(rows: readonly LabelledOutcome[]): SliceRange {
  const at = (row: LabelledOutcome | undefined) => (row === undefined ? '' : row.appliedAt === '' ? `line ${row.line}` : row.appliedAt);
  return { rows: rows.length, from: at(rows[0]), to: at(rows.at(-1)) };
}
