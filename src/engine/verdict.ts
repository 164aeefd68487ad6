// Step 3 of a decision: one prepared event's verdicts after its stages ran, the champion policy's and
// each challenger's, before credit attributions and reasons.
import { performance } from 'node:perf_hooks';
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import type { CreditStageResult, FraudStageResult, RulesStageResult } from '../schema/decision.js';
import type { PolicyInput, PolicyOutput, PolicyStage } from '../policy/stage.js';
import { shadowDecide, type LoadedChallenger, type ShadowDecided } from './challengers.js';
import type { Prepared } from './prepared.js';
import { microseconds, type StageRun } from './runStages.js';
import type { StageOutput } from './stage.js';

/** One event's verdicts, champion and challengers, before credit attributions and reasons. */
export interface Verdict {
  readonly item: Prepared;
  readonly run: StageRun;
  readonly input: PolicyInput;
  readonly output: PolicyOutput;
  /** Challengers in config order; a failure to attribute replaces an entry with the failure. */
  readonly shadow: ShadowDecided[];
  /** Microseconds so far: the policy's verdict, the challengers', and this event's share of attribution batches. */
  readonly us: { policy: number; shadow: number; attribution: number };
}

export async function decideVerdict(
  policy: PolicyStage,
  challengers: readonly LoadedChallenger[],
  item: Prepared,
  run: StageRun,
  shadowRuns: ReadonlyArray<StageRun | FengkongError>,
  identityFrozen: boolean,
): Promise<Verdict> {
  const rules = run.outputs.rules as StageOutput<RulesStageResult>;
  const fraud = run.outputs.fraud as StageOutput<FraudStageResult> | undefined;
  const credit = run.outputs.credit as StageOutput<CreditStageResult> | undefined;
  const base = { id: item.id, atMs: item.atMs, event: item.event, facts: item.facts, identifiers: item.identifiers, rules, identityFrozen };
  const input: PolicyInput = { ...base, fraud, credit };
  const policyStarted = performance.now();
  const output = await policy.decide(input);
  const policyUs = microseconds(policyStarted, performance.now());
  const shadowStarted = performance.now();
  const shadow: ShadowDecided[] = [];
  for (const [index, challenger] of challengers.entries()) {
    shadow.push(await shadowDecide(challenger, shadowRuns[index]!, base, { fraud, credit }));
  }
  return {
    item,
    run,
    input,
    output,
    shadow,
    us: { policy: policyUs, shadow: microseconds(shadowStarted, performance.now()), attribution: 0 },
  };
}

/** Whether a verdict states the credit model's reasons: a review or decline, or an approval for less than asked. */
export function statesReasons(output: PolicyOutput): boolean {
  return output.outcome !== 'approve' || output.offer?.counterOffer === true;
}

export function asStageError(error: unknown, item: Prepared): FengkongError {
  return isFengkongError(error)
    ? error
    : new FengkongError(ErrorCode.STAGE_FAILED, `application ${item.id}: a stage failed`, { cause: error });
}
