// The facts the policy pack read for a decision, rebuilt from the decision itself: the stage outputs it
// records (fraud probability, credit score and PD, the rules that fired with their severity, list hits,
// whether the applicant was frozen) through the engine's own buildPolicyFacts, with the rule packs'
// categories and the block lists of the same config. The velocity history and freezes are those of the
// replay that made the decision. The pack may read only these stage facts: a decision does not carry
// the event's own facts, so a pack that reads one cannot be tuned this way (refused, naming the rule).
import { ErrorCode, FengkongError } from '../errors.js';
import type { EngineConfigInput } from '../schema/config.js';
import type { Decision } from '../schema/decision.js';
import { factConditionsOf } from '../schema/conditions.js';
import type { PolicyPack } from '../schema/policyPack.js';
import { loadDecisionInputs, parseEngineConfig } from '../engine/loadInputs.js';
import { shippedPaths } from '../engine/paths.js';
import { createMemoryStore } from '../state/memory.js';
import { historyStoreOptions } from '../features/aggregates.js';
import { buildPolicyFacts, POLICY_FACTS, policyRuleContext, type PolicyFacts } from '../policy/facts.js';
import { loadPolicyPack, type LoadedPolicyPack } from '../policy/load.js';

export interface PolicyInputs {
  /** The config's policy pack, loaded and checked as the engine loads it. */
  readonly policy: LoadedPolicyPack;
  /** The facts the policy read for this decision. */
  factsOf(decision: Decision): PolicyFacts;
  /** The data model's amount field, which the policy's offers price (null: it has none, and approvals carry no offer). */
  readonly amountFact: string | null;
}

export function loadPolicyInputs(config: EngineConfigInput): PolicyInputs {
  const settings = parseEngineConfig(config);
  const { packs, lists, facts, dataModel } = loadDecisionInputs(settings, (aggregates) =>
    createMemoryStore(historyStoreOptions(aggregates)),
  );
  const policy = loadPolicyPack(settings.policyPack ?? shippedPaths.policyPack, new Set(Object.keys(facts)));
  checkReadsStageFactsOnly(policy);
  const { ruleMeta, blockLists } = policyRuleContext(packs.rules, lists.lists);
  return {
    policy,
    amountFact: dataModel.amountField?.name ?? null,
    factsOf: (decision) =>
      buildPolicyFacts(
        {},
        {
          rules: decision.stages.rules,
          fraud: decision.stages.fraud,
          credit: decision.stages.credit,
          ruleMeta,
          blockLists,
          identityFrozen: decision.stages.policy.identityFrozen,
        },
      ),
  };
}

function checkReadsStageFactsOnly({ pack, path }: { pack: PolicyPack; path: string }): void {
  for (const rule of pack.rules) {
    const other = factConditionsOf(rule.conditions).find((condition) => !Object.hasOwn(POLICY_FACTS, condition.fact))?.fact;
    if (other !== undefined) {
      throw new FengkongError(
        ErrorCode.POLICY_INVALID,
        `${path}: rule ${rule.name} reads the event fact "${other}": tune replays the policy on the stage outputs a decision records, which do not include event facts`,
      );
    }
  }
}
