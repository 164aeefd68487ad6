// The policy stage: stage outputs → policy facts → verdict → ranked reasons, and the freeze a tier 3
// decision records. It runs per event in input order (after the batched stages), so a freeze set by
// one application is seen by every later one, whatever the batch size. A challenger's policy runs with
// `enforce: false`: it reads the frozen set but never writes it.
import type { ApplicationEvent } from '../schema/event.js';
import type {
  CreditStageResult,
  FraudStageResult,
  Offer,
  Outcome,
  PolicyStageResult,
  RankedReasons,
  RulesStageResult,
  Tier,
} from '../schema/decision.js';
import type { PolicyAction } from '../schema/policyPack.js';
import type { Severity } from '../schema/rulePack.js';
import type { Facts, StageReason } from '../engine/stage.js';
import type { HashedIdentifiers } from '../features/eventFacts.js';
import type { StateStore } from '../state/store.js';
import { buildPolicyFacts } from './facts.js';
import { createPolicyEvaluator } from './evaluate.js';
import type { LoadedPolicyPack } from './load.js';
import { rankReasons } from './reasons.js';

const DAY_MS = 86_400_000;

export interface PolicyInput {
  readonly event: ApplicationEvent;
  readonly facts: Readonly<Facts>;
  readonly identifiers: HashedIdentifiers;
  readonly rules: { readonly result: RulesStageResult; readonly reasons: readonly StageReason[] };
  readonly fraud: { readonly result: FraudStageResult; readonly reasons: readonly StageReason[] } | undefined;
  readonly credit: { readonly result: CreditStageResult; readonly reasons: readonly StageReason[] } | undefined;
}

export interface PolicyOutput {
  readonly outcome: Outcome;
  readonly tier: Tier;
  readonly actions: PolicyAction[];
  readonly offer: Offer | undefined;
  readonly reasons: RankedReasons;
  readonly result: PolicyStageResult;
}

export interface RuleMeta {
  readonly severity: Severity;
  readonly category: string;
}

export interface PolicyStageOptions {
  readonly ruleMeta: ReadonlyMap<string, RuleMeta>;
  readonly blockLists: ReadonlySet<string>;
  readonly store: StateStore;
  /** Record freezes in the store (the champion); a challenger only reads them. */
  readonly enforce: boolean;
}

export type PolicyStage = (input: PolicyInput) => Promise<PolicyOutput>;

/** The key under which an applicant's freeze is kept: the hashed applicant id, never the raw one. */
export function frozenKey(applicantHash: string): string {
  return `frozen:${applicantHash}`;
}

export function createPolicyStage(loaded: LoadedPolicyPack, options: PolicyStageOptions): PolicyStage {
  const evaluate = createPolicyEvaluator(loaded);
  const freezeMs = loaded.pack.freezeDays * DAY_MS;
  const { ruleMeta, blockLists, store, enforce } = options;
  return async (input) => {
    const atMs = Date.parse(input.event.applied_at);
    const applicant = input.identifiers.applicant_id;
    const applicationId = input.event.application_id;
    const identityFrozen = applicant !== null && store.isFrozen(frozenKey(applicant), atMs, applicationId);
    const facts = buildPolicyFacts(input.facts, {
      rules: input.rules.result,
      fraud: input.fraud?.result,
      credit: input.credit?.result,
      ruleMeta,
      blockLists,
      identityFrozen,
    });
    const verdict = await evaluate(facts);
    // A frozen applicant's application keeps the freeze but does not extend it: the freeze ends
    // freezeDays after the decision that set it, however often the identity is tried meanwhile.
    if (enforce && applicant !== null && !identityFrozen && verdict.actions.includes('freeze_identity')) {
      store.freeze(frozenKey(applicant), atMs, atMs + freezeMs, applicationId);
    }
    const reasons = rankReasons({
      verdict,
      rules: input.rules.reasons,
      ruleMeta,
      fraud: input.fraud?.reasons ?? [],
      credit: input.credit?.reasons ?? [],
    });
    return {
      outcome: verdict.outcome,
      tier: verdict.tier,
      actions: verdict.actions,
      offer: verdict.offer,
      reasons,
      result: {
        policy: loaded.pack.policy,
        version: loaded.pack.version,
        fired: verdict.fired.map(({ code, outcome, tier, values }) => ({ code, outcome, tier, values })),
        identityFrozen,
      },
    };
  };
}
