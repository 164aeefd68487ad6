// What rules, models and the policy read of an event: named facts (its feature fields, derived
// features, signals, list hits, aggregates), each a plain value.

/** A fact a rule can read: a feature value, a derived number, a flag. Missing is null. */
export type FactValue = number | string | boolean | null;
export type Facts = Record<string, FactValue>;
