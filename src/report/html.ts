// Escaping and number formatting for the report page. Every text that reaches the page goes through
// escapeHtml, in element content and attribute values alike.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const threeDecimals = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });
const threeSignificant = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/**
 * A table number as a reader wants it: integers with thousands separators, large values to one decimal,
 * values near 1 to three decimals, small fractions (a PSI of 0.0042, a bad rate) to three significant
 * digits, and values too small for that in exponent form rather than as 0.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const size = Math.abs(value);
  if (Number.isInteger(value)) return grouped.format(value);
  if (size >= 1000) return oneDecimal.format(value);
  if (size >= 1) return threeDecimals.format(value);
  if (size >= 1e-4) return threeSignificant.format(value);
  return value.toExponential(2);
}

/** A table cell's text; null is a missing value, shown as a dash. */
export function formatCell(value: string | number | null): string {
  if (value === null) return '—';
  return typeof value === 'number' ? formatNumber(value) : value;
}
