// Drafts a data model from a CSV for a person to review: each column's type (numbers, integers,
// booleans, timestamps, emails, IPs, phones, enums for few distinct values, strings), whether it has
// missing values, a guessed id and time field, the target as the label, identifiers by type and name,
// and protected attributes by name. Every guess comes back as a note, so the user knows what to check.
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { NUMBER_TEXT } from '../batch/csvRecords.js';
import { ErrorCode, FengkongError } from '../errors.js';
import { compileDataModel } from '../features/dataModel.js';
import {
  DATA_MODEL_FORMAT,
  DATA_MODEL_LIMITS,
  Field,
  type DataModelFile,
  type DataModelFileInput,
  type FieldInput,
} from '../schema/dataModel.js';
import { readFileBytes } from '../schema/jsonFile.js';
import { fieldValueSchema, isCountryCode, isCurrencyCode } from '../schema/event.js';

/** Cells read as missing: what R, pandas and spreadsheets write for a missing value. */
export const MISSING_CELLS = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'] as const;
/** A text column with at most this many distinct values, each seen twice on average, is an enum. */
const MAX_ENUM_VALUES = 30;

const INTEGER = /^[-+]?\d+$/;
const BOOLEAN = /^(true|false|TRUE|FALSE|True|False)$/;
const PROTECTED_NAME = /(^|_)(age|sex|gender|race|ethnic\w*|marital|religion|national\w*|birth\w*|disab\w*|pregnan\w*)($|_)/i;
const ID_NAME = /(^id$|_id$|Id$|^ID$)/;

export interface InferredDataModel {
  readonly model: DataModelFile;
  /** One line per guess a person should check. */
  readonly notes: readonly string[];
}

export interface InferOptions {
  readonly target?: string;
  /** The data model's name (default: from the file name). */
  readonly name?: string;
}

export function inferDataModel(path: string, options: InferOptions = {}): InferredDataModel {
  const sourceName = basename(path);
  const bytes = readFileBytes(path);
  let rows: string[][];
  try {
    rows = parse(bytes, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (cause) {
    throw new FengkongError(ErrorCode.CSV_RECORD, `${sourceName}: not a CSV this reader can parse`, { cause });
  }
  const [header, ...data] = rows;
  if (header === undefined || data.length === 0)
    throw new FengkongError(ErrorCode.CSV_HEADER, `${sourceName}: no header and rows to infer from`);
  if (header.length > DATA_MODEL_LIMITS.fields) {
    throw new FengkongError(
      ErrorCode.CSV_HEADER,
      `${sourceName}: ${header.length} columns, more than the ${DATA_MODEL_LIMITS.fields} a data model holds`,
    );
  }
  if (options.target !== undefined && !header.includes(options.target)) {
    throw new FengkongError(ErrorCode.CSV_HEADER, `${sourceName}: there is no target column "${options.target}"`);
  }
  const notes: string[] = [];
  const missingSeen = new Set<string>();
  const fields: FieldInput[] = header.map((name, column) => {
    const cells = data.map((row) => row[column] ?? '');
    const present = cells.filter((cell) => !(MISSING_CELLS as readonly string[]).includes(cell));
    for (const cell of cells) if (cell !== '' && (MISSING_CELLS as readonly string[]).includes(cell)) missingSeen.add(cell);
    const field = inferField(validName(name, sourceName), present, cells.length);
    if (name === options.target) {
      notes.push(`${name}: the target, role label (${describeType(field)})`);
      return { ...field, role: 'label', missing: 'nullable' };
    }
    notes.push(
      `${name}: ${describeType(field)}${present.length < cells.length ? `, ${cells.length - present.length} missing` : ', never missing'}`,
    );
    return field;
  });

  const idField = fields.find(
    (field) =>
      ID_NAME.test(field.name) &&
      (field.type === 'string' || field.type === 'integer') &&
      distinctCount(data, header.indexOf(field.name)) === data.length,
  );
  if (idField !== undefined) {
    idField.role = 'id';
    idField.missing = 'required';
    notes.push(`${idField.name}: guessed the id field (named like one, every value distinct)`);
  } else notes.push('no id field guessed: an event is named by its input hash (identical rows are one application)');
  const timeField = fields.find((field) => field.type === 'timestamp');
  if (timeField !== undefined) {
    timeField.role = 'time';
    timeField.missing = 'required';
    notes.push(`${timeField.name}: guessed the time field (the first timestamp column)`);
  } else notes.push('no time field: no aggregates, and training needs --split random --seed S or --split file-order');
  for (const field of fields) {
    if (field.role !== undefined && field.role !== 'feature') continue;
    if (field.type === 'email' || field.type === 'phone' || field.type === 'ipv4' || (ID_NAME.test(field.name) && field !== idField)) {
      field.role = 'identifier';
      notes.push(`${field.name}: an identifier (salted-hashed; never a feature)`);
    } else if (PROTECTED_NAME.test(field.name)) {
      field.protected = true;
      notes.push(`${field.name}: PROTECTED by its name: no rule or model reads it unless you state why (protectedUse)`);
    }
  }
  const missingValues = ['', ...[...missingSeen].sort()];
  if (missingSeen.size > 0) notes.push(`cells read as missing: ${missingValues.map((cell) => JSON.stringify(cell)).join(', ')}`);
  notes.push('descriptions are the column names: write what each field means, in the words reasons should use');

  const name =
    options.name ??
    (basename(path)
      .replace(/\.[^.]*$/, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') ||
      'my-data');
  const draft: DataModelFileInput = {
    format: DATA_MODEL_FORMAT,
    version: 1,
    name: /^[a-z]/.test(name) ? name.slice(0, 64) : `data-${name}`.slice(0, 64),
    description: `Drafted from ${sourceName} (${data.length} rows): review every field before use.`,
    extra: 'refuse',
    ...(missingSeen.size > 0 ? { missingValues } : {}),
    fields,
    aggregates: [],
    signals: [],
  };
  // The draft must be a data model the engine loads.
  return { model: compileDataModel(draft, sourceName).file, notes };
}

function inferField(name: string, present: readonly string[], rows: number): FieldInput & { role?: FieldInput['role'] } {
  const missing = present.length < rows ? 'nullable' : 'required';
  const base = { name, description: name, missing } as const;
  if (present.length === 0) return { ...base, type: 'string', missing: 'nullable' };
  const all = (pattern: RegExp) => present.every((cell) => pattern.test(cell));
  if (all(INTEGER) && present.every((cell) => Number.isSafeInteger(Number(cell)))) return { ...base, type: 'integer', ...bounds(present) };
  if (all(NUMBER_TEXT) && present.every((cell) => Number.isFinite(Number(cell)))) return { ...base, type: 'number', ...bounds(present) };
  if (all(BOOLEAN)) return { ...base, type: 'boolean' };
  // A text type is guessed only when the engine's own validator of that type accepts every cell.
  for (const type of ['timestamp', 'email', 'ipv4', 'ipv6', 'phone'] as const) {
    const schema = fieldValueSchema(Field.parse({ name, type }));
    if (present.every((cell) => schema.safeParse(cell).success)) return { ...base, type };
  }
  const counts = new Map<string, number>();
  for (const cell of present) counts.set(cell, (counts.get(cell) ?? 0) + 1);
  if (counts.size <= MAX_ENUM_VALUES && present.length >= 2 * counts.size && [...counts.keys()].every((value) => value.length <= 128)) {
    if ([...counts.keys()].every(isCountryCode) && counts.size > 3) return { ...base, type: 'country' };
    if ([...counts.keys()].every(isCurrencyCode) && counts.size > 1) return { ...base, type: 'currency' };
    const values = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1));
    return { ...base, type: 'enum', values };
  }
  const longest = Math.max(...present.map((cell) => cell.length));
  return {
    ...base,
    type: 'string',
    maxLength: Math.min(DATA_MODEL_LIMITS.stringLength, Math.max(16, 2 ** Math.ceil(Math.log2(longest + 1)))),
  };
}

/** No bounds but the sign: a negative value in the file says negatives are allowed, none says they are not. */
function bounds(present: readonly string[]): { min?: number } {
  return present.every((cell) => Number(cell) >= 0) ? { min: 0 } : {};
}

function describeType(field: FieldInput): string {
  if (field.type === 'enum')
    return `enum of ${field.values!.length} value(s): ${field.values!.slice(0, 6).join(', ')}${field.values!.length > 6 ? ', ...' : ''}`;
  return field.type + (field.min === 0 ? ' ≥ 0' : '');
}

function distinctCount(rows: readonly string[][], column: number): number {
  return new Set(rows.map((row) => row[column])).size;
}

function validName(name: string, sourceName: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
    throw new FengkongError(
      ErrorCode.CSV_HEADER,
      `${sourceName}: column "${name.slice(0, 64)}" is not a field name (letters, digits and _, starting with a letter or _): rename it in the file`,
    );
  }
  return name;
}
