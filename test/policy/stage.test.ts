// The shipped policy pack on hand-built stage results: every branch of the outcome × tier × actions
// table, the offer and counter-offer, the freeze, and the reasons each branch states.
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/state/memory.js';
import { shippedDataModel } from '../../src/features/dataModel.js';
import type { CreditStageResult, FraudStageResult, RuleHit, RulesStageResult } from '../../src/schema/decision.js';
import type { StageReason } from '../../src/engine/stage.js';
import { shippedPaths } from '../../src/engine/paths.js';
import { loadPolicyPack, type LoadedPolicyPack } from '../../src/policy/load.js';
import { createPolicyStage, frozenKey, type PolicyInput } from '../../src/policy/stage.js';
import type { RuleMeta } from '../../src/policy/facts.js';
import { VERIFICATION_REASON } from '../../src/policy/reasons.js';
import type { StateStore } from '../../src/state/store.js';
import { cleanEvent, hashedIdentifiers } from '../fixtures/events.js';

const RULE_META = new Map<string, RuleMeta>([
  ['R_DELINQ_ACTIVE', { severity: 'decline', category: 'bureau' }],
  ['R_DTI_HIGH', { severity: 'review', category: 'application' }],
  ['R_TOTAL_UTIL_HIGH', { severity: 'info', category: 'bureau' }],
  ['V_DEVICE_BURST', { severity: 'review', category: 'velocity' }],
  ['V_DEVICE_MANY_APPLICANTS', { severity: 'decline', category: 'velocity' }],
  ['L_DEVICE_BLOCKED', { severity: 'decline', category: 'list' }],
]);

let pack: LoadedPolicyPack;
beforeAll(() => {
  pack = loadPolicyPack(shippedPaths.policyPack, new Set(['funded_amnt', 'annual_inc']));
});

interface Scenario {
  fired?: string[];
  listHits?: string[];
  fraudProbability?: number;
  creditScore?: number;
  amount?: number;
  applicant?: string | null;
  at?: string;
  id?: string;
}

function fraudResult(probability: number): { result: FraudStageResult; reasons: StageReason[] } {
  const logit = Math.log(probability / (1 - probability));
  return {
    result: {
      probability,
      logit,
      baselineLogit: -4,
      contributions: [{ feature: 'device_applications_1h', value: 3, contribution: logit + 4 }],
    },
    reasons: [{ code: 'F_DEVICE_BURST', stage: 'fraud', text: 'Several applications from this device within the hour', values: { n: 3 } }],
  };
}

function creditResult(score: number): { result: CreditStageResult; reasons: StageReason[] } {
  return {
    result: {
      pd: 1 / (1 + 50 * 2 ** ((score - 600) / 20)),
      score,
      points: score,
      baselinePoints: 590,
      attributions: [{ code: 'C_DELINQUENCY', text: 'Delinquencies', points: score - 590 }],
      adverseActionCodes: score < 590 ? ['C_DELINQUENCY'] : [],
    },
    reasons: score < 590 ? [{ code: 'C_DELINQUENCY', stage: 'credit', text: 'Delinquencies', values: { points: score - 590 } }] : [],
  };
}

function input(scenario: Scenario): PolicyInput {
  const model = shippedDataModel();
  const event = model.parseEvent(
    cleanEvent({
      application_id: scenario.id ?? 'T1',
      applied_at: scenario.at ?? '2016-02-10T17:00:00Z',
      funded_amnt: scenario.amount ?? 12000,
    }),
  );
  const fired: RuleHit[] = (scenario.fired ?? []).map((code) => ({ code, severity: RULE_META.get(code)!.severity }));
  const rules: RulesStageResult = { fired, values: {}, failed: [], listHits: scenario.listHits ?? [], evaluator: 'json-rules-engine' };
  const applicant = scenario.applicant === undefined ? 'hash-of-applicant-1' : scenario.applicant;
  return {
    id: model.idOf(event)!,
    atMs: model.timeMsOf(event),
    event,
    facts: { funded_amnt: event.funded_amnt!, annual_inc: event.annual_inc! },
    identifiers: hashedIdentifiers({ byField: { ...hashedIdentifiers().byField, applicant_id: applicant }, subject: applicant }),
    rules: { result: rules, reasons: fired.map((hit) => ({ code: hit.code, stage: 'rules', text: `rule ${hit.code}`, values: {} })) },
    fraud: scenario.fraudProbability === undefined ? undefined : fraudResult(scenario.fraudProbability),
    credit: scenario.creditScore === undefined ? undefined : creditResult(scenario.creditScore),
  };
}

/** The policy stage, with its freezes applied as the engine applies them (after the decision). */
function stage(store: StateStore = createMemoryStore()) {
  const policy = createPolicyStage(pack, { ruleMeta: RULE_META, blockLists: new Set(['blocked_devices']), store });
  return async (policyInput: PolicyInput) => {
    const out = await policy.decide(policyInput);
    if (out.freeze !== null) store.freeze(out.freeze.key, out.freeze.fromMs, out.freeze.untilMs, policyInput.id);
    return { ...out, reasons: policy.reasons(policyInput, out) };
  };
}

describe('the shipped policy, branch by branch', () => {
  it('approves a clean application at tier 1 with the offer of its band and tells the applicant nothing', async () => {
    const out = await stage()(input({ fraudProbability: 0.01, creditScore: 590 }));
    expect([out.outcome, out.tier, out.actions]).toEqual(['approve', 1, ['approve']]);
    expect(out.result.fired).toEqual([]);
    expect(out.offer).toEqual({
      band: 'B',
      requestedAmount: 12000,
      approvedAmount: 12000,
      maxAmount: 35000,
      aprPercent: { min: 9, max: 13 },
      counterOffer: false,
    });
    expect(out.reasons.applicant).toEqual([]);
  });

  it('approves at the band maximum when the request exceeds it, and says so to the applicant', async () => {
    const out = await stage()(input({ fraudProbability: 0.01, creditScore: 556, amount: 25000 }));
    expect([out.outcome, out.tier, out.actions]).toEqual(['approve', 1, ['approve', 'counter_offer']]);
    expect(out.offer).toMatchObject({ band: 'D', requestedAmount: 25000, approvedAmount: 20000, counterOffer: true });
    const codes = out.reasons.applicant.map((reason) => reason.code);
    expect(codes).toEqual(['P_COUNTER_OFFER', 'C_DELINQUENCY']);
  });

  it('monitors an approval with an informational rule or a fraud probability of 0.1', async () => {
    for (const scenario of [{ fired: ['R_TOTAL_UTIL_HIGH'], fraudProbability: 0.01 }, { fraudProbability: 0.1 }]) {
      const out = await stage()(input({ ...scenario, creditScore: 600 }));
      expect([out.outcome, out.tier, out.actions]).toEqual(['approve', 1, ['approve', 'monitor']]);
      expect(out.result.fired.map((hit) => hit.code)).toEqual(['P_MONITOR']);
    }
  });

  it('sends a credit review rule to manual review at tier 2, the rule as the applicant reason', async () => {
    const out = await stage()(input({ fired: ['R_DTI_HIGH'], fraudProbability: 0.01, creditScore: 600 }));
    expect([out.outcome, out.tier, out.actions]).toEqual(['review', 2, ['manual_review']]);
    expect(out.offer).toBeUndefined();
    expect(out.reasons.primary[0]).toMatchObject({ code: 'R_DTI_HIGH', severity: 'review' });
    expect(out.reasons.applicant).toEqual([{ code: 'R_DTI_HIGH', text: 'rule R_DTI_HIGH' }]);
  });

  it('refers a score of 540-549 to an underwriter, and declines below 540 at tier 2 with an adverse-action notice', async () => {
    const marginal = await stage()(input({ fraudProbability: 0.01, creditScore: 545 }));
    expect([marginal.outcome, marginal.tier, marginal.actions]).toEqual(['review', 2, ['manual_review']]);
    expect(marginal.result.fired[0]!.code).toBe('P_CREDIT_SCORE_MARGINAL');
    for (const [score, outcome] of [
      [540, 'review'],
      [539, 'decline'],
    ] as const) {
      expect((await stage()(input({ fraudProbability: 0.01, creditScore: score }))).outcome).toBe(outcome);
    }
    const low = await stage()(input({ fraudProbability: 0.01, creditScore: 520 }));
    expect([low.outcome, low.tier, low.actions]).toEqual(['decline', 2, ['decline', 'adverse_action_notice']]);
    // The credit model's reasons take the decline's severity because the deciding rule read the score.
    expect(low.reasons.primary.map((reason) => [reason.code, reason.severity])).toEqual([
      ['P_CREDIT_SCORE_LOW', 'decline'],
      ['C_DELINQUENCY', 'decline'],
      ['F_DEVICE_BURST', 'info'],
    ]);
    expect(low.reasons.applicant.map((reason) => reason.code)).toEqual(['P_CREDIT_SCORE_LOW', 'C_DELINQUENCY']);
  });

  it('declines a credit decline rule at tier 2: not fraud, so no freeze and no alert', async () => {
    const store = createMemoryStore();
    const out = await stage(store)(input({ fired: ['R_DELINQ_ACTIVE'], fraudProbability: 0.01, creditScore: 600 }));
    expect([out.outcome, out.tier, out.actions]).toEqual(['decline', 2, ['decline', 'adverse_action_notice']]);
    expect(store.isFrozen(frozenKey('hash-of-applicant-1'), Date.parse('2016-02-11T00:00:00Z'))).toBe(false);
  });

  it('asks for step-up verification at a fraud probability of 0.3, telling the applicant only that verification is needed', async () => {
    const out = await stage()(input({ fraudProbability: 0.3, creditScore: 600 }));
    expect([out.outcome, out.tier, out.actions]).toEqual(['review', 2, ['manual_review', 'step_up_verification']]);
    expect(out.reasons.primary.map((reason) => `${reason.severity}:${reason.code}`)).toEqual([
      'review:P_FRAUD_SCORE_REVIEW',
      'review:F_DEVICE_BURST',
    ]);
    // The monitor rule fired too, but an approving rule explains nothing on a review.
    expect(out.result.fired.map((hit) => hit.code)).toContain('P_MONITOR');
    expect(out.reasons.applicant).toEqual([VERIFICATION_REASON]);
  });

  it('sends a fraud-signal review rule to step-up verification', async () => {
    const out = await stage()(input({ fired: ['V_DEVICE_BURST'], fraudProbability: 0.05, creditScore: 600 }));
    expect([out.outcome, out.tier, out.actions]).toEqual(['review', 2, ['step_up_verification']]);
    expect(out.reasons.applicant).toEqual([VERIFICATION_REASON]);
  });

  it('combines the actions of every fired rule at the deciding outcome and tier', async () => {
    const out = await stage()(input({ fired: ['R_DTI_HIGH', 'V_DEVICE_BURST'], fraudProbability: 0.05, creditScore: 600 }));
    expect([out.outcome, out.tier, out.actions]).toEqual(['review', 2, ['manual_review', 'step_up_verification']]);
    expect(out.reasons.applicant).toEqual([{ code: 'R_DTI_HIGH', text: 'rule R_DTI_HIGH' }, VERIFICATION_REASON]);
  });

  it('declines at tier 3, freezes the applicant and alerts on a fraud probability of 0.9', async () => {
    const store = createMemoryStore();
    const out = await stage(store)(input({ fraudProbability: 0.9, creditScore: 600 }));
    expect([out.outcome, out.tier, out.actions]).toEqual(['decline', 3, ['decline', 'freeze_identity', 'alert_fraud_team']]);
    expect(out.result.fired.map((hit) => hit.code)).toEqual(['P_FRAUD_SCORE_DECLINE', 'P_FRAUD_SCORE_REVIEW', 'P_MONITOR']);
    expect(store.isFrozen(frozenKey('hash-of-applicant-1'), Date.parse('2016-02-11T00:00:00Z'))).toBe(true);
    expect(out.reasons.applicant).toEqual([VERIFICATION_REASON]);
  });

  it('a block-list or velocity decline is tier 3 whatever the scores say: nothing overrides it', async () => {
    for (const fired of [['L_DEVICE_BLOCKED'], ['V_DEVICE_MANY_APPLICANTS']]) {
      const out = await stage()(input({ fired, listHits: ['blocked_devices'], fraudProbability: 0.001, creditScore: 700 }));
      expect([out.outcome, out.tier]).toEqual(['decline', 3]);
      expect(out.offer).toBeUndefined();
      expect(out.reasons.primary[0]).toMatchObject({ code: fired[0], severity: 'decline' });
    }
  });

  it("a frozen applicant's later application is declined at tier 3 until the freeze ends, and only later ones", async () => {
    const store = createMemoryStore();
    const run = stage(store);
    await run(input({ fraudProbability: 0.95, creditScore: 600, id: 'FRAUD', at: '2016-02-10T17:00:00Z' }));
    const later = await run(input({ fraudProbability: 0.01, creditScore: 600, id: 'LATER', at: '2016-02-12T17:00:00Z' }));
    expect([later.outcome, later.tier, later.result.identityFrozen]).toEqual(['decline', 3, true]);
    expect(later.result.fired[0]!.code).toBe('P_IDENTITY_FROZEN');
    const earlier = await run(input({ fraudProbability: 0.01, creditScore: 600, id: 'EARLIER', at: '2016-02-10T16:59:59Z' }));
    expect(earlier.outcome).toBe('approve');
    // The freezing application, decided again, does not see its own freeze.
    const again = await run(input({ fraudProbability: 0.01, creditScore: 600, id: 'FRAUD', at: '2016-02-10T17:00:00Z' }));
    expect(again.result.identityFrozen).toBe(false);
    // The freeze lasts 180 days from the decision that set it; the frozen attempts do not extend it.
    const lastFrozen = await run(input({ fraudProbability: 0.01, creditScore: 600, id: 'LAST', at: '2016-08-08T16:59:59Z' }));
    expect(lastFrozen.result.identityFrozen).toBe(true);
    const afterFreeze = await run(input({ fraudProbability: 0.01, creditScore: 600, id: 'AFTER', at: '2016-08-08T17:00:00Z' }));
    expect([afterFreeze.outcome, afterFreeze.result.identityFrozen]).toEqual(['approve', false]);
  });

  it('calls for a freeze but never writes one itself: the engine applies it once the decision is complete', async () => {
    const store = createMemoryStore();
    const policy = createPolicyStage(pack, { ruleMeta: RULE_META, blockLists: new Set(), store });
    const out = await policy.decide(input({ fraudProbability: 0.95, creditScore: 600 }));
    const atMs = Date.parse('2016-02-10T17:00:00Z');
    expect(out.freeze).toEqual({ key: frozenKey('hash-of-applicant-1'), fromMs: atMs, untilMs: atMs + 180 * 86_400_000 });
    expect(store.stats().frozenKeys).toBe(0);
  });

  it('without an applicant id nothing is frozen, and without a credit score an approval has no offer', async () => {
    const store = createMemoryStore();
    const out = await stage(store)(input({ fraudProbability: 0.95, applicant: null }));
    expect(out.tier).toBe(3);
    expect(store.stats().frozenKeys).toBe(0);
    const approved = await stage()(input({ fraudProbability: 0.01 }));
    expect([approved.outcome, approved.offer]).toEqual(['approve', undefined]);
  });

  it('ranks reasons by severity, the sources taking turns within a severity', async () => {
    const out = await stage()(
      input({ fired: ['R_DELINQ_ACTIVE', 'R_DTI_HIGH', 'R_TOTAL_UTIL_HIGH'], fraudProbability: 0.5, creditScore: 520 }),
    );
    expect(out.reasons.all.map((reason) => `${reason.severity}:${reason.code}`)).toEqual([
      'decline:P_CREDIT_SCORE_LOW',
      'decline:R_DELINQ_ACTIVE',
      'decline:C_DELINQUENCY',
      'review:P_FRAUD_SCORE_REVIEW',
      'review:R_DTI_HIGH',
      'review:F_DEVICE_BURST',
      'info:R_TOTAL_UTIL_HIGH',
    ]);
    expect(out.reasons.primary).toEqual(out.reasons.all.slice(0, 4));
    // A decline tells the applicant its decline reasons only, not the review-level fraud signal beside them.
    expect(out.reasons.applicant.map((reason) => reason.code)).toEqual(['P_CREDIT_SCORE_LOW', 'R_DELINQ_ACTIVE', 'C_DELINQUENCY']);
  });
});
