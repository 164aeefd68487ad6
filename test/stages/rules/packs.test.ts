// Each shipped rule, on a hand-built event that differs from a clean application only where the rule looks,
// and what the shipped policy (rules/policy/default.json) makes of it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/index.js';
import type { PolicyPack } from '../../../src/schema/policyPack.js';
import { cleanEvent, type ApplicationEventInput } from '../../fixtures/events.js';

/** Each case on a fresh engine: velocity history from another case must not fire velocity rules here. */
const decideAlone = async (event: ApplicationEventInput) => (await createEngine()).decide(event);
/** With the rules that did not fire and every decision's credit attributions recorded too, as `fengkong explain` decides. */
const decideExplained = async (event: ApplicationEventInput) =>
  (await createEngine({ recordFailedRules: true, attributions: 'all' })).decide(event);
/** The rules alone: without the models, neither a fraud probability nor a credit score can add a review or decline. */
const decideOnRules = async (event: ApplicationEventInput) => (await createEngine({ creditModel: null, fraudModel: null })).decide(event);

const policyPack = JSON.parse(readFileSync('rules/policy/default.json', 'utf8')) as PolicyPack;
const ruleReasons = new Map(
  readdirSync('rules/packs').flatMap((file) =>
    (
      JSON.parse(readFileSync(join('rules/packs', file), 'utf8')) as {
        rules: Array<{ name: string; event: { params: { reason: string } } }>;
      }
    ).rules.map((rule) => [rule.name, rule.event.params.reason] as const),
  ),
);
const codes = (entries: ReadonlyArray<{ code: string }>) => entries.map((entry) => entry.code);
const SEVERITY_RANK = { decline: 0, review: 1, info: 2 } as const;

/** The shipped policy on one bureau or application rule: a credit decline is tier 2 with a notice; a review goes to an underwriter. */
const CREDIT_DECLINE = {
  outcome: 'decline',
  tier: 2,
  actions: ['decline', 'adverse_action_notice'],
  policyRule: 'P_CREDIT_RULE_DECLINE',
} as const;
const CREDIT_REVIEW = { outcome: 'review', tier: 2, actions: ['manual_review'], policyRule: 'P_CREDIT_RULE_REVIEW' } as const;

const cases: Array<{
  code: string;
  verdict: typeof CREDIT_DECLINE | typeof CREDIT_REVIEW;
  event: Partial<ApplicationEventInput>;
  values: Record<string, unknown>;
}> = [
  { code: 'R_DELINQ_ACTIVE', verdict: CREDIT_DECLINE, event: { acc_now_delinq: 1 }, values: { acc_now_delinq: 1 } },
  { code: 'R_DELINQ_AMOUNT_OWED', verdict: CREDIT_REVIEW, event: { delinq_amnt: 350 }, values: { delinq_amnt: 350 } },
  { code: 'R_DELINQ_RECENT', verdict: CREDIT_REVIEW, event: { delinq_2yrs: 3 }, values: { delinq_2yrs: 3 } },
  { code: 'R_INQ_RECENT_HIGH', verdict: CREDIT_REVIEW, event: { inq_last_6mths: 4 }, values: { inq_last_6mths: 4 } },
  { code: 'R_INQ_12M_HIGH', verdict: CREDIT_REVIEW, event: { inq_last_12m: 12 }, values: { inq_last_12m: 12 } },
  { code: 'R_REVOLVING_UTIL_HIGH', verdict: CREDIT_REVIEW, event: { revol_util: 97.1 }, values: { revol_util: 97.1 } },
  { code: 'R_INCOME_NONE', verdict: CREDIT_DECLINE, event: { annual_inc: 0, funded_amnt: 1000 }, values: { annual_inc: 0 } },
  {
    code: 'R_INCOME_LOW',
    verdict: CREDIT_REVIEW,
    event: { annual_inc: 14000, funded_amnt: 1000, total_bal_il: 0 },
    values: { annual_inc: 14000 },
  },
  {
    code: 'R_INCOME_IMPLAUSIBLE',
    verdict: CREDIT_REVIEW,
    event: { annual_inc: 1_500_000, verification_status: 'Not_Verified' },
    values: { annual_inc: 1_500_000, verification_status: 'Not_Verified' },
  },
  {
    code: 'R_DTI_HIGH',
    verdict: CREDIT_REVIEW,
    event: { total_bal_il: 250000, total_il_high_credit_limit: 300000 },
    values: { debt_to_income: (250000 + 12000) / 85000 },
  },
  { code: 'R_LTI_HIGH', verdict: CREDIT_REVIEW, event: { funded_amnt: 40000 }, values: { loan_to_income: 40000 / 85000 } },
  {
    code: 'R_LARGE_LOAN_UNVERIFIED',
    verdict: CREDIT_REVIEW,
    event: { funded_amnt: 30000, verification_status: 'Not_Verified' },
    values: { funded_amnt: 30000, verification_status: 'Not_Verified' },
  },
];

describe('shipped rule packs', () => {
  it('a clean application fires no rule and is approved at tier 1 within its score band', async () => {
    const decision = await decideAlone(cleanEvent());
    expect(decision.stages.rules.fired).toEqual([]);
    // The rules that did not fire are recorded only when the config asks.
    expect(decision.stages.rules.failed).toBeUndefined();
    const explained = await decideExplained(cleanEvent());
    expect(explained.stages.rules.failed!.length).toBe(ruleReasons.size);
    expect({ ...explained.stages.rules, failed: undefined }).toEqual({ ...decision.stages.rules, failed: undefined });
    // No policy rule speaks to it: the pack's default decides.
    expect(decision.stages.policy.fired).toEqual([]);
    expect(decision.outcome).toBe('approve');
    expect(decision.tier).toBe(1);
    expect(decision.actions).toEqual(['approve']);
    // An approval states no reason: its credit attributions are not computed by default. When they
    // are (explain), the model's adverse-action reasons are kept as context only.
    expect(decision.reasons.all).toEqual([]);
    expect(decision.stages.credit!.attributions).toBeUndefined();
    expect(explained.reasons.all.every((reason) => reason.stage === 'credit' && reason.severity === 'info')).toBe(true);
    expect(codes(explained.reasons.all)).toEqual(explained.stages.credit!.adverseActionCodes);
    expect(decision.reasons.applicant).toEqual([]);
    expect(explained.reasons.applicant).toEqual([]);
    const score = decision.stages.credit!.score;
    const band = policyPack.offers.find((candidate) => score >= candidate.minScore)!;
    expect(decision.offer).toEqual({
      band: band.band,
      requestedAmount: 12000,
      approvedAmount: 12000,
      maxAmount: band.maxAmount,
      aprPercent: band.aprPercent,
      counterOffer: false,
    });
  });

  it.each(cases)('$code fires alone and gives $verdict.outcome at tier $verdict.tier', async ({ code, verdict, event, values }) => {
    const decision = await decideOnRules(cleanEvent(event));
    expect(decision.stages.rules.fired.map((hit) => hit.code)).toEqual([code]);
    expect(decision.stages.policy.fired).toEqual([
      { code: verdict.policyRule, outcome: verdict.outcome, tier: verdict.tier, values: expect.any(Object) },
    ]);
    expect(decision.outcome).toBe(verdict.outcome);
    expect(decision.tier).toBe(verdict.tier);
    expect(decision.actions).toEqual(verdict.actions);
    expect(decision.offer).toBeUndefined();
    const [reason] = decision.reasons.primary;
    expect(reason).toMatchObject({ code, stage: 'rules', severity: verdict.outcome, text: ruleReasons.get(code) });
    for (const [fact, value] of Object.entries(values)) {
      if (typeof value === 'number') expect(reason!.values[fact]).toBeCloseTo(value, 10);
      else expect(reason!.values[fact]).toBe(value);
    }
    // A credit rule is stated to the applicant as it is.
    expect(decision.reasons.applicant).toEqual([{ code, text: ruleReasons.get(code) }]);
  });

  it('R_TOTAL_UTIL_HIGH is informational: a reason, but the outcome stays approve (under monitoring)', async () => {
    const decision = await decideOnRules(cleanEvent({ all_util: 120 }));
    expect(decision.stages.rules.fired.map((hit) => hit.code)).toEqual(['R_TOTAL_UTIL_HIGH']);
    expect(decision.outcome).toBe('approve');
    expect(decision.tier).toBe(1);
    expect(decision.actions).toEqual(['approve', 'monitor']);
    expect(codes(decision.stages.policy.fired)).toEqual(['P_MONITOR']);
    expect(decision.reasons.all.map((reason) => [reason.code, reason.stage, reason.severity])).toEqual([
      ['P_MONITOR', 'policy', 'info'],
      ['R_TOTAL_UTIL_HIGH', 'rules', 'info'],
    ]);
    expect(decision.reasons.applicant).toEqual([]);
  });

  it('R_AMOUNT_FAR_ABOVE_INCOME reviews a request above eight months of income, ranked before R_LTI_HIGH', async () => {
    const decision = await decideOnRules(cleanEvent({ funded_amnt: 40000, annual_inc: 48000 }));
    const fired = decision.stages.rules.fired.map((hit) => hit.code);
    expect(fired).toEqual(['R_AMOUNT_FAR_ABOVE_INCOME', 'R_LTI_HIGH']);
    // An anomaly rule asks for step-up verification, an application rule for an underwriter: both actions.
    expect(codes(decision.stages.policy.fired)).toEqual(['P_FRAUD_RULE_REVIEW', 'P_CREDIT_RULE_REVIEW']);
    expect(decision.outcome).toBe('review');
    expect(decision.tier).toBe(2);
    expect(decision.actions).toEqual(['manual_review', 'step_up_verification']);
    expect(codes(decision.reasons.primary)).toEqual(['R_AMOUNT_FAR_ABOVE_INCOME', 'R_LTI_HIGH']);
    expect(decision.reasons.primary[0]!.values.amount_to_monthly_income).toBeCloseTo(10, 10);
    // The anomaly is told to the applicant only as a verification; the credit rule as it is.
    expect(codes(decision.reasons.applicant)).toEqual(['A_VERIFICATION_REQUIRED', 'R_LTI_HIGH']);
  });

  it('R_ODD_HOUR_LARGE reviews a large loan at 3 am local time (08:00 UTC in New York in winter)', async () => {
    const decision = await decideAlone(cleanEvent({ applied_at: '2016-02-10T08:30:00Z', funded_amnt: 25000 }));
    expect(decision.stages.rules.fired.map((hit) => hit.code)).toEqual(['R_ODD_HOUR_LARGE']);
    expect(codes(decision.stages.policy.fired)).toEqual(['P_FRAUD_RULE_REVIEW']);
    expect(decision.outcome).toBe('review');
    expect(decision.tier).toBe(2);
    expect(decision.actions).toEqual(['step_up_verification']);
    expect(decision.reasons.primary[0]).toMatchObject({ code: 'R_ODD_HOUR_LARGE', stage: 'rules', severity: 'review' });
    expect(decision.reasons.primary[0]!.values).toMatchObject({ local_hour: 3, funded_amnt: 25000, list_trusted_devices: false });
  });

  it('R_ODD_HOUR_LARGE uses the IP region clock: 3 am in California is 11:00 UTC', async () => {
    const event = cleanEvent({ applied_at: '2016-02-10T11:15:00Z', funded_amnt: 25000, ip_region: 'CA', addr_state: 'CA' });
    const decision = await decideAlone(event);
    expect(decision.stages.rules.fired.map((hit) => hit.code)).toEqual(['R_ODD_HOUR_LARGE']);
  });

  it('R_IP_REGION_MISMATCH is informational when the IP is in another state', async () => {
    const decision = await decideAlone(cleanEvent({ ip_region: 'NJ' }));
    expect(decision.stages.rules.fired.map((hit) => hit.code)).toEqual(['R_IP_REGION_MISMATCH']);
    expect(decision.outcome).toBe('approve');
  });

  it('a rule on a missing value does not fire, and the failed rule shows the value as null', async () => {
    const decision = await decideExplained(cleanEvent({ revol_util: null }));
    expect(decision.outcome).toBe('approve');
    const failed = decision.stages.rules.failed!.find((hit) => hit.code === 'R_REVOLVING_UTIL_HIGH');
    expect(failed?.values).toEqual({ revol_util: null });
  });

  it('reasons rank decline before review before info', async () => {
    const decision = await decideAlone(cleanEvent({ all_util: 120, revol_util: 99, acc_now_delinq: 1 }));
    const ruleReasons = decision.reasons.all.filter((reason) => reason.stage === 'rules');
    expect(ruleReasons.map((reason) => [reason.code, reason.severity])).toEqual([
      ['R_DELINQ_ACTIVE', 'decline'],
      ['R_REVOLVING_UTIL_HIGH', 'review'],
      ['R_TOTAL_UTIL_HIGH', 'info'],
    ]);
    // Across the stages too: no reason follows one of a lower severity, so the informational rule
    // comes after every decline and review reason, the credit model's adverse-action reasons included.
    const ranks = decision.reasons.all.map((reason) => SEVERITY_RANK[reason.severity]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(decision.reasons.primary).toEqual(decision.reasons.all.slice(0, 4));
    expect(decision.outcome).toBe('decline');
  });

  it('failed rules carry the fact values that decided them', async () => {
    const decision = await decideExplained(cleanEvent());
    const dti = decision.stages.rules.failed!.find((hit) => hit.code === 'R_DTI_HIGH');
    expect(dti?.values.debt_to_income).toBeCloseTo((15000 + 12000) / 85000, 10);
  });
});
