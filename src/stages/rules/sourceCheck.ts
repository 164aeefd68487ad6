// The vocabulary of the code codegen.ts generates, and the check that a source keeps to it: every
// token is whitespace, an operator or punctuation of the templates, one of two string literals, a
// decimal integer, a word listed here, or a name made of one letter and digits (codegen.ts `local`).
// No quote, backslash, slash, backtick, `$` or `_` can pass, so neither a string literal, comment,
// regular expression nor template literal can, nor any identifier the templates do not write. The
// value builders (valueCodegen.ts) may also hold string literals made of \uXXXX escapes only, which
// end at their closing quote whatever they spell.

/** What the generated function is given, by these names (codegen.ts builds the object). */
export const HELPER_NAMES = [
  'finish',
  'get',
  'undefinedOrMissing',
  'readOwnFact',
  'atPath',
  'isNumeric',
  'isIn',
  'notIn',
  'contains',
  'doesNotContain',
  'unknownConditionError',
  'fail',
] as const;
export type HelperName = (typeof HELPER_NAMES)[number];

const WORDS = new Set([
  ...HELPER_NAMES,
  'const',
  'let',
  'return',
  'function',
  'run',
  'facts',
  'constants',
  'helpers',
  'at',
  'firedCount',
  'fired',
  'failed',
  'firedAt',
  'failedAt',
  'new',
  'Array',
  'pop',
  'try',
  'catch',
  'cause',
  'throw',
  'if',
  'typeof',
  'true',
  'false',
  'undefined',
  // valueCodegen.ts
  'builders',
  'slots',
  'convert',
  'whole',
  'perRule',
]);
const TOKEN =
  /\s+|'use strict'|'number'|"(?:\\u[0-9a-f]{4})*"|[A-Za-z]+[0-9]*|[0-9]+|===|!==|<<|<=|>=|&&|\|=|\||\+=?|-|[()[\]{};,.=!<>?:]/y;
const GENERATED_NAME = /^[fvcdmk][0-9]+$/;

/** Refuses a source with anything outside the vocabulary above: a bug in codegen.ts, never a rule file. */
export function checkSource(source: string, { escapedKeys = false }: { readonly escapedKeys?: boolean } = {}): void {
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    const token = match?.[0];
    const word = token !== undefined && /^[A-Za-z]/.test(token);
    const refused = word ? !WORDS.has(token) && !GENERATED_NAME.test(token) : token?.startsWith('"') === true && !escapedKeys;
    if (token === undefined || refused) {
      throw new Error(`codegen: unexpected source text at ${at}: ${JSON.stringify(source.slice(at, at + 20))}`);
    }
  }
}
