// The backtest's chart data by hand: ROC points, the credit-score cut-off sweep, the policy's cut-off
// and the labelled cut-offs on the trade-off chart; compareRuns' matrix; the fraud table's dash.
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/analysis/backtest.js';
import { backtestFigures, cutOffMarks, cutOffTradeoff, policyCutOff, tradeoffMarks } from '../../src/analysis/backtestCharts.js';
import { fraudCaughtRows } from '../../src/analysis/backtestReport.js';
import type { BacktestRun } from '../../src/analysis/backtestSchema.js';
import { wilsonRate } from '../../src/analysis/interval.js';
import type { LabelledOutcome } from '../../src/analysis/replay.js';
import { rocPoints } from '../../src/metrics/roc.js';
import { outcomeFields, outcomeReader } from '../../src/analysis/outcomes.js';
import { shippedDataModel } from '../../src/features/dataModel.js';

const LENDING_OUTCOMES = outcomeFields(outcomeReader(shippedDataModel()));

type Outcome = 'approve' | 'review' | 'decline';

/** A replayed row with only what the charts read: outcome, score, the policy rules that fired, labels. */
function row(
  id: string,
  outcome: Outcome,
  score: number | undefined,
  labels: { fraud?: boolean; defaulted?: boolean | null } = {},
  fired: { outcome: Outcome; values: Record<string, unknown> }[] = [],
): LabelledOutcome {
  return {
    line: 1,
    applicationId: id,
    appliedAt: '2016-01-01T00:00:00Z',
    appliedAtMs: 0,
    isFraud: labels.fraud ?? false,
    fraudScenario: null,
    defaulted: labels.defaulted === undefined ? false : labels.defaulted,
    amount: 1000,
    approvedAmount: 1000,
    intRatePercent: 10,
    termMonths: 36,
    decision: {
      outcome,
      stages: { credit: score === undefined ? undefined : { score }, policy: { fired } },
    } as unknown as LabelledOutcome['decision'],
  };
}

describe('rocPoints', () => {
  it('steps from (0,0) to (1,1), one point per distinct score from the highest down', () => {
    // Scores 0.9 (positive), 0.8 (negative), 0.7 (positive, negative tied), 0.1 (negative).
    const points = rocPoints([0.9, 0.8, 0.7, 0.7, 0.1], [1, 0, 1, 0, 0]);
    expect(points).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 1 / 3, tpr: 0.5 },
      { fpr: 2 / 3, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
  });

  it('refuses labels of one class (no curve to draw)', () => {
    expect(() => rocPoints([0.1, 0.2], [1, 1])).toThrow(/rocPoints/);
  });
});

describe('cutOffTradeoff and its labels', () => {
  // 60 rows at each of the scores 600 (good), 570 (1 in 6 bad) and 545 (half bad), and rows the sweep
  // must leave out: one stopped by a fraud rule, one without a score, one without a label.
  const scoreRule = { outcome: 'decline' as const, values: { creditScore: 545 } };
  const rows = [
    ...Array.from({ length: 60 }, (_, i) => row(`a${i}`, 'approve', 600)),
    ...Array.from({ length: 60 }, (_, i) => row(`b${i}`, 'approve', 570, { defaulted: i % 6 === 0 })),
    ...Array.from({ length: 60 }, (_, i) => row(`c${i}`, 'decline', 545, { defaulted: i % 2 === 0 }, [scoreRule])),
    row('fraud-rule', 'decline', 640, { fraud: true }, [{ outcome: 'decline', values: { fraudDeclineRuleCount: 1 } }]),
    row('unscored', 'approve', undefined),
    row('unlabelled', 'approve', 650, { defaulted: null }),
  ];

  it('approves the eligible rows at or above each cut-off; x over all rows, y among the approved', () => {
    const curve = cutOffTradeoff(rows);
    const all = rows.length;
    expect(curve).toEqual([
      { x: 60 / all, y: 0, cutOff: 600 },
      { x: 120 / all, y: 10 / 120, cutOff: 570 },
      { x: 180 / all, y: 40 / 180, cutOff: 545 },
    ]);
  });

  it('draws no point on fewer than 50 approvals', () => {
    expect(cutOffTradeoff(rows.slice(0, 40))).toEqual([]);
  });

  it('finds the policy’s cut-off: the lowest score it approved among the rows the sweep judges', () => {
    expect(policyCutOff(rows)).toBe(570);
    expect(policyCutOff(rows.filter((entry) => entry.decision.outcome === 'decline'))).toBeNull();
  });

  it('labels the policy’s cut-off and every 10 points, each at the point approving the same rows, once', () => {
    const curve = cutOffTradeoff(rows);
    const [at600, at570, at545] = curve;
    // 550 and 560 approve what 570 approves: that point is labelled once, as the policy's; 580 and 590
    // approve what 600 does. 545 is below the first multiple of 10.
    expect(cutOffMarks(curve, 570)).toEqual([
      { label: 'policy cut-off 570', x: at570!.x, y: at570!.y },
      { label: '≥ 580', x: at600!.x, y: at600!.y },
    ]);
    expect(cutOffMarks(curve, null, 'challenger ').map((mark) => mark.label)).toEqual(['≥ 550', '≥ 580']);
    expect(cutOffMarks(curve, 570, 'champion ')[0]!.label).toBe('champion policy cut-off 570');
    expect(at545!.cutOff).toBe(545);
    expect(cutOffMarks([], 570)).toEqual([]);
  });

  it('merges the policy’s cut-off into the replayed policy’s label when the two points coincide, else labels both', () => {
    const curve = cutOffTradeoff(rows);
    const at570 = curve.find((point) => point.cutOff === 570)!;
    const merged = tradeoffMarks([{ name: 'champion', curve, policyCutOff: 570, replayed: { x: at570.x + 0.001, y: at570.y } }]);
    expect(merged.map((mark) => mark.label)).toEqual(['champion policy, cut-off 570', '≥ 580']);
    const apart = tradeoffMarks([{ name: 'champion', curve, policyCutOff: 570, replayed: { x: 0.9, y: 0.3 } }]);
    expect(apart.map((mark) => mark.label)).toEqual(['champion policy', 'policy cut-off 570', '≥ 580']);
    expect(apart[1]).toMatchObject({ x: at570.x, y: at570.y });
  });

  it('leaves out a label that would sit on one already placed, and labels a curve two runs share once', () => {
    // Cut-offs 500…590, the low ones crowded together at the top right, the high ones spread out.
    const curve = Array.from({ length: 10 }, (_, index) => {
      const cutOff = 590 - index * 10;
      return index < 6 ? { cutOff, x: index * 0.15, y: 0.01 + index * 0.01 } : { cutOff, x: 0.9 + index * 0.001, y: 0.06 + index * 0.0001 };
    });
    const labels = tradeoffMarks([{ name: 'champion', curve, policyCutOff: null, replayed: null }]).map((mark) => mark.label);
    expect(labels).toEqual(['≥ 500', '≥ 540', '≥ 550', '≥ 560', '≥ 570', '≥ 580', '≥ 590']);
    const twice = tradeoffMarks([
      { name: 'champion', curve, policyCutOff: 560, replayed: null },
      { name: 'challenger', curve, policyCutOff: 560, replayed: null },
    ]).map((mark) => mark.label);
    expect(twice.filter((label) => label.includes('policy cut-off 560'))).toEqual(['champion policy cut-off 560']);
    expect(twice.filter((label) => label === '≥ 580')).toHaveLength(1);
  });

  it('puts the labels on the trade-off chart', () => {
    const metrics = {
      name: 'champion',
      approvalRate: wilsonRate(121, 183),
      badRateApproved: wilsonRate(10, 120),
      models: { fraudProbability: { all: null }, creditScore: { all: null } },
      reasons: [],
      rules: [],
    } as unknown as BacktestRun;
    const figure = backtestFigures([{ name: 'champion', rows, metrics }], LENDING_OUTCOMES).find((entry) =>
      entry.title.startsWith('Approval rate against'),
    )!;
    const text = JSON.stringify(figure.spec);
    expect(text).toContain('"champion policy, cut-off 570"');
    expect(text).toContain('"≥ 580"');
  });
});

describe('compareRuns', () => {
  it('counts each champion → challenger outcome pair over the applications both decided', () => {
    const champion = [
      row('1', 'approve', 600),
      row('2', 'approve', 600),
      row('3', 'review', 600),
      row('4', 'decline', 600),
      row('5', 'approve', 600),
    ];
    const challenger = [
      row('1', 'approve', 600),
      row('2', 'review', 600),
      row('3', 'decline', 600),
      row('4', 'decline', 600),
      row('6', 'approve', 600),
    ];
    const changes = compareRuns(champion, challenger);
    expect(changes.compared).toBe(4);
    expect(changes.changed).toBe(2);
    expect(changes.matrix).toEqual({
      approve: { approve: 1, review: 1, decline: 0 },
      review: { approve: 0, review: 0, decline: 1 },
      decline: { approve: 0, review: 0, decline: 1 },
    });
  });
});

describe('fraud caught table', () => {
  const catchOf = (scenario: string, frauds: number, declined: number) => ({
    scenario,
    frauds,
    declined,
    reviewed: 0,
    missed: frauds - declined,
    caught: wilsonRate(declined, frauds),
  });

  it('shows a dash where a run lacks a scenario, never another scenario’s figures', () => {
    const champion = {
      fraudCaught: [catchOf('device_farm', 10, 8), catchOf('stolen_identity', 4, 1), catchOf('all', 14, 9)],
    } as BacktestRun;
    const challenger = { fraudCaught: [catchOf('device_farm', 10, 9), catchOf('all', 10, 9)] } as BacktestRun;
    const rows = fraudCaughtRows([champion, challenger]);
    expect(rows.map((cells) => cells[0])).toEqual(['device_farm', 'stolen_identity', 'all']);
    expect(rows[1]!.slice(0, 6)).toEqual(['stolen_identity', 4, 1, 0, 3, expect.stringMatching(/^25\.0%/)]);
    expect(rows[1]!.slice(6)).toEqual(['—', '—', '—', '—']);
    expect(rows[0]!.slice(6, 9)).toEqual([9, 0, 1]);
  });
});
