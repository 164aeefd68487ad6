// Challengers: other policy packs and models run beside the champion on every event, over the same
// rule results and velocity state, recorded under `shadow` and never acted on. A challenger that
// fails on an event records the failure's code for that event; the champion's decision stands.
// A challenger's verdict is reached in two steps, as the champion's: decide (the engine then adds
// credit attributions where a verdict needs its reasons), then the outcome with its primary reasons.
import type { EngineConfig } from '../schema/config.js';
import type { CreditStageResult, FraudStageResult, ShadowVerdict } from '../schema/decision.js';
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import { createPolicyStage, type PolicyInput, type PolicyOutput, type PolicyStage, type PolicyStageOptions } from '../policy/stage.js';
import type { LoadedPolicyPack } from '../policy/load.js';
import type { CreditStage } from '../stages/credit/stage.js';
import { loadCheckedPolicyPack, loadModelStages, type ModelStages } from './loadModels.js';
import type { StageRun } from './runStages.js';
import type { Stage, StageOutput } from './stage.js';

export interface LoadedChallenger {
  readonly name: string;
  /** Which champion stage outputs the challenger replaces with its own (a model set to null drops the stage). */
  readonly replaces: { readonly fraud: boolean; readonly credit: boolean };
  readonly stages: ReadonlyArray<Stage<unknown>>;
  /** The challenger's own credit stage, when it replaces the champion's with a model. */
  readonly credit: CreditStage | null;
  readonly policy: PolicyStage;
}

export async function loadChallengers(
  configs: EngineConfig['challengers'],
  champion: { readonly models: ModelStages; readonly pack: LoadedPolicyPack },
  derivedFeaturesSha256: string,
  facts: Readonly<Record<string, string>>,
  policyOptions: PolicyStageOptions,
  attributeAll = false,
  refused?: ReadonlyMap<string, string>,
  factKinds: Readonly<Record<string, 'number' | 'text' | 'boolean'>> = {},
): Promise<LoadedChallenger[]> {
  const loaded: LoadedChallenger[] = [];
  for (const config of configs) {
    const replaces = { fraud: config.fraudModel !== undefined, credit: config.creditModel !== undefined };
    const own = await loadModelStages(
      replaces.fraud ? config.fraudModel : null,
      replaces.credit ? config.creditModel : null,
      derivedFeaturesSha256,
      facts,
      attributeAll,
      factKinds,
    );
    const stages = [replaces.fraud ? own.fraud : null, replaces.credit ? own.credit : null].filter((stage) => stage !== null);
    const lowestCreditScore = replaces.credit ? own.lowestCreditScore : champion.models.lowestCreditScore;
    // A pack is checked against the credit model it runs with: the challenger's own, or the champion's.
    const pack =
      config.policyPack === undefined && !replaces.credit
        ? champion.pack
        : await loadCheckedPolicyPack(config.policyPack ?? champion.pack.path, facts, lowestCreditScore, policyOptions.operators, refused);
    loaded.push({
      name: config.name,
      replaces,
      stages: stages as ReadonlyArray<Stage<unknown>>,
      credit: replaces.credit ? own.credit : null,
      policy: createPolicyStage(pack, policyOptions),
    });
  }
  return loaded;
}

/** A challenger's decided verdict on one event, before its reasons; or its failure. */
export type ShadowDecided =
  | { readonly challenger: LoadedChallenger; readonly input: PolicyInput; readonly output: PolicyOutput }
  | { readonly challenger: LoadedChallenger; readonly error: string };

/** One challenger's verdict on one event, from its own stage outputs where it has them. */
export async function shadowDecide(
  challenger: LoadedChallenger,
  run: StageRun | FengkongError,
  base: Omit<PolicyInput, 'fraud' | 'credit'>,
  champion: Pick<PolicyInput, 'fraud' | 'credit'>,
): Promise<ShadowDecided> {
  if (run instanceof FengkongError) return { challenger, error: run.code };
  const fraud = challenger.replaces.fraud ? (run.outputs.fraud as StageOutput<FraudStageResult> | undefined) : champion.fraud;
  const credit = challenger.replaces.credit ? (run.outputs.credit as StageOutput<CreditStageResult> | undefined) : champion.credit;
  const input = { ...base, fraud, credit };
  try {
    return { challenger, input, output: await challenger.policy.decide(input) };
  } catch (error) {
    return { challenger, error: isFengkongError(error) ? error.code : ErrorCode.STAGE_FAILED };
  }
}

/** What the decision records of a challenger's verdict: its outcome and primary reasons, or its failure's code. */
export function shadowVerdict(decided: ShadowDecided): ShadowVerdict {
  const name = decided.challenger.name;
  if ('error' in decided) return { challenger: name, error: decided.error };
  const { input, output } = decided;
  try {
    return {
      challenger: name,
      outcome: output.outcome,
      tier: output.tier,
      actions: output.actions,
      ...(input.fraud === undefined ? {} : { fraudProbability: input.fraud.result.probability }),
      ...(input.credit === undefined ? {} : { creditScore: input.credit.result.score }),
      primaryReasonCodes: decided.challenger.policy.reasons(input, output).primary.map((reason) => reason.code),
    };
  } catch (error) {
    return { challenger: name, error: isFengkongError(error) ? error.code : ErrorCode.STAGE_FAILED };
  }
}
