// The stage outputs as named facts for the policy pack, beside the event's own facts. A stage that did
// not run leaves its facts null (a comparison with null is false in json-rules-engine).
import type { CreditStageResult, FraudStageResult, RulesStageResult } from '../schema/decision.js';
import type { RuleCategory, Severity } from '../schema/rulePack.js';
import type { Facts } from '../schema/facts.js';
import { factConditionsOf } from '../schema/conditions.js';
import type { PolicyPack } from '../schema/policyPack.js';

/** Rule categories whose hits are fraud signals; bureau and application rules are credit policy. */
export const FRAUD_RULE_CATEGORIES: ReadonlySet<RuleCategory> = new Set<RuleCategory>(['list', 'velocity', 'anomaly']);

/** What the policy needs to know of each rule of the rule packs, by code. */
export interface RuleMeta {
  readonly severity: Severity;
  readonly category: RuleCategory;
}

/** What the policy reads of the rule packs and lists: each rule's severity and category by code, and the block lists' names. */
export function policyRuleContext(
  rules: ReadonlyArray<{ readonly rule: { readonly name: string; readonly event: { readonly params: RuleMeta } } }>,
  lists: ReadonlyArray<{ readonly name: string; readonly kind: string }>,
): { ruleMeta: Map<string, RuleMeta>; blockLists: Set<string> } {
  return {
    ruleMeta: new Map(rules.map(({ rule }) => [rule.name, { severity: rule.event.params.severity, category: rule.event.params.category }])),
    blockLists: new Set(lists.filter((list) => list.kind === 'block').map((list) => list.name)),
  };
}

export const POLICY_FACTS = {
  fraudProbability: 'the anti-fraud model probability (null when the stage is off)',
  creditScore: 'the credit score in points (null when the stage is off)',
  creditPd: 'the credit model probability of default (null when the stage is off)',
  firedRuleCodes: 'codes of every rule that fired (a list: use contains / doesNotContain)',
  declineRuleCount: 'how many decline-severity rules fired',
  reviewRuleCount: 'how many review-severity rules fired',
  infoRuleCount: 'how many informational rules fired',
  fraudDeclineRuleCount: 'decline-severity rules fired in the fraud-signal categories (list, velocity, anomaly)',
  creditDeclineRuleCount: 'decline-severity rules fired in the credit categories (bureau, application)',
  fraudReviewRuleCount: 'review-severity rules fired in the fraud-signal categories',
  creditReviewRuleCount: 'review-severity rules fired in the credit categories',
  listHits: 'names of the lists the event matched (a list: use contains)',
  blockListHitCount: 'how many block lists the event matched',
  identityFrozen: "true when an earlier tier 3 decision froze this applicant's further applications",
} as const;
export type PolicyFactName = keyof typeof POLICY_FACTS;

export type PolicyFactValue = number | string | boolean | null | readonly string[];
export type PolicyFacts = Record<string, PolicyFactValue>;

export interface PolicyStageInputs {
  readonly rules: RulesStageResult;
  readonly fraud: FraudStageResult | undefined;
  readonly credit: CreditStageResult | undefined;
  readonly ruleMeta: ReadonlyMap<string, RuleMeta>;
  readonly blockLists: ReadonlySet<string>;
  readonly identityFrozen: boolean;
}

/**
 * The event facts a policy pack reads: those its conditions name (a pack's values are plain values,
 * never `{ fact }` references: the schema refuses them), and the amount, which its offers read. A
 * decision's policy facts need no other.
 */
/** The shipped lending data model's amount field: what offers price when no data model says otherwise. */
export const LENDING_AMOUNT = 'funded_amnt';

export function eventFactsReadBy(pack: Pick<PolicyPack, 'rules'>, amountFact: string | null = LENDING_AMOUNT): string[] {
  const names = new Set<string>(amountFact === null ? [] : [amountFact]);
  for (const rule of pack.rules) for (const leaf of factConditionsOf(rule.conditions)) names.add(leaf.fact);
  for (const name of Object.keys(POLICY_FACTS)) names.delete(name);
  return [...names];
}

/**
 * The policy facts: the stage outputs as named facts, beside the event's facts; only `eventFactNames`
 * of them when given (eventFactsReadBy: a copy of some 60 facts a decision is the policy's largest cost).
 */
export function buildPolicyFacts(eventFacts: Readonly<Facts>, inputs: PolicyStageInputs, eventFactNames?: readonly string[]): PolicyFacts {
  const counts = { decline: 0, review: 0, info: 0, fraudDecline: 0, creditDecline: 0, fraudReview: 0, creditReview: 0 };
  const codes: string[] = [];
  for (const hit of inputs.rules.fired) {
    codes.push(hit.code);
    counts[hit.severity] += 1;
    if (hit.severity === 'info') continue;
    const category = inputs.ruleMeta.get(hit.code)?.category;
    const fraudSignal = category !== undefined && FRAUD_RULE_CATEGORIES.has(category);
    if (hit.severity === 'decline') counts[fraudSignal ? 'fraudDecline' : 'creditDecline'] += 1;
    else counts[fraudSignal ? 'fraudReview' : 'creditReview'] += 1;
  }
  const stageFacts: Record<PolicyFactName, PolicyFactValue> = {
    fraudProbability: inputs.fraud?.probability ?? null,
    creditScore: inputs.credit?.score ?? null,
    creditPd: inputs.credit?.pd ?? null,
    firedRuleCodes: codes,
    declineRuleCount: counts.decline,
    reviewRuleCount: counts.review,
    infoRuleCount: counts.info,
    fraudDeclineRuleCount: counts.fraudDecline,
    creditDeclineRuleCount: counts.creditDecline,
    fraudReviewRuleCount: counts.fraudReview,
    creditReviewRuleCount: counts.creditReview,
    listHits: inputs.rules.listHits,
    blockListHitCount: inputs.rules.listHits.filter((name) => inputs.blockLists.has(name)).length,
    identityFrozen: inputs.identityFrozen,
  };
  if (eventFactNames === undefined) return { ...eventFacts, ...stageFacts };
  const facts: PolicyFacts = {};
  for (const name of eventFactNames) if (Object.hasOwn(eventFacts, name)) facts[name] = eventFacts[name] as PolicyFactValue;
  return Object.assign(facts, stageFacts);
}
