// A hand-written parser for one physical CSV line, the hot path of batch scoring. It returns exactly what
// csv-parse 7 returns (through parseLine in csvRecords.ts) with the options parseLine passes —
// `relax_column_count: true, skip_empty_lines: false, bom: false`, every other option at its default —
// for every string, fields and error messages alike; test/batch/csvLine.test.ts holds it to that.
//
// The rules, as csv-parse applies them with those options (lib/api/index.js):
// - Comma delimiter, `"` quote, `"` escape: `""` inside a quoted field is one `"`.
// - A quote opens a quoted field only as the field's first character; a quote anywhere else in an
//   unquoted field is INVALID_OPENING_QUOTE (`relax_quotes` defaults to false). No trimming (`trim`,
//   `ltrim`, `rtrim` default to false): ` "a"` and `"a" ` are errors, not the field `a`.
// - A closing quote must be followed by the end of the text, a comma, the record delimiter — or a NUL
//   character (see closesQuote); anything else is CSV_INVALID_CLOSING_QUOTE. The end of the text inside
//   quotes is CSV_QUOTE_NOT_CLOSED.
// - `record_delimiter` is not set, so csv-parse takes the first `\r\n`, `\n` or `\r` it meets outside
//   quotes as the record delimiter, and from then on only that sequence ends a record. A `\r` inside
//   quotes is data, a `\r` at the very end ends the one record (`a\r` is the field `a`), and `\r` in the
//   middle starts a second record, which parseLine rejects. readLines never passes a `\n`; it is handled
//   all the same, so that the equality holds for every string.
// - An empty text is no record at all; `skip_empty_lines: false` keeps `\r` alone as one empty record.
// - csv-parse parses the UTF-8 bytes of the text (`Buffer.from(text)`), which turns every lone surrogate
//   into U+FFFD: so does this parser, before anything else.
// - `bom: false`: a leading U+FEFF is data, so `\uFEFF"a"` has a quote after a character.

/** A parsed line: its fields, or why it cannot be parsed. */
export type ParsedLine = { fields: string[] } | { error: string };

export const UNTERMINATED_QUOTE = 'unterminated quote (a field cannot span lines)';
export const BARE_CARRIAGE_RETURN = 'bare carriage return inside the line (lines must end with LF or CRLF)';

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

/** The record delimiter csv-parse has discovered so far. */
const UNDISCOVERED = 0;
const CRLF = 1;
const LF_ONLY = 2;
const CR_ONLY = 3;
type RecordDelimiter = typeof UNDISCOVERED | typeof CRLF | typeof LF_ONLY | typeof CR_ONLY;

/** String.prototype.isWellFormed and toWellFormed: ES2024, in Node 20, outside the project's ES2022 lib. */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** The text as csv-parse sees it once encoded to UTF-8: each lone surrogate replaced by U+FFFD. */
function wellFormed(text: string): string {
  const checked = text as unknown as WellFormed;
  return checked.isWellFormed() ? text : checked.toWellFormed();
}

/** Parses one line (its line ending removed) into its fields, or explains why it cannot be. */
export function parseCsvLine(line: string): ParsedLine {
  const text = wellFormed(line);
  // Without a quote or a line-break character, a line is one record whose fields are what lies between
  // commas; V8 splits natively. The empty line is the exception: csv-parse finds no record in it.
  if (text.indexOf('"') === -1 && text.indexOf('\r') === -1 && text.indexOf('\n') === -1) {
    return text.length === 0 ? recordCountError(text, 0) : { fields: text.split(',') };
  }
  return parseByCharacter(text);
}

/** The general case, for a non-empty text holding a quote, a `\r` or a `\n`. */
function parseByCharacter(text: string): ParsedLine {
  const length = text.length;
  const fields: string[] = [];
  let recordDelimiter: RecordDelimiter = UNDISCOVERED;
  let records = 0;
  let position = 0;
  for (;;) {
    // A field starts at `position`: a quoted part first, if the field opens with a quote.
    let value = '';
    let unquotedFrom = position;
    if (position < length && text.charCodeAt(position) === QUOTE) {
      let from = position + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) return rejected('CSV_QUOTE_NOT_CLOSED', text);
        const next = quote + 1 < length ? text.charCodeAt(quote + 1) : -1;
        if (next === QUOTE) {
          value += text.slice(from, quote + 1);
          from = quote + 2;
          continue;
        }
        if (recordDelimiter === UNDISCOVERED) recordDelimiter = discoverRecordDelimiter(text, quote + 1);
        if (!closesQuote(text, quote + 1, next, recordDelimiter)) return rejected('CSV_INVALID_CLOSING_QUOTE', text);
        value += text.slice(from, quote);
        unquotedFrom = quote + 1;
        break;
      }
    }
    // Then the unquoted part, up to a comma, the record delimiter or the end. After a closing quote it is
    // empty, or it follows a NUL character, which a quote cannot follow (see closesQuote).
    let end = unquotedFrom;
    let delimiterLength = 0;
    for (; end < length; end += 1) {
      const code = text.charCodeAt(end);
      if (code === COMMA) break;
      // Any quote met here follows a character of the field: INVALID_OPENING_QUOTE (relax_quotes false).
      if (code === QUOTE) return rejected('INVALID_OPENING_QUOTE', text);
      if (code === CR || code === LF) {
        if (recordDelimiter === UNDISCOVERED) recordDelimiter = discoverRecordDelimiter(text, end);
        delimiterLength = recordDelimiterLength(text, end, recordDelimiter);
        if (delimiterLength > 0) break;
      }
    }
    // Only the first record's fields are kept; later ones are parsed for their errors and counted.
    if (records === 0) fields.push(unquotedFrom === position ? text.slice(position, end) : value + text.slice(unquotedFrom, end));
    if (end === length) {
      records += 1;
      break;
    }
    if (delimiterLength === 0) {
      position = end + 1; // after a comma; a comma at the end is followed by an empty field
      continue;
    }
    records += 1;
    position = end + delimiterLength;
    // A record delimiter at the very end opens no record: csv-parse emits a last record only when it has
    // a field, a character or a quoted field.
    if (position === length) break;
  }
  return records === 1 ? { fields } : recordCountError(text, records);
}

/**
 * Whether a quote followed by `next` (the code at `at`, -1 at the end) closes its quoted field rather than
 * being an error. Besides the end, a comma and the record delimiter, csv-parse closes a quote before a NUL
 * character: it tests the next byte with `!nextChr`, true for the byte 0. The NUL then starts an unquoted
 * continuation of the same field (`"a"\0b` is the field `a\0b`).
 */
function closesQuote(text: string, at: number, next: number, recordDelimiter: RecordDelimiter): boolean {
  return next === -1 || next === NUL || next === COMMA || recordDelimiterLength(text, at, recordDelimiter) > 0;
}

/** csv-parse's discovery order: `\r\n`, then `\n`, then `\r`, at the first line break outside quotes. */
function discoverRecordDelimiter(text: string, at: number): RecordDelimiter {
  const code = text.charCodeAt(at);
  if (code === CR) return text.charCodeAt(at + 1) === LF ? CRLF : CR_ONLY;
  return code === LF ? LF_ONLY : UNDISCOVERED;
}

/** Length of the record delimiter at `at`, 0 when there is none: once one kind is discovered, the others are data. */
function recordDelimiterLength(text: string, at: number, recordDelimiter: RecordDelimiter): number {
  const code = text.charCodeAt(at);
  if (recordDelimiter === CR_ONLY) return code === CR ? 1 : 0;
  if (recordDelimiter === LF_ONLY) return code === LF ? 1 : 0;
  if (recordDelimiter === CRLF) return code === CR && text.charCodeAt(at + 1) === LF ? 2 : 0;
  return 0;
}

/** parseLine's message for csv-parse's error `code`: a `\r` in the line is blamed before the code is. */
function rejected(code: string, text: string): ParsedLine {
  if (code === 'CSV_QUOTE_NOT_CLOSED') return { error: UNTERMINATED_QUOTE };
  if (text.includes('\r')) return { error: BARE_CARRIAGE_RETURN };
  return { error: `malformed CSV (${code})` };
}

/** parseLine's message when a line holds no record, or more than one. */
function recordCountError(text: string, records: number): ParsedLine {
  if (text.includes('\r')) return { error: BARE_CARRIAGE_RETURN };
  return { error: `expected one record on the line, found ${records}` };
}
