// The hand-written line parser against its reference, csv-parse itself (parseLineWithCsvParse, csvRecords.ts):
// the same fields or the same error message for random lines, for lines built valid and then broken,
// for every line of the shipped data files, and for the behaviours of csv-parse that surprise.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../src/batch/csvLine.js';
import { parseLineWithCsvParse } from '../../src/batch/csvRecords.js';

/** Characters that decide how a line parses, weighted well above the ones that do not. */
const hardCharacter = fc.oneof(
  { weight: 8, arbitrary: fc.constant(',') },
  { weight: 8, arbitrary: fc.constant('"') },
  { weight: 3, arbitrary: fc.constant('\r') },
  { weight: 1, arbitrary: fc.constant('\n') },
  { weight: 3, arbitrary: fc.constantFrom(' ', '\t', '\u00a0') },
  { weight: 1, arbitrary: fc.constant('\u0000') },
  { weight: 1, arbitrary: fc.constant('\uFEFF') },
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'Z', '0', '7', '.', '-', ';', "'") },
  { weight: 2, arbitrary: fc.constantFrom('é', '中', '\u2028', '😀', '𝄞') },
  { weight: 1, arbitrary: fc.constantFrom('\uD83D', '\uDE00') }, // lone surrogates: U+FFFD once encoded
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const randomLine = fc.string({ unit: hardCharacter, maxLength: 24 });

/** Field text without a character that would need quoting. */
const plainText = fc.string({ unit: fc.constantFrom('a', 'b', '1', ' ', '\t', '\u0000', '\uFEFF', 'é', '😀', ';', "'"), maxLength: 6 });
/** Field text for inside quotes: anything at all. */
const anyText = fc.string({ unit: fc.constantFrom('a', '1', ' ', ',', '"', '\r', '\n', '\u0000', '\uFEFF', '😀'), maxLength: 6 });
const field = fc.oneof(
  plainText.map((text) => ({ text, csv: text, quoted: false })),
  anyText.map((text) => ({ text, csv: `"${text.replaceAll('"', '""')}"`, quoted: true })),
);
/** A line built valid, with the fields it must parse to and where its closing quotes are. */
const validLine = fc.array(field, { minLength: 1, maxLength: 6 }).map((built) => {
  const line = built.map((f) => f.csv).join(',');
  const closingQuotes: number[] = [];
  let offset = 0;
  for (const f of built) {
    if (f.quoted) closingQuotes.push(offset + f.csv.length - 1);
    offset += f.csv.length + 1;
  }
  return { line, fields: built.map((f) => f.text), closingQuotes };
});

interface Mutation {
  kind: 'drop a quote' | 'insert a quote' | 'add a character after a closing quote' | 'insert a character' | 'add a record';
  /** Picks the place: a quote, a closing quote or any position, modulo their number. */
  at: number;
  character: string;
  /** The record added by 'add a record', after a CR (or an LF when `character` is one). */
  other: { line: string };
}
/** Ways to break a valid line. */
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('drop a quote', 'insert a quote', 'add a character after a closing quote', 'insert a character', 'add a record'),
  at: fc.nat(),
  character: hardCharacter,
  other: validLine,
});
function mutate({ line, closingQuotes }: { line: string; closingQuotes: number[] }, { kind, at, character, other }: Mutation): string {
  const anywhere = at % (line.length + 1);
  switch (kind) {
    case 'drop a quote': {
      const quotes = [...line.matchAll(/"/g)].map((match) => match.index);
      if (quotes.length === 0) return line;
      const quote = quotes[at % quotes.length]!;
      return line.slice(0, quote) + line.slice(quote + 1);
    }
    case 'insert a quote':
      return `${line.slice(0, anywhere)}"${line.slice(anywhere)}`;
    case 'add a character after a closing quote': {
      if (closingQuotes.length === 0) return line + character;
      const after = closingQuotes[at % closingQuotes.length]! + 1;
      return line.slice(0, after) + character + line.slice(after);
    }
    case 'insert a character':
      return line.slice(0, anywhere) + character + line.slice(anywhere);
    case 'add a record':
      return `${line}${character === '\n' ? '\n' : '\r'}${other.line}`;
  }
}
const brokenLine = fc.tuple(validLine, mutation).map(([valid, how]) => mutate(valid, how));

const sameAsCsvParse = (line: string) => {
  expect(parseCsvLine(line)).toEqual(parseLineWithCsvParse(line));
};

describe('parseCsvLine against csv-parse (parseLineWithCsvParse)', () => {
  it('agrees on 20,000 random lines of commas, quotes, carriage returns, spaces and unicode', () => {
    fc.assert(fc.property(randomLine, sameAsCsvParse), { numRuns: 20_000 });
  });

  it('parses lines built valid to the fields they were built from, as csv-parse does', () => {
    fc.assert(
      fc.property(validLine, ({ line, fields }) => {
        const expected = line === '' ? { error: 'expected one record on the line, found 0' } : { fields };
        expect(parseCsvLine(line)).toEqual(expected);
        expect(parseLineWithCsvParse(line)).toEqual(expected);
      }),
      { numRuns: 5_000 },
    );
  });

  it('agrees on 10,000 valid lines broken: a quote dropped or inserted, a character after a closing quote or anywhere, a second record', () => {
    fc.assert(fc.property(brokenLine, sameAsCsvParse), { numRuns: 10_000 });
  });

  for (const path of ['data/applications.csv', 'data/credit_data.csv']) {
    it(`agrees on every line of ${path}`, () => {
      // Split as readLines splits: on LF, a CR before it dropped, no line after the last LF.
      const lines = readFileSync(path, 'utf8').split('\n');
      if (lines.at(-1) === '') lines.pop();
      expect(lines.length).toBeGreaterThan(4000);
      for (const line of lines) {
        const text = line.endsWith('\r') ? line.slice(0, -1) : line;
        const parsed = parseCsvLine(text);
        expect(parsed).toEqual(parseLineWithCsvParse(text));
        expect('fields' in parsed).toBe(true);
      }
    });
  }
});

describe('parseCsvLine matches the behaviours of csv-parse that surprise', () => {
  const examples: [behaviour: string, line: string, expected: { fields: string[] } | { error: string }][] = [
    ['an empty line is no record at all', '', { error: 'expected one record on the line, found 0' }],
    ['a line of commas is that many plus one empty fields', ',,,', { fields: ['', '', '', ''] }],
    ['a trailing comma ends with an empty field, after a quoted field too', '"a",', { fields: ['a', ''] }],
    ['"" is one empty field', '""', { fields: [''] }],
    ['"""" is one quote', '""""', { fields: ['"'] }],
    ['a quote inside an unquoted field is an error (relax_quotes is off)', 'a"b', { error: 'malformed CSV (INVALID_OPENING_QUOTE)' }],
    ['a space before an opening quote makes the quote an error (no trim)', ' "a"', { error: 'malformed CSV (INVALID_OPENING_QUOTE)' }],
    ['a space after a closing quote is an error (no trim)', '"a" ', { error: 'malformed CSV (CSV_INVALID_CLOSING_QUOTE)' }],
    ['a character after a closing quote is an error', '"a"b', { error: 'malformed CSV (CSV_INVALID_CLOSING_QUOTE)' }],
    ['a NUL after a closing quote continues the field unquoted', '"a"\u0000b,c', { fields: ['a\u0000b', 'c'] }],
    ['a quote after that NUL is an opening quote inside a field', '"a"\u0000"', { error: 'malformed CSV (INVALID_OPENING_QUOTE)' }],
    ['a quote left open is unterminated', '"""', { error: 'unterminated quote (a field cannot span lines)' }],
    ['a carriage return inside quotes is data', '"a\rb",c', { fields: ['a\rb', 'c'] }],
    ['a carriage return at the end ends the one record', 'a,b\r', { fields: ['a', 'b'] }],
    ['a carriage return alone is one empty record', '\r', { fields: [''] }],
    [
      'a carriage return inside the line starts a second record',
      'a\rb',
      { error: 'bare carriage return inside the line (lines must end with LF or CRLF)' },
    ],
    [
      'any error but an open quote on a line with a carriage return blames the carriage return',
      'a"\r',
      { error: 'bare carriage return inside the line (lines must end with LF or CRLF)' },
    ],
    ['an open quote is blamed even with a carriage return', 'a\r"b', { error: 'unterminated quote (a field cannot span lines)' }],
    ['CR LF at the end ends the one record (the first line break found is the record delimiter)', 'a\r\n', { fields: ['a'] }],
    ['a line feed after a quoted carriage return ends the one record', '"a\r"\n', { fields: ['a\r'] }],
    ['a line feed alone separates records', 'a\nb\nc', { error: 'expected one record on the line, found 3' }],
    ['a byte-order mark is data (bom: false)', '\uFEFFa,b', { fields: ['\uFEFFa', 'b'] }],
    ['a quote after a byte-order mark is an error (bom: false)', '\uFEFF"a"', { error: 'malformed CSV (INVALID_OPENING_QUOTE)' }],
    ['a lone surrogate becomes U+FFFD, as csv-parse reads the UTF-8 bytes', 'x\uD800,"\uDC00"', { fields: ['x\uFFFD', '\uFFFD'] }],
    ['an astral character is kept whole', '😀,"𝄞"', { fields: ['😀', '𝄞'] }],
  ];
  for (const [behaviour, line, expected] of examples) {
    it(behaviour, () => {
      expect(parseLineWithCsvParse(line)).toEqual(expected);
      expect(parseCsvLine(line)).toEqual(expected);
    });
  }
});
