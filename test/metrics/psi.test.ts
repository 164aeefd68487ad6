// PSI: a hand computation, the properties of its formula over fixed bins (≥ 0, symmetric, 0 exactly when
// the binned distributions are equal), decile bins with ties, the unseen and missing bins, and why the
// drift of two files is not symmetric (its bins come from the baseline).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { categoricalDrift, decileCuts, numericDrift, PSI_SHARE_FLOOR, psiBand, psiFromCounts } from '../../src/metrics/psi.js';
import { thrownBy } from './fixtures.js';

/** Count vectors over the same bins, each side with 1 to 9,999 rows (below 1 / PSI_SHARE_FLOOR). */
const countPair = fc
  .integer({ min: 1, max: 8 })
  .chain((bins) =>
    fc
      .tuple(
        fc.array(fc.integer({ min: 0, max: 1200 }), { minLength: bins, maxLength: bins }),
        fc.array(fc.integer({ min: 0, max: 1200 }), { minLength: bins, maxLength: bins }),
      )
      .filter(([base, current]) => base.some((count) => count > 0) && current.some((count) => count > 0)),
  );

const sameShares = (base: readonly number[], current: readonly number[]): boolean => {
  const baseRows = base.reduce((a, b) => a + b, 0);
  const currentRows = current.reduce((a, b) => a + b, 0);
  return base.every((count, bin) => count * currentRows === current[bin]! * baseRows);
};

describe('psiFromCounts', () => {
  it('matches a hand computation: shares 0.5/0.3/0.2 against 0.4/0.3/0.3', () => {
    // (0.4 − 0.5)·ln(0.4/0.5) + 0 + (0.3 − 0.2)·ln(0.3/0.2) = 0.1·ln 1.25 + 0.1·ln 1.5
    const expected = 0.1 * Math.log(1.25) + 0.1 * Math.log(1.5);
    expect(expected).toBeCloseTo(0.0628609, 7);
    expect(psiFromCounts([50, 30, 20], [40, 30, 30])).toBeCloseTo(expected, 14);
  });

  it('floors an empty bin at 1e-4 rather than dividing by zero', () => {
    // Baseline share 0 → 1e-4; current share 0.1. Bin 1: 1.0 against 0.9.
    const expected = (0.1 - PSI_SHARE_FLOOR) * Math.log(0.1 / PSI_SHARE_FLOOR) + (0.9 - 1) * Math.log(0.9 / 1);
    expect(psiFromCounts([0, 10], [1, 9])).toBeCloseTo(expected, 12);
    expect(Number.isFinite(psiFromCounts([0, 10], [10, 0]))).toBe(true);
  });

  it('is never negative and, over the same bins, exactly symmetric in the two samples', () => {
    fc.assert(
      fc.property(countPair, ([base, current]) => {
        const forward = psiFromCounts(base, current);
        expect(forward).toBeGreaterThanOrEqual(0);
        expect(psiFromCounts(current, base)).toBe(forward);
      }),
    );
  });

  it('is 0 exactly when the two samples have the same shares in every bin (fewer than 10,000 rows a side)', () => {
    fc.assert(
      fc.property(countPair, ([base, current]) => {
        expect(psiFromCounts(base, current) === 0).toBe(sameShares(base, current));
      }),
    );
    fc.assert(
      fc.property(countPair, fc.integer({ min: 1, max: 8 }), ([base], times) => {
        expect(
          psiFromCounts(
            base,
            base.map((count) => count * times),
          ),
        ).toBe(0);
      }),
    );
  });

  it('refuses bins that do not match, negative or fractional counts, and an empty sample', () => {
    expect(thrownBy(() => psiFromCounts([1, 2], [1])).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => psiFromCounts([1, -1], [1, 1])).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => psiFromCounts([1.5, 1], [1, 1])).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => psiFromCounts([0, 0], [1, 1])).message).toContain('at least one row');
  });
});

describe('psiBand', () => {
  it('is stable below 0.1, watch from 0.1 to 0.25, act above 0.25', () => {
    expect([0, 0.0999, 0.1, 0.25, 0.2501, 3].map(psiBand)).toEqual(['stable', 'stable', 'watch', 'watch', 'act', 'act']);
  });
});

describe('decileCuts', () => {
  it('cuts 1..100 at its deciles', () => {
    expect(decileCuts(Array.from({ length: 100 }, (_, index) => index + 1))).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it('merges equal cuts under heavy ties and drops a cut at the maximum', () => {
    // 70% zeros, 30% ones: the deciles are 0 ×7 and 1 ×2, the 1s are the maximum → one cut, two bins.
    expect(decileCuts([...new Array(70).fill(0), ...new Array(30).fill(1)])).toEqual([0]);
    expect(decileCuts(new Array(50).fill(3))).toEqual([]);
    expect(decileCuts([Number.NaN, Number.NaN])).toEqual([]);
  });

  it('gives each bin of distinct values about a tenth of the baseline', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 20, maxLength: 300 }), (values) => {
        const drift = numericDrift(values, values);
        const counts = drift.bins.slice(0, -1).map((bin) => bin.baseline);
        expect(counts).toHaveLength(10);
        for (const count of counts) expect(Math.abs(count - values.length / 10)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('numericDrift', () => {
  const baseline = Array.from({ length: 100 }, (_, index) => index + 1);

  it('puts values outside the baseline range in the end bins and reports their share as unseen', () => {
    const drift = numericDrift(baseline, [-5, 0, 50, 101, 1e9]);
    expect(drift.bins[0]).toEqual({ label: '≤ 10', baseline: 10, current: 2 });
    expect(drift.bins[9]).toEqual({ label: '> 90', baseline: 10, current: 2 });
    expect(drift.unseenShare).toBeCloseTo(4 / 5, 12);
  });

  it('counts NaN in the missing bin, with its share on each side', () => {
    const drift = numericDrift([...baseline, Number.NaN], [1, 2, Number.NaN, Number.NaN]);
    expect(drift.bins.at(-1)).toEqual({ label: 'missing', baseline: 1, current: 2 });
    expect(drift.missingShare).toEqual({ baseline: 1 / 101, current: 0.5 });
    expect(drift.unseenShare).toBe(0);
  });

  it('is 0 for a shuffled copy, and for the sample repeated', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(Number.NaN)), { minLength: 1, maxLength: 200 }),
        (values) => {
          expect(numericDrift(values, [...values].reverse()).psi).toBe(0);
          expect(numericDrift(values, [...values, ...values, ...values]).psi).toBe(0);
        },
      ),
    );
  });

  it('is not symmetric in the two samples: the bins are cut at the baseline’s deciles', () => {
    // Cut on 1..100, the doubled values leave the lower half of the bins empty; cut on the doubled values,
    // the original piles half its rows into the first bin.
    const doubled = baseline.map((value) => value * 2);
    const forward = numericDrift(baseline, doubled);
    const backward = numericDrift(doubled, baseline);
    expect(forward.bins.map((bin) => bin.label)).not.toEqual(backward.bins.map((bin) => bin.label));
    expect(forward.psi).not.toBeCloseTo(backward.psi, 3);
    // Over one set of bins the formula itself is symmetric.
    const counts = forward.bins.map((bin) => [bin.baseline, bin.current] as const);
    expect(
      psiFromCounts(
        counts.map(([, current]) => current),
        counts.map(([base]) => base),
      ),
    ).toBe(forward.psi);
  });

  it('is positive when a value moves to another bin', () => {
    const shifted = baseline.map((value) => value * 1.6);
    const drift = numericDrift(baseline, shifted);
    expect(drift.psi).toBeGreaterThan(0.25);
    expect(drift.band).toBe('act');
  });
});

describe('categoricalDrift', () => {
  it('has one bin per baseline category, then unseen and missing, each counted', () => {
    const drift = categoricalDrift(['a', 'b', 'b', null], ['a', 'c', 'd', null, null, 'b']);
    expect(drift.bins).toEqual([
      { label: 'a', baseline: 1, current: 1 },
      { label: 'b', baseline: 2, current: 1 },
      { label: 'unseen', baseline: 0, current: 2 },
      { label: 'missing', baseline: 1, current: 2 },
    ]);
    expect(drift.unseenShare).toBeCloseTo(2 / 6, 12);
    expect(drift.missingShare).toEqual({ baseline: 0.25, current: 2 / 6 });
    const shares = (counts: number[], rows: number) => counts.map((count) => Math.max(count / rows, PSI_SHARE_FLOOR));
    const [base, current] = [shares([1, 2, 0, 1], 4), shares([1, 1, 2, 2], 6)];
    const expected = base.reduce((sum, b, bin) => sum + (current[bin]! - b) * Math.log(current[bin]! / b), 0);
    expect(drift.psi).toBeCloseTo(expected, 12);
  });

  it('is not symmetric in the two samples: the categories are the baseline’s, the rest are one unseen bin', () => {
    const [old, newer] = [
      ['a', 'a', 'b', 'b'],
      ['a', 'c', 'd', 'd'],
    ];
    const forward = categoricalDrift(old, newer);
    const backward = categoricalDrift(newer, old);
    // Forward, c and d share the unseen bin; backward, each has its own bin and b is the unseen one.
    expect(forward.bins.map((bin) => bin.label)).toEqual(['a', 'b', 'unseen', 'missing']);
    expect(backward.bins.map((bin) => bin.label)).toEqual(['a', 'c', 'd', 'unseen', 'missing']);
    expect(forward.unseenShare).toBe(0.75);
    expect(backward.unseenShare).toBe(0.5);
    expect(forward.psi).not.toBeCloseTo(backward.psi, 3);
  });

  it('is 0 on identical samples', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('x', 'y', 'z', null), { minLength: 1, maxLength: 100 }), (values) => {
        expect(categoricalDrift(values, values).psi).toBe(0);
      }),
    );
  });
});
