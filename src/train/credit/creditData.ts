// Reading a labelled CSV for the credit model, and encoding its rows. Reading settles once what each
// column is (numeric or categorical), which rows count (a target present, genuine applications only),
// which columns may be inputs and why the others may not, which shipped derived features the columns
// allow, and the time order. Encoding fits the manifest's inputs on training rows only.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ErrorCode, FengkongError } from '../../errors.js';
import { shippedPaths } from '../../engine/paths.js';
import { loadDerivedFeatures } from '../../features/derived.js';
import type { CreditInput } from '../../schema/creditManifest.js';
import { shippedDataModel } from '../../features/dataModel.js';
import { NUMBER_TEXT } from '../../batch/csvRecords.js';
import { creditTableByModel } from './modelTable.js';
import {
  requireBinaryTarget,
  ROLE_EXCLUSIONS,
  type CreditRecord,
  type CreditSource,
  type CreditTable,
  type CreditTableOptions,
  type DroppedRows,
  type Exclusion,
} from './creditTable.js';

export type * from './creditTable.js';
import { readFileBytes } from '../../schema/jsonFile.js';
import { encodeRecord } from '../../stages/credit/encode.js';

/** A decimal number as a CSV writes it: the same test decides a value's type when the model serves a CSV. */
const numberPattern = NUMBER_TEXT;
/** What the manifest accepts as an input's source. */
const sourceNamePattern = /^[A-Za-z][A-Za-z0-9_]*$/;
/** A category level rarer than this in the training rows gets no input of its own: too few rows to learn from. */
export const minimumLevelCount = 10;

const pricingReason =
  "Lending Club's own pricing of the loan: the output of an earlier credit model, not an input a lender has before it decides";

/** Never inputs, in whatever file they appear. */
export const alwaysExcluded: ReadonlyMap<string, string> = new Map([
  ['int_rate', pricingReason],
  ['sub_grade', pricingReason],
  ['addr_state', 'state of residence: geography, not credit information (the reference models leave it out too)'],
  ['ip_region', 'application metadata (where the request came from), not credit information'],
  ['channel', 'application metadata (how the application arrived), not credit information'],
]);

/**
 * Bureau facts whose rise may never raise the score: more delinquencies or inquiries never make an
 * applicant look safer (the network is constrained accordingly), whatever a sample of funded loans says.
 */
export const riskIncreasingSources: ReadonlySet<string> = new Set([
  'delinq_2yrs',
  'acc_now_delinq',
  'delinq_amnt',
  'any_delinquency',
  'inq_last_6mths',
  'inq_last_12m',
  'inq_fi',
]);

/** Derived features that move both ways with a risk-increasing fact cannot be inputs under that constraint. */
const notMonotone: ReadonlyMap<string, string> = new Map([
  ['inquiries_recent_share', 'falls as inquiries in the last 12 months rise: it would let more inquiries raise the score'],
]);

/** Indices of the numeric inputs read from a risk-increasing source. */
export function riskIncreasingInputs(inputs: ReadonlyArray<{ readonly kind: string; readonly source: string }>): number[] {
  return inputs.flatMap((input, index) => (input.kind === 'numeric' && riskIncreasingSources.has(input.source) ? [index] : []));
}

const fraudLabel = 'is_fraud';
const fraudReason = 'the fraud label, never an input; rows with is_fraud = 1 are dropped so the model learns from genuine applications';
const timeColumn = 'applied_at';

export function readCreditTable(options: CreditTableOptions): CreditTable {
  const { inputPath, target, positive } = options;
  const bytes = readFileBytes(inputPath);
  const sourceName = basename(inputPath);
  const { header, rows: allRows } = parseCsv(inputPath, bytes);
  if (options.dataModel !== undefined) return creditTableByModel({ ...options, dataModel: options.dataModel }, bytes, header, allRows);
  const inHeader = new Set(header);
  if (!inHeader.has(target)) throw new FengkongError(ErrorCode.CSV_HEADER, `${sourceName}: there is no target column "${target}"`);

  const applicationModel = shippedDataModel();
  const derivedFile = loadDerivedFeatures(shippedPaths.derivedFeatures, applicationModel);
  const derivedNames = new Set(derivedFile.compiled.names);
  for (const [option, names] of [
    ['categorical', options.categorical ?? []],
    ['exclude', options.exclude ?? []],
  ] as const) {
    for (const name of names) {
      if (!inHeader.has(name) && !(option === 'exclude' && derivedNames.has(name))) {
        throw new FengkongError(ErrorCode.CONFIG_INVALID, `${sourceName}: ${option} names "${name}", which is not a column of the file`);
      }
    }
  }

  const dropped: DroppedRows[] = [];
  let rows = allRows.filter((row) => (row[target] ?? '') !== '');
  if (rows.length < allRows.length) dropped.push({ rows: allRows.length - rows.length, why: `the target ${target} is empty` });
  const targetValues = new Set(rows.map((row) => row[target]!));
  requireBinaryTarget(sourceName, target, targetValues, positive);
  if (inHeader.has(fraudLabel)) {
    const genuine = rows.filter((row) => !isOne(row[fraudLabel] ?? ''));
    if (genuine.length < rows.length) {
      dropped.push({ rows: rows.length - genuine.length, why: 'is_fraud = 1: the credit model learns from genuine applications' });
    }
    rows = genuine;
  }

  const layout = applicationModel.requiredColumns.every((name) => inHeader.has(name)) ? 'application' : 'generic';
  const excluded: Exclusion[] = [];
  const userExcluded = new Set(options.exclude ?? []);
  const forcedCategorical = new Set(options.categorical ?? []);
  const columnSources: CreditSource[] = [];
  for (const column of header) {
    if (column === target) continue;
    const why = exclusionReason(column, layout, userExcluded);
    if (why !== null) {
      excluded.push({ column, why });
      continue;
    }
    const values = rows.map((row) => row[column] ?? '');
    if (values.every((value) => value === '')) {
      excluded.push({ column, why: 'every value is empty' });
      continue;
    }
    const numeric = !forcedCategorical.has(column) && values.every((value) => value === '' || isFiniteNumber(value));
    columnSources.push({ name: column, kind: numeric ? 'numeric' : 'categorical', derived: false });
  }

  const records = rows.map((row) => {
    const record: CreditRecord = {};
    for (const source of columnSources) {
      const text = row[source.name] ?? '';
      record[source.name] = text === '' ? null : source.kind === 'numeric' ? Number(text) : text;
    }
    return record;
  });

  const derived = chooseDerivedFeatures(derivedFile.compiled.features, columnSources, header, userExcluded, excluded);
  if (derived.length > 0) {
    const numericColumns = new Set(columnSources.filter((source) => source.kind === 'numeric').map((source) => source.name));
    const eventInputs = derivedFile.compiled.eventInputs;
    for (const record of records) {
      // Only numbers reach the expressions; a column the file lacks is missing, as it is when serving.
      const event: Record<string, number | null> = {};
      for (const column of eventInputs) event[column] = numericColumns.has(column) ? (record[column] as number | null) : null;
      const values = derivedFile.compiled.compute(event);
      for (const name of derived) record[name] = values[name] ?? null;
    }
  }

  const labels = Uint8Array.from(rows, (row) => (row[target] === positive ? 1 : 0));
  const times = rows.map((row) => row[timeColumn] ?? '');
  const order = inHeader.has(timeColumn) ? timeOrder(sourceName, times) : null;
  const reorder = <T>(values: readonly T[]): T[] => (order === null ? [...values] : Array.from(order, (index) => values[index]!));
  return {
    sourceName,
    dataSha256: createHash('sha256').update(bytes).digest('hex'),
    header,
    layout,
    sources: [...columnSources, ...derived.map((name) => ({ name, kind: 'numeric' as const, derived: true }))],
    derivedFeaturesSha256: derived.length > 0 ? derivedFile.sha256 : null,
    excluded,
    dropped,
    records: reorder(records),
    labels: order === null ? labels : Uint8Array.from(order, (index) => labels[index]!),
    timeOrdered: order !== null,
    times: reorder(times),
  };
}

/** What the manifest says of missing values: exactly what fitCreditEncoding and encodeRecord do. */
export const missingValuePolicy =
  `Numeric columns: an empty field (null or absent when scoring) becomes the training mean, then every value is standardised by the training mean and population standard deviation (scale 1 for a constant column). ` +
  `Derived features: missing when any input is missing or the result is not a finite number (division by zero), then treated as a numeric column. ` +
  `Categorical columns: one-hot over the levels seen at least ${minimumLevelCount} times in the training rows, an empty field being a level of its own ('') when it is one of those; ` +
  `any other level, and an empty field otherwise, sets every input of the column to 0. All of it is fitted on the training rows only.`;

/** The fitted inputs, and the input vector attributions are measured from. */
export interface CreditEncoding {
  readonly inputs: CreditInput[];
  /** 0 for every numeric input (the training mean, standardised); each one-hot column's training mode set to 1. */
  readonly baseline: number[];
  /** Candidate columns that yield no input on these rows, and why. */
  readonly unused: Exclusion[];
}

/**
 * Fits the encoders on the rows `rows` (indices into the table) only. Numeric: missing becomes the
 * training mean, then (value − mean) / population sd, scale 1 for a constant column. Categorical: one
 * input per level seen at least `minimumLevelCount` times ('' for missing is a level like any other);
 * rarer levels set every input of the column to 0.
 */
export function fitCreditEncoding(table: Pick<CreditTable, 'sources' | 'records'>, rows: ArrayLike<number>): CreditEncoding {
  const inputs: CreditInput[] = [];
  const baseline: number[] = [];
  const unused: Exclusion[] = [];
  for (const source of table.sources) {
    const values = Array.from(rows, (row) => table.records[row]![source.name] ?? null);
    if (source.kind === 'numeric') {
      const observed = values.filter((value): value is number => typeof value === 'number');
      if (observed.length === 0) {
        unused.push({ column: source.name, why: 'no value in the training rows' });
        continue;
      }
      const first = observed[0]!;
      if (observed.every((value) => value === first)) {
        inputs.push({ kind: 'numeric', name: source.name, source: source.name, mean: first, scale: 1, fill: first });
      } else {
        let sum = 0;
        for (const value of observed) sum += value;
        const mean = sum / observed.length;
        // Filled values sit at the mean and add nothing to the squares, but count in the denominator.
        let squares = 0;
        for (const value of observed) squares += (value - mean) ** 2;
        const sd = Math.sqrt(squares / values.length);
        inputs.push({ kind: 'numeric', name: source.name, source: source.name, mean, scale: sd > 0 ? sd : 1, fill: mean });
      }
      baseline.push(0);
      continue;
    }
    const counts = new Map<string, number>();
    for (const value of values) {
      const level = value === null ? '' : String(value);
      counts.set(level, (counts.get(level) ?? 0) + 1);
    }
    const levels = [...counts.keys()].filter((level) => counts.get(level)! >= minimumLevelCount).sort(compareText);
    if (levels.length === 0) {
      unused.push({ column: source.name, why: `no value seen ${minimumLevelCount} times in the training rows` });
      continue;
    }
    // The most frequent level is always kept: it is at least as common as any kept level.
    const mode = levels.reduce((best, level) => (counts.get(level)! > counts.get(best)! ? level : best));
    for (const level of levels) {
      inputs.push({ kind: 'category', name: `${source.name}=${level === '' ? '(missing)' : level}`, source: source.name, level });
      baseline.push(level === mode ? 1 : 0);
    }
  }
  return { inputs, baseline, unused };
}

/** The rows `rows` encoded by `inputs`, row-major: rows.length × inputs.length. */
export function encodeRows(inputs: readonly CreditInput[], records: readonly CreditRecord[], rows: ArrayLike<number>): Float32Array {
  const width = inputs.length;
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) encodeRecord(inputs, records[rows[i]!]!, out, i * width);
  return out;
}

/** Views of each row of a row-major matrix, for trainers that take one array per row. */
export function rowViews(matrix: Float32Array, width: number): Float32Array[] {
  return Array.from({ length: matrix.length / width }, (_, i) => matrix.subarray(i * width, (i + 1) * width));
}

export function labelsAt(labels: Uint8Array, rows: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(Array.from(rows, (row) => labels[row]!));
}

function parseCsv(path: string, bytes: Uint8Array): { header: string[]; rows: Record<string, string>[] } {
  const sourceName = basename(path);
  let header: string[] = [];
  let rows: Record<string, string>[];
  try {
    rows = parse(bytes, {
      bom: true,
      skip_empty_lines: true,
      columns: (names: string[]) => {
        header = names.map(String);
        return header;
      },
    }) as Record<string, string>[];
  } catch (cause) {
    const line = (cause as { lines?: number }).lines;
    throw new FengkongError(
      ErrorCode.CSV_RECORD,
      `${sourceName}: not a CSV this reader can parse${line === undefined ? '' : ` (line ${line})`}`,
      {
        cause,
      },
    );
  }
  if (header.length === 0) throw new FengkongError(ErrorCode.CSV_HEADER, `${sourceName}: the file is empty (no header)`);
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new FengkongError(ErrorCode.CSV_HEADER, `${sourceName}: the header names column "${name}" twice`);
    seen.add(name);
  }
  return { header, rows };
}

function exclusionReason(column: string, layout: 'application' | 'generic', userExcluded: ReadonlySet<string>): string | null {
  if (column === fraudLabel) return fraudReason;
  const always = alwaysExcluded.get(column);
  if (always !== undefined) return always;
  if (layout === 'application') {
    const field = shippedDataModel().field(column);
    if (field === undefined) return 'not a column of the application schema';
    const role = field.role;
    if (role !== 'feature') return ROLE_EXCLUSIONS[role];
  }
  if (!sourceNamePattern.test(column))
    return 'the name is not letters, digits and underscores starting with a letter, as the manifest requires';
  if (userExcluded.has(column)) return 'excluded by the caller';
  return null;
}

/**
 * The shipped derived features whose every event input (read directly or through an earlier feature) is
 * a numeric candidate column of this file. A feature that would read an excluded column is left out and
 * recorded; one whose inputs the file lacks is simply not applicable.
 */
function chooseDerivedFeatures(
  features: ReadonlyArray<{ readonly name: string; readonly inputs: readonly string[] }>,
  columnSources: readonly CreditSource[],
  header: readonly string[],
  userExcluded: ReadonlySet<string>,
  excluded: Exclusion[],
): string[] {
  const numeric = new Set(columnSources.filter((source) => source.kind === 'numeric').map((source) => source.name));
  const inHeader = new Set(header);
  const eventInputsOf = new Map<string, Set<string>>();
  const chosen: string[] = [];
  for (const feature of features) {
    const eventInputs = new Set<string>();
    for (const input of feature.inputs) {
      const earlier = eventInputsOf.get(input);
      if (earlier === undefined) eventInputs.add(input);
      else for (const column of earlier) eventInputs.add(column);
    }
    eventInputsOf.set(feature.name, eventInputs);
    const inputs = [...eventInputs];
    if (!inputs.every((column) => inHeader.has(column))) continue;
    if (inHeader.has(feature.name)) {
      excluded.push({ column: feature.name, why: 'derived feature not computed: the file has a column of the same name' });
    } else if (userExcluded.has(feature.name)) {
      excluded.push({ column: feature.name, why: 'excluded by the caller' });
    } else if (notMonotone.has(feature.name)) {
      excluded.push({ column: feature.name, why: notMonotone.get(feature.name)! });
    } else {
      const missing = inputs.find((column) => !numeric.has(column));
      if (missing === undefined) chosen.push(feature.name);
      else excluded.push({ column: feature.name, why: `derived feature not computed: it reads ${missing}, which is not a numeric input` });
    }
  }
  return chosen;
}

/** Row indices sorted by applied_at, ties in file order (a stable sort). */
function timeOrder(sourceName: string, times: readonly string[]): Uint32Array {
  const instants = times.map((text, row) => {
    const instant = Date.parse(text);
    if (!Number.isFinite(instant)) {
      throw new FengkongError(ErrorCode.CSV_RECORD, `${sourceName}: kept row ${row + 1} has an ${timeColumn} that is not a date and time`);
    }
    return instant;
  });
  return Uint32Array.from(times.keys()).sort((a, b) => instants[a]! - instants[b]! || a - b);
}

function isFiniteNumber(text: string): boolean {
  return numberPattern.test(text) && Number.isFinite(Number(text));
}

function isOne(text: string): boolean {
  return isFiniteNumber(text) && Number(text) === 1;
}

/** Code-point order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
