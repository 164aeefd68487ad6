// The application stream: real Lending Club loans as applications, with the metadata a lender sees
// (identities, devices, addresses, channel, time) simulated around them and ~3% of them rewritten as
// fraud. Deterministic: the same options give the same bytes.
//
// Plan first (compact typed arrays, O(rows)): which real row each application starts from, when it
// arrives, which rows form device-farm bursts. Then sort by time and write rows in that order,
// deciding identities as we go: a re-application or a stolen identity can only reuse someone who
// has already applied. People are numbers; their details are re-derived from (seed, number).
import { ErrorCode, FengkongError } from '../errors.js';
import { US_STATES } from '../features/localTime.js';
import { shippedDataModel } from '../features/dataModel.js';
import { isoSeconds, sampleApplicationTime, windowFor } from './clock.js';
import { FraudSimulator, planDeviceFarms, STOLEN_RATE, SYNTHETIC_RATE, type FraudRow, type FraudScenario } from './fraud.js';
import { Applicants } from './legitimate.js';
import { Random } from './prng.js';
import { chooseSourceRows, jitterRow, parseSource, SRC, type SourceColumn } from './source.js';
import { SummaryTally, type GenerationSummary } from './summary.js';

export { FRAUD_SCENARIOS, knownBadDevices, type FraudScenario } from './fraud.js';
export { disposableEmailDomains } from './identities.js';
export { summarizeApplications, type GenerationSummary } from './summary.js';

export const DEFAULT_SEED = 42;
/** Application ids have at least 7 digits; the generator refuses more rows than that many digits hold. */
export const MAX_ROWS = 9_999_999;

export interface GenerateOptions {
  /** How many applications to write. */
  readonly rows: number;
  /** Seed of every random choice (DEFAULT_SEED when left out). */
  readonly seed?: number;
  /** CSV text of lending_club.csv. */
  readonly source: string;
}

const CHUNK_ROWS = 4_096;

/** The generator writes the shipped lending data model's columns, in its order. */
const columnNames = shippedDataModel().fieldNames;
const WRITTEN = [
  'application_id',
  'applied_at',
  'applicant_id',
  'device_id',
  'ip',
  'email',
  'phone',
  'ip_region',
  'channel',
  'funded_amnt',
  'default',
  'is_fraud',
  'fraud_scenario',
] as const;
const POSITION = Object.fromEntries(WRITTEN.map((name) => [name, columnNames.indexOf(name)])) as Record<(typeof WRITTEN)[number], number>;
/** Columns copied from the real row: [output position, source position]. */
const COPIED: ReadonlyArray<readonly [number, number]> = columnNames.flatMap((name, index) =>
  name in SRC ? [[index, SRC[name as SourceColumn]] as const] : [],
);
const stateIndexOf = new Map(US_STATES.map((state, index) => [state, index]));

function checkOptions(options: GenerateOptions): number {
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(options.rows) || options.rows < 1 || options.rows > MAX_ROWS) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, `rows must be an integer from 1 to ${MAX_ROWS}`);
  }
  if (!Number.isSafeInteger(seed)) throw new FengkongError(ErrorCode.CONFIG_INVALID, 'seed must be a safe integer');
  return seed;
}

/**
 * Writes the applications CSV (header first, `\n` line ends, final newline) in chunks of whole lines
 * and returns what was written. Memory is a few typed arrays of `rows` entries.
 */
export function writeApplications(options: GenerateOptions, write: (chunk: string) => void): GenerationSummary {
  const seed = checkOptions(options);
  const rows = options.rows;
  const source = parseSource(options.source);
  const plan = Random.fromSeed(seed, 1);

  // 1. The plan: real row, arrival time, device-farm membership, per slot.
  const sourceOf = chooseSourceRows(rows, source.length, plan);
  const window = windowFor(rows);
  const times = new Float64Array(rows);
  for (let slot = 0; slot < rows; slot++) times[slot] = sampleApplicationTime(plan, window, source[sourceOf[slot]!]![SRC.addr_state]!);
  const burstOf = new Int32Array(rows);
  const memberOf = new Uint8Array(rows);
  planDeviceFarms(plan, window, times, burstOf, memberOf);
  const order = Uint32Array.from({ length: rows }, (_, slot) => slot).sort((a, b) => times[a]! - times[b]! || a - b);

  // 2. The rows, in time order.
  const rng = Random.fromSeed(seed, 2);
  const fraud = new FraudSimulator(seed, rng);
  const applicants = new Applicants(seed, rows, rng);

  const width = Math.max(7, String(rows).length);
  const tally = new SummaryTally();
  const cells = new Array<string>(columnNames.length).fill('');
  let lines: string[] = [columnNames.join(',')];
  for (let row = 0; row < rows; row++) {
    const slot = order[row]!;
    const real = source[sourceOf[slot]!]!;
    // The first pass over the real loans is written as is; resampled copies are jittered.
    const fields = slot < source.length ? real : jitterRow(real, rng);
    const state = fields[SRC.addr_state]!;
    const stateIndex = stateIndexOf.get(state)!;

    let scenario: FraudScenario | null = null;
    let written: FraudRow | null = null;
    if (burstOf[slot] !== 0) {
      scenario = 'device_farm';
      written = fraud.deviceFarm(row, burstOf[slot]! - 1, memberOf[slot]!, stateIndex);
    } else if (rng.chance(SYNTHETIC_RATE)) {
      scenario = 'synthetic_identity';
      written = fraud.syntheticIdentity(row, stateIndex);
    } else if (rng.chance(STOLEN_RATE)) {
      const victim = applicants.earlierApplicant(stateIndex);
      if (victim !== null) {
        scenario = 'stolen_identity';
        written = fraud.stolenIdentity(row, victim, stateIndex, Number(fields[SRC.funded_amnt]));
      }
    }
    const who = written?.identity ?? applicants.apply(row, stateIndex);

    for (const [to, from] of COPIED) cells[to] = fields[from]!;
    if (written?.fundedAmount != null) cells[POSITION.funded_amnt] = String(written.fundedAmount);
    cells[POSITION.application_id] = 'A' + String(row + 1).padStart(width, '0');
    cells[POSITION.applied_at] = isoSeconds(times[slot]!);
    cells[POSITION.applicant_id] = who.applicantId;
    cells[POSITION.device_id] = who.deviceId;
    cells[POSITION.ip] = who.ip;
    cells[POSITION.email] = who.email;
    cells[POSITION.phone] = who.phone;
    cells[POSITION.ip_region] = who.ipRegion;
    cells[POSITION.channel] = who.channel;
    const isDefault = fields[SRC.Class] === 'bad';
    cells[POSITION.default] = isDefault ? '1' : '0';
    cells[POSITION.is_fraud] = scenario === null ? '0' : '1';
    cells[POSITION.fraud_scenario] = scenario ?? '';
    tally.add(isDefault, scenario);

    lines.push(cells.join(','));
    if (lines.length >= CHUNK_ROWS) {
      write(lines.join('\n') + '\n');
      lines = [];
    }
  }
  if (lines.length > 0) write(lines.join('\n') + '\n');
  return tally.summary();
}

/** The whole applications CSV as one string (see writeApplications). */
export function generateApplications(options: GenerateOptions): string {
  const chunks: string[] = [];
  writeApplications(options, (chunk) => chunks.push(chunk));
  return chunks.join('');
}
