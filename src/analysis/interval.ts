// Rates with their 95% Wilson score interval: the interval stays inside [0, 1] and behaves at 0 and at
// small counts, where the normal approximation (p ± 1.96·√(p(1−p)/n)) gives negative lower bounds.
// Wilson (1927), "Probable inference, the law of succession, and statistical inference", JASA 22:209-212.
import { z } from 'zod';
import { ErrorCode, FengkongError } from '../errors.js';

/** The two-sided 95% normal quantile, Φ⁻¹(0.975). */
export const Z_95 = 1.959963984540054;

/** A count out of a total, with its rate and 95% Wilson interval; rate and bounds are null when the total is 0. */
export const Rate = z.strictObject({
  count: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  rate: z.number().min(0).max(1).nullable(),
  lower: z.number().min(0).max(1).nullable(),
  upper: z.number().min(0).max(1).nullable(),
});
export type Rate = z.infer<typeof Rate>;

export function wilsonRate(count: number, total: number, zValue = Z_95): Rate {
  if (!Number.isInteger(count) || !Number.isInteger(total) || count < 0 || count > total) {
    throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `wilsonRate: expected whole counts 0 ≤ ${count} ≤ ${total}`);
  }
  if (total === 0) return { count, total, rate: null, lower: null, upper: null };
  const p = count / total;
  const z2 = zValue * zValue;
  const denominator = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denominator;
  const half = (zValue / denominator) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  // At 0 and at n the bound is exactly 0 or 1; rounding must not leave 1e-17 or 0.9999999999999999.
  const lower = count === 0 ? 0 : Math.max(0, centre - half);
  const upper = count === total ? 1 : Math.min(1, centre + half);
  return { count, total, rate: p, lower, upper };
}

/** Counts the rows that pass `test` among those that `within` keeps. */
export function rateOf<T>(rows: readonly T[], test: (row: T) => boolean, within: (row: T) => boolean = () => true): Rate {
  let count = 0;
  let total = 0;
  for (const row of rows) {
    if (!within(row)) continue;
    total += 1;
    if (test(row)) count += 1;
  }
  return wilsonRate(count, total);
}
