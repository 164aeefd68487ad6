// The policy stage: stage outputs → policy facts → verdict, and the freeze a tier 3 decision calls
// for; then, apart, the ranked reasons (the engine adds the credit model's attributions to the stage
// outputs in between, for the decisions that need them, so `reasons` reads them as they are then). It reads the frozen set but never writes it: the engine applies the freeze once
// the decision is complete, per event in input order, so a freeze set by one application is seen by
// every later one whatever the batch size, and a challenger's verdict never freezes anyone.
import type { EventRecord } from '../schema/event.js';
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
import type { Facts, StageReason } from '../engine/stage.js';
import type { HashedIdentifiers } from '../features/eventFacts.js';
import type { StateStore } from '../state/store.js';
import { buildPolicyFacts, eventFactsReadBy, type RuleMeta } from './facts.js';
import { createPolicyEvaluator, type PolicyVerdict } from './evaluate.js';
import type { CustomOperators, RuleEvaluatorKind } from '../stages/rules/evaluator.js';
import type { LoadedPolicyPack } from './load.js';
import { rankReasons } from './reasons.js';

const DAY_MS = 86_400_000;

export interface PolicyInput {
  readonly id: string;
  readonly atMs: number;
  readonly event: EventRecord;
  readonly facts: Readonly<Facts>;
  readonly identifiers: HashedIdentifiers;
  readonly rules: { readonly result: RulesStageResult; readonly reasons: readonly StageReason[] };
  readonly fraud: { readonly result: FraudStageResult; readonly reasons: readonly StageReason[] } | undefined;
  readonly credit: { readonly result: CreditStageResult; readonly reasons: readonly StageReason[] } | undefined;
  /** Whether the applicant is frozen, when the caller knows it already; else the store is asked. */
  readonly identityFrozen?: boolean;
}

/** A freeze the decision calls for, applied by the engine when the decision is complete. */
export interface FreezeIntent {
  readonly key: string;
  readonly fromMs: number;
  readonly untilMs: number;
}

export interface PolicyOutput {
  readonly freeze: FreezeIntent | null;
  readonly outcome: Outcome;
  readonly tier: Tier;
  readonly actions: PolicyAction[];
  readonly offer: Offer | undefined;
  readonly result: PolicyStageResult;
  /** The pack's verdict, which the reasons are ranked from. */
  readonly verdict: PolicyVerdict;
}

export interface PolicyStageOptions {
  readonly ruleMeta: ReadonlyMap<string, RuleMeta>;
  readonly blockLists: ReadonlySet<string>;
  /** Where freezes are read. */
  readonly store: StateStore;
  /** Which evaluator runs the pack (default: compiled). */
  readonly prefer?: RuleEvaluatorKind;
  readonly operators?: CustomOperators;
  /** The fact offers price: the data model's amount field (default funded_amnt, the lending model's); null for none. */
  readonly amountFact?: string | null;
}

export interface PolicyStage {
  decide(input: PolicyInput): Promise<PolicyOutput>;
  /** The reasons of a decided input, ranked across the stages from its stage outputs as they are now. */
  reasons(input: PolicyInput, output: PolicyOutput): RankedReasons;
}

/** The key under which a subject's freeze is kept (the applicant's): the hashed identifier, never the raw one. */
export function frozenKey(applicantHash: string): string {
  return `frozen:${applicantHash}`;
}

export function createPolicyStage(loaded: LoadedPolicyPack, options: PolicyStageOptions): PolicyStage {
  const evaluate = createPolicyEvaluator(loaded, options.prefer, options.operators, options.amountFact);
  const freezeMs = loaded.pack.freezeDays * DAY_MS;
  const eventFactNames = eventFactsReadBy(loaded.pack, options.amountFact);
  const { ruleMeta, blockLists, store } = options;
  const decide = async (input: PolicyInput): Promise<PolicyOutput> => {
    const { atMs } = input;
    const applicant = input.identifiers.subject;
    const identityFrozen = input.identityFrozen ?? (applicant !== null && store.isFrozen(frozenKey(applicant), atMs, input.id));
    const facts = buildPolicyFacts(
      input.facts,
      {
        rules: input.rules.result,
        fraud: input.fraud?.result,
        credit: input.credit?.result,
        ruleMeta,
        blockLists,
        identityFrozen,
      },
      eventFactNames,
    );
    const verdict = await evaluate(facts);
    const freeze =
      applicant !== null && verdict.actions.includes('freeze_identity')
        ? { key: frozenKey(applicant), fromMs: atMs, untilMs: atMs + freezeMs }
        : null;
    return {
      freeze,
      outcome: verdict.outcome,
      tier: verdict.tier,
      actions: verdict.actions,
      offer: verdict.offer,
      verdict,
      result: {
        policy: loaded.pack.policy,
        version: loaded.pack.version,
        fired: verdict.fired.map(({ code, outcome, tier, values }) => ({ code, outcome, tier, values })),
        identityFrozen,
        evaluator: evaluate.kind,
      },
    };
  };
  const reasons = (input: PolicyInput, output: PolicyOutput): RankedReasons =>
    rankReasons({
      verdict: output.verdict,
      rules: input.rules.reasons,
      ruleMeta,
      fraud: input.fraud?.reasons ?? [],
      credit: input.credit?.reasons ?? [],
    });
  return { decide, reasons };
}
