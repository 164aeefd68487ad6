// How the analysis modules (backtest, tune, drift and their reports) write shares and money: one
// spelling of a percentage and of an amount in every table, summary line and chart label.
import type { Rate } from './interval.js';

/**
 * A share in [0, 1] as a percentage: `digits` decimals when given; else one decimal, more below 1% so
 * that a rare rule's 0.02% does not read 0.0%. null (nothing to count) is `n/a`.
 */
export function percent(value: number | null, digits?: number): string {
  if (value === null) return 'n/a';
  const shown = digits ?? (value === 0 || Math.abs(value) >= 0.01 ? 1 : Math.abs(value) >= 0.001 ? 2 : 3);
  return `${(value * 100).toFixed(shown)}%`;
}

/**
 * A rate and its 95% interval: `5.18% (4.20%–6.37%)`, `digits` decimals as `percent` reads them, the
 * interval after `intervalLabel`; `n/a` with nothing to count.
 */
export function rateInterval(value: Rate, digits?: number, intervalLabel = ''): string {
  if (value.rate === null) return 'n/a';
  return `${percent(value.rate, digits)} (${intervalLabel}${percent(value.lower, digits)}–${percent(value.upper, digits)})`;
}

/** A rate with its 95% interval and counts: `78.3% (77.5%–79.1%), 7,721 of 9,857`; `n/a (0 of 0)` with nothing to count. */
export function rate(value: Rate): string {
  if (value.rate === null) return `n/a (0 of 0)`;
  return `${rateInterval(value)}, ${count(value.count)} of ${count(value.total)}`;
}

/** An amount of money, rounded to the unit, with thousands separators: `19,170,425`. */
export function money(value: number): string {
  return (Math.round(value) || 0).toLocaleString('en-US');
}

/** A whole count with thousands separators. */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}
