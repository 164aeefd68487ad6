// What tune shows: the frontier table keeps about the rows asked for, evenly along the frontier with
// both ends, and the chosen and current thresholds in their places, marked once; every rate is shown
// with its 95% Wilson interval.
import { describe, expect, it } from 'vitest';
import { wilsonRate } from '../../src/analysis/interval.js';
import { frontierCells, frontierRows } from '../../src/analysis/tuneReport.js';
import { rateInterval } from '../../src/analysis/format.js';
import type { Candidate } from '../../src/analysis/tuneSearch.js';
import type { PolicyThresholds } from '../../src/analysis/tuneThresholds.js';

const thresholds: PolicyThresholds = {
  fraudDecline: 0.9,
  fraudReview: 0.3,
  creditDecline: 540,
  creditMarginal: 550,
  offerMinScores: [680, 640, 600, 560],
};

/** A candidate approving `approved` of 1,000 rows with `bad` of them bad. */
function candidate(approved: number, bad: number, fraudReview = 0.3): Candidate {
  return {
    thresholds: { ...thresholds, fraudReview },
    metrics: {
      rows: 1000,
      approved,
      approvalRate: wilsonRate(approved, 1000),
      badRate: wilsonRate(bad, approved),
      fraudCaught: wilsonRate(40, 60),
      profit: approved * 100,
    },
  };
}

/** 100 frontier points: approvals falling from 900 to 801, bad counts falling with them. */
const frontier = Array.from({ length: 100 }, (_, index) => candidate(900 - index, 100 - index));

describe('frontierRows', () => {
  it('thins the frontier to the rows asked for, both ends kept, by falling approvals', () => {
    const chosen = frontier[37]!;
    const current = candidate(850, 80, 0.25); // not on the frontier
    const rows = frontierRows({ frontier, chosen, current }, 10);
    const unmarked = rows.filter((row) => row.mark === '');
    expect(unmarked.length).toBeGreaterThanOrEqual(8);
    expect(unmarked.length).toBeLessThanOrEqual(10);
    expect(rows[0]!.candidate).toBe(frontier[0]);
    expect(rows.at(-1)!.candidate).toBe(frontier[99]);
    const approved = rows.map((row) => row.candidate.metrics.approved);
    expect(approved).toEqual([...approved].sort((a, b) => b - a));
    // Evenly spread: no gap between neighbouring unmarked points is more than twice the even step (11).
    const gaps = unmarked.slice(1).map((row, index) => unmarked[index]!.candidate.metrics.approved - row.candidate.metrics.approved);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(22);
  });

  it('marks the chosen and the current thresholds once each, in their places', () => {
    const chosen = frontier[0]!; // also a picked end point: shown once, marked
    const current = candidate(850, 80, 0.25);
    const rows = frontierRows({ frontier, chosen, current }, 10);
    expect(rows.filter((row) => row.candidate === chosen).map((row) => row.mark)).toEqual(['chosen']);
    expect(rows.filter((row) => row.candidate === current).map((row) => row.mark)).toEqual(['current']);
    const at = rows.findIndex((row) => row.candidate === current);
    expect(rows[at - 1]!.candidate.metrics.approved).toBeGreaterThanOrEqual(850);
    expect(rows[at + 1]!.candidate.metrics.approved).toBeLessThanOrEqual(850);
  });

  it('shows one row when the chosen thresholds are the current ones', () => {
    const same = frontier[50]!;
    const rows = frontierRows({ frontier, chosen: same, current: same }, 10);
    expect(rows.filter((row) => row.candidate === same).map((row) => row.mark)).toEqual(['chosen = current']);
  });

  it('shows every point of a frontier shorter than the limit, and the chosen alone when the frontier is empty', () => {
    const short = frontier.slice(0, 5);
    expect(frontierRows({ frontier: short, chosen: short[2]!, current: short[2]! }, 20)).toHaveLength(5);
    const lone = candidate(500, 10);
    expect(frontierRows({ frontier: [], chosen: lone, current: lone })).toEqual([{ mark: 'chosen = current', candidate: lone }]);
  });
});

describe('rates in the tables', () => {
  it('carry their 95% Wilson interval', () => {
    // 84 of 1,621: 5.18%, Wilson 95% interval 4.20% to 6.37%.
    expect(rateInterval(wilsonRate(84, 1621), 2)).toBe('5.18% (4.20%–6.37%)');
    expect(rateInterval(wilsonRate(0, 0), 2)).toBe('n/a');
    const cells = frontierCells({ mark: 'chosen', candidate: candidate(900, 45) });
    expect(cells.slice(1, 4)).toEqual([
      rateInterval(wilsonRate(900, 1000), 2),
      rateInterval(wilsonRate(45, 900), 2),
      rateInterval(wilsonRate(40, 60), 1),
    ]);
    expect(cells[2]).toMatch(/^5\.00% \(\d\.\d\d%–\d\.\d\d%\)$/);
  });
});
