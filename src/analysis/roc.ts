// ROC curve points for charts, from the tie groups the AUC is computed over (src/metrics): one point per
// distinct score, flagging rows at or above it. The area itself comes from src/metrics/auc.ts.
import { checkLabelledScores, requireBothClasses, tieGroupsAscending } from '../metrics/labelledScores.js';

export function rocPoints(scores: ArrayLike<number>, labels: ArrayLike<number>): { fpr: number; tpr: number }[] {
  const input = checkLabelledScores('rocPoints', scores, labels);
  requireBothClasses('rocPoints', input);
  const groups = tieGroupsAscending(input);
  const points = [{ fpr: 0, tpr: 0 }];
  let truePositives = 0;
  let falsePositives = 0;
  for (let group = groups.count - 1; group >= 0; group--) {
    truePositives += groups.positives[group]!;
    falsePositives += groups.negatives[group]!;
    points.push({ fpr: falsePositives / input.negatives, tpr: truePositives / input.positives });
  }
  return points;
}
