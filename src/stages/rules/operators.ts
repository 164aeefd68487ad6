// json-rules-engine 7.3.1's built-in operators, written as it writes them (engine-default-operators.js,
// operator.js): an operator passes when its fact validator accepts the fact value and its callback
// returns true. The coercions are JavaScript's own and are kept on purpose, because rule packs were
// written against them:
// - numeric operators accept any fact that `parseFloat` can read, then compare with plain `<` / `>`:
//   "10" lessThan "9" is true (a string comparison), [5] lessThan 10 is true;
// - in / notIn call the value's `indexOf`: on a string value that is a substring search of the fact
//   turned into a string; on a number, boolean, null or plain-object value it throws a TypeError, as
//   json-rules-engine does (parameters are named `a` and `b` so the message is the same);
// - contains / doesNotContain are false for any fact that is not an array, doesNotContain included.

export type OperatorName =
  | 'equal'
  | 'notEqual'
  | 'in'
  | 'notIn'
  | 'contains'
  | 'doesNotContain'
  | 'lessThan'
  | 'lessThanInclusive'
  | 'greaterThan'
  | 'greaterThanInclusive';

/** (fact value, condition value) → passes. */
export type OperatorEvaluator = (a: unknown, b: unknown) => boolean;

interface Searchable {
  indexOf(item: unknown): number;
}

// Relational comparison between arbitrary values is what json-rules-engine does; the casts only tell
// TypeScript so.
type Comparable = number;

/** engine-default-operators.js `numberValidator`; a number is valid unless it is NaN (its string always parses). */
export function isNumeric(a: unknown): boolean {
  return typeof a === 'number' ? a === a : Number.parseFloat(a as string).toString() !== 'NaN';
}

export const equal: OperatorEvaluator = (a, b) => a === b;
export const notEqual: OperatorEvaluator = (a, b) => a !== b;
export const isIn: OperatorEvaluator = (a, b) => (b as Searchable).indexOf(a) > -1;
export const notIn: OperatorEvaluator = (a, b) => (b as Searchable).indexOf(a) === -1;
export const contains: OperatorEvaluator = (a, b) => Array.isArray(a) && a.indexOf(b) > -1;
export const doesNotContain: OperatorEvaluator = (a, b) => Array.isArray(a) && a.indexOf(b) === -1;
export const lessThan: OperatorEvaluator = (a, b) => isNumeric(a) && (a as Comparable) < (b as Comparable);
export const lessThanInclusive: OperatorEvaluator = (a, b) => isNumeric(a) && (a as Comparable) <= (b as Comparable);
export const greaterThan: OperatorEvaluator = (a, b) => isNumeric(a) && (a as Comparable) > (b as Comparable);
export const greaterThanInclusive: OperatorEvaluator = (a, b) => isNumeric(a) && (a as Comparable) >= (b as Comparable);

export const BUILT_IN_OPERATORS: ReadonlyMap<string, OperatorEvaluator> = new Map<OperatorName, OperatorEvaluator>([
  ['equal', equal],
  ['notEqual', notEqual],
  ['in', isIn],
  ['notIn', notIn],
  ['contains', contains],
  ['doesNotContain', doesNotContain],
  ['lessThan', lessThan],
  ['lessThanInclusive', lessThanInclusive],
  ['greaterThan', greaterThan],
  ['greaterThanInclusive', greaterThanInclusive],
]);
