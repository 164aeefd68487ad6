// Recall at a fixed alert budget: an investigations team reviews the top fraction of applications by
// score; how many of the frauds does it see, overall and per fraud scenario.
import { ErrorCode, FengkongError } from '../errors.js';
import { checkLabelledScores, orderByScore, type LabelledScores } from './labelledScores.js';

export interface AlertRecall {
  /** The lowest alerted score. Rows tied with it past the budget are not alerted (see below). */
  readonly threshold: number;
  readonly alerts: number;
  readonly caught: number;
  readonly recall: number;
  readonly precision: number;
}

export interface GroupRecall {
  readonly group: string;
  /** Positives in the group. */
  readonly positives: number;
  readonly caught: number;
  readonly recall: number;
}

/**
 * Alerts exactly ceil(alertRate * n) rows: the highest scores, and among equal scores the lower row index
 * first. A budget is a head count, so a tie at the boundary is split by row order rather than alerting
 * every tied row.
 */
export function recallAtAlertRate(scores: ArrayLike<number>, labels: ArrayLike<0 | 1 | number>, alertRate: number): AlertRecall {
  const input = checkWithPositives('recallAtAlertRate', scores, labels);
  const { order, alerts } = selectAlerts('recallAtAlertRate', input, alertRate);
  let caught = 0;
  for (let position = 0; position < alerts; position++) caught += input.labels[order[position]!]!;
  return {
    threshold: input.scores[order[alerts - 1]!]!,
    alerts,
    caught,
    recall: caught / input.positives,
    precision: caught / alerts,
  };
}

/**
 * Recall within each group of positives (`groups[i]` is row i's group, such as its fraud scenario; the
 * groups of negative rows are ignored), with the same alerts as `recallAtAlertRate`. Sorted by group name.
 */
export function recallByGroupAtAlertRate(
  scores: ArrayLike<number>,
  labels: ArrayLike<0 | 1 | number>,
  groups: readonly string[],
  alertRate: number,
): GroupRecall[] {
  const input = checkWithPositives('recallByGroupAtAlertRate', scores, labels);
  if (groups.length !== input.scores.length) {
    throw new FengkongError(
      ErrorCode.METRIC_INPUT_INVALID,
      `recallByGroupAtAlertRate: ${groups.length} groups but ${input.scores.length} scores`,
    );
  }
  const { order, alerts } = selectAlerts('recallByGroupAtAlertRate', input, alertRate);
  const alerted = new Uint8Array(input.scores.length);
  for (let position = 0; position < alerts; position++) alerted[order[position]!] = 1;
  const tally = new Map<string, { positives: number; caught: number }>();
  for (let row = 0; row < input.scores.length; row++) {
    if (input.labels[row] !== 1) continue;
    const group = groups[row]!;
    const counts = tally.get(group) ?? { positives: 0, caught: 0 };
    counts.positives++;
    counts.caught += alerted[row]!;
    tally.set(group, counts);
  }
  return [...tally.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, { positives, caught }]) => ({ group, positives, caught, recall: caught / positives }));
}

function checkWithPositives(metric: string, scores: ArrayLike<number>, labels: ArrayLike<number>): LabelledScores {
  const input = checkLabelledScores(metric, scores, labels);
  if (input.positives === 0) throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `${metric}: no positive labels, recall is undefined`);
  return input;
}

function selectAlerts(metric: string, input: LabelledScores, alertRate: number): { order: Uint32Array; alerts: number } {
  if (!(alertRate > 0 && alertRate <= 1)) {
    throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `${metric}: alertRate must lie in (0, 1]`);
  }
  return { order: orderByScore(input.scores, 'descending'), alerts: alertCount(alertRate, input.scores.length) };
}

/**
 * ceil(alertRate * n), forgiving the rounding of the product: 0.07 * 100 is 7.000000000000001 in binary
 * floating point, and a plain ceil would alert 8 rows on a budget of 7. A positive rate alerts at least one.
 */
export function alertCount(alertRate: number, rows: number): number {
  const exact = alertRate * rows;
  const nearest = Math.round(exact);
  return Math.max(1, Math.abs(exact - nearest) <= 1e-9 * Math.max(1, exact) ? nearest : Math.ceil(exact));
}
