// What a generated file contains: row, default and fraud counts per scenario. The generator tallies as
// it writes; `summarizeApplications` recounts any generated CSV text.
import { FRAUD_SCENARIOS, type FraudScenario } from './fraud.js';

export interface GenerationSummary {
  readonly rows: number;
  /** Rows whose real loan defaulted (default = 1). */
  readonly defaults: number;
  readonly fraudRows: number;
  /** fraudRows / rows (0 for an empty file). */
  readonly fraudRate: number;
  readonly scenarios: Readonly<Record<FraudScenario, number>>;
}

export class SummaryTally {
  private rows = 0;
  private defaults = 0;
  private readonly scenarios: Record<FraudScenario, number> = { device_farm: 0, synthetic_identity: 0, stolen_identity: 0 };

  add(isDefault: boolean, scenario: FraudScenario | null): void {
    this.rows++;
    if (isDefault) this.defaults++;
    if (scenario !== null) this.scenarios[scenario]++;
  }

  summary(): GenerationSummary {
    const fraudRows = FRAUD_SCENARIOS.reduce((sum, scenario) => sum + this.scenarios[scenario], 0);
    return {
      rows: this.rows,
      defaults: this.defaults,
      fraudRows,
      fraudRate: this.rows === 0 ? 0 : fraudRows / this.rows,
      scenarios: { ...this.scenarios },
    };
  }
}

function isScenario(value: string): value is FraudScenario {
  return (FRAUD_SCENARIOS as readonly string[]).includes(value);
}

/** Recounts a generated applications CSV (header line first; fields never quoted). */
export function summarizeApplications(csv: string): GenerationSummary {
  const lines = csv.split('\n').filter((line) => line !== '');
  const header = (lines[0] ?? '').split(',');
  const defaultAt = header.indexOf('default');
  const scenarioAt = header.indexOf('fraud_scenario');
  if (defaultAt < 0 || scenarioAt < 0) throw new Error('not a generated applications CSV: default or fraud_scenario column missing');
  const tally = new SummaryTally();
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i]!.split(',');
    const scenario = fields[scenarioAt] ?? '';
    tally.add(fields[defaultAt] === '1', isScenario(scenario) ? scenario : null);
  }
  return tally.summary();
}
