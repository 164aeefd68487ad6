// The backtest's figures, from the replayed rows: ROC curves, score distributions by label, the
// approval / bad-rate trade-off of the credit-score cut-off, reason codes and rule hits. One series per
// run (champion, and the challenger when there is one).
import { barChart, distributionChart, rocChart, tradeoffChart } from '../report/charts.js';
import type { ReportFigure } from '../report/document.js';
import type { BacktestRun } from './backtestSchema.js';
import { creditScores, fraudScores } from './backtest.js';
import type { LabelledOutcome } from './replay.js';
import { rocPoints } from './roc.js';

export interface ChartRun {
  name: string;
  rows: readonly LabelledOutcome[];
  metrics: BacktestRun;
}

/** Fewer approvals than this make a bad rate too noisy to draw. */
const MIN_APPROVED_FOR_TRADEOFF = 50;
/** The facts a score cut-off reads: a policy rule reading only these is the cut-off the trade-off sweeps. */
const SCORE_FACTS: ReadonlySet<string> = new Set(['creditScore', 'creditPd']);

export function backtestFigures(runs: readonly ChartRun[]): ReportFigure[] {
  const named = (run: ChartRun, label: string) => (runs.length > 1 ? `${run.name}: ${label}` : label);
  const fraudRoc = runs.flatMap((run) => {
    const model = run.metrics.models.fraudProbability.all;
    if (model === null) return [];
    const { scores, labels } = fraudScores(run.rows);
    return [{ name: run.name, auc: model.auc, points: rocPoints(scores, labels) }];
  });
  const creditRoc = runs.flatMap((run) => {
    const model = run.metrics.models.creditScore.all;
    if (model === null) return [];
    const { scores, labels } = creditScores(run.rows);
    return [{ name: run.name, auc: model.auc, points: rocPoints(scores, labels) }];
  });
  const genuine = (run: ChartRun, defaulted: boolean) =>
    run.rows.filter((row) => !row.isFraud && row.defaulted === defaulted && row.decision.stages.credit !== undefined);
  const creditGroups = runs.flatMap((run) => [
    { label: named(run, 'genuine good'), values: genuine(run, false).map((row) => row.decision.stages.credit!.score) },
    { label: named(run, 'genuine default'), values: genuine(run, true).map((row) => row.decision.stages.credit!.score) },
  ]);
  const fraudGroups = runs.flatMap((run) => [
    { label: named(run, 'genuine'), values: fraudValues(run.rows.filter((row) => !row.isFraud)) },
    { label: named(run, 'fraud'), values: fraudValues(run.rows.filter((row) => row.isFraud)) },
  ]);
  const tradeoffs = runs.map((run) => ({ run, curve: cutOffTradeoff(run.rows) }));
  return [
    {
      title: 'ROC: fraud probability against is_fraud',
      caption: 'Every replayed row; the legend gives each curve’s AUC.',
      spec: rocChart({ curves: fraudRoc }),
    },
    {
      title: 'ROC: credit score against default',
      caption: 'Genuine rows; the score is higher = better, so the curve ranks by the negated score (lower score flagged first).',
      spec: rocChart({ curves: creditRoc }),
    },
    {
      title: 'Credit score by label',
      caption: 'Genuine rows; each group normalised to its size.',
      spec: distributionChart({ valueLabel: 'Credit score', groups: creditGroups, bins: 30 }),
    },
    {
      title: 'Fraud probability by label',
      caption: 'Every row; each group normalised to its size.',
      spec: distributionChart({ valueLabel: 'Fraud probability', groups: fraudGroups, bins: 25, domain: [0, 1] }),
    },
    {
      title: 'Approval rate against bad rate, sweeping the credit-score cut-off',
      caption:
        'Each point approves the rows that no other policy rule stopped and whose score is at or above a cut-off; the marked point is the policy as replayed. Bad = defaulted or fraud.',
      spec: tradeoffChart({
        xLabel: 'Approval rate',
        yLabel: 'Bad rate among approved',
        curves: tradeoffs.map(({ run, curve }) => ({ name: run.name, points: curve })),
        marked: runs.flatMap((run) =>
          run.metrics.approvalRate.rate === null || run.metrics.badRateApproved.rate === null
            ? []
            : [{ label: `${run.name} policy`, x: run.metrics.approvalRate.rate, y: run.metrics.badRateApproved.rate }],
        ),
      }),
    },
    {
      title: 'Reason codes',
      caption: 'Decisions listing each code among their reasons (the 25 most frequent).',
      spec: barChart({
        valueLabel: 'Decisions',
        items: runs.flatMap((run) =>
          run.metrics.reasons
            .slice(0, 25)
            .map((reason) => ({ label: seriesLabel(runs, run, reason.code), value: reason.decisions, group: run.name })),
        ),
      }),
    },
    {
      title: 'Rule hits',
      caption: 'Applications each rule fired on (rule packs and the policy pack; rules that never fired left out).',
      spec: barChart({
        valueLabel: 'Applications',
        items: runs.flatMap((run) =>
          run.metrics.rules
            .filter((rule) => rule.hits > 0)
            .map((rule) => ({ label: seriesLabel(runs, run, rule.code), value: rule.hits, group: run.name })),
        ),
      }),
    },
  ];
}

function seriesLabel(runs: readonly ChartRun[], run: ChartRun, label: string): string {
  return runs.length > 1 ? `${label} (${run.name})` : label;
}

function fraudValues(rows: readonly LabelledOutcome[]): number[] {
  return rows.flatMap((row) => (row.decision.stages.fraud === undefined ? [] : [row.decision.stages.fraud.probability]));
}

/**
 * The credit-score cut-off swept over the replayed decisions: a row is eligible when it has a score and
 * no policy rule other than a score cut-off asked to stop it (review or decline); at cut-off c the
 * eligible rows scoring c or more are approved. x: approved / all rows; y: bad among the approved.
 */
export function cutOffTradeoff(rows: readonly LabelledOutcome[]): { x: number; y: number; cutOff: number }[] {
  const eligible = rows
    .filter((row) => row.decision.stages.credit !== undefined && (row.isFraud || row.defaulted !== null))
    .filter((row) =>
      row.decision.stages.policy.fired.every(
        (hit) => hit.outcome === 'approve' || Object.keys(hit.values).every((fact) => SCORE_FACTS.has(fact)),
      ),
    )
    .sort((a, b) => b.decision.stages.credit!.score - a.decision.stages.credit!.score);
  const points: { x: number; y: number; cutOff: number }[] = [];
  let approved = 0;
  let bad = 0;
  for (let index = 0; index < eligible.length; index += 1) {
    const row = eligible[index]!;
    approved += 1;
    if (row.isFraud || row.defaulted === true) bad += 1;
    const score = row.decision.stages.credit!.score;
    const lastOfScore = index === eligible.length - 1 || eligible[index + 1]!.decision.stages.credit!.score !== score;
    if (lastOfScore && approved >= MIN_APPROVED_FOR_TRADEOFF) points.push({ x: approved / rows.length, y: bad / approved, cutOff: score });
  }
  return points;
}
