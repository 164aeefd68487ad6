// The verdict: the policy pack's rules run over the policy facts; the most severe rule that fired
// decides (decline over review over approve, then the higher tier, then priority, then the pack's
// order), and every fired rule with the same outcome and tier adds its actions. No rule fired: the
// pack's default. An approval gets the offer of its score band; a request above the band's maximum
// is approved at the maximum (a counter-offer).
import type { Offer, Outcome, PolicyRuleHit, Tier } from '../schema/decision.js';
import { POLICY_ACTIONS, type OfferBand, type PolicyAction, type PolicyCategory } from '../schema/policyPack.js';
import { createPackEvaluator, type CustomOperators, type PackRun, type RuleEvaluatorKind } from '../stages/rules/evaluator.js';
import { ErrorCode, FengkongError } from '../errors.js';
import { LENDING_AMOUNT, type PolicyFactName, type PolicyFacts, type PolicyFactValue } from './facts.js';
import type { LoadedPolicyPack } from './load.js';

const OUTCOME_RANK: Record<Outcome, number> = { approve: 0, review: 1, decline: 2 };
const ACTION_ORDER = new Map<PolicyAction, number>(POLICY_ACTIONS.map((action, index) => [action, index]));

export interface FiredPolicyRule extends PolicyRuleHit {
  readonly category: PolicyCategory;
  readonly priority: number;
  /** The reason the rule states, if it states one. */
  readonly reason: string | undefined;
}

export interface PolicyVerdict {
  readonly outcome: Outcome;
  readonly tier: Tier;
  readonly actions: PolicyAction[];
  /** The fired rules, the deciding one first. */
  readonly fired: FiredPolicyRule[];
  readonly offer: Offer | undefined;
}

export type PolicyEvaluator = (facts: PolicyFacts) => PolicyVerdict | Promise<PolicyVerdict>;

export function createPolicyEvaluator(
  loaded: LoadedPolicyPack,
  prefer: RuleEvaluatorKind = 'compiled',
  operators: CustomOperators = {},
  /** The fact offers price (the data model's amount field); null: approvals get no offer. */
  amountFact: string | null = LENDING_AMOUNT,
): PolicyEvaluator & { kind: RuleEvaluatorKind } {
  const { pack } = loaded;
  const evaluator = createPackEvaluator(pack.rules, { prefer, failed: false, operators });
  // Decline over review over approve, then the higher tier, then priority, then the pack's order.
  const moreSevere = (a: FiredAt, b: FiredAt): number =>
    OUTCOME_RANK[b.outcome] - OUTCOME_RANK[a.outcome] || b.tier - a.tier || b.priority - a.priority || a.index - b.index;

  const decide = (run: PackRun, facts: PolicyFacts): PolicyVerdict => {
    const fired: FiredAt[] = run.fired.map((ruleOutcome) => {
      const { index } = ruleOutcome;
      const values = run.valuesOf(ruleOutcome);
      const rule = pack.rules[index]!;
      const { outcome, tier, category, reason } = rule.event.params;
      return { code: rule.name, outcome, tier, category, priority: rule.priority, reason, values, index };
    });
    fired.sort(moreSevere);
    const deciding = fired[0];
    const outcome = deciding?.outcome ?? pack.default.outcome;
    const tier = deciding?.tier ?? pack.default.tier;
    const actions = new Set<PolicyAction>(deciding === undefined ? pack.default.actions : []);
    for (const hit of fired) {
      if (hit.outcome === outcome && hit.tier === tier) pack.rules[hit.index]!.event.params.actions.forEach((a) => actions.add(a));
    }
    const offer =
      outcome === 'approve' ? offerFor(pack.offers, facts.creditScore, amountFact === null ? undefined : facts[amountFact]) : undefined;
    if (offer?.counterOffer === true) actions.add('counter_offer');
    return {
      outcome,
      tier,
      actions: [...actions].sort((a, b) => ACTION_ORDER.get(a)! - ACTION_ORDER.get(b)!),
      fired: fired.map(({ index: _index, ...hit }) => hit),
      offer,
    };
  };

  const evaluate = (facts: PolicyFacts): PolicyVerdict | Promise<PolicyVerdict> => {
    const run = evaluator.run(facts);
    return run instanceof Promise ? run.then((settled) => decide(settled, facts)) : decide(run, facts);
  };
  return Object.assign(evaluate, { kind: evaluator.kind });
}

type FiredAt = FiredPolicyRule & { readonly index: number };

/** The band of the score (the first whose minScore it reaches) and the amount approved in it. */
export function offerFor(bands: readonly OfferBand[], creditScore: unknown, requestedAmount: unknown): Offer | undefined {
  if (typeof creditScore !== 'number' || typeof requestedAmount !== 'number') return undefined;
  const band = bands.find((candidate) => creditScore >= candidate.minScore);
  // The bands are checked at load to reach the credit scale's lowest score.
  if (band === undefined)
    throw new Error(`no offer band for credit score ${creditScore}: the band table was not checked against the scale`);
  const counterOffer = requestedAmount > band.maxAmount;
  return {
    band: band.band,
    requestedAmount,
    approvedAmount: counterOffer ? band.maxAmount : requestedAmount,
    maxAmount: band.maxAmount,
    aprPercent: { ...band.aprPercent },
    counterOffer,
  };
}

/**
 * Block lists cannot be overridden: the pack must decline at tier 3 an application whose only
 * finding is a block-list hit (every other fact null), whatever else it says. Checked at load.
 */
export async function checkBlockListPrecedence(
  evaluate: PolicyEvaluator,
  loaded: LoadedPolicyPack,
  eventFacts: Iterable<string>,
): Promise<void> {
  const probe: PolicyFacts = {};
  for (const fact of eventFacts) probe[fact] = null;
  Object.assign(probe, {
    fraudProbability: null,
    creditScore: null,
    creditPd: null,
    firedRuleCodes: ['L_BLOCK_LIST_PROBE'],
    declineRuleCount: 1,
    reviewRuleCount: 0,
    infoRuleCount: 0,
    fraudDeclineRuleCount: 1,
    creditDeclineRuleCount: 0,
    fraudReviewRuleCount: 0,
    creditReviewRuleCount: 0,
    listHits: ['block-list-probe'],
    blockListHitCount: 1,
    identityFrozen: false,
  } satisfies Record<PolicyFactName, PolicyFactValue>);
  let verdict: PolicyVerdict;
  try {
    verdict = await evaluate(probe);
  } catch (cause) {
    // Custom operators must take null: a missing field is null when deciding too.
    throw new FengkongError(
      ErrorCode.POLICY_INVALID,
      `${loaded.path}: the block-list check failed: the pack throws on an application whose fields are all missing (${(cause as Error).message})`,
      { cause },
    );
  }
  if (verdict.outcome !== 'decline' || verdict.tier !== 3) {
    throw new FengkongError(
      ErrorCode.POLICY_INVALID,
      `${loaded.path}: a block-list hit must be declined at tier 3, but this pack gives ${verdict.outcome} at tier ${verdict.tier}: block lists cannot be overridden`,
    );
  }
}
