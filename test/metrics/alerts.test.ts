// Recall at an alert rate against a brute-force sort: the top ceil(rate n) rows by score, ties by row index.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { alertCount, recallAtAlertRate, recallByGroupAtAlertRate } from '../../src/metrics/alerts.js';
import { labelledScores, thrownBy } from './fixtures.js';

/** Reference: sort a copy, take the first `budget` rows. */
function bruteForceAlerted(scores: readonly number[], budget: number): Set<number> {
  const rows = scores.map((score, row) => ({ score, row }));
  rows.sort((a, b) => (a.score === b.score ? a.row - b.row : b.score - a.score));
  return new Set(rows.slice(0, budget).map(({ row }) => row));
}

const withBudget = labelledScores().chain((data) =>
  fc.record({ data: fc.constant(data), budget: fc.integer({ min: 1, max: data.scores.length }) }),
);

describe('recallAtAlertRate', () => {
  it('alerts the same rows as a brute-force sort and counts them right', () => {
    fc.assert(
      fc.property(withBudget, ({ data: { scores, labels }, budget }) => {
        const result = recallAtAlertRate(scores, labels, budget / scores.length);
        const alerted = bruteForceAlerted(scores, budget);
        const caught = [...alerted].filter((row) => labels[row] === 1).length;
        const positives = labels.filter((label) => label === 1).length;
        expect(result.alerts).toBe(budget);
        expect(result.caught).toBe(caught);
        expect(result.recall).toBe(caught / positives);
        expect(result.precision).toBe(caught / budget);
        // Compared with ===: -0 and 0 are the same threshold.
        expect(result.threshold === Math.min(...[...alerted].map((row) => scores[row]!))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('alerts ceil(rate n) rows, forgiving the rounding of rate * n', () => {
    expect(alertCount(0.07, 100)).toBe(7);
    expect(alertCount(0.071, 100)).toBe(8);
    expect(alertCount(0.001, 10)).toBe(1);
    expect(alertCount(1, 10)).toBe(10);
  });

  it('breaks a tie at the boundary by row index: the earlier row is alerted', () => {
    const result = recallAtAlertRate([0.9, 0.5, 0.5, 0.1], [0, 0, 1, 1], 0.5);
    expect(result).toEqual({ threshold: 0.5, alerts: 2, caught: 0, recall: 0, precision: 0 });
  });

  it('refuses a rate outside (0, 1] and data without positives', () => {
    expect(thrownBy(() => recallAtAlertRate([0.1, 0.2], [0, 1], 0)).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => recallAtAlertRate([0.1, 0.2], [0, 1], 1.5)).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => recallAtAlertRate([0.1, 0.2], [0, 1], NaN)).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
    expect(thrownBy(() => recallAtAlertRate([0.1, 0.2], [0, 0], 0.5)).message).toMatch(/no positive labels/);
  });
});

describe('recallByGroupAtAlertRate', () => {
  it('gives each group of positives its own recall under the same alerts, groups of negatives ignored', () => {
    const scenarios = ['synthetic_identity', 'account_takeover', 'first_party'];
    const withGroups = withBudget.chain((draw) =>
      fc.record({
        draw: fc.constant(draw),
        groups: fc.array(fc.constantFrom(...scenarios), { minLength: draw.data.scores.length, maxLength: draw.data.scores.length }),
      }),
    );
    fc.assert(
      fc.property(withGroups, ({ draw: { data, budget }, groups }) => {
        const { scores, labels } = data;
        const result = recallByGroupAtAlertRate(scores, labels, groups, budget / scores.length);
        const alerted = bruteForceAlerted(scores, budget);
        const expected = [...new Set(groups.filter((_, row) => labels[row] === 1))].sort().map((group) => {
          const members = groups.map((_, row) => row).filter((row) => labels[row] === 1 && groups[row] === group);
          const caught = members.filter((row) => alerted.has(row)).length;
          return { group, positives: members.length, caught, recall: caught / members.length };
        });
        expect(result).toEqual(expected);
        const overall = recallAtAlertRate(scores, labels, budget / scores.length);
        expect(result.reduce((total, group) => total + group.caught, 0)).toBe(overall.caught);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a group list of another length', () => {
    expect(thrownBy(() => recallByGroupAtAlertRate([0.1, 0.2], [0, 1], ['a'], 0.5)).code).toBe(ErrorCode.METRIC_INPUT_INVALID);
  });
});
