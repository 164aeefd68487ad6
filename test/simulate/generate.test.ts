import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shippedDataModel } from '../../src/features/dataModel.js';
import { isFengkongError } from '../../src/errors.js';
import { DEFAULT_SEED, generateApplications, writeApplications } from '../../src/simulate/generate.js';
import { FRAUD_SCENARIOS } from '../../src/simulate/fraud.js';
import { geoIpRegion } from '../../src/simulate/network.js';
import { parseSource, SOURCE_COLUMNS, SOURCE_ROWS } from '../../src/simulate/source.js';
import { summarizeApplications } from '../../src/simulate/summary.js';

const model = shippedDataModel();
const columnNames = model.fieldNames;
const numericColumns = model.numericFields;

const source = readFileSync(new URL('../../data/lending_club.csv', import.meta.url), 'utf8');
const realRows = parseSource(source);

type Row = Record<string, string>;

function rowsOf(csv: string): Row[] {
  const [header, ...lines] = csv.slice(0, -1).split('\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, index) => [names[index]!, value])));
}

/** A CSV row as the engine's reader would see it: numeric columns as numbers, empty fields as null. */
function toEvent(row: Row): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([name, value]) => [name, value === '' ? null : numericColumns.has(name) ? Number(value) : value]),
  );
}

const START = Date.parse('2016-01-04T00:00:00Z');
const DAY = 86_400_000;
const defaultCsv = generateApplications({ rows: SOURCE_ROWS, source });
const defaultRows = rowsOf(defaultCsv);

/** The fields of a row that are copied from its real loan and never rewritten (all but funded_amnt). */
const KEPT = SOURCE_COLUMNS.filter((name) => name !== 'funded_amnt' && name !== 'Class');
const keptKey = (values: (name: string) => string): string => KEPT.map(values).join('|');

describe('generateApplications: determinism', () => {
  it('gives the same bytes for the same options, and the default seed is 42', () => {
    expect(DEFAULT_SEED).toBe(42);
    expect(generateApplications({ rows: SOURCE_ROWS, source })).toBe(defaultCsv);
    expect(generateApplications({ rows: SOURCE_ROWS, seed: 42, source })).toBe(defaultCsv);
  });

  it('gives different bytes for a different seed', () => {
    expect(generateApplications({ rows: SOURCE_ROWS, seed: 43, source })).not.toBe(defaultCsv);
  });

  it('is deterministic for 2,000 rows too', () => {
    const first = generateApplications({ rows: 2_000, seed: 7, source });
    expect(generateApplications({ rows: 2_000, seed: 7, source })).toBe(first);
    expect(first.split('\n')).toHaveLength(2_002);
  });

  it('streams whole lines in chunks that add up to the same text, and reports what it wrote', () => {
    const chunks: string[] = [];
    const summary = writeApplications({ rows: 5_000, seed: 3, source }, (chunk) => chunks.push(chunk));
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.endsWith('\n')).toBe(true);
    const text = chunks.join('');
    expect(text).toBe(generateApplications({ rows: 5_000, seed: 3, source }));
    expect(summary).toEqual(summarizeApplications(text));
  });
});

describe('generateApplications: shape', () => {
  it('writes the event columns as the header, one line per row, LF line ends and a final newline', () => {
    const lines = defaultCsv.split('\n');
    expect(lines[0]).toBe(columnNames.join(','));
    expect(lines).toHaveLength(SOURCE_ROWS + 2);
    expect(lines.at(-1)).toBe('');
    expect(defaultCsv).not.toContain('\r');
    for (const line of lines.slice(1, -1)) expect(line.split(',')).toHaveLength(columnNames.length);
  });

  it("writes rows that all pass the data model's event schema", () => {
    for (const row of defaultRows) {
      const parsed = model.eventSchema.safeParse(toEvent(row));
      if (!parsed.success) throw new Error(`${row.application_id}: ${parsed.error.message}`);
    }
  });

  it('numbers the applications A0000001... in output order and sorts them by time inside the 90-day window', () => {
    defaultRows.forEach((row, index) => expect(row.application_id).toBe(`A${String(index + 1).padStart(7, '0')}`));
    for (let i = 1; i < defaultRows.length; i++) expect(defaultRows[i - 1]!.applied_at! <= defaultRows[i]!.applied_at!).toBe(true);
    for (const row of defaultRows) {
      expect(row.applied_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const at = Date.parse(row.applied_at!);
      expect(at).toBeGreaterThanOrEqual(START);
      expect(at).toBeLessThan(START + 90 * DAY);
    }
  });

  it('uses every real loan exactly once for 9,857 rows, with its numbers written back as they were read', () => {
    const real = realRows.map((fields) => keptKey((name) => fields[SOURCE_COLUMNS.indexOf(name as never)]!)).sort();
    const written = defaultRows.map((row) => keptKey((name) => row[name]!)).sort();
    expect(written).toEqual(real);
    // funded_amnt too, except where a stolen identity asked for more.
    const realFull = new Set(realRows.map((fields) => fields.slice(0, -1).join('|')));
    for (const row of defaultRows.filter((r) => r.fraud_scenario !== 'stolen_identity')) {
      expect(
        realFull.has(
          SOURCE_COLUMNS.slice(0, -1)
            .map((name) => row[name])
            .join('|'),
        ),
      ).toBe(true);
    }
  });

  it('locates every IP to the ip_region it reports', () => {
    for (const row of defaultRows) expect(geoIpRegion(row.ip!)).toBe(row.ip_region);
  });
});

describe('generateApplications: labels', () => {
  it('keeps the real default labels: 517 defaults among the 9,857 loans', () => {
    expect(defaultRows.filter((row) => row.default === '1')).toHaveLength(517);
    expect(defaultRows.every((row) => row.default === '0' || row.default === '1')).toBe(true);
  });

  it('makes 2-4% of the rows fraud, each scenario at least 15% of them, and labels them consistently', () => {
    const fraud = defaultRows.filter((row) => row.is_fraud === '1');
    expect(fraud.length / defaultRows.length).toBeGreaterThanOrEqual(0.02);
    expect(fraud.length / defaultRows.length).toBeLessThanOrEqual(0.04);
    for (const scenario of FRAUD_SCENARIOS) {
      expect(fraud.filter((row) => row.fraud_scenario === scenario).length / fraud.length).toBeGreaterThanOrEqual(0.15);
    }
    for (const row of defaultRows) {
      if (row.is_fraud === '0') expect(row.fraud_scenario).toBe('');
      else expect(FRAUD_SCENARIOS).toContain(row.fraud_scenario);
    }
  });

  it('summarizes the counts', () => {
    const summary = summarizeApplications(defaultCsv);
    const fraud = defaultRows.filter((row) => row.is_fraud === '1').length;
    expect(summary.rows).toBe(SOURCE_ROWS);
    expect(summary.defaults).toBe(517);
    expect(summary.fraudRows).toBe(fraud);
    expect(summary.fraudRate).toBeCloseTo(fraud / SOURCE_ROWS, 12);
    expect(Object.values(summary.scenarios).reduce((a, b) => a + b, 0)).toBe(fraud);
  });
});

describe('generateApplications: other sizes', () => {
  it('samples distinct real loans for fewer rows', () => {
    const rows = rowsOf(generateApplications({ rows: 500, seed: 11, source }));
    expect(rows).toHaveLength(500);
    const real = new Set(realRows.map((fields) => keptKey((name) => fields[SOURCE_COLUMNS.indexOf(name as never)]!)));
    for (const row of rows) expect(real.has(keptKey((name) => row[name]!))).toBe(true);
  });

  it('resamples with jitter beyond 9,857 rows, stretching the window and keeping every invariant', () => {
    const rowCount = 20_000;
    const csv = generateApplications({ rows: rowCount, seed: 5, source });
    const rows = rowsOf(csv);
    expect(rows).toHaveLength(rowCount);
    const end = START + Math.round(((90 * rowCount) / SOURCE_ROWS) * 86_400) * 1000;
    const counts = [
      'delinq_2yrs',
      'inq_last_6mths',
      'acc_now_delinq',
      'open_il_6m',
      'open_il_12m',
      'open_il_24m',
      'inq_fi',
      'inq_last_12m',
      'num_il_tl',
    ];
    const realCounts = new Set(realRows.map((fields) => counts.map((name) => fields[SOURCE_COLUMNS.indexOf(name as never)]).join('|')));
    rows.forEach((row, index) => {
      expect(row.application_id).toBe(`A${String(index + 1).padStart(7, '0')}`);
      if (index > 0) expect(rows[index - 1]!.applied_at! <= row.applied_at!).toBe(true);
      const at = Date.parse(row.applied_at!);
      expect(at >= START && at < end).toBe(true);
      expect(model.eventSchema.safeParse(toEvent(row)).success).toBe(true);
      // Counts are copied unchanged; amounts stay non-negative numbers (jittered ones are integers).
      expect(realCounts.has(counts.map((name) => row[name]).join('|'))).toBe(true);
      for (const name of ['funded_amnt', 'annual_inc', 'total_bal_il', 'total_il_high_credit_limit', 'delinq_amnt']) {
        expect(Number(row[name])).toBeGreaterThanOrEqual(0);
      }
      expect(Number(row.funded_amnt)).toBeLessThanOrEqual(40_000);
    });
    expect(Date.parse(rows.at(-1)!.applied_at!)).toBeGreaterThan(START + 150 * DAY);
    // The first pass is the real loans as they are; the resampled copies are jittered, so not exact copies.
    const realFull = new Set(realRows.map((fields) => fields.slice(0, -1).join('|')));
    const exactCopies = rows.filter((row) =>
      realFull.has(
        SOURCE_COLUMNS.slice(0, -1)
          .map((name) => row[name])
          .join('|'),
      ),
    ).length;
    expect(exactCopies).toBeGreaterThan(SOURCE_ROWS - 200);
    expect(exactCopies).toBeLessThan(SOURCE_ROWS + 200);
    const summary = summarizeApplications(csv);
    expect(summary.fraudRate).toBeGreaterThanOrEqual(0.02);
    expect(summary.fraudRate).toBeLessThanOrEqual(0.04);
    // Two full passes over the real loans and a third partial one.
    expect(summary.defaults).toBeGreaterThan(2 * 517);
    expect(summary.defaults).toBeLessThan(3 * 517);
  });

  it('handles tiny runs', () => {
    expect(rowsOf(generateApplications({ rows: 1, source }))).toHaveLength(1);
    const rows = rowsOf(generateApplications({ rows: 40, source }));
    expect(new Set(rows.map((row) => row.application_id)).size).toBe(40);
  });

  it('refuses impossible options and a malformed source with coded errors', () => {
    for (const rows of [0, -1, 1.5, Number.NaN, 10_000_000]) {
      expect(() => generateApplications({ rows, source })).toThrow(expect.objectContaining({ code: 'FK_CONFIG_INVALID' }));
    }
    expect(() => generateApplications({ rows: 10, seed: 0.5, source })).toThrow(expect.objectContaining({ code: 'FK_CONFIG_INVALID' }));
    const badHeader = source.replace('"funded_amnt"', '"amount"');
    try {
      generateApplications({ rows: 10, source: badHeader });
      expect.unreachable();
    } catch (error) {
      expect(isFengkongError(error) && error.code).toBe('FK_CSV_HEADER');
    }
    const badClass = source.replace(',"good"\n', ',"maybe"\n');
    expect(() => generateApplications({ rows: 10, source: badClass })).toThrow(expect.objectContaining({ code: 'FK_CSV_RECORD' }));
  });
});
