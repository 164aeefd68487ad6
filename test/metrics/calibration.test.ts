// Calibration bins against a recomputation from the documented rule: sort by (probability, row index),
// cut into runs of floor(b n / bins).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { calibrationByDecile } from '../../src/metrics/calibration.js';
import { thrownBy } from './fixtures.js';

const probabilitiesWithLabels = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(0, 0.25, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })), fc.constantFrom(0, 1)), {
    minLength: 1,
    maxLength: 120,
  })
  .chain((rows) =>
    fc.record({
      probabilities: fc.constant(rows.map(([probability]) => probability)),
      labels: fc.constant(rows.map(([, label]) => label)),
      bins: fc.integer({ min: 1, max: rows.length }),
    }),
  );

describe('calibrationByDecile', () => {
  it('partitions the rows into equal-count bins in order of probability, with the right means', () => {
    fc.assert(
      fc.property(probabilitiesWithLabels, ({ probabilities, labels, bins }) => {
        const table = calibrationByDecile(probabilities, labels, bins);
        const n = probabilities.length;
        const sorted = probabilities.map((probability, row) => ({ probability, label: labels[row]!, row }));
        sorted.sort((a, b) => a.probability - b.probability || a.row - b.row);
        expect(table).toHaveLength(bins);
        expect(table.reduce((total, bin) => total + bin.count, 0)).toBe(n);
        let start = 0;
        table.forEach((bin, index) => {
          expect(bin.bin).toBe(index + 1);
          expect(bin.count === Math.floor(n / bins) || bin.count === Math.ceil(n / bins)).toBe(true);
          const members = sorted.slice(start, start + bin.count);
          start += bin.count;
          const mean = (values: number[]) => values.reduce((total, value) => total + value, 0) / values.length;
          expect(bin.meanPredicted).toBeCloseTo(mean(members.map((member) => member.probability)), 12);
          expect(bin.observedRate).toBeCloseTo(mean(members.map((member) => member.label)), 12);
          expect(bin.minScore).toBe(members[0]!.probability);
          expect(bin.maxScore).toBe(members.at(-1)!.probability);
          if (index > 0) expect(bin.minScore).toBeGreaterThanOrEqual(table[index - 1]!.maxScore);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('splits tied probabilities at a bin edge by row order, the same way every time', () => {
    const table = calibrationByDecile([0.5, 0.5, 0.5, 0.5], [1, 0, 0, 1], 2);
    expect(table.map((bin) => bin.observedRate)).toEqual([0.5, 0.5]);
    expect(calibrationByDecile([0.5, 0.5, 0.5, 0.5], [1, 1, 0, 0], 2).map((bin) => bin.observedRate)).toEqual([1, 0]);
  });

  it('uses ten bins by default', () => {
    const probabilities = Array.from({ length: 100 }, (_, row) => row / 100);
    const table = calibrationByDecile(
      probabilities,
      probabilities.map((probability) => (probability >= 0.5 ? 1 : 0)),
    );
    expect(table.map((bin) => bin.count)).toEqual(Array(10).fill(10));
    expect(table[0]).toMatchObject({ minScore: 0, maxScore: 0.09, observedRate: 0 });
    expect(table[9]).toMatchObject({ minScore: 0.9, maxScore: 0.99, observedRate: 1 });
  });

  it('refuses fewer rows than bins, a probability outside [0, 1], NaN and a non-integer bin count', () => {
    expect(thrownBy(() => calibrationByDecile([0.1, 0.2], [0, 1], 3)).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => calibrationByDecile([0.1, 1.2], [0, 1], 2)).message).toMatch(/row 1 is outside/);
    expect(thrownBy(() => calibrationByDecile([NaN, 0.2], [0, 1], 2)).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => calibrationByDecile([0.1, 0.2], [0, 1], 1.5)).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => calibrationByDecile([0.1, 0.2], [0, 1], 0)).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
  });
});
