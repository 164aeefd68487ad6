// The Wilson score interval against published values: Newcombe (1998), "Two-sided confidence intervals
// for the single proportion: comparison of seven methods", Statistics in Medicine 17:857-872, Table I
// (method 3, the score interval without continuity correction).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rateOf, wilsonRate } from '../../src/analysis/interval.js';

describe('wilsonRate', () => {
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i of %i: %f to %f, as Newcombe tabulates', (count, total, lower, upper) => {
    const rate = wilsonRate(count, total);
    expect(rate.rate).toBeCloseTo(count / total, 12);
    expect(rate.lower).toBeCloseTo(lower, 4);
    expect(rate.upper).toBeCloseTo(upper, 4);
  });

  it('is exactly 0 at no successes and 1 at all, and null with no trials', () => {
    expect(wilsonRate(0, 7).lower).toBe(0);
    expect(wilsonRate(7, 7).upper).toBe(1);
    expect(wilsonRate(0, 0)).toEqual({ count: 0, total: 0, rate: null, lower: null, upper: null });
  });

  it('refuses counts that are not 0 ≤ count ≤ total', () => {
    expect(() => wilsonRate(3, 2)).toThrow(/FK_METRIC_INPUT_INVALID|0 ≤ 3 ≤ 2/);
    expect(() => wilsonRate(-1, 2)).toThrow();
  });

  it('always holds the rate inside [lower, upper] ⊆ [0, 1], symmetric under swapping successes and failures', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (total, share) => {
        const count = Math.round(share * total);
        const rate = wilsonRate(count, total);
        const mirror = wilsonRate(total - count, total);
        expect(rate.lower!).toBeGreaterThanOrEqual(0);
        expect(rate.upper!).toBeLessThanOrEqual(1);
        expect(rate.lower!).toBeLessThanOrEqual(rate.rate! + 1e-12);
        expect(rate.upper!).toBeGreaterThanOrEqual(rate.rate! - 1e-12);
        expect(rate.lower!).toBeCloseTo(1 - mirror.upper!, 10);
      }),
    );
  });
});

describe('rateOf', () => {
  it('counts the rows passing a test among the rows kept', () => {
    const rows = [1, 2, 3, 4, 5, 6];
    expect(rateOf(rows, (n) => n % 2 === 0)).toMatchObject({ count: 3, total: 6, rate: 0.5 });
    expect(
      rateOf(
        rows,
        (n) => n > 4,
        (n) => n > 2,
      ),
    ).toMatchObject({ count: 2, total: 4, rate: 0.5 });
  });
});
