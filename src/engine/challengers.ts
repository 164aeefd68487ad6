// Challengers: other policy packs and models run beside the champion on every event, over the same
// rule results and velocity state, recorded under `shadow` and never acted on. A challenger that
// fails on an event records the failure's code for that event; the champion's decision stands.
import type { EngineConfig } from '../schema/config.js';
import type { CreditStageResult, FraudStageResult, ShadowVerdict } from '../schema/decision.js';
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import { createPolicyStage, type PolicyInput, type PolicyStage, type PolicyStageOptions } from '../policy/stage.js';
import type { LoadedPolicyPack } from '../policy/load.js';
import { loadCheckedPolicyPack, loadModelStages, type ModelStages } from './loadModels.js';
import type { StageRun } from './runStages.js';
import type { Stage, StageOutput } from './stage.js';

export interface LoadedChallenger {
  readonly name: string;
  /** Which champion stage outputs the challenger replaces with its own (a model set to null drops the stage). */
  readonly replaces: { readonly fraud: boolean; readonly credit: boolean };
  readonly stages: ReadonlyArray<Stage<unknown>>;
  readonly policy: PolicyStage;
}

export async function loadChallengers(
  configs: EngineConfig['challengers'],
  champion: { readonly models: ModelStages; readonly pack: LoadedPolicyPack },
  derivedFeaturesSha256: string,
  facts: Readonly<Record<string, string>>,
  policyOptions: PolicyStageOptions,
): Promise<LoadedChallenger[]> {
  const loaded: LoadedChallenger[] = [];
  for (const config of configs) {
    const replaces = { fraud: config.fraudModel !== undefined, credit: config.creditModel !== undefined };
    const own = await loadModelStages(
      replaces.fraud ? config.fraudModel : null,
      replaces.credit ? config.creditModel : null,
      derivedFeaturesSha256,
      facts,
    );
    const stages = [replaces.fraud ? own.fraud : null, replaces.credit ? own.credit : null].filter((stage) => stage !== null);
    const lowestCreditScore = replaces.credit ? own.lowestCreditScore : champion.models.lowestCreditScore;
    // A pack is checked against the credit model it runs with: the challenger's own, or the champion's.
    const pack =
      config.policyPack === undefined && !replaces.credit
        ? champion.pack
        : await loadCheckedPolicyPack(config.policyPack ?? champion.pack.path, facts, lowestCreditScore, policyOptions.operators);
    loaded.push({
      name: config.name,
      replaces,
      stages: stages as ReadonlyArray<Stage<unknown>>,
      policy: createPolicyStage(pack, policyOptions),
    });
  }
  return loaded;
}

/** One challenger's verdict on one event, from its own stage outputs where it has them. */
export async function shadowVerdict(
  challenger: LoadedChallenger,
  run: StageRun | FengkongError,
  base: Omit<PolicyInput, 'fraud' | 'credit'>,
  champion: Pick<PolicyInput, 'fraud' | 'credit'>,
): Promise<ShadowVerdict> {
  if (run instanceof FengkongError) return { challenger: challenger.name, error: run.code };
  const fraud = challenger.replaces.fraud ? (run.outputs.fraud as StageOutput<FraudStageResult> | undefined) : champion.fraud;
  const credit = challenger.replaces.credit ? (run.outputs.credit as StageOutput<CreditStageResult> | undefined) : champion.credit;
  try {
    const verdict = await challenger.policy({ ...base, fraud, credit });
    return {
      challenger: challenger.name,
      outcome: verdict.outcome,
      tier: verdict.tier,
      actions: verdict.actions,
      ...(fraud === undefined ? {} : { fraudProbability: fraud.result.probability }),
      ...(credit === undefined ? {} : { creditScore: credit.result.score }),
      primaryReasonCodes: verdict.reasons.primary.map((reason) => reason.code),
    };
  } catch (error) {
    return { challenger: challenger.name, error: isFengkongError(error) ? error.code : ErrorCode.STAGE_FAILED };
  }
}
