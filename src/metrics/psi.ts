// Population stability index: how far a feature's distribution in a current sample has moved from a
// baseline sample, over bins fixed on the baseline. PSI = Σ (cur − base) · ln(cur / base) over the bins'
// shares; every term is ≥ 0 and, for fixed bins, the sum is symmetric in the two samples (it is the
// symmetrised Kullback-Leibler divergence of the binned distributions). The drift of two samples is not:
// the bins (deciles, categories, what counts as unseen) are the baseline's, so swapping them changes it.
import { ErrorCode, FengkongError } from '../errors.js';

/**
 * An empty bin has share 0 and ln 0 is −∞: every share is floored at this value before the sum (shares
 * are not renormalised). With fewer than 10,000 rows a side any non-empty bin has a share above the
 * floor, so the PSI is 0 exactly when the binned distributions are equal.
 */
export const PSI_SHARE_FLOOR = 1e-4;

/** The usual reading: below 0.1 stable, 0.1 to 0.25 worth watching, above 0.25 act. */
export const PSI_BANDS = { watch: 0.1, act: 0.25 } as const;

export const PSI_BAND_NAMES = ['stable', 'watch', 'act'] as const;
export type PsiBand = (typeof PSI_BAND_NAMES)[number];

export function psiBand(psi: number): PsiBand {
  if (psi > PSI_BANDS.act) return 'act';
  return psi >= PSI_BANDS.watch ? 'watch' : 'stable';
}

/** PSI of two count vectors over the same bins. */
export function psiFromCounts(baselineCounts: readonly number[], currentCounts: readonly number[]): number {
  if (baselineCounts.length !== currentCounts.length || baselineCounts.length === 0) {
    throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, 'psi: the two samples need the same, non-empty list of bins');
  }
  for (const count of [...baselineCounts, ...currentCounts]) {
    if (!Number.isInteger(count) || count < 0) {
      throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, 'psi: bin counts must be non-negative integers');
    }
  }
  const baselineRows = sum(baselineCounts);
  const currentRows = sum(currentCounts);
  if (baselineRows === 0 || currentRows === 0) {
    throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, 'psi: each sample needs at least one row');
  }
  let psi = 0;
  for (let bin = 0; bin < baselineCounts.length; bin += 1) {
    const base = Math.max(baselineCounts[bin]! / baselineRows, PSI_SHARE_FLOOR);
    const current = Math.max(currentCounts[bin]! / currentRows, PSI_SHARE_FLOOR);
    // ln c − ln b rather than ln(c / b): swapping the samples then negates both factors exactly.
    psi += (current - base) * (Math.log(current) - Math.log(base));
  }
  return psi;
}

/** One bin's label and counts. */
export interface PsiBin {
  readonly label: string;
  readonly baseline: number;
  readonly current: number;
}

export interface DistributionDrift {
  readonly psi: number;
  readonly band: PsiBand;
  /** Baseline bins in order, then `unseen` (categories: values the baseline never had), then `missing`. */
  readonly bins: PsiBin[];
  readonly missingShare: { readonly baseline: number; readonly current: number };
  /**
   * Share of the current rows the baseline gave no place: categories it never had, or numbers outside
   * its range (these are counted in the end bins, and shown here).
   */
  readonly unseenShare: number;
}

const DECILES = 10;

/**
 * Cut points at the baseline's deciles (the lower quantile: the value at sorted position ⌈k·n/10⌉ − 1),
 * bins closed on the right: (−∞, c₁], (c₁, c₂], …, (cₖ, +∞). Equal cut points are merged (a heavily tied
 * value keeps one bin), and a cut at the maximum is dropped (its bin above would hold no baseline row).
 * Values outside the baseline's range fall in the end bins.
 */
export function decileCuts(baselineValues: ArrayLike<number>): number[] {
  const sorted = Float64Array.from(present(baselineValues)).sort();
  if (sorted.length === 0) return [];
  const max = sorted[sorted.length - 1]!;
  const cuts: number[] = [];
  for (let k = 1; k < DECILES; k += 1) {
    const cut = sorted[Math.ceil((k * sorted.length) / DECILES) - 1]!;
    if (cut < max && cut !== cuts[cuts.length - 1]) cuts.push(cut);
  }
  return cuts;
}

/** The bin of a finite value: the first cut it does not exceed, else the last bin. */
function binOf(cuts: readonly number[], value: number): number {
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (value <= cuts[middle]!) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Numbers: NaN is a missing value (the missing bin); ±∞ is a number beyond every cut. */
export function numericDrift(baselineValues: ArrayLike<number>, currentValues: ArrayLike<number>): DistributionDrift {
  const cuts = decileCuts(baselineValues);
  const count = (values: ArrayLike<number>) => {
    const counts = new Array<number>(cuts.length + 2).fill(0);
    for (let row = 0; row < values.length; row += 1) {
      const value = values[row]!;
      counts[Number.isNaN(value) ? cuts.length + 1 : binOf(cuts, value)]! += 1;
    }
    return counts;
  };
  const range = rangeOf(baselineValues);
  let outside = 0;
  for (let row = 0; row < currentValues.length; row += 1) {
    const value = currentValues[row]!;
    if (!Number.isNaN(value) && (range === null || value < range.min || value > range.max)) outside += 1;
  }
  const labels = [...Array.from({ length: cuts.length + 1 }, (_, bin) => numericBinLabel(cuts, bin)), 'missing'];
  return drift(labels, count(baselineValues), count(currentValues), outside / checkedRows(currentValues.length));
}

/** Categories: one bin per baseline category (sorted), then `unseen`, then `missing` (null). */
export function categoricalDrift(baselineValues: readonly (string | null)[], currentValues: readonly (string | null)[]): DistributionDrift {
  const categories = [...new Set(baselineValues.filter((value): value is string => value !== null))].sort();
  const index = new Map(categories.map((category, bin) => [category, bin]));
  const unseen = categories.length;
  const count = (values: readonly (string | null)[]) => {
    const counts = new Array<number>(categories.length + 2).fill(0);
    for (const value of values) counts[value === null ? unseen + 1 : (index.get(value) ?? unseen)]! += 1;
    return counts;
  };
  const currentCounts = count(currentValues);
  return drift(
    [...categories, 'unseen', 'missing'],
    count(baselineValues),
    currentCounts,
    currentCounts[unseen]! / checkedRows(currentValues.length),
  );
}

function drift(labels: string[], baselineCounts: number[], currentCounts: number[], unseenShare: number): DistributionDrift {
  const psi = psiFromCounts(baselineCounts, currentCounts);
  const missing = labels.length - 1;
  return {
    psi,
    band: psiBand(psi),
    bins: labels.map((label, bin) => ({ label, baseline: baselineCounts[bin]!, current: currentCounts[bin]! })),
    missingShare: {
      baseline: baselineCounts[missing]! / sum(baselineCounts),
      current: currentCounts[missing]! / sum(currentCounts),
    },
    unseenShare,
  };
}

function numericBinLabel(cuts: readonly number[], bin: number): string {
  if (cuts.length === 0) return 'any value';
  if (bin === 0) return `≤ ${formatCut(cuts[0]!)}`;
  if (bin === cuts.length) return `> ${formatCut(cuts[cuts.length - 1]!)}`;
  return `(${formatCut(cuts[bin - 1]!)}, ${formatCut(cuts[bin]!)}]`;
}

const formatCut = (value: number): string => String(Number(value.toPrecision(6)));

function* present(values: ArrayLike<number>): Generator<number> {
  for (let row = 0; row < values.length; row += 1) if (!Number.isNaN(values[row]!)) yield values[row]!;
}

function rangeOf(values: ArrayLike<number>): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const value of present(values)) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return min > max ? null : { min, max };
}

function checkedRows(rows: number): number {
  if (rows === 0) throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, 'psi: each sample needs at least one row');
  return rows;
}

const sum = (counts: readonly number[]): number => counts.reduce((total, count) => total + count, 0);
