// Kolmogorov-Smirnov statistic of a score: the widest gap between the score's distributions over the two
// classes, max over thresholds t of |TPR(t) - FPR(t)| where a row is flagged when its score is >= t.
import { checkLabelledScores, requireBothClasses, tieGroupsAscending } from './labelledScores.js';

/**
 * The sweep stops only at distinct score boundaries: rows of equal score are flagged together or not at
 * all, so a tie group is never split into a threshold no real cut-off could produce.
 */
export function ks(scores: ArrayLike<number>, labels: ArrayLike<0 | 1 | number>): number {
  const input = checkLabelledScores('ks', scores, labels);
  requireBothClasses('ks', input);
  const groups = tieGroupsAscending(input);
  let truePositives = 0;
  let falsePositives = 0;
  let widest = 0;
  for (let group = groups.count - 1; group >= 0; group--) {
    truePositives += groups.positives[group]!;
    falsePositives += groups.negatives[group]!;
    widest = Math.max(widest, Math.abs(truePositives / input.positives - falsePositives / input.negatives));
  }
  return widest;
}
