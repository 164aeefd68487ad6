// The input every metric shares: scores with 0/1 labels, checked once, and the order and tie groups the
// rank-based metrics sweep over. Ties are broken by row index so every metric is deterministic.
import { ErrorCode, FengkongError } from '../errors.js';

export interface LabelledScores {
  readonly scores: Float64Array;
  readonly labels: Uint8Array;
  readonly positives: number;
  readonly negatives: number;
}

/** Copies and checks: equal lengths, at least one row, no NaN score, every label exactly 0 or 1. */
export function checkLabelledScores(metric: string, scores: ArrayLike<number>, labels: ArrayLike<number>): LabelledScores {
  if (scores.length !== labels.length) {
    throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `${metric}: ${scores.length} scores but ${labels.length} labels`);
  }
  if (scores.length === 0) throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `${metric}: no rows`);
  const copiedScores = new Float64Array(scores.length);
  const copiedLabels = new Uint8Array(labels.length);
  let positives = 0;
  for (let row = 0; row < scores.length; row++) {
    const score = scores[row]!;
    const label = labels[row]!;
    if (Number.isNaN(score)) throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `${metric}: score at row ${row} is NaN`);
    if (label !== 0 && label !== 1) throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `${metric}: label at row ${row} is not 0 or 1`);
    copiedScores[row] = score;
    copiedLabels[row] = label;
    positives += label;
  }
  return { scores: copiedScores, labels: copiedLabels, positives, negatives: scores.length - positives };
}

/** AUC, KS and their intervals compare the two classes: both must be present. */
export function requireBothClasses(metric: string, input: LabelledScores): void {
  if (input.positives === 0 || input.negatives === 0) {
    throw new FengkongError(
      ErrorCode.METRIC_INPUT_INVALID,
      `${metric}: needs at least one positive and one negative label (got ${input.positives} positive, ${input.negatives} negative)`,
    );
  }
}

/**
 * Row indices sorted by score, ties by ascending row index whatever the direction. Comparisons, not
 * subtraction: Infinity - Infinity is NaN and would corrupt the sort.
 */
export function orderByScore(scores: Float64Array, direction: 'ascending' | 'descending'): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let row = 0; row < order.length; row++) order[row] = row;
  const sign = direction === 'ascending' ? 1 : -1;
  return order.sort((a, b) => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    return sa < sb ? -sign : sa > sb ? sign : a - b;
  });
}

/** Rows of equal score, in ascending score order, with how many positives and negatives each holds. */
export interface TieGroups {
  readonly count: number;
  readonly scores: Float64Array;
  readonly positives: Float64Array;
  readonly negatives: Float64Array;
}

export function tieGroupsAscending(input: LabelledScores): TieGroups {
  const order = orderByScore(input.scores, 'ascending');
  const scores = new Float64Array(order.length);
  const positives = new Float64Array(order.length);
  const negatives = new Float64Array(order.length);
  let count = 0;
  for (let position = 0; position < order.length; position++) {
    const row = order[position]!;
    const score = input.scores[row]!;
    if (count === 0 || score !== scores[count - 1]) {
      scores[count] = score;
      count++;
    }
    if (input.labels[row] === 1) positives[count - 1]!++;
    else negatives[count - 1]!++;
  }
  return { count, scores: scores.subarray(0, count), positives: positives.subarray(0, count), negatives: negatives.subarray(0, count) };
}
