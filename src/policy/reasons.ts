// Reasons ranked across the stages, in one stated scheme:
//   1. severity first: decline, then review, then informational. A rule's reason has its rule's
//      severity; a policy rule's reason the severity of its outcome; the fraud and credit models'
//      reasons the severity of the most severe fired policy rule that read their score (informational
//      when none did: the model did not decide anything);
//   2. within a severity, the sources take turns in pipeline order (policy, rules, fraud, credit), each
//      source's reasons in its own unit, largest first: rule priority, log-odds, points lost.
// The first four are the primary reasons. Applicant-facing reasons keep credit and credit-policy
// reasons as they are and state every fraud signal as one "additional verification" reason: an
// applicant is never told which fraud check fired.
import type { ApplicantReason, Outcome, Reason, RankedReasons, ReasonSeverity } from '../schema/decision.js';
import type { StageReason } from '../engine/stage.js';
import { FRAUD_RULE_CATEGORIES, type RuleMeta } from './facts.js';
import type { PolicyVerdict } from './evaluate.js';

export const MAX_PRIMARY_REASONS = 4;

export const VERIFICATION_REASON: ApplicantReason = Object.freeze({
  code: 'A_VERIFICATION_REQUIRED',
  text: 'Additional verification of the application is required',
});

export const COUNTER_OFFER_CODE = 'P_COUNTER_OFFER';

const SEVERITIES: readonly ReasonSeverity[] = ['decline', 'review', 'info'];
const SEVERITY_OF_OUTCOME: Record<Outcome, ReasonSeverity> = { decline: 'decline', review: 'review', approve: 'info' };
const SEVERITY_RANK: Record<ReasonSeverity, number> = { decline: 0, review: 1, info: 2 };

/** Facts through which a policy rule reads each model's score. */
const MODEL_SCORE_FACTS = { fraud: ['fraudProbability'], credit: ['creditScore', 'creditPd'] } as const;

export interface ReasonSources {
  readonly verdict: PolicyVerdict;
  /** Rule reasons in the rule stage's order, with each rule's severity and category. */
  readonly rules: readonly StageReason[];
  readonly ruleMeta: ReadonlyMap<string, RuleMeta>;
  readonly fraud: readonly StageReason[];
  readonly credit: readonly StageReason[];
}

export function rankReasons(sources: ReasonSources): RankedReasons {
  const { verdict } = sources;
  // An approving rule that fired beside a review or decline (a monitor rule, say) explains nothing.
  const policyReasons: Reason[] = verdict.fired
    .filter((hit) => hit.reason !== undefined && (hit.outcome !== 'approve' || verdict.outcome === 'approve'))
    .map((hit) => ({ code: hit.code, stage: 'policy', severity: SEVERITY_OF_OUTCOME[hit.outcome], text: hit.reason!, values: hit.values }));
  if (verdict.offer?.counterOffer === true) {
    policyReasons.push({
      code: COUNTER_OFFER_CODE,
      stage: 'policy',
      severity: 'info',
      text: "Approved for less than the amount requested: the most this credit score's band allows",
      values: { requested_amount: verdict.offer.requestedAmount, approved_amount: verdict.offer.approvedAmount },
    });
  }
  const modelSeverity = (facts: readonly string[]): ReasonSeverity => {
    let severity: ReasonSeverity = 'info';
    for (const hit of verdict.fired) {
      const read = facts.some((fact) => Object.hasOwn(hit.values, fact));
      const candidate = SEVERITY_OF_OUTCOME[hit.outcome];
      if (read && SEVERITY_RANK[candidate] < SEVERITY_RANK[severity]) severity = candidate;
    }
    return severity;
  };
  const fraudSeverity = modelSeverity(MODEL_SCORE_FACTS.fraud);
  const creditSeverity = modelSeverity(MODEL_SCORE_FACTS.credit);
  const withSeverity = (reason: StageReason, severity: ReasonSeverity): Reason => ({
    code: reason.code,
    stage: reason.stage,
    severity,
    text: reason.text,
    values: reason.values,
  });
  const queues: Reason[][] = [
    policyReasons,
    sources.rules.map((reason) => withSeverity(reason, sources.ruleMeta.get(reason.code)?.severity ?? 'info')),
    sources.fraud.map((reason) => withSeverity(reason, fraudSeverity)),
    sources.credit.map((reason) => withSeverity(reason, creditSeverity)),
  ];
  const all: Reason[] = [];
  for (const severity of SEVERITIES) {
    const bySource = queues.map((queue) => queue.filter((reason) => reason.severity === severity));
    for (let turn = 0; bySource.some((queue) => turn < queue.length); turn += 1) {
      for (const queue of bySource) if (turn < queue.length) all.push(queue[turn]!);
    }
  }
  return {
    primary: all.slice(0, MAX_PRIMARY_REASONS),
    all,
    applicant: applicantReasons(all, verdict, sources.ruleMeta),
  };
}

/**
 * What the applicant is told: nothing on a plain approval; otherwise the reasons of the outcome's own
 * severity (a decline states its decline reasons, not the review ones beside them) or, on a
 * counter-offer, the credit reasons behind the lower amount; fraud signals folded into one.
 */
function applicantReasons(ranked: readonly Reason[], verdict: PolicyVerdict, ruleMeta: ReasonSources['ruleMeta']): ApplicantReason[] {
  const counterOffer = verdict.offer?.counterOffer === true;
  if (verdict.outcome === 'approve' && !counterOffer) return [];
  const policyCategory = new Map(verdict.fired.map((hit) => [hit.code, hit.category]));
  const told: ApplicantReason[] = [];
  const seen = new Set<string>();
  for (const reason of ranked) {
    const stated =
      verdict.outcome === 'approve'
        ? reason.stage === 'credit' || reason.code === COUNTER_OFFER_CODE
        : reason.severity === SEVERITY_OF_OUTCOME[verdict.outcome];
    if (!stated) continue;
    const fraudSignal =
      reason.stage === 'fraud' ||
      (reason.stage === 'rules' && isFraudRule(ruleMeta.get(reason.code))) ||
      (reason.stage === 'policy' && policyCategory.get(reason.code) === 'fraud');
    const entry = fraudSignal ? VERIFICATION_REASON : { code: reason.code, text: reason.text };
    if (seen.has(entry.code)) continue;
    seen.add(entry.code);
    told.push({ ...entry });
    if (told.length === MAX_PRIMARY_REASONS) break;
  }
  return told;
}

function isFraudRule(meta: RuleMeta | undefined): boolean {
  return meta !== undefined && FRAUD_RULE_CATEGORIES.has(meta.category);
}
