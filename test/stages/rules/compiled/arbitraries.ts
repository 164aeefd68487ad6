// Random rule packs and facts for the differential suite: all / any / not nested three deep, every
// built-in operator, type confusion (numbers, numeric and other strings, booleans, null, undefined,
// NaN, arrays, objects), missing facts, fact names that live on Object.prototype, `path` on object
// facts, `value: { fact }`, condition priorities (0, negative and fractional ones included), equal rule
// priorities and references to named conditions (one of them unknown).
import fc from 'fast-check';
import type { RuleDefinition } from '../../../../src/stages/rules/compile.js';
import { BUILT_IN_OPERATORS } from '../../../../src/stages/rules/operators.js';
import type { RulesCase } from './sameAsEngine.js';

/** Every built-in operator (compile.test.ts holds this list equal to json-rules-engine's). */
export const OPERATORS = [...BUILT_IN_OPERATORS.keys()];

const FACT_NAMES = ['a', 'b', 'c', 'obj', 'list', 'constructor', 'toString', '__proto__'] as const;
const SAFE_PATHS = ['$.x', '$.y[0]', "$['x']", 'x', '$.x.y', '$', '$.y.length', 'y[1]', '$["y"][0]'] as const;

const scalar = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -1, max: 6 }) },
  { weight: 3, arbitrary: fc.constantFrom('10', '9', '1e1', ' 5', '5abc', '3', '0x10', '-1') },
  { weight: 2, arbitrary: fc.constantFrom('abc', '', 'hello', 'ell', '1,2', 'null', 'undefined', 'true', '[object Object]') },
  { weight: 1, arbitrary: fc.constantFrom(0.5, -0, Number.NaN, Number.POSITIVE_INFINITY) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const listElement = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom('3', 'ell', null));
const list = fc.oneof(
  { weight: 3, arbitrary: fc.array(listElement, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
);
const objectFact = fc.record(
  { x: fc.oneof(scalar, list, fc.record({ y: scalar }, { noNullPrototype: true })), y: list },
  { requiredKeys: [], noNullPrototype: true },
);
const factValue = fc.oneof({ weight: 8, arbitrary: scalar }, { weight: 2, arbitrary: list }, { weight: 1, arbitrary: objectFact });
/** The `obj` fact is mostly an object, `list` mostly an array. */
const typicalValue = new Map<string, fc.Arbitrary<unknown>>([
  ['obj', fc.oneof(objectFact, factValue)],
  ['list', fc.oneof(list, factValue)],
]);

const ABSENT = Symbol('absent');

/** Each fact missing once in `missingOnceIn`, else set as an own property (a `__proto__` key included). */
const factsArbitrary = (missingOnceIn: number): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(...FACT_NAMES.map((name) => fc.option(typicalValue.get(name) ?? factValue, { freq: missingOnceIn, nil: ABSENT })))
    .map((values) => {
      const facts: Record<string, unknown> = {};
      values.forEach((value, i) => {
        if (value !== ABSENT) Object.defineProperty(facts, FACT_NAMES[i]!, { value, enumerable: true, writable: true, configurable: true });
      });
      return facts;
    });

const conditionPriority = fc.constantFrom(1, 2, 3, 0, -1, 2.5, undefined);

const conditionValue = fc.oneof(
  { weight: 8, arbitrary: scalar },
  { weight: 2, arbitrary: list },
  {
    weight: 2,
    arbitrary: fc.record(
      { fact: fc.constantFrom(...FACT_NAMES), path: fc.constantFrom(...SAFE_PATHS) },
      { requiredKeys: ['fact'], noNullPrototype: true },
    ),
  },
  { weight: 1, arbitrary: fc.constant({ x: 1 }) },
);
/** in / notIn search the value: mostly a list or a string, sometimes a value they throw on. */
const searchedValue = fc.oneof(
  { weight: 4, arbitrary: list },
  { weight: 3, arbitrary: fc.constantFrom('hello', '1,2', '10', '') },
  { weight: 1, arbitrary: conditionValue },
);

const comparison = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      operator: fc.constantFrom(...OPERATORS.filter((op) => !/^(in|notIn|contains|doesNotContain)$/.test(op))),
      value: conditionValue,
    }),
  },
  { weight: 2, arbitrary: fc.record({ operator: fc.constantFrom('in' as const, 'notIn' as const), value: searchedValue }) },
  {
    weight: 2,
    arbitrary: fc.record({
      operator: fc.constantFrom('contains' as const, 'doesNotContain' as const),
      value: fc.oneof(listElement, conditionValue),
    }),
  },
);

/** Present once in `onceIn`, else absent. */
const optional = <T>(arbitrary: fc.Arbitrary<T>, onceIn: number) =>
  fc.oneof({ weight: onceIn - 1, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: arbitrary });

/** A fact condition; `path` on one in three reads of the object fact, one in eight of the others. */
const factCondition = fc
  .record({
    fact: fc.constantFrom(...FACT_NAMES),
    comparison,
    objectPath: optional(fc.constantFrom(...SAFE_PATHS), 3),
    otherPath: optional(fc.constantFrom(...SAFE_PATHS), 8),
    priority: optional(conditionPriority, 3),
    name: optional(fc.constant('a named condition'), 4),
    params: optional(fc.constant({ ignored: true }), 6),
  })
  .map(({ fact, comparison, objectPath, otherPath, priority, name, params }) => {
    const path = fact === 'obj' ? objectPath : otherPath;
    const extras = Object.entries({ path, priority, name, params }).filter(([, value]) => value !== ABSENT);
    return { fact, ...comparison, ...Object.fromEntries(extras) };
  });

const reference = (names: readonly string[]) =>
  fc.record(
    { condition: fc.constantFrom(...names), priority: conditionPriority, name: fc.constant('a reference') },
    { requiredKeys: ['condition'], noNullPrototype: true },
  );

function booleanCondition(child: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> {
  const children = fc.array(child, { maxLength: 4 });
  return fc.oneof(
    fc.record(
      { all: children, priority: conditionPriority, name: fc.constant('all of') },
      { requiredKeys: ['all'], noNullPrototype: true },
    ),
    fc.record({ any: children, priority: conditionPriority }, { requiredKeys: ['any'], noNullPrototype: true }),
    fc.record({ not: child, priority: conditionPriority }, { requiredKeys: ['not'], noNullPrototype: true }),
  );
}

function condition(depth: number, references: readonly string[]): fc.Arbitrary<unknown> {
  const leaf =
    references.length === 0
      ? factCondition
      : fc.oneof({ weight: 5, arbitrary: factCondition }, { weight: 1, arbitrary: reference(references) });
  if (depth === 0) return leaf;
  return fc.oneof({ weight: 3, arbitrary: leaf }, { weight: 2, arbitrary: booleanCondition(condition(depth - 1, references)) });
}

/** A rule's (or a named condition's) root: all / any / not, or a reference. */
function root(depth: number, references: readonly string[]): fc.Arbitrary<unknown> {
  const tree = booleanCondition(condition(depth - 1, references));
  return references.length === 0 ? tree : fc.oneof({ weight: 8, arbitrary: tree }, { weight: 1, arbitrary: reference(references) });
}

const rule = (references: readonly string[]) =>
  fc.record(
    {
      priority: fc.constantFrom(1, 2, 3, 0),
      conditions: root(3, references),
      params: fc.record({ level: scalar }, { noNullPrototype: true }),
    },
    { requiredKeys: ['conditions'], noNullPrototype: true },
  );

/**
 * One to six rules (names r0, r1, ...), the named conditions `shared` (which may use `inner`) and
 * `inner`, and facts. References to an `unknown` condition only where unknown conditions are allowed:
 * where they throw, json-rules-engine throws synchronously while it maps a group's conditions, leaving
 * the rejections of the siblings already started unhandled (its rule.js evaluateConditions / realize).
 */
export const rulesCaseArbitrary = (options: {
  allowUndefinedFacts: boolean;
  allowUndefinedConditions: boolean;
}): fc.Arbitrary<RulesCase> => {
  const unknown = options.allowUndefinedConditions ? ['unknown'] : [];
  return fc
    .record(
      {
        rules: fc.array(rule(['shared', 'inner', ...unknown]), { minLength: 1, maxLength: 6 }),
        shared: root(2, ['inner', ...unknown]),
        inner: root(2, []),
        facts: factsArbitrary(options.allowUndefinedFacts ? 4 : 12),
      },
      { noNullPrototype: true },
    )
    .map(({ rules, shared, inner, facts }) => ({
      rules: rules.map(({ priority, conditions, params }, index): RuleDefinition => {
        const name = `r${index}`;
        const event = params === undefined ? { type: name } : { type: name, params };
        return priority === undefined ? { name, conditions, event } : { name, priority, conditions, event };
      }),
      conditions: { shared, inner },
      facts,
      ...options,
    }));
};
