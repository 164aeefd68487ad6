// The backtest's figures, from the replayed rows: ROC curves, score distributions by label, the
// approval / bad-rate trade-off of the credit-score cut-off, reason codes and rule hits. One series per
// run (champion, and the challenger when there is one).
import { barChart, distributionChart, rocChart, tradeoffChart } from '../report/charts.js';
import type { ReportFigure } from '../report/document.js';
import type { BacktestRun, OutcomeFields } from './backtestSchema.js';
import { creditScores, fraudScores } from './backtest.js';
import { badLabel, type LabelledOutcome } from './replay.js';
import { rocPoints } from '../metrics/roc.js';

export interface ChartRun {
  name: string;
  rows: readonly LabelledOutcome[];
  metrics: BacktestRun;
}

/** Fewer approvals than this make a bad rate too noisy to draw. */
const MIN_APPROVED_FOR_TRADEOFF = 50;
/** The facts a score cut-off reads: a policy rule reading only these is the cut-off the trade-off sweeps. */
const SCORE_FACTS: ReadonlySet<string> = new Set(['creditScore', 'creditPd']);

export function backtestFigures(runs: readonly ChartRun[], outcomes: OutcomeFields): ReportFigure[] {
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
  const tradeoffs = runs.map((run) => ({ run, curve: cutOffTradeoff(run.rows), policy: policyCutOff(run.rows) }));
  const { credit, fraud } = outcomes;
  const bad = [credit === null ? null : 'defaulted', fraud === null ? null : 'fraud'].filter((word) => word !== null).join(' or ');
  const rows = fraud === null ? 'Every row' : 'Genuine rows';
  const fraudFigures: ReportFigure[] =
    fraud === null
      ? []
      : [
          {
            title: `ROC: fraud probability against ${fraud.field}`,
            caption: 'Every replayed row; the legend gives each curve’s AUC.',
            spec: rocChart({ curves: fraudRoc }),
          },
          {
            title: 'Fraud probability by label',
            caption: 'Every row; each group normalised to its size.',
            spec: distributionChart({ valueLabel: 'Fraud probability', groups: fraudGroups, bins: 25, domain: [0, 1] }),
          },
        ];
  const creditFigures: ReportFigure[] =
    credit === null
      ? []
      : [
          {
            title: `ROC: credit score against ${credit.field}`,
            caption: `${rows}; the score is higher = better, so the curve ranks by the negated score (lower score flagged first).`,
            spec: rocChart({ curves: creditRoc }),
          },
          {
            title: 'Credit score by label',
            caption: `${rows}; each group normalised to its size.`,
            spec: distributionChart({ valueLabel: 'Credit score', groups: creditGroups, bins: 30 }),
          },
        ];
  return [
    ...fraudFigures.slice(0, 1),
    ...creditFigures,
    ...fraudFigures.slice(1),
    {
      title: 'Approval rate against bad rate, sweeping the credit-score cut-off',
      caption: `Each point of a curve approves the rows that no other policy rule stopped and whose score is at or above a cut-off; labelled: the policy’s cut-off (the lowest score it approved among those rows) and the cut-offs every ${CUT_OFF_LABEL_STEP} points (≥ 560: scores of 560 and above approved; a label that would overlap another is left out); “policy” marks each run as replayed, all its rules applied. Bad = ${bad}.`,
      spec: tradeoffChart({
        xLabel: 'Approval rate',
        yLabel: 'Bad rate among approved',
        curves: tradeoffs.map(({ run, curve }) => ({ name: run.name, points: curve })),
        marked: tradeoffMarks(
          tradeoffs.map(({ run, curve, policy }) => ({
            name: run.name,
            curve,
            policyCutOff: policy,
            replayed:
              run.metrics.approvalRate.rate === null || run.metrics.badRateApproved.rate === null
                ? null
                : { x: run.metrics.approvalRate.rate, y: run.metrics.badRateApproved.rate },
          })),
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

/** A label closer than this share of the x range and of the y range to one already placed would overlap it. */
const CROWDED = { x: 0.08, y: 0.04 };

/**
 * The trade-off chart's labelled points, most important first: each run as replayed (`champion policy`),
 * its policy's cut-off on its curve (merged into the first label when the two points coincide, as they
 * do when the score cut-off is what stops most rows), then its cut-offs every 10 points. A label that
 * would sit on one already placed is left out (the low cut-offs crowd the top right, where few rows
 * separate them; two runs with one credit model share a curve).
 */
export function tradeoffMarks(
  runs: readonly {
    name: string;
    curve: readonly CurvePoint[];
    policyCutOff: number | null;
    replayed: { x: number; y: number } | null;
  }[],
): Mark[] {
  const points = runs.flatMap((run) => [...run.curve, ...(run.replayed === null ? [] : [run.replayed])]);
  if (points.length === 0) return [];
  const span = (values: number[]) => Math.max(...values) - Math.min(...values) || 1;
  const [xSpan, ySpan] = [span(points.map((point) => point.x)), span(points.map((point) => point.y))];
  const near = (a: { x: number; y: number }, b: { x: number; y: number }) =>
    Math.abs(a.x - b.x) < CROWDED.x * xSpan && Math.abs(a.y - b.y) < CROWDED.y * ySpan;
  const prefix = (run: { name: string }) => (runs.length > 1 ? `${run.name} ` : '');
  const candidates: Mark[] = [];
  const steps: Mark[] = [];
  for (const run of runs) {
    const policyMark = policyCutOffMark(run.curve, run.policyCutOff, prefix(run));
    const policyLabel = policyMark === null ? null : { label: policyMark.label, x: policyMark.x, y: policyMark.y };
    if (run.replayed !== null) {
      const merged = policyLabel !== null && near(policyLabel, run.replayed);
      candidates.push({ label: `${run.name} policy${merged ? `, cut-off ${run.policyCutOff}` : ''}`, ...run.replayed });
      if (!merged && policyLabel !== null) candidates.push(policyLabel);
    } else if (policyLabel !== null) {
      candidates.push(policyLabel);
    }
    steps.push(...cutOffStepMarks(run.curve, new Set(policyMark === null ? [] : [policyMark.cutOff])));
  }
  const placed: Mark[] = [];
  for (const mark of [...candidates, ...steps]) if (!placed.some((other) => near(other, mark))) placed.push(mark);
  return placed;
}

function seriesLabel(runs: readonly ChartRun[], run: ChartRun, label: string): string {
  return runs.length > 1 ? `${label} (${run.name})` : label;
}

function fraudValues(rows: readonly LabelledOutcome[]): number[] {
  return rows.flatMap((row) => (row.decision.stages.fraud === undefined ? [] : [row.decision.stages.fraud.probability]));
}

/** Rows the cut-off sweep can judge: scored, labelled, and stopped by no policy rule but a score cut-off. */
function sweepEligible(rows: readonly LabelledOutcome[]): LabelledOutcome[] {
  return rows
    .filter((row) => row.decision.stages.credit !== undefined && badLabel(row) !== null)
    .filter((row) =>
      row.decision.stages.policy.fired.every(
        (hit) => hit.outcome === 'approve' || Object.keys(hit.values).every((fact) => SCORE_FACTS.has(fact)),
      ),
    );
}

/**
 * The credit-score cut-off swept over the replayed decisions: a row is eligible when it has a score and
 * no policy rule other than a score cut-off asked to stop it (review or decline); at cut-off c the
 * eligible rows scoring c or more are approved. x: approved / all rows; y: bad among the approved.
 */
export function cutOffTradeoff(rows: readonly LabelledOutcome[]): { x: number; y: number; cutOff: number }[] {
  const eligible = sweepEligible(rows).sort((a, b) => b.decision.stages.credit!.score - a.decision.stages.credit!.score);
  const points: { x: number; y: number; cutOff: number }[] = [];
  let approved = 0;
  let bad = 0;
  for (let index = 0; index < eligible.length; index += 1) {
    const row = eligible[index]!;
    approved += 1;
    if (badLabel(row) === true) bad += 1;
    const score = row.decision.stages.credit!.score;
    const lastOfScore = index === eligible.length - 1 || eligible[index + 1]!.decision.stages.credit!.score !== score;
    if (lastOfScore && approved >= MIN_APPROVED_FOR_TRADEOFF) points.push({ x: approved / rows.length, y: bad / approved, cutOff: score });
  }
  return points;
}

/**
 * The policy's credit-score cut-off as replayed: the lowest score the policy approved among the rows the
 * sweep judges (so its point on the curve is the policy's own cut-off); null when it approved none.
 */
export function policyCutOff(rows: readonly LabelledOutcome[]): number | null {
  let lowest: number | null = null;
  for (const row of sweepEligible(rows)) {
    if (row.decision.outcome !== 'approve') continue;
    const score = row.decision.stages.credit!.score;
    if (lowest === null || score < lowest) lowest = score;
  }
  return lowest;
}

/** Score cut-offs are labelled every this many points. */
export const CUT_OFF_LABEL_STEP = 10;

type CurvePoint = { x: number; y: number; cutOff: number };
type Mark = { label: string; x: number; y: number };

/** The curve point that approves what cut-off `score` approves: the lowest cut-off at or above it. */
function pointAtOrAbove(curve: readonly CurvePoint[], score: number): CurvePoint | undefined {
  let best: CurvePoint | undefined;
  for (const point of curve) if (point.cutOff >= score && (best === undefined || point.cutOff < best.cutOff)) best = point;
  return best;
}

/** The policy's cut-off on the curve (`<prefix>policy cut-off 550`), or null when the curve has no point for it. */
export function policyCutOffMark(curve: readonly CurvePoint[], policy: number | null, prefix = ''): (Mark & { cutOff: number }) | null {
  const point = policy === null ? undefined : pointAtOrAbove(curve, policy);
  return point === undefined ? null : { label: `${prefix}policy cut-off ${policy}`, x: point.x, y: point.y, cutOff: point.cutOff };
}

/**
 * Each multiple of `step` within the curve's range, at the curve point that approves the same rows,
 * labelled `≥ 560`; a point is labelled once (the first multiple reaching it), and not at all when its
 * cut-off is in `taken`.
 */
export function cutOffStepMarks(curve: readonly CurvePoint[], taken: ReadonlySet<number> = new Set(), step = CUT_OFF_LABEL_STEP): Mark[] {
  if (curve.length === 0) return [];
  const cutOffs = curve.map((point) => point.cutOff);
  const used = new Set(taken);
  const marks: Mark[] = [];
  for (let score = Math.ceil(Math.min(...cutOffs) / step) * step; score <= Math.max(...cutOffs); score += step) {
    const point = pointAtOrAbove(curve, score)!;
    if (used.has(point.cutOff)) continue;
    used.add(point.cutOff);
    marks.push({ label: `≥ ${score}`, x: point.x, y: point.y });
  }
  return marks;
}

/** The labelled points of one curve: the policy's cut-off, then the cut-offs every `step` points (policyCutOffMark, cutOffStepMarks). */
export function cutOffMarks(curve: readonly CurvePoint[], policy: number | null, prefix = '', step = CUT_OFF_LABEL_STEP): Mark[] {
  const policyMark = policyCutOffMark(curve, policy, prefix);
  const steps = cutOffStepMarks(curve, new Set(policyMark === null ? [] : [policyMark.cutOff]), step);
  return policyMark === null ? steps : [{ label: policyMark.label, x: policyMark.x, y: policyMark.y }, ...steps];
}
