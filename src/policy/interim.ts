// The verdict until the policy pack lands: decline when a decline-severity rule fired, review when a
// review-severity rule fired or the fraud probability reached the review threshold, else approve. The
// tier and its actions follow the outcome.
import type { Outcome, RuleHit, Tier } from '../schema/decision.js';

export const INTERIM_POLICY = 'worst-rule-severity';

const TIER_BY_OUTCOME: Record<Outcome, Tier> = { approve: 1, review: 2, decline: 3 };
const ACTIONS_BY_TIER: Record<Tier, string[]> = {
  1: ['approve'],
  2: ['manual_review'],
  3: ['decline'],
};

export interface Verdict {
  readonly outcome: Outcome;
  readonly tier: Tier;
  readonly actions: string[];
}

export function interimVerdict(fired: readonly RuleHit[], fraudProbability: number | null, fraudReviewThreshold: number): Verdict {
  const fromRules = verdictFromRules(fired);
  if (fromRules.outcome !== 'approve' || fraudProbability === null || fraudProbability < fraudReviewThreshold) return fromRules;
  return { outcome: 'review', tier: 2, actions: [...ACTIONS_BY_TIER[2]] };
}

export function verdictFromRules(fired: readonly RuleHit[]): Verdict {
  let outcome: Outcome = 'approve';
  for (const hit of fired) {
    if (hit.severity === 'decline') {
      outcome = 'decline';
      break;
    }
    if (hit.severity === 'review') outcome = 'review';
  }
  const tier = TIER_BY_OUTCOME[outcome];
  return { outcome, tier, actions: [...ACTIONS_BY_TIER[tier]] };
}
