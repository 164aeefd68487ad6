// Rows valid under any data model, for trying a set-up before real data is at hand: `fengkong gen
// --config <config.json>` when the config names a data model other than the shipped lending one. Every
// value is drawn within its field's declaration (type, bounds, enum values, length, missing); identifiers
// come from pools small enough that aggregates see repeats; times rise through the file; labels are
// drawn at fixed rates, independent of everything else. So the rows carry no signal: a model trained on
// them learns nothing, and a backtest on them measures only that the pipeline runs. Deterministic: the
// same data model, seed and row count give the same bytes.
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import type { DataModel } from '../features/dataModel.js';
import type { Field } from '../schema/dataModel.js';
import { Random } from './prng.js';

export interface ModelRowsOptions {
  readonly rows: number;
  readonly seed: number;
  /** The first event's time (default 2026-01-01T00:00:00Z); later ones follow about a minute apart. */
  readonly startMs?: number;
}

export interface ModelRowsSummary {
  readonly rows: number;
  /** Rows whose declared credit / fraud outcome is its bad value. */
  readonly creditBad: number;
  readonly fraudBad: number;
}

/** The share of missing values in a nullable field, and of bad outcomes. */
const MISSING_RATE = 0.05;
const CREDIT_BAD_RATE = 0.2;
const FRAUD_BAD_RATE = 0.02;
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'CN', 'JP', 'BR', 'IN', 'NG', 'AU'];
const CURRENCIES = ['USD', 'EUR', 'GBP', 'CNY', 'JPY'];
const DEFAULT_START_MS = Date.UTC(2026, 0, 1);

/** Writes the header and `rows` rows as CSV through `write`, in chunks. */
export function writeModelRows(model: DataModel, options: ModelRowsOptions, write: (chunk: string) => void): ModelRowsSummary {
  const random = Random.fromSeed(options.seed, 0xda7a);
  const pool = Math.max(10, Math.round(options.rows / 5));
  const { credit, fraud } = model.file.outcomes;
  const width = String(options.rows).length;
  let atMs = options.startMs ?? DEFAULT_START_MS;
  let creditBad = 0;
  let fraudBad = 0;
  let lines = [model.fieldNames.join(',')];
  for (let row = 0; row < options.rows; row += 1) {
    atMs += Math.round(1 + random.float() * 119) * 1000;
    const record: Record<string, string | number | boolean | null> = {};
    for (const field of model.fields) {
      if (field.name === credit?.field || field.name === fraud?.field) {
        const outcome = field.name === credit?.field ? credit! : fraud!;
        const bad = random.chance(field.name === credit?.field ? CREDIT_BAD_RATE : FRAUD_BAD_RATE);
        record[field.name] = bad ? outcome.bad : goodValue(field, outcome.bad);
        if (bad && field.name === credit?.field) creditBad += 1;
        if (bad && field.name === fraud?.field) fraudBad += 1;
        continue;
      }
      const required = field.missing === 'required' || field.role === 'id' || field.role === 'time';
      record[field.name] = !required && random.chance(MISSING_RATE) ? null : valueOf(field, row, atMs, width, pool, random);
    }
    try {
      model.parseEvent(record, atMs);
    } catch (error) {
      if (!isFengkongError(error)) throw error;
      throw new FengkongError(
        ErrorCode.DATA_MODEL_INVALID,
        `${model.sourceName}: gen cannot draw a valid row (${error.message.replace(/^invalid event: /, '')}): a pattern or bound it cannot meet; give the field values it can draw, or generate the file another way`,
      );
    }
    lines.push(model.fieldNames.map((name) => csvCell(record[name] ?? null)).join(','));
    if (lines.length >= 4096) {
      write(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length > 0) write(`${lines.join('\n')}\n`);
  return { rows: options.rows, creditBad, fraudBad };
}

function valueOf(field: Field, row: number, atMs: number, width: number, pool: number, random: Random): string | number | boolean {
  if (field.role === 'id') return field.type === 'integer' ? row + 1 : `E${String(row + 1).padStart(width, '0')}`;
  if (field.role === 'time') return new Date(atMs).toISOString().replace('.000Z', 'Z');
  const k = random.int(1, pool);
  switch (field.type) {
    case 'number':
    case 'integer':
      return numberIn(field, random);
    case 'boolean':
      return random.chance(0.5);
    case 'enum':
      return field.values![random.int(0, field.values!.length - 1)]!;
    case 'timestamp':
      return new Date(atMs - random.int(0, 365) * 86_400_000).toISOString().replace('.000Z', 'Z');
    case 'ipv4':
      return `10.${k % 7}.${(k >> 3) % 256}.${k % 256}`;
    case 'ipv6':
      return `2001:db8::${k.toString(16)}`;
    case 'email':
      return `person${k}@example${k % 13}.test`;
    case 'phone':
      return `+1555${String(1_000_000 + k).slice(-7)}`;
    case 'country':
      return COUNTRIES[k % COUNTRIES.length]!;
    case 'currency':
      return CURRENCIES[k % CURRENCIES.length]!;
    case 'string': {
      const text = `${field.name.toLowerCase()}-${k}`;
      const min = field.minLength ?? 1;
      const max = field.maxLength ?? 256;
      return text.length > max ? text.slice(-max) : text.padEnd(min, 'x');
    }
  }
}

/** Uniform within the declared bounds (0 to 1,000 where none is given), whole for an integer. */
function numberIn(field: Field, random: Random): number {
  const lower = field.min ?? field.exclusiveMin ?? (field.max !== undefined ? Math.min(0, field.max - 1000) : 0);
  const upper = field.max ?? field.exclusiveMax ?? lower + 1000;
  if (field.type === 'integer') {
    const from = Math.ceil(field.exclusiveMin !== undefined ? lower + 1e-9 : lower);
    const to = Math.floor(field.exclusiveMax !== undefined ? upper - 1e-9 : upper);
    return to < from ? from : random.int(from, to);
  }
  const value = Math.round((lower + random.float() * (upper - lower)) * 100) / 100;
  const outside =
    value < lower ||
    value > upper ||
    (field.exclusiveMin !== undefined && value <= lower) ||
    (field.exclusiveMax !== undefined && value >= upper);
  return outside ? (lower + upper) / 2 : value;
}

/** A value of the label that is not its bad value. */
function goodValue(field: Field, bad: string | number | boolean): string | number | boolean {
  if (field.type === 'boolean') return !bad;
  if (field.type === 'enum') return field.values!.find((value) => value !== bad) ?? String(bad);
  if (typeof bad === 'number') return bad === 0 ? 1 : 0;
  return `not-${String(bad)}`;
}

function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
