// KS against a brute-force sweep: every distinct score (and one above them all) as a threshold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { ks } from '../../src/metrics/ks.js';
import { labelledScores, thrownBy } from './fixtures.js';

/** Reference: flag score >= t for each distinct score t, count both rates from scratch (flagging none gives 0). */
function bruteForceKs(scores: readonly number[], labels: readonly number[]): number {
  const positives = labels.filter((label) => label === 1).length;
  const negatives = labels.length - positives;
  let widest = 0;
  for (const threshold of new Set(scores)) {
    let truePositives = 0;
    let falsePositives = 0;
    scores.forEach((score, row) => {
      if (score < threshold) return;
      if (labels[row] === 1) truePositives++;
      else falsePositives++;
    });
    widest = Math.max(widest, Math.abs(truePositives / positives - falsePositives / negatives));
  }
  return widest;
}

describe('ks', () => {
  it('equals a brute-force sweep over every threshold, on random data full of ties', () => {
    fc.assert(
      fc.property(labelledScores(), ({ scores, labels }) => {
        expect(ks(scores, labels)).toBeCloseTo(bruteForceKs(scores, labels), 12);
      }),
      { numRuns: 300 },
    );
  });

  it('never splits a tie: one positive and one negative at the same score give 0, not 1', () => {
    expect(ks([0.5, 0.5], [1, 0])).toBe(0);
  });

  it('is 1 for a perfect separation and catches the gap in either direction', () => {
    expect(ks([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(ks([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(1);
    // Thresholds 0.9: TPR 1/2, FPR 0; 0.5: TPR 1/2, FPR 1/2; 0.4: 1, 1/2; 0.1: 1, 1.
    expect(ks([0.9, 0.5, 0.4, 0.1], [1, 0, 1, 0])).toBe(0.5);
  });

  it('refuses data without both classes or with a NaN score', () => {
    expect(thrownBy(() => ks([0.1, 0.2], [1, 1])).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => ks([0.1, NaN], [0, 1])).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
  });
});
