// The real loans the simulator starts from: parsing lending_club.csv (kept as text, so numbers are
// written back exactly as they were read), choosing which real rows to use, and jittering resampled
// copies so that a row used twice is not an exact duplicate.
import { ErrorCode, FengkongError } from '../errors.js';
import { isKnownState } from '../features/localTime.js';
import type { Random } from './prng.js';

/** Source columns, in the order of lending_club.csv. */
export const SOURCE_COLUMNS = [
  'funded_amnt',
  'term',
  'int_rate',
  'sub_grade',
  'addr_state',
  'verification_status',
  'annual_inc',
  'emp_length',
  'delinq_2yrs',
  'inq_last_6mths',
  'revol_util',
  'acc_now_delinq',
  'open_il_6m',
  'open_il_12m',
  'open_il_24m',
  'total_bal_il',
  'all_util',
  'inq_fi',
  'inq_last_12m',
  'delinq_amnt',
  'num_il_tl',
  'total_il_high_credit_limit',
  'Class',
] as const;
export type SourceColumn = (typeof SOURCE_COLUMNS)[number];

/** Index of each source column in a parsed row. */
export const SRC = Object.fromEntries(SOURCE_COLUMNS.map((name, index) => [name, index])) as Record<SourceColumn, number>;

/** The number of real loans in lending_club.csv, and the sample size that uses each of them once. */
export const SOURCE_ROWS = 9_857;

/** Splits CSV text into records of fields (RFC 4180 quoting; CRLF or LF line ends). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') {
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
    i++;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records.filter((fields) => !(fields.length === 1 && fields[0] === ''));
}

/** Parses and checks lending_club.csv: header, field count, class labels, states, positive amounts. */
export function parseSource(text: string): string[][] {
  const [header, ...rows] = parseCsv(text);
  if (header === undefined || header.join(',') !== SOURCE_COLUMNS.join(',')) {
    throw new FengkongError(ErrorCode.CSV_HEADER, `source CSV header must be: ${SOURCE_COLUMNS.join(',')}`);
  }
  if (rows.length === 0) throw new FengkongError(ErrorCode.CSV_RECORD, 'source CSV has no rows');
  rows.forEach((row, index) => {
    const line = index + 2;
    if (row.length !== SOURCE_COLUMNS.length) {
      throw new FengkongError(ErrorCode.CSV_RECORD, `source CSV line ${line}: expected ${SOURCE_COLUMNS.length} fields, got ${row.length}`);
    }
    const klass = row[SRC.Class];
    if (klass !== 'good' && klass !== 'bad')
      throw new FengkongError(ErrorCode.CSV_RECORD, `source CSV line ${line}: Class must be good or bad`);
    if (!isKnownState(row[SRC.addr_state]!))
      throw new FengkongError(ErrorCode.CSV_RECORD, `source CSV line ${line}: addr_state is not a US state code`);
    if (!(Number(row[SRC.funded_amnt]) > 0))
      throw new FengkongError(ErrorCode.CSV_RECORD, `source CSV line ${line}: funded_amnt must be positive`);
    if (row.some((field) => field === '')) throw new FengkongError(ErrorCode.CSV_RECORD, `source CSV line ${line}: empty field`);
  });
  return rows;
}

/**
 * Which real row each generated application starts from. Up to the source size: a seeded sample of
 * distinct rows (all of them when rows equals the source size). Beyond: whole shuffled passes over the
 * source, so every real row is used about equally often. Returns the source index per plan slot.
 */
export function chooseSourceRows(rows: number, sourceSize: number, rng: Random): Int32Array {
  const chosen = new Int32Array(rows);
  const deck = Int32Array.from({ length: sourceSize }, (_, index) => index);
  for (let filled = 0; filled < rows;) {
    const take = Math.min(sourceSize, rows - filled);
    // Partial Fisher-Yates: the first `take` cards become a uniform sample without replacement.
    for (let i = 0; i < take; i++) {
      const j = rng.int(i, sourceSize - 1);
      const card = deck[j]!;
      deck[j] = deck[i]!;
      deck[i] = card;
      chosen[filled + i] = card;
    }
    filled += take;
  }
  return chosen;
}

function roundTo(value: number, step: number): number {
  return Math.round(value / step) * step;
}

/** Loans were capped at 40,000 at the time. */
export const MAX_FUNDED_AMOUNT = 40_000;

/**
 * A resampled copy of a real row with small jitter: amounts ±5% rounded to 25, income ±5% rounded to
 * 100, the two instalment balances moved by one shared factor (their ratio holds); counts, rates,
 * utilisations, grade and label unchanged. Rewritten numbers are integers, never negative.
 */
export function jitterRow(row: readonly string[], rng: Random): string[] {
  const out = row.slice();
  const factor = (): number => rng.between(0.95, 1.05);
  const funded = roundTo(Number(row[SRC.funded_amnt]) * factor(), 25);
  out[SRC.funded_amnt] = String(Math.min(MAX_FUNDED_AMOUNT, Math.max(25, funded)));
  out[SRC.annual_inc] = String(Math.max(0, roundTo(Number(row[SRC.annual_inc]) * factor(), 100)));
  const installment = factor();
  for (const column of [SRC.total_bal_il, SRC.total_il_high_credit_limit]) {
    out[column] = String(Math.max(0, roundTo(Number(row[column]) * installment, 25)));
  }
  out[SRC.delinq_amnt] = String(Math.max(0, roundTo(Number(row[SRC.delinq_amnt]) * factor(), 25)));
  return out;
}
