// Incremental impact on hand-built decisions: a rule alone caught an application when no other rule or
// policy rule that fired asked for the same or a harsher outcome.
import { describe, expect, it } from 'vitest';
import { incrementalRules, ruleCatalogue, ruleMetrics, type CatalogueRule, type FiredRules } from '../../src/analysis/ruleImpact.js';

const relayDecline = { code: 'P_FRAUD_RULE_DECLINE', outcome: 'decline' as const, values: { fraudDeclineRuleCount: 1 } };
const relayReview = { code: 'P_CREDIT_RULE_REVIEW', outcome: 'review' as const, values: { creditReviewRuleCount: 1 } };
const scoreDecline = { code: 'P_FRAUD_SCORE_DECLINE', outcome: 'decline' as const, values: { fraudProbability: 0.95 } };
const monitor = { code: 'P_MONITOR', outcome: 'approve' as const, values: { infoRuleCount: 1 } };

const fired = (outcome: FiredRules['outcome'], rules: FiredRules['rules'], policy: FiredRules['policy']): FiredRules => ({
  outcome,
  rules,
  policy,
});

describe('incrementalRules', () => {
  it('credits a lone decline rule and the policy rule relaying it', () => {
    expect(incrementalRules(fired('decline', [{ code: 'L_DEVICE_BLOCKED', severity: 'decline' }], [relayDecline]))).toEqual([
      'P_FRAUD_RULE_DECLINE',
      'L_DEVICE_BLOCKED',
    ]);
  });

  it('credits neither of two decline rules: each would have declined without the other', () => {
    const rules = [
      { code: 'L_DEVICE_BLOCKED', severity: 'decline' as const },
      { code: 'V_DEVICE_MANY_APPLICANTS', severity: 'decline' as const },
    ];
    expect(incrementalRules(fired('decline', rules, [relayDecline]))).toEqual(['P_FRAUD_RULE_DECLINE']);
  });

  it('credits no rule when the fraud score declined too, and no policy rule either', () => {
    expect(incrementalRules(fired('decline', [{ code: 'L_DEVICE_BLOCKED', severity: 'decline' }], [scoreDecline, relayDecline]))).toEqual(
      [],
    );
  });

  it('credits the decline rule, not the milder review rules beside it', () => {
    const rules = [
      { code: 'R_DELINQ_ACTIVE', severity: 'decline' as const },
      { code: 'R_DTI_HIGH', severity: 'review' as const },
    ];
    const policy = [{ ...relayDecline, code: 'P_CREDIT_RULE_DECLINE', values: { creditDeclineRuleCount: 1 } }, relayReview];
    expect(incrementalRules(fired('decline', rules, policy))).toEqual(['P_CREDIT_RULE_DECLINE', 'R_DELINQ_ACTIVE']);
  });

  it('credits the score decline alone when a review rule also fired', () => {
    expect(incrementalRules(fired('decline', [{ code: 'R_DTI_HIGH', severity: 'review' }], [scoreDecline, relayReview]))).toEqual([
      'P_FRAUD_SCORE_DECLINE',
    ]);
  });

  it('credits nothing on an approval, and never an info rule', () => {
    expect(incrementalRules(fired('approve', [{ code: 'R_IP_REGION_MISMATCH', severity: 'info' }], [monitor]))).toEqual([]);
  });

  it('credits no rule-pack rule when no policy rule relays rule hits (the pack ignores them): the score rule alone', () => {
    const scoreReview = { code: 'P_CREDIT_SCORE_MARGINAL', outcome: 'review' as const, values: { creditScore: 545 } };
    expect(incrementalRules(fired('review', [{ code: 'R_DTI_HIGH', severity: 'review' }], [scoreReview]))).toEqual([
      'P_CREDIT_SCORE_MARGINAL',
    ]);
  });
});

describe('ruleMetrics', () => {
  const catalogue: CatalogueRule[] = [
    { code: 'L_DEVICE_BLOCKED', source: 'rule pack', pack: 'lists', category: 'list', verdict: 'decline', precisionLabel: 'fraud' },
    { code: 'R_DTI_HIGH', source: 'rule pack', pack: 'application', category: 'application', verdict: 'review', precisionLabel: 'default' },
    { code: 'P_FRAUD_RULE_DECLINE', source: 'policy', pack: 'p', category: 'fraud', verdict: 'decline', precisionLabel: 'fraud' },
    { code: 'P_CREDIT_RULE_REVIEW', source: 'policy', pack: 'p', category: 'credit', verdict: 'review', precisionLabel: 'default' },
  ];
  const device = { code: 'L_DEVICE_BLOCKED', severity: 'decline' as const };
  const dti = { code: 'R_DTI_HIGH', severity: 'review' as const };
  const rows = [
    { isFraud: true, defaulted: false, fired: fired('decline', [device], [relayDecline]) },
    { isFraud: false, defaulted: true, fired: fired('decline', [device, dti], [relayDecline, relayReview]) },
    { isFraud: false, defaulted: true, fired: fired('review', [dti], [relayReview]) },
    { isFraud: false, defaulted: null, fired: fired('review', [dti], [relayReview]) },
    { isFraud: false, defaulted: false, fired: fired('approve', [], []) },
  ];
  const metrics = new Map(ruleMetrics(catalogue, rows).map((rule) => [rule.code, rule]));

  it('counts hits, the hit rate over every decision and precision on the label of the rule’s category', () => {
    const blocked = metrics.get('L_DEVICE_BLOCKED')!;
    expect(blocked).toMatchObject({ hits: 2, hitRate: { count: 2, total: 5 }, precision: { count: 1, total: 2, rate: 0.5 } });
    // Precision on default: the row without a default label is left out.
    expect(metrics.get('R_DTI_HIGH')).toMatchObject({ hits: 3, precision: { count: 2, total: 2, rate: 1 } });
  });

  it('counts incremental catches and their precision', () => {
    expect(metrics.get('L_DEVICE_BLOCKED')).toMatchObject({ incremental: 2, incrementalPrecision: { count: 1, total: 2 } });
    expect(metrics.get('R_DTI_HIGH')).toMatchObject({ incremental: 2, incrementalPrecision: { count: 1, total: 1 } });
    expect(metrics.get('P_CREDIT_RULE_REVIEW')).toMatchObject({ hits: 3, incremental: 2 });
  });
});

describe('ruleCatalogue', () => {
  it('lists every rule of the shipped rule packs and policy pack, fraud-signal categories scored on fraud', () => {
    const catalogue = ruleCatalogue();
    expect(catalogue.filter((rule) => rule.source === 'rule pack')).toHaveLength(24);
    expect(catalogue.filter((rule) => rule.source === 'policy')).toHaveLength(10);
    const label = (code: string) => catalogue.find((rule) => rule.code === code)?.precisionLabel;
    expect([label('V_DEVICE_BURST'), label('L_IP_RANGE_BLOCKED'), label('R_ODD_HOUR_LARGE'), label('P_FRAUD_SCORE_REVIEW')]).toEqual([
      'fraud',
      'fraud',
      'fraud',
      'fraud',
    ]);
    expect([label('R_DTI_HIGH'), label('R_DELINQ_RECENT'), label('P_CREDIT_SCORE_LOW')]).toEqual(['default', 'default', 'default']);
  });
});
