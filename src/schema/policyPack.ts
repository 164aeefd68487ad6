// A policy pack: json-rules-engine rules over the stage outputs (fraud probability, credit score, the
// rules that fired, list hits) and the event's facts, each naming the outcome, tier and actions it
// calls for; the offer table by score band; how long a freeze lasts. Thresholds live here, not in code.
import { z } from 'zod';
import { ReasonCode, ruleHead } from './rulePack.js';

/** Every action a decision can carry, in the order a decision lists them. */
export const POLICY_ACTIONS = [
  'approve',
  'counter_offer',
  'monitor',
  'manual_review',
  'step_up_verification',
  'decline',
  'adverse_action_notice',
  'freeze_identity',
  'alert_fraud_team',
] as const;
export const PolicyAction = z.enum(POLICY_ACTIONS);
export type PolicyAction = z.infer<typeof PolicyAction>;

/** Which part of the policy a rule belongs to: fraud rules speak to the applicant only as "additional verification". */
export const PolicyCategory = z.enum(['fraud', 'credit']);
export type PolicyCategory = z.infer<typeof PolicyCategory>;

export const Outcome = z.enum(['approve', 'review', 'decline']);
export type Outcome = z.infer<typeof Outcome>;

/** 1 general (approve / monitor), 2 important (manual review, step-up), 3 major (decline, freeze, alert). */
export const Tier = z.union([z.literal(1), z.literal(2), z.literal(3)]);
export type Tier = z.infer<typeof Tier>;

export const PolicyRule = z.strictObject({
  ...ruleHead,
  event: z.strictObject({
    type: ReasonCode,
    params: z.strictObject({
      outcome: Outcome,
      tier: Tier,
      actions: z.array(PolicyAction).min(1),
      category: PolicyCategory,
      /**
       * The reason this rule states. Omit it when the rule only relays what a stage found (a decline
       * rule fired): the stage's own reasons explain the decision then.
       */
      reason: z.string().min(1).max(200).optional(),
    }),
  }),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

export const OfferBand = z.strictObject({
  band: z.string().regex(/^[A-Z][A-Z0-9]{0,3}$/),
  /** The lowest credit score in the band. */
  minScore: z.number().int(),
  /** The largest amount approved in the band; a larger request is approved at this amount (a counter-offer). */
  maxAmount: z.number().positive(),
  /** The price range of the band, APR in percent. */
  aprPercent: z.strictObject({ min: z.number().positive(), max: z.number().positive() }),
});
export type OfferBand = z.infer<typeof OfferBand>;

export const PolicyPack = z
  .strictObject({
    policy: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/),
    version: z.string().min(1),
    description: z.string().min(1),
    /** What an application that no rule speaks to gets. */
    default: z.strictObject({ outcome: z.literal('approve'), tier: z.literal(1), actions: z.array(PolicyAction).min(1) }),
    /** Offer bands by credit score, best first; the last must reach the lowest score the scale gives. */
    offers: z.array(OfferBand).min(1),
    /** How long a freeze_identity action blocks the identity's further applications. */
    freezeDays: z.number().int().positive().max(3650),
    rules: z.array(PolicyRule).min(1),
  })
  .superRefine((pack, context) => {
    const issue = (path: PropertyKey[], message: string) => context.addIssue({ code: 'custom', path, message });
    pack.offers.forEach((band, index) => {
      if (band.aprPercent.min > band.aprPercent.max) issue(['offers', index, 'aprPercent'], 'min must not exceed max');
      const previous = pack.offers[index - 1];
      if (previous !== undefined && band.minScore >= previous.minScore) {
        issue(['offers', index, 'minScore'], 'bands must be listed best first, with falling minScore');
      }
    });
    pack.rules.forEach((rule, index) => {
      const where = ['rules', index, 'event'];
      if (rule.event.type !== rule.name) issue([...where, 'type'], `must equal the rule name ${rule.name}`);
      const problem = combinationProblem(rule.event.params);
      if (problem !== null) issue([...where, 'params'], problem);
    });
    const problem = combinationProblem({ ...pack.default, category: 'credit' });
    if (problem !== null) issue(['default'], problem);
  });
export type PolicyPack = z.infer<typeof PolicyPack>;

/**
 * The outcome × tier × actions table (README): approve is tier 1; review is tier 2; a decline is tier 2
 * (credit) or tier 3 (fraud and block lists only), and only tier 3 freezes and alerts.
 */
export function combinationProblem(params: {
  outcome: Outcome;
  tier: Tier;
  actions: readonly PolicyAction[];
  category: PolicyCategory;
}): string | null {
  const { outcome, tier, actions, category } = params;
  const has = (action: PolicyAction) => actions.includes(action);
  const only = (allowed: readonly PolicyAction[]) => actions.every((action) => allowed.includes(action));
  if (new Set(actions).size !== actions.length) return 'actions repeat';
  if (has('counter_offer')) return 'counter_offer is added by the offer table, not named by a rule';
  switch (outcome) {
    case 'approve':
      if (tier !== 1) return 'approve is tier 1';
      if (!has('approve') || !only(['approve', 'monitor'])) return 'an approval carries approve, and monitor at most';
      return null;
    case 'review':
      if (tier !== 2) return 'review is tier 2';
      if (!(has('manual_review') || has('step_up_verification')) || !only(['manual_review', 'step_up_verification'])) {
        return 'a review carries manual_review and/or step_up_verification';
      }
      return null;
    case 'decline':
      if (!has('decline')) return 'a decline carries decline';
      if (tier === 3) {
        if (category !== 'fraud') return 'tier 3 (freeze, alert) is reserved for fraud and block-list hits: category must be fraud';
        // freeze_identity may be left out only where the identity is frozen already (P_IDENTITY_FROZEN):
        // the actions say what happens, and a frozen attempt does not extend the freeze.
        if (!has('alert_fraud_team') || !only(['decline', 'freeze_identity', 'alert_fraud_team'])) {
          return 'a tier 3 decline carries decline and alert_fraud_team, and freeze_identity at most';
        }
        return null;
      }
      if (tier !== 2) return 'a decline is tier 2 (credit) or tier 3 (fraud)';
      if (!only(['decline', 'adverse_action_notice'])) return 'a tier 2 decline carries decline and adverse_action_notice at most';
      return null;
  }
}
