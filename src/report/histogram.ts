// Binned shares for the distribution chart: each group's histogram is normalised to its own size, so that
// groups of very different sizes (a few hundred bads beside thousands of goods) can be compared by shape.
import { ErrorCode, FengkongError } from '../errors.js';

export interface HistogramBin {
  readonly group: string;
  readonly binStart: number;
  readonly binEnd: number;
  readonly count: number;
  /** count / the group's size; 0 for an empty group rather than NaN. */
  readonly share: number;
}

export interface HistogramGroup {
  readonly label: string;
  readonly values: readonly number[];
}

/** Equal-width bins over `domain` (default: the values' range); values outside it fall into the edge bins. */
export function histogramShares(groups: readonly HistogramGroup[], bins: number, domain?: readonly [number, number]): HistogramBin[] {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new FengkongError(ErrorCode.REPORT_INVALID, `distributionChart: bins must be a positive integer, got ${bins}`);
  }
  for (const group of groups) {
    if (group.values.some((value) => !Number.isFinite(value))) {
      throw new FengkongError(
        ErrorCode.REPORT_INVALID,
        `distributionChart: group "${group.label}" holds a value that is not a finite number`,
      );
    }
  }
  const [low, high] = domain ?? valueRange(groups);
  if (!(Number.isFinite(low) && Number.isFinite(high) && high >= low)) {
    throw new FengkongError(ErrorCode.REPORT_INVALID, `distributionChart: the domain must be two finite numbers, low ≤ high`);
  }
  // A single repeated value still needs a bin of some width to be drawn; so does a range too narrow to
  // split (two neighbouring subnormals), whose bins would have width 0 and lose their values.
  const [start, end] = (high - low) / bins > 0 ? [low, high] : [low - 0.5, high + 0.5];
  const width = (end - start) / bins;
  return groups.flatMap((group) => {
    const counts = new Array<number>(bins).fill(0);
    for (const value of group.values) {
      const index = Math.min(bins - 1, Math.max(0, Math.floor((value - start) / width)));
      counts[index]! += 1;
    }
    const size = group.values.length;
    return counts.map((count, index) => ({
      group: group.label,
      binStart: start + index * width,
      binEnd: index === bins - 1 ? end : start + (index + 1) * width,
      count,
      share: size === 0 ? 0 : count / size,
    }));
  });
}

function valueRange(groups: readonly HistogramGroup[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const group of groups) {
    for (const value of group.values) {
      if (value < low) low = value;
      if (value > high) high = value;
    }
  }
  return low <= high ? [low, high] : [0, 1];
}
