// ROC curve points of a score: one point per distinct score, flagging rows at or above it, from the tie
// groups the AUC is computed over (auc.ts). KS (ks.ts) is the widest gap along the same sweep.
import { checkLabelledScores, requireBothClasses, tieGroupsAscending } from './labelledScores.js';

export interface RocPoint {
  readonly fpr: number;
  readonly tpr: number;
}

export function rocPoints(scores: ArrayLike<number>, labels: ArrayLike<number>): RocPoint[] {
  return rocSweep('rocPoints', scores, labels);
}

/**
 * The sweep from the highest score down, starting at (0, 0). It stops only at distinct score
 * boundaries: rows of equal score are flagged together or not at all, so a tie group is never split
 * into a threshold no real cut-off could produce. `caller` names the function in input errors.
 */
export function rocSweep(caller: string, scores: ArrayLike<number>, labels: ArrayLike<number>): RocPoint[] {
  const input = checkLabelledScores(caller, scores, labels);
  requireBothClasses(caller, input);
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
