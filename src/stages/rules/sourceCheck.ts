// The vocabulary of the code codegen.ts generates, and the check that a source keeps to it: every
// token is whitespace, an operator or punctuation of the templates, one of two string literals, a
// decimal integer, a word listed here, or a name made of one letter and digits (codegen.ts `local`).
// No quote, backslash, slash, backtick, `$` or `_` can pass, so neither a string literal, comment,
// regular expression nor template literal can, nor any identifier the templates do not write.

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
]);
const TOKEN = /\s+|'use strict'|'number'|[A-Za-z]+[0-9]*|[0-9]+|===|!==|<<|<=|>=|&&|\|=|\||\+=?|-|[()[\]{};,.=!<>?:]/y;
const GENERATED_NAME = /^[fvcdmk][0-9]+$/;

/** Refuses a source with anything outside the vocabulary above: a bug in codegen.ts, never a rule file. */
export function checkSource(source: string): void {
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    const token = match?.[0];
    const word = token !== undefined && /^[A-Za-z]/.test(token);
    if (token === undefined || (word && !WORDS.has(token) && !GENERATED_NAME.test(token))) {
      throw new Error(`codegen: unexpected source text at ${at}: ${JSON.stringify(source.slice(at, at + 20))}`);
    }
  }
}
