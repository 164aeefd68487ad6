// What rules, models and the policy read of an event: named facts (its feature fields, derived
// features, signals, list hits, aggregates), each a plain value.

/** A fact a rule can read: a feature value, a derived number, a flag. Missing is null. */
export type FactValue = number | string | boolean | null;
export type Facts = Record<string, FactValue>;

/** A fact as a model reads it: a number as it is, a flag as 1/0, anything else (missing, text) NaN. */
export function factNumber(value: FactValue | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number.NaN;
}
