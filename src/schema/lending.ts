// The fields of the shipped lending data model (data/applications.data-model.json) that the analysis
// commands (backtest, tune, drift), the fraud trainer and the simulator read by name. They still work
// on that model only; a data model's roles are what they will read instead.
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
