// Reads a CSV file one physical line at a time and parses each line on its own with csv-parse. A record
// may not span lines (a quoted newline is a reject), so a broken line — an unterminated quote, a wrong
// field count, garbage — is rejected by its line number and reading resumes at the next line. Mixed CRLF
// and LF endings are both accepted, line by line. The file is streamed, never loaded whole.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { ErrorCode, FengkongError } from '../errors.js';
import { columnNames, numericColumns, requiredColumns, type ColumnName } from '../schema/event.js';

export interface PhysicalLine {
  /** 1-based line number in the file. */
  readonly number: number;
  readonly text: string;
  /** Bytes of the file consumed so far (for progress). */
  readonly bytesRead: number;
}

/** Yields every physical line but a final empty one after the last newline. */
export async function* readLines(path: string): AsyncGenerator<PhysicalLine> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
  let pending = '';
  let number = 0;
  let bytesRead = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      bytesRead = stream.bytesRead;
      pending += chunk;
      let start = 0;
      let newline = pending.indexOf('\n', start);
      while (newline >= 0) {
        number += 1;
        yield { number, text: stripCarriageReturn(pending.slice(start, newline)), bytesRead };
        start = newline + 1;
        newline = pending.indexOf('\n', start);
      }
      pending = pending.slice(start);
    }
  } catch (cause) {
    if (cause instanceof FengkongError) throw cause;
    throw new FengkongError(ErrorCode.FILE_READ, `${path}: cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause,
    });
  }
  if (pending.length > 0) yield { number: number + 1, text: stripCarriageReturn(pending), bytesRead };
}

function stripCarriageReturn(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** Parses one line into its fields, or explains why it cannot be. */
export function parseLine(text: string): { fields: string[] } | { error: string } {
  try {
    const records = parse(text, { relax_column_count: true, skip_empty_lines: false, bom: false }) as string[][];
    if (records.length !== 1) return { error: `expected one record on the line, found ${records.length}` };
    return { fields: records[0]! };
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'CSV_QUOTE_NOT_CLOSED') return { error: 'unterminated quote (a field cannot span lines)' };
    return { error: `malformed CSV (${code ?? 'parse error'})` };
  }
}

export interface HeaderLayout {
  /** Column name of each field position. */
  readonly names: readonly ColumnName[];
}

/** Checks the header once: a missing, renamed or unknown column is one clear error, not a reject per row. */
export function checkHeader(path: string, text: string): HeaderLayout {
  const parsed = parseLine(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if ('error' in parsed) throw new FengkongError(ErrorCode.CSV_HEADER, `${path}: line 1 (header): ${parsed.error}`);
  const header = parsed.fields.map((field) => field.trim());
  const known = new Set<string>(columnNames);
  const unknown = header.filter((name) => !known.has(name));
  const missing = requiredColumns.filter((name) => !header.includes(name));
  const duplicated = header.filter((name, index) => header.indexOf(name) !== index);
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing column(s) ${missing.join(', ')}`);
  if (unknown.length > 0) problems.push(`unknown column(s) ${unknown.map((name) => JSON.stringify(name.slice(0, 40))).join(', ')}`);
  if (duplicated.length > 0) problems.push(`duplicated column(s) ${[...new Set(duplicated)].join(', ')}`);
  if (problems.length > 0) throw new FengkongError(ErrorCode.CSV_HEADER, `${path}: header: ${problems.join('; ')}`);
  return { names: header as ColumnName[] };
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Turns a record's fields into an event object for validation: an empty field is a missing value
 * (null), a numeric column holding a well-formed number becomes that number, anything else stays a
 * string so that validation names the field ("expected number, received string").
 */
export function recordToEvent(layout: HeaderLayout, fields: readonly string[]): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (let index = 0; index < layout.names.length; index += 1) {
    const name = layout.names[index]!;
    const raw = fields[index]!;
    if (raw === '') event[name] = null;
    else if (numericColumns.has(name)) event[name] = NUMBER.test(raw) ? Number(raw) : raw;
    else event[name] = raw;
  }
  return event;
}
