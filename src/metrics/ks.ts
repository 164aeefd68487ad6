// Kolmogorov-Smirnov statistic of a score: the widest gap between the score's distributions over the two
// classes, max over thresholds t of |TPR(t) - FPR(t)| where a row is flagged when its score is >= t,
// over the ROC sweep's thresholds (roc.ts: distinct score boundaries only).
import { rocSweep } from './roc.js';

export function ks(scores: ArrayLike<number>, labels: ArrayLike<0 | 1 | number>): number {
  let widest = 0;
  for (const { fpr, tpr } of rocSweep('ks', scores, labels)) widest = Math.max(widest, Math.abs(tpr - fpr));
  return widest;
}
