// The fields of the shipped lending data model (data/applications.data-model.json) that tune, drift,
// the fraud trainer and the simulator read by name; they still work on that model only. (backtest reads
// the data model's declared outcomes instead: src/analysis/outcomes.ts.)
import { ErrorCode, FengkongError } from '../errors.js';
import type { EventRecord } from './event.js';

export interface LendingApplication extends EventRecord {
  readonly application_id: string;
  readonly applied_at: string;
  readonly funded_amnt: number;
  readonly term: string;
  readonly int_rate: number | null;
  readonly default: number | null;
  readonly is_fraud: number | null;
  readonly fraud_scenario: string | null;
}

/** An event of the lending model, as the commands that read its fields by name see it. */
export function asLending(event: EventRecord): LendingApplication {
  return event as LendingApplication;
}

/** The fields the lending-only commands read by name. */
export const LENDING_FIELDS = [
  'application_id',
  'applied_at',
  'funded_amnt',
  'term',
  'int_rate',
  'default',
  'is_fraud',
  'fraud_scenario',
] as const;

/**
 * Refuses, with a coded error naming the command and what is missing, a data model that lacks the
 * lending fields a command still reads by name (tune, drift, the fraud trainer).
 */
export function requireLendingFields(
  model: { readonly fieldNames: readonly string[]; readonly file: { readonly name: string } },
  command: string,
): void {
  const missing = LENDING_FIELDS.filter((name) => !model.fieldNames.includes(name));
  if (missing.length > 0) {
    throw new FengkongError(
      ErrorCode.CONFIG_INVALID,
      `${command} reads the lending data model's labels, amount, term and rate by name; the data model ${model.file.name} has no ${missing.join(', ')}: ${command} does not run on it yet`,
    );
  }
}
