// AUC against its definition (the O(n^2) count of positive-negative pairs, ties one half), and DeLong's
// standard error against a hand computation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { auc, aucConfidenceInterval } from '../../src/metrics/auc.js';
import { labelledScores, seededUniform, thrownBy } from './fixtures.js';

/** Reference: the Mann-Whitney definition, every positive against every negative. */
function pairCountAuc(scores: readonly number[], labels: readonly number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('auc', () => {
  it('equals the pair count with ties counting one half, on random data full of ties', () => {
    fc.assert(
      fc.property(labelledScores(), ({ scores, labels }) => {
        expect(auc(scores, labels)).toBeCloseTo(pairCountAuc(scores, labels), 12);
      }),
      { numRuns: 300 },
    );
  });

  it('is 1 for a perfect ranking, 0 for a reversed one and 1/2 when every score is tied', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([0.5, 0.5, 0.5], [0, 1, 0])).toBe(0.5);
  });

  it('ranks infinite scores like any other', () => {
    expect(auc([-Infinity, 0, Infinity, Infinity], [0, 1, 1, 0])).toBe(pairCountAuc([-Infinity, 0, Infinity, Infinity], [0, 1, 1, 0]));
  });

  it('refuses data without positives, without negatives, with a NaN score, a label other than 0/1 or unequal lengths', () => {
    expect(thrownBy(() => auc([0.1, 0.2], [0, 0])).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => auc([0.1, 0.2], [1, 1])).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => auc([0.1, NaN, 0.3], [0, 1, 1])).message).toMatch(/row 1 is NaN/);
    expect(thrownBy(() => auc([0.1, 0.2], [0, 2])).message).toMatch(/label at row 1/);
    expect(thrownBy(() => auc([0.1, 0.2], [0, 1, 1])).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => auc([], [])).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
  });
});

/** Reference: DeLong's variance straight from the definition, placements by O(n1 n0) comparisons. */
function definitionalDeLongStandardError(scores: readonly number[], labels: readonly number[]): number {
  const positives = scores.filter((_, row) => labels[row] === 1);
  const negatives = scores.filter((_, row) => labels[row] === 0);
  const psi = (x: number, y: number) => (x > y ? 1 : x === y ? 0.5 : 0);
  const v10 = positives.map((x) => negatives.reduce((sum, y) => sum + psi(x, y), 0) / negatives.length);
  const v01 = negatives.map((y) => positives.reduce((sum, x) => sum + psi(x, y), 0) / positives.length);
  const area = v10.reduce((sum, value) => sum + value, 0) / positives.length;
  const s10 = v10.reduce((sum, value) => sum + (value - area) ** 2, 0) / (positives.length - 1);
  const s01 = v01.reduce((sum, value) => sum + (value - area) ** 2, 0) / (negatives.length - 1);
  return Math.sqrt(s10 / positives.length + s01 / negatives.length);
}

describe('aucConfidenceInterval (DeLong)', () => {
  it('gives the standard error of the O(n1 n0) definition, on random data full of ties', () => {
    fc.assert(
      fc.property(labelledScores(2), ({ scores, labels }) => {
        expect(aucConfidenceInterval(scores, labels).standardError).toBeCloseTo(definitionalDeLongStandardError(scores, labels), 12);
      }),
      { numRuns: 300 },
    );
  });

  it('matches a hand computation on three positives and four negatives, one tie across classes', () => {
    // Positives 0.9, 0.8, 0.4; negatives 0.7, 0.4, 0.3, 0.2.
    // Placements of positives V10 = 1, 1, 2.5/4;  AUC = 2.625 / 3 = 0.875.
    // Placements of negatives V01 = 2/3, 2.5/3, 1, 1.
    // S10 = (0.125^2 + 0.125^2 + 0.25^2) / 2 = 0.046875;  S01 = (25 + 1 + 9 + 9) / 576 / 3 = 11/432.
    // Var = S10/3 + S01/4 = 27/1728 + 11/1728 = 19/864.
    const interval = aucConfidenceInterval([0.9, 0.8, 0.4, 0.7, 0.4, 0.3, 0.2], [1, 1, 1, 0, 0, 0, 0]);
    expect(interval.auc).toBe(0.875);
    expect(interval.standardError).toBeCloseTo(Math.sqrt(19 / 864), 14);
    expect(interval.lower).toBeCloseTo(0.875 - 1.959963984540054 * Math.sqrt(19 / 864), 8);
    expect(interval.upper).toBe(1);
  });

  it('is symmetric about the AUC with half-width z(0.975) * SE when not clipped, and narrower at level 0.9', () => {
    const { scores, labels } = sampleScores(400, 7);
    const at95 = aucConfidenceInterval(scores, labels);
    expect(at95.upper - at95.auc).toBeCloseTo(1.959963984540054 * at95.standardError, 8);
    expect(at95.auc - at95.lower).toBeCloseTo(1.959963984540054 * at95.standardError, 8);
    const at90 = aucConfidenceInterval(scores, labels, 0.9);
    expect(at90.upper - at90.auc).toBeCloseTo(1.6448536269514722 * at90.standardError, 8);
  });

  it('contains the AUC, which equals auc()', () => {
    fc.assert(
      fc.property(labelledScores(2), ({ scores, labels }) => {
        const interval = aucConfidenceInterval(scores, labels);
        expect(interval.auc).toBe(auc(scores, labels));
        expect(interval.lower).toBeLessThanOrEqual(interval.auc);
        expect(interval.upper).toBeGreaterThanOrEqual(interval.auc);
        expect(interval.lower).toBeGreaterThanOrEqual(0);
        expect(interval.upper).toBeLessThanOrEqual(1);
        expect(Number.isFinite(interval.standardError)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('shrinks as the sample grows', () => {
    const widths = [200, 2000, 20000].map((rows) => {
      const { scores, labels } = sampleScores(rows, 11);
      const interval = aucConfidenceInterval(scores, labels);
      return interval.upper - interval.lower;
    });
    expect(widths[1]).toBeLessThan(widths[0]!);
    expect(widths[2]).toBeLessThan(widths[1]!);
  });

  it('refuses fewer than two positives or negatives, and a level outside (0, 1)', () => {
    expect(thrownBy(() => aucConfidenceInterval([0.1, 0.2, 0.3], [0, 0, 1])).message).toMatch(/at least two positives/);
    expect(thrownBy(() => aucConfidenceInterval([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1], 1)).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => aucConfidenceInterval([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1], 0)).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
  });
});

/** Positives score higher on average: AUC about 0.76, far from both clipping bounds. */
function sampleScores(rows: number, seed: number): { scores: number[]; labels: number[] } {
  const uniform = seededUniform(seed);
  const labels = Array.from({ length: rows }, () => (uniform() < 0.3 ? 1 : 0));
  const scores = labels.map((label) => uniform() + 0.5 * label * uniform());
  return { scores, labels };
}
