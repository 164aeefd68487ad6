// Each shipped rule, on a hand-built event that differs from a clean application only where the rule looks.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/index.js';
import type { ApplicationEventInput } from '../../../src/schema/event.js';
import { cleanEvent } from '../../fixtures/events.js';

/** Each case on a fresh engine: velocity history from another case must not fire velocity rules here. */
const decideAlone = async (event: ApplicationEventInput) => (await createEngine()).decide(event);

const cases: Array<{
  code: string;
  outcome: 'review' | 'decline';
  event: Partial<ApplicationEventInput>;
  values: Record<string, unknown>;
}> = [
  { code: 'R_DELINQ_ACTIVE', outcome: 'decline', event: { acc_now_delinq: 1 }, values: { acc_now_delinq: 1 } },
  { code: 'R_DELINQ_AMOUNT_OWED', outcome: 'review', event: { delinq_amnt: 350 }, values: { delinq_amnt: 350 } },
  { code: 'R_DELINQ_RECENT', outcome: 'review', event: { delinq_2yrs: 3 }, values: { delinq_2yrs: 3 } },
  { code: 'R_INQ_RECENT_HIGH', outcome: 'review', event: { inq_last_6mths: 4 }, values: { inq_last_6mths: 4 } },
  { code: 'R_INQ_12M_HIGH', outcome: 'review', event: { inq_last_12m: 12 }, values: { inq_last_12m: 12 } },
  { code: 'R_REVOLVING_UTIL_HIGH', outcome: 'review', event: { revol_util: 97.1 }, values: { revol_util: 97.1 } },
  { code: 'R_INCOME_NONE', outcome: 'decline', event: { annual_inc: 0, funded_amnt: 1000 }, values: { annual_inc: 0 } },
  {
    code: 'R_INCOME_LOW',
    outcome: 'review',
    event: { annual_inc: 14000, funded_amnt: 1000, total_bal_il: 0 },
    values: { annual_inc: 14000 },
  },
  {
    code: 'R_INCOME_IMPLAUSIBLE',
    outcome: 'review',
    event: { annual_inc: 1_500_000, verification_status: 'Not_Verified' },
    values: { annual_inc: 1_500_000, verification_status: 'Not_Verified' },
  },
  {
    code: 'R_DTI_HIGH',
    outcome: 'review',
    event: { total_bal_il: 250000, total_il_high_credit_limit: 300000 },
    values: { debt_to_income: (250000 + 12000) / 85000 },
  },
  { code: 'R_LTI_HIGH', outcome: 'review', event: { funded_amnt: 40000 }, values: { loan_to_income: 40000 / 85000 } },
  {
    code: 'R_LARGE_LOAN_UNVERIFIED',
    outcome: 'review',
    event: { funded_amnt: 30000, verification_status: 'Not_Verified' },
    values: { funded_amnt: 30000, verification_status: 'Not_Verified' },
  },
];

describe('shipped rule packs', () => {
  it('a clean application fires no rule and is approved at tier 1', async () => {
    const decision = await decideAlone(cleanEvent());
    expect(decision.stages.rules.fired).toEqual([]);
    expect(decision.outcome).toBe('approve');
    expect(decision.tier).toBe(1);
    expect(decision.reasons).toEqual([]);
    expect(decision.stages.rules.failed.length).toBeGreaterThanOrEqual(12);
  });

  it.each(cases)('$code fires alone and gives $outcome', async ({ code, outcome, event, values }) => {
    const decision = await decideAlone(cleanEvent(event));
    expect(decision.stages.rules.fired.map((hit) => hit.code)).toEqual([code]);
    expect(decision.outcome).toBe(outcome);
    expect(decision.tier).toBe(outcome === 'decline' ? 3 : 2);
    expect(decision.reasons[0]).toMatchObject({ code, stage: 'rules' });
    for (const [fact, value] of Object.entries(values)) {
      if (typeof value === 'number') expect(decision.reasons[0]!.values[fact]).toBeCloseTo(value, 10);
      else expect(decision.reasons[0]!.values[fact]).toBe(value);
    }
  });

  it('R_TOTAL_UTIL_HIGH is informational: a reason, but the outcome stays approve', async () => {
    const decision = await decideAlone(cleanEvent({ all_util: 120 }));
    expect(decision.stages.rules.fired.map((hit) => hit.code)).toEqual(['R_TOTAL_UTIL_HIGH']);
    expect(decision.outcome).toBe('approve');
    expect(decision.reasons.map((reason) => reason.code)).toEqual(['R_TOTAL_UTIL_HIGH']);
  });

  it('R_AMOUNT_FAR_ABOVE_INCOME reviews a request above eight months of income, ranked before R_LTI_HIGH', async () => {
    const decision = await decideAlone(cleanEvent({ funded_amnt: 40000, annual_inc: 48000 }));
    const codes = decision.stages.rules.fired.map((hit) => hit.code);
    expect(codes[0]).toBe('R_AMOUNT_FAR_ABOVE_INCOME');
    expect(codes).toEqual(['R_AMOUNT_FAR_ABOVE_INCOME', 'R_LTI_HIGH']);
    expect(decision.outcome).toBe('review');
    expect(decision.reasons[0]!.values.amount_to_monthly_income).toBeCloseTo(10, 10);
  });

  it('R_ODD_HOUR_LARGE reviews a large loan at 3 am local time (08:00 UTC in New York in winter)', async () => {
    const decision = await decideAlone(cleanEvent({ applied_at: '2016-02-10T08:30:00Z', funded_amnt: 25000 }));
    expect(decision.stages.rules.fired.map((hit) => hit.code)).toEqual(['R_ODD_HOUR_LARGE']);
    expect(decision.reasons[0]!.values).toMatchObject({ local_hour: 3, funded_amnt: 25000, list_trusted_devices: false });
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
    const decision = await decideAlone(cleanEvent({ revol_util: null }));
    expect(decision.outcome).toBe('approve');
    const failed = decision.stages.rules.failed.find((hit) => hit.code === 'R_REVOLVING_UTIL_HIGH');
    expect(failed?.values).toEqual({ revol_util: null });
  });

  it('reasons rank decline before review before info', async () => {
    const decision = await decideAlone(cleanEvent({ all_util: 120, revol_util: 99, acc_now_delinq: 1 }));
    const ruleReasons = decision.reasons.filter((reason) => reason.stage === 'rules').map((reason) => reason.code);
    expect(ruleReasons).toEqual(['R_DELINQ_ACTIVE', 'R_REVOLVING_UTIL_HIGH', 'R_TOTAL_UTIL_HIGH']);
    // The informational rule comes after every other reason, the credit model's adverse-action reasons included.
    expect(decision.reasons.at(-1)?.code).toBe('R_TOTAL_UTIL_HIGH');
  });

  it('failed rules carry the fact values that decided them', async () => {
    const decision = await decideAlone(cleanEvent());
    const dti = decision.stages.rules.failed.find((hit) => hit.code === 'R_DTI_HIGH');
    expect(dti?.values.debt_to_income).toBeCloseTo((15000 + 12000) / 85000, 10);
  });
});
