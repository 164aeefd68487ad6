// ROC AUC: the probability that a random positive outscores a random negative, ties counting one half.
// Computed from ranks (Mann-Whitney U) in O(n log n); DeLong's method gives its standard error.
import { ErrorCode, FengkongError } from '../errors.js';
import { checkLabelledScores, requireBothClasses, tieGroupsAscending, type TieGroups } from './labelledScores.js';

export interface AucInterval {
  readonly auc: number;
  readonly lower: number;
  readonly upper: number;
  readonly standardError: number;
}

/** ROC AUC of `scores` (higher = more likely positive) against 0/1 `labels`. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<0 | 1 | number>): number {
  const input = checkLabelledScores('auc', scores, labels);
  requireBothClasses('auc', input);
  return aucOfGroups(tieGroupsAscending(input), input.positives, input.negatives);
}

/**
 * AUC with a two-sided confidence interval at `level` from DeLong's variance (clipped to [0, 1]).
 *
 * DeLong, DeLong & Clarke-Pearson (1988), "Comparing the areas under two or more correlated receiver
 * operating characteristic curves: a nonparametric approach", Biometrics 44(3):837-845, eqs. for a single
 * curve: with placements V10(x_i) = (1/n0) sum_j psi(x_i, y_j) for each positive and
 * V01(y_j) = (1/n1) sum_i psi(x_i, y_j) for each negative (psi = 1 if x > y, 1/2 if equal, 0 otherwise),
 *   S10 = sum_i (V10(x_i) - AUC)^2 / (n1 - 1),   S01 = sum_j (V01(y_j) - AUC)^2 / (n0 - 1),
 *   Var(AUC) = S10 / n1 + S01 / n0.
 * The placements come from the sorted tie groups (Sun & Xu 2014, IEEE Signal Processing Letters
 * 21(11):1389-1393), so this is O(n log n) rather than the O(n1 n0) of the definition.
 */
export function aucConfidenceInterval(scores: ArrayLike<number>, labels: ArrayLike<0 | 1 | number>, level = 0.95): AucInterval {
  if (!(level > 0 && level < 1)) {
    throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, 'aucConfidenceInterval: level must lie strictly between 0 and 1');
  }
  const input = checkLabelledScores('aucConfidenceInterval', scores, labels);
  requireBothClasses('aucConfidenceInterval', input);
  const { positives: n1, negatives: n0 } = input;
  // The sample variances divide by n - 1: a single positive or negative leaves them undefined.
  if (n1 < 2 || n0 < 2) {
    throw new FengkongError(
      ErrorCode.METRIC_INPUT_INVALID,
      `aucConfidenceInterval: DeLong's variance needs at least two positives and two negatives (got ${n1} and ${n0})`,
    );
  }
  const groups = tieGroupsAscending(input);
  const area = aucOfGroups(groups, n1, n0);
  let negativesBelow = 0;
  let positivesBelow = 0;
  let squaredPositive = 0;
  let squaredNegative = 0;
  for (let group = 0; group < groups.count; group++) {
    const positivesHere = groups.positives[group]!;
    const negativesHere = groups.negatives[group]!;
    const positivesAbove = n1 - positivesBelow - positivesHere;
    const placementPositive = (negativesBelow + 0.5 * negativesHere) / n0;
    const placementNegative = (positivesAbove + 0.5 * positivesHere) / n1;
    squaredPositive += positivesHere * (placementPositive - area) ** 2;
    squaredNegative += negativesHere * (placementNegative - area) ** 2;
    negativesBelow += negativesHere;
    positivesBelow += positivesHere;
  }
  const variance = squaredPositive / (n1 - 1) / n1 + squaredNegative / (n0 - 1) / n0;
  const standardError = Math.sqrt(variance);
  const z = standardNormalQuantile((1 + level) / 2);
  return {
    auc: area,
    lower: Math.max(0, area - z * standardError),
    upper: Math.min(1, area + z * standardError),
    standardError,
  };
}

/** Mann-Whitney: U = R1 - n1 (n1 + 1) / 2 with R1 the positives' rank sum, ties given their mean rank. */
function aucOfGroups(groups: TieGroups, positives: number, negatives: number): number {
  let rankSum = 0;
  let rowsBefore = 0;
  for (let group = 0; group < groups.count; group++) {
    const size = groups.positives[group]! + groups.negatives[group]!;
    const meanRank = rowsBefore + (size + 1) / 2;
    rankSum += groups.positives[group]! * meanRank;
    rowsBefore += size;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Inverse of the standard normal distribution function, Acklam's rational approximation (relative error
 * below 1.2e-9, ample for an interval's width). P. J. Acklam, "An algorithm for computing the inverse
 * normal cumulative distribution function" (2003).
 */
export function standardNormalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  const lowTail = 0.02425;
  if (p < lowTail) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - lowTail) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}
