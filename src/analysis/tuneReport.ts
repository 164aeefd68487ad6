// What `fengkong tune` shows, as plain rows (the command prints them, the report draws them): the
// frontier with the chosen and current thresholds marked, the thresholds before and after, and both
// policies on the tuning and check slices, every rate with its 95% Wilson interval; and the report
// document built from them.
import type { ReportDocumentInput } from '../report/document.js';
import { tradeoffChart } from '../report/charts.js';
import { count, money, percent, rateInterval } from './format.js';
import type { Rate } from './interval.js';
import type { TuneResult } from './tune.js';
import type { Candidate, SearchResult } from './tuneSearch.js';
import { describeConstraints, type SliceMetrics } from './tuneMetrics.js';
import { formatThreshold, type PolicyThresholds } from './tuneThresholds.js';

/** How many frontier points the table shows (evenly spread along it, both ends kept). */
export const FRONTIER_TABLE_ROWS = 20;

export const FRONTIER_COLUMNS = [
  'mark',
  'approval rate',
  'bad rate',
  'fraud caught',
  'profit',
  'fraud review ≥',
  'fraud decline ≥',
  'credit decline <',
  'credit review',
] as const;

export type Mark = '' | 'chosen' | 'current' | 'chosen = current';

export interface FrontierRow {
  readonly mark: Mark;
  readonly candidate: Candidate;
}

/**
 * Frontier points by falling approval rate, thinned to about `limit` evenly along it (both ends kept),
 * with the chosen and current thresholds in their places (one row when they are the same).
 */
export function frontierRows(search: Pick<SearchResult, 'frontier' | 'chosen' | 'current'>, limit = FRONTIER_TABLE_ROWS): FrontierRow[] {
  const { frontier, chosen, current } = search;
  const step = Math.max(1, (frontier.length - 1) / Math.max(1, limit - 1));
  const picked = new Set<Candidate>();
  for (let at = 0; at < frontier.length; at += step) picked.add(frontier[Math.round(at)]!);
  if (frontier.length > 0) picked.add(frontier.at(-1)!);
  const rows: FrontierRow[] = [...picked]
    .filter((candidate) => candidate !== chosen && candidate !== current)
    .map((candidate) => ({ mark: '', candidate }));
  if (current === chosen) rows.push({ mark: 'chosen = current', candidate: chosen });
  else rows.push({ mark: 'chosen', candidate: chosen }, { mark: 'current', candidate: current });
  return rows.sort(
    (a, b) =>
      b.candidate.metrics.approved - a.candidate.metrics.approved ||
      (a.candidate.metrics.badRate.rate ?? 0) - (b.candidate.metrics.badRate.rate ?? 0),
  );
}

/** Decimals shown: bad rates sit near caps given in hundredths of a percent; fraud counts are small. */
const APPROVAL_DIGITS = 2;
const BAD_RATE_DIGITS = 2;
const FRAUD_CAUGHT_DIGITS = 1;

export function frontierCells({ mark, candidate }: FrontierRow): string[] {
  const { metrics, thresholds } = candidate;
  return [
    mark,
    rateInterval(metrics.approvalRate, APPROVAL_DIGITS),
    rateInterval(metrics.badRate, BAD_RATE_DIGITS),
    rateInterval(metrics.fraudCaught, FRAUD_CAUGHT_DIGITS),
    money(metrics.profit),
    formatThreshold(thresholds.fraudReview),
    formatThreshold(thresholds.fraudDecline),
    String(thresholds.creditDecline),
    `${thresholds.creditDecline}-${thresholds.creditMarginal - 1}`,
  ];
}

export const SLICE_COLUMNS = ['slice', 'policy', 'rows', 'approved', 'approval rate', 'bad rate', 'fraud caught', 'profit'] as const;

/** Both policies on both slices, each from a full replay. */
export function sliceRows(result: TuneResult): string[][] {
  const row = (slice: string, policy: string, metrics: SliceMetrics) => [
    slice,
    policy,
    String(metrics.rows),
    String(metrics.approved),
    rateInterval(metrics.approvalRate, APPROVAL_DIGITS),
    rateInterval(metrics.badRate, BAD_RATE_DIGITS),
    rateInterval(metrics.fraudCaught, FRAUD_CAUGHT_DIGITS),
    money(metrics.profit),
  ];
  return [
    row('tuning', 'current', result.tuning.current),
    row('tuning', 'tuned', result.tuning.tuned),
    row('check', 'current', result.check.current),
    row('check', 'tuned', result.check.tuned),
  ];
}

/** One line per threshold: name, current, tuned. */
export function thresholdRows(result: TuneResult): string[][] {
  const { current, tuned } = result.thresholds;
  const bands = result.tunedPack.offers
    .slice(0, -1)
    .map((band, index) => [
      `offer band ${band.band} from score`,
      String(current.offerMinScores[index]),
      String(tuned.offerMinScores[index]),
    ]);
  const review = (thresholds: PolicyThresholds) => `${thresholds.creditDecline}-${thresholds.creditMarginal - 1}`;
  return [
    ['fraud probability: review from', formatThreshold(current.fraudReview), formatThreshold(tuned.fraudReview)],
    ['fraud probability: decline from', formatThreshold(current.fraudDecline), formatThreshold(tuned.fraudDecline)],
    ['credit score: decline below', String(current.creditDecline), String(tuned.creditDecline)],
    ['credit score: review (marginal band)', review(current), review(tuned)],
    ...bands,
  ];
}

export function objectiveText(result: TuneResult): string {
  return (
    `maximise ${result.objective === 'approvals' ? 'approvals' : 'expected profit'} subject to ${describeConstraints(result.constraints)}` +
    (result.confidence > 0 && describeConstraints(result.constraints) !== 'no constraint'
      ? ` (held at ${percent(result.confidence, 0)} one-sided confidence on the tuning slice)`
      : '')
  );
}

/**
 * Whether the tuned policy meets the constraints on the check slice, judged on the rates themselves;
 * each rate with its 95% Wilson interval and counts, so a rate a hair under its cap reads as such.
 */
export function checkVerdict(result: TuneResult): string {
  const { badRate, fraudCaught } = result.check.tuned;
  const { maxBadRate, minFraudCaught } = result.constraints;
  const measured = (value: Rate, digits: number, of: string) =>
    value.rate === null
      ? `n/a (no ${of})`
      : `${rateInterval(value, digits, '95% interval ')}, ${count(value.count)} of ${count(value.total)} ${of}`;
  const parts = [
    ...(maxBadRate === undefined
      ? []
      : [`bad rate ${measured(badRate, BAD_RATE_DIGITS, 'approved with a known outcome')}, cap ${percent(maxBadRate, BAD_RATE_DIGITS)}`]),
    ...(minFraudCaught === undefined
      ? []
      : [`fraud caught ${measured(fraudCaught, FRAUD_CAUGHT_DIGITS, 'frauds')}, floor ${percent(minFraudCaught, FRAUD_CAUGHT_DIGITS)}`]),
  ];
  if (parts.length === 0) return 'check slice: no constraint to check';
  return `check slice: constraint ${result.check.met ? 'met' : 'NOT met'}: ${parts.join('; ')}`;
}

export function tuneReportDocument(
  result: TuneResult,
  context: { readonly generatedAt: string; readonly version: string; readonly command: string; readonly tunedPackName: string },
): ReportDocumentInput {
  // One chart per measure against the approval rate, each along its own frontier (the fraud-caught
  // frontier is not the bad-rate one: the chosen thresholds may sit below it), chosen and current marked.
  const tradeoffFigure = (
    title: string,
    caption: string,
    yLabel: string,
    frontier: readonly Candidate[],
    measure: 'badRate' | 'fraudCaught',
  ) => {
    const point = (candidate: Candidate) => {
      const y = candidate.metrics[measure].rate;
      return y === null ? [] : [{ x: candidate.metrics.approvalRate.rate!, y }];
    };
    const { chosen, current } = result.search;
    return {
      title,
      caption,
      spec: tradeoffChart({
        xLabel: 'Approval rate',
        yLabel,
        curves: [{ name: measure === 'badRate' ? 'bad-rate frontier' : 'fraud-caught frontier', points: frontier.flatMap(point) }],
        marked: [...point(chosen).map((at) => ({ label: 'chosen', ...at })), ...point(current).map((at) => ({ label: 'current', ...at }))],
      }),
    };
  };
  const { slices } = result;
  return {
    title: `Threshold tuning: ${result.input.name}`,
    generatedAt: context.generatedAt,
    provenance: [
      { label: 'input', value: `${result.input.name} (sha256 ${result.input.sha256})` },
      { label: 'policy tuned', value: `${result.policy.name} ${result.policy.version} (config sha256 ${result.configSha256.current})` },
      {
        label: 'tuned pack',
        value: `${context.tunedPackName}: ${result.policy.name} ${result.policy.tunedVersion} (config sha256 ${result.configSha256.tuned})`,
      },
      { label: 'fengkong', value: context.version },
      { label: 'command', value: context.command },
    ],
    notes: [
      `Slices ${result.orderedBy}: history ${slices.history.rows} rows (${slices.history.from} to ${slices.history.to}), replayed for its velocity state and freezes only; ` +
        `tuning ${slices.tuning.rows} rows (${slices.tuning.from} to ${slices.tuning.to}); check ${slices.check.rows} rows (${slices.check.from} to ${slices.check.to}), the latest ${percent(result.holdout, 0)}, never used for tuning.`,
      result.sample.note,
      'Every row is judged on its own label, declined ones too: where every row was funded and observed (Lending Club’s loans were), the outcome of a row a policy declines is counterfactual (what happened when it was funded), and a policy that approves rows the current one declines is judged on outcomes a real lender would have to infer.',
      'The search re-decides the tuning rows from the policy facts their decisions recorded, freezes included as they were; the tuned pack is then checked by a full replay, which re-derives freezes (the tuning-slice rows of the table come from that replay).',
    ],
    sections: [
      {
        heading: 'Trade-off on the tuning slice',
        paragraphs: [
          `Objective: ${objectiveText(result)}. ${result.search.evaluated} threshold sets searched; the frontier holds those no other beats on both approval rate and bad rate.`,
          result.search.feasible
            ? 'The chosen thresholds meet the constraint on the tuning slice.'
            : 'No threshold set met the constraint on the tuning slice: the one closest to it was chosen.',
        ],
        figures: [
          tradeoffFigure(
            'Approval rate against bad rate among approved',
            'The thresholds searched on the tuning slice that no other beats on both approval rate and bad rate; the chosen and current thresholds marked.',
            'Bad rate among approved (fraud or default)',
            result.search.frontier,
            'badRate',
          ),
          tradeoffFigure(
            'Approval rate against fraud caught',
            'The thresholds searched on the tuning slice that no other beats on both approval rate and fraud caught; the chosen and current thresholds marked (chosen for the bad rate, they may sit below this frontier).',
            'Fraud caught (declined or reviewed)',
            result.search.fraudCaughtFrontier,
            'fraudCaught',
          ),
        ],
        tables: [
          {
            caption: 'Bad-rate frontier points (thinned), chosen and current thresholds marked; rates with their 95% Wilson intervals',
            columns: FRONTIER_COLUMNS.map((label, index) => ({ label, numeric: index > 0 && index < 8 })),
            rows: frontierRows(result.search).map(frontierCells),
          },
        ],
      },
      {
        heading: 'Thresholds',
        tables: [
          {
            caption: 'Current and tuned',
            columns: [{ label: 'threshold' }, { label: 'current', numeric: true }, { label: 'tuned', numeric: true }],
            rows: thresholdRows(result),
          },
        ],
      },
      {
        heading: 'Tuning and check slices',
        paragraphs: [checkVerdict(result)],
        tables: [
          {
            caption: 'Both policies on both slices, each from a full replay; rates with their 95% Wilson intervals',
            columns: SLICE_COLUMNS.map((label, index) => ({ label, numeric: index > 1 })),
            rows: sliceRows(result),
          },
        ],
      },
    ],
  };
}
