// Step 4 of a decision: the credit model's attributions, for the verdicts that state reasons (config
// `attributions`: by default reviews, declines and counter-offers), one batch per credit model; or one
// verdict at once, when its freeze must bind the events after it.
import { performance } from 'node:perf_hooks';
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import type { CreditStageResult } from '../schema/decision.js';
import type { EngineConfig } from '../schema/config.js';
import type { CreditStage } from '../stages/credit/stage.js';
import type { LoadedChallenger, ShadowDecided } from './challengers.js';
import { microseconds } from './runStages.js';
import type { StageOutput } from './stage.js';
import { asStageError, statesReasons, type Verdict } from './verdict.js';

export interface AttributionParts {
  /** The champion's credit stage (null without one). */
  readonly credit: CreditStage | null;
  readonly challengers: readonly LoadedChallenger[];
  readonly attributions: EngineConfig['attributions'];
}

/**
 * Adds the credit model's attributions to the stage outputs whose verdicts state reasons, in one batch
 * per credit model: the champion's outputs in place, for its own verdicts; copies of them for
 * challengers that read the champion's score (so a challenger never changes the champion's decision);
 * a challenger's own model's outputs in place. If a batch fails, its outputs are attributed one by
 * one: an application whose champion attribution fails fails (its freeze, applied with its verdict,
 * stands); a challenger's records the failure's code.
 */
export async function attributeWhereNeeded(parts: AttributionParts, verdicts: Array<Verdict | FengkongError>): Promise<void> {
  const { credit: championCredit, challengers, attributions } = parts;
  if (attributions !== 'adverse') return;
  const decided = verdicts.flatMap((verdict, index) => (verdict instanceof FengkongError ? [] : [{ verdict, index }]));
  if (championCredit !== null) {
    const needing = decided.filter(({ verdict }) => verdict.input.credit !== undefined && statesReasons(verdict.output));
    await attributeBatch(
      championCredit,
      needing.map(({ verdict }) => verdict.input.credit!),
      false,
      (position, us) => {
        needing[position]!.verdict.us.attribution += us;
      },
      (position, error) => {
        const { index, verdict } = needing[position]!;
        verdicts[index] = asStageError(error, verdict.item);
      },
    );
  }
  for (const [c, challenger] of challengers.entries()) {
    const stage = challenger.credit ?? championCredit;
    if (stage === null) continue;
    const needing = decided.filter(({ verdict }) => {
      const shadow = verdict.shadow[c]!;
      return 'output' in shadow && shadow.input.credit !== undefined && statesReasons(shadow.output);
    });
    const shadowOf = (position: number) => needing[position]!.verdict.shadow[c] as Extract<ShadowDecided, { input: unknown }>;
    const attributed = await attributeBatch(
      stage,
      needing.map((_, position) => shadowOf(position).input.credit!),
      challenger.credit === null,
      (position, us) => {
        needing[position]!.verdict.us.shadow += us;
      },
      (position, error) => {
        needing[position]!.verdict.shadow[c] = { challenger, error: isFengkongError(error) ? error.code : ErrorCode.STAGE_FAILED };
      },
    );
    attributed.forEach((credit, position) => {
      const shadow = shadowOf(position);
      if (credit !== undefined && 'input' in shadow)
        needing[position]!.verdict.shadow[c] = { ...shadow, input: { ...shadow.input, credit } };
    });
  }
}

/** Attributes one verdict's credit output ahead of its batch; the error if that fails, else null. */
export async function attributeNow(parts: AttributionParts, verdict: Verdict): Promise<FengkongError | null> {
  const { credit: championCredit, attributions } = parts;
  const credit = verdict.input.credit;
  if (attributions !== 'adverse' || championCredit === null || credit === undefined || !statesReasons(verdict.output)) return null;
  let failure: FengkongError | null = null;
  await attributeBatch(
    championCredit,
    [credit],
    false,
    (_, us) => {
      verdict.us.attribution += us;
    },
    (_, error) => {
      failure = asStageError(error, verdict.item);
    },
  );
  return failure;
}

/**
 * Attributes a batch of credit outputs (in place, or copies); if that fails, one at a time, so one
 * failing output fails alone. `took` gets each output's share of the time, `failed` each output that
 * could not be attributed. Returns the outputs attributed by position (undefined where one failed).
 */
async function attributeBatch(
  stage: CreditStage,
  outputs: ReadonlyArray<StageOutput<CreditStageResult>>,
  copies: boolean,
  took: (position: number, us: number) => void,
  failed: (position: number, error: unknown) => void,
): Promise<Array<StageOutput<CreditStageResult> | undefined>> {
  if (outputs.length === 0) return [];
  const started = performance.now();
  try {
    const attributed = await stage.attribute(outputs, copies);
    const shareUs = microseconds(started, performance.now()) / outputs.length;
    outputs.forEach((_, position) => took(position, shareUs));
    return attributed;
  } catch {
    // One at a time below.
  }
  const attributed: Array<StageOutput<CreditStageResult> | undefined> = [];
  for (const [position, output] of outputs.entries()) {
    const one = performance.now();
    try {
      attributed.push((await stage.attribute([output], copies))[0]);
      took(position, microseconds(one, performance.now()));
    } catch (error) {
      attributed.push(undefined);
      failed(position, error);
    }
  }
  return attributed;
}
