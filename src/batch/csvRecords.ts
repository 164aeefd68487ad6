// Reads a CSV file one physical line at a time and parses each line on its own (parseLine: the
// hand-written parser of csvLine.ts, proven equal to csv-parse, parseLineWithCsvParse). A record may
// not span lines (a quoted newline is a reject), so a broken line — an unterminated quote, a wrong
// field count, garbage — is rejected by its line number and reading resumes at the next line. Mixed CRLF
// and LF endings are both accepted, line by line. The file is streamed, never loaded whole.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { ErrorCode, FengkongError } from '../errors.js';
import { BARE_CARRIAGE_RETURN, parseCsvLine, UNTERMINATED_QUOTE, type ParsedLine } from './csvLine.js';
import { shippedDataModel, type DataModel } from '../features/dataModel.js';

export interface PhysicalLine {
  /** 1-based line number in the file. */
  readonly number: number;
  /** The line without its line ending; empty when the line was too long to keep. */
  readonly text: string;
  /** True when the line exceeded MAX_LINE_CHARS: its text was dropped as it streamed by. */
  readonly overlong: boolean;
  /** Bytes of the file consumed so far (for progress). */
  readonly bytesRead: number;
}

/** No application row comes near this; a longer line is rejected without being held in memory. */
export const MAX_LINE_CHARS = 1 << 20;

/** The input named `-` is standard input. */
export const STANDARD_STREAM = '-';

/**
 * The text of an input: a file, gunzipped when its name ends in .gz, or standard input for `-`; with
 * the bytes read so far from the file (compressed bytes for .gz, against the file's size).
 */
function openText(path: string): { text: AsyncIterable<string>; bytesRead: () => number } {
  if (path === STANDARD_STREAM) {
    let bytes = 0;
    process.stdin.setEncoding('utf8');
    const counted = async function* (): AsyncGenerator<string> {
      for await (const chunk of process.stdin as AsyncIterable<string>) {
        bytes += Buffer.byteLength(chunk);
        yield chunk;
      }
    };
    return { text: counted(), bytesRead: () => bytes };
  }
  const file = createReadStream(path, { highWaterMark: 1 << 16 });
  // pipeline destroys the gunzip stream when the file fails, so the error reaches the reader below.
  const decoded = /\.gz$/i.test(path) ? pipeline(file, createGunzip(), () => undefined) : file;
  decoded.setEncoding('utf8');
  return { text: decoded as AsyncIterable<string>, bytesRead: () => file.bytesRead };
}

/** Yields every physical line but a final empty one after the last newline. */
export async function* readLines(path: string): AsyncGenerator<PhysicalLine> {
  const input = openText(path);
  let pending = '';
  let overlong = false;
  let number = 0;
  let bytesRead = 0;
  try {
    for await (const chunk of input.text) {
      bytesRead = input.bytesRead();
      // Only the new chunk is scanned: re-scanning the pending text on every chunk is quadratic.
      let scanFrom = pending.length;
      pending += chunk;
      let start = 0;
      let newline = pending.indexOf('\n', scanFrom);
      while (newline >= 0) {
        number += 1;
        const text = overlong ? '' : stripCarriageReturn(pending.slice(start, newline));
        yield { number, text, overlong: overlong || text.length > MAX_LINE_CHARS, bytesRead };
        overlong = false;
        start = newline + 1;
        scanFrom = start;
        newline = pending.indexOf('\n', scanFrom);
      }
      pending = pending.slice(start);
      if (pending.length > MAX_LINE_CHARS) {
        overlong = true;
        pending = '';
      }
    }
  } catch (cause) {
    if (cause instanceof FengkongError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    const what = code.startsWith('Z_') ? `not a readable gzip file (${code})` : `cannot be read (${code})`;
    throw new FengkongError(ErrorCode.FILE_READ, `${path === STANDARD_STREAM ? 'standard input' : path}: ${what}`, { cause });
  }
  if (pending.length > 0 || overlong) yield { number: number + 1, text: overlong ? '' : stripCarriageReturn(pending), overlong, bytesRead };
}

function stripCarriageReturn(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** Parses one line into its fields, or explains why it cannot be (the same answer as parseLineWithCsvParse, faster). */
export const parseLine: (text: string) => ParsedLine = parseCsvLine;

/**
 * Parses one line with csv-parse: the reference parseLine is held to (test/batch/csvLine.test.ts,
 * bench/csv-line.mjs), at some 50 µs a line of applications.csv against under 1 µs.
 */
export function parseLineWithCsvParse(text: string): ParsedLine {
  try {
    const records = parse(text, { relax_column_count: true, skip_empty_lines: false, bom: false }) as string[][];
    if (records.length !== 1) {
      const why = text.includes('\r') ? BARE_CARRIAGE_RETURN : `expected one record on the line, found ${records.length}`;
      return { error: why };
    }
    return { fields: records[0]! };
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'CSV_QUOTE_NOT_CLOSED') return { error: UNTERMINATED_QUOTE };
    if (text.includes('\r')) return { error: BARE_CARRIAGE_RETURN };
    return { error: `malformed CSV (${code ?? 'parse error'})` };
  }
}

export interface HeaderLayout {
  /** Column name of each field position. */
  readonly names: readonly string[];
  /** How each position's text becomes a value: kept as text, read as a number, or as a boolean; skipped (an extra column the model ignores). */
  readonly kinds: ReadonlyArray<'text' | 'number' | 'boolean' | 'skip'>;
  /** Cells read as missing besides the empty one (the data model's missingValues). */
  readonly missing: ReadonlySet<string>;
}

/** Checks the header once: a missing, renamed or unknown column is one clear error, not a reject per row. */
export function checkHeader(path: string, text: string, model: DataModel = shippedDataModel()): HeaderLayout {
  const { fieldNames: columnNames, requiredColumns } = model;
  const parsed = parseLine(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if ('error' in parsed) throw new FengkongError(ErrorCode.CSV_HEADER, `${path}: line 1 (header): ${parsed.error}`);
  const header = parsed.fields.map((field) => field.trim());
  const known = new Set<string>(columnNames);
  const unknown = model.file.extra === 'ignore' ? [] : header.filter((name) => !known.has(name));
  const missing = requiredColumns.filter((name) => !header.includes(name));
  // Header text is input too: a file without a header has a data row here, identifiers included. Echo
  // only what looks like a column name, and only when the line looks like a header at all.
  if (missing.length > requiredColumns.length / 2) {
    const found = requiredColumns.length - missing.length;
    throw new FengkongError(
      ErrorCode.CSV_HEADER,
      `${path}: line 1 is not a header: ${found} of the ${requiredColumns.length} required columns found (is the header missing?)`,
    );
  }
  const duplicated = [...new Set(header.filter((name, index) => known.has(name) && header.indexOf(name) !== index))];
  const nameLike = unknown.filter((name) => /^[a-z][a-z0-9_]{0,40}$/.test(name));
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing column(s) ${missing.join(', ')}`);
  if (nameLike.length > 0) problems.push(`unknown column(s) ${nameLike.map((name) => JSON.stringify(name)).join(', ')}`);
  if (unknown.length > nameLike.length) problems.push(`${unknown.length - nameLike.length} other unrecognised field(s)`);
  if (duplicated.length > 0) problems.push(`duplicated column(s) ${duplicated.join(', ')}`);
  if (problems.length > 0) throw new FengkongError(ErrorCode.CSV_HEADER, `${path}: header: ${problems.join('; ')}`);
  const kinds = header.map((name) =>
    !known.has(name) ? 'skip' : model.numericFields.has(name) ? 'number' : model.booleanFields.has(name) ? 'boolean' : 'text',
  );
  return { names: header, kinds, missing: new Set(model.file.missingValues.filter((cell) => cell !== '')) };
}

/** A decimal number as a CSV writes it. */
export const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

const BOOLEAN: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  TRUE: true,
  FALSE: false,
  True: true,
  False: false,
  '1': true,
  '0': false,
};

/**
 * Turns a record's fields into an event object for validation: an empty field is a missing value
 * (null), a numeric column holding a well-formed number becomes that number, a boolean column's
 * true/false/1/0 that boolean, anything else stays a string so that validation names the field
 * ("expected number, received string"). Columns the data model ignores are left out.
 */
export function recordToEvent(layout: HeaderLayout, fields: readonly string[]): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (let index = 0; index < layout.names.length; index += 1) {
    const kind = layout.kinds[index]!;
    if (kind === 'skip') continue;
    const name = layout.names[index]!;
    const raw = fields[index]!;
    event[name] = raw === '' || (layout.missing.size > 0 && layout.missing.has(raw)) ? null : cellValue(raw, kind);
  }
  return event;
}

/** A present cell's text as its column's kind reads it: a well-formed number or boolean converted, anything else left as text. */
export function cellValue(raw: string, kind: HeaderLayout['kinds'][number]): unknown {
  if (kind === 'number') return NUMBER_TEXT.test(raw) ? Number(raw) : raw;
  if (kind === 'boolean') return BOOLEAN[raw] ?? raw;
  return raw;
}
