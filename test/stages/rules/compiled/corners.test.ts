// json-rules-engine 7.3.1's corners, one case each: every case runs on Engine.run and compiled (they must
// agree, see sameAsEngine.ts), then states what Engine.run does. The JRE file and line is named.
import { spawnSync } from 'node:child_process';
import { Engine, type EngineResult } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { FengkongError } from '../../../../src/errors.js';
import { compileRules, RuleRunError, type RuleDefinition } from '../../../../src/stages/rules/compile.js';
import { compileCase, describeError, EVALUATORS, expectSameAsEngine, plain, runCompiled, type RulesCase } from './sameAsEngine.js';

const rule = (conditions: unknown, extra: Partial<RuleDefinition> = {}): RuleDefinition => ({
  name: 'R',
  conditions,
  event: { type: 'R' },
  ...extra,
});

/** Both ways; the engine's result, which must have completed. */
async function agreed(rulesCase: RulesCase): Promise<EngineResult> {
  const outcome = await expectSameAsEngine(rulesCase);
  if (!outcome.ok) throw new Error(`expected Engine.run to complete: ${describeError(outcome.error)}`);
  return outcome.value;
}

/** Both ways; what Engine.run rejected with (the compiled evaluator threw the same, see sameAsEngine.ts). */
async function agreedError(rulesCase: RulesCase): Promise<string> {
  const outcome = await expectSameAsEngine(rulesCase);
  if (outcome.ok) throw new Error('expected Engine.run to reject');
  return describeError(outcome.error);
}

const fires = async (conditions: unknown, facts: Record<string, unknown>, options: Partial<RulesCase> = {}) =>
  (await agreed({ rules: [rule(conditions)], facts, ...options })).results.length === 1;

type OperatorCase = [fact: unknown, operator: string, value: unknown, expected: boolean, why: string];

const leaf = (fact: string, operator: string, value: unknown, extra: Record<string, unknown> = {}) => ({ fact, operator, value, ...extra });

describe('operators (engine-default-operators.js, operator.js:43 validator && callback)', () => {
  it.each<OperatorCase>([
    ['10', 'lessThan', '9', true, 'parseFloat accepts "10", then "10" < "9" compares strings'],
    ['10', 'greaterThan', 9, true, 'a numeric string against a number compares numbers'],
    [[5], 'lessThan', 10, true, 'parseFloat([5]) is 5, and [5] < 10'],
    ['5abc', 'greaterThan', 4, false, 'parseFloat accepts "5abc" (5), but "5abc" > 4 is NaN > 4'],
    [' 5', 'greaterThan', 4, true, '" 5" > 4 converts to 5'],
    [true, 'lessThan', 5, false, 'parseFloat(true) is NaN: true < 5 is never asked'],
    [null, 'lessThanInclusive', 0, false, 'parseFloat(null) is NaN, though null <= 0'],
    ['Infinity', 'greaterThan', 1e308, true, 'parseFloat("Infinity") is a number'],
    [Number.NaN, 'equal', Number.NaN, false, 'equal is ==='],
    [3, 'lessThan', '10', true, 'a number against a numeric string compares numbers'],
  ])('%j %s %j is %s: %s', async (fact, operator, value, expected) => {
    expect(await fires({ all: [leaf('x', operator, value)] }, { x: fact })).toBe(expected);
  });

  it.each<OperatorCase>([
    ['ell', 'in', 'hello', true, 'a string value is searched as a string (engine-default-operators.js:21)'],
    [1, 'in', '1,2', true, 'the fact is turned into a string: "1"'],
    [null, 'in', 'not null', true, '"null" is in "not null"'],
    ['', 'notIn', 'hello', false, 'the empty string is in every string'],
    [['a'], 'in', 'a,b', true, "String(['a']) is 'a'"],
    [2, 'in', [1, 2], true, 'an array value is searched with ==='],
    ['2', 'in', [1, 2], false, '"2" is not 2'],
  ])('%j %s %j is %s: %s', async (fact, operator, value, expected) => {
    expect(await fires({ all: [leaf('x', operator, value)] }, { x: fact })).toBe(expected);
  });

  it('throws a TypeError when in / notIn meet a value without indexOf: a number, null, an object', async () => {
    expect(await agreedError({ rules: [rule({ all: [leaf('x', 'in', 5)] })], facts: { x: 5 } })).toBe(
      'TypeError: b.indexOf is not a function',
    );
    expect(await agreedError({ rules: [rule({ all: [leaf('x', 'notIn', null)] })], facts: { x: 5 } })).toBe(
      "TypeError: Cannot read properties of null (reading 'indexOf')",
    );
    expect(await agreedError({ rules: [rule({ all: [leaf('x', 'in', { a: 1 })] })], facts: { x: 'a' } })).toBe(
      'TypeError: b.indexOf is not a function',
    );
  });

  it.each<[fact: unknown, operator: string, value: unknown]>([
    ['hello', 'contains', 'ell'],
    ['hello', 'doesNotContain', 'xyz'],
    [null, 'doesNotContain', 1],
    [{ 0: 1, length: 1 }, 'contains', 1],
  ])(
    '%j %s %j is false: contains and doesNotContain accept only arrays (engine-default-operators.js:29, 32)',
    async (fact, operator, value) => {
      expect(await fires({ all: [leaf('x', operator, value)] }, { x: fact })).toBe(false);
    },
  );

  it('never finds a fact equal to an object or array value: the condition is cloned per run (rule-result.js clone)', async () => {
    const shared = [1, 2];
    const rules = [rule({ any: [leaf('list', 'equal', shared), leaf('list', 'in', [shared])] })];
    const engine = await new Engine(rules as never).run({ list: shared });
    expect(engine.results).toHaveLength(0);
    for (const evaluator of EVALUATORS) expect(compileCase({ rules, facts: {} }, evaluator).run({ list: shared }).fired).toHaveLength(0);
  });
});

describe('all / any / not (rule.js prioritizeAndRun)', () => {
  it('treats any: [] and all: [] as true, and not of them as false (rule.js:331)', async () => {
    expect(await fires({ any: [] }, {})).toBe(true);
    expect(await fires({ all: [] }, {})).toBe(true);
    expect(await fires({ not: { any: [] } }, {})).toBe(false);
    const result = await agreed({ rules: [rule({ all: [{ any: [] }, { all: [] }] })], facts: {} });
    expect(plain(result.results[0]!.conditions)).toMatchObject({ all: [{ result: true }, { result: true }] });
  });

  it('evaluates every condition of a priority group: a missing fact after a false one still throws', async () => {
    const facts = { x: 1 };
    expect(await agreedError({ rules: [rule({ all: [leaf('x', 'equal', 2), leaf('missing', 'equal', 1)] })], facts })).toBe(
      'undefined fact: Undefined fact: missing',
    );
  });

  it('stops only between groups: all stops after a group with a false, any after one with a true (rule.js:348)', async () => {
    const facts = { x: 1 };
    const allStops = await agreed({
      rules: [rule({ all: [leaf('x', 'equal', 2, { priority: 2 }), leaf('missing', 'equal', 1, { priority: 1 })] })],
      facts,
    });
    expect(plain(allStops.failureResults[0]!.conditions)).toStrictEqual({
      all: [
        { fact: 'x', operator: 'equal', value: 2, priority: 2, factResult: 1, valueResult: 2, result: false },
        { fact: 'missing', operator: 'equal', value: 1, priority: 1 },
      ],
      operator: 'all',
      priority: 1,
    });
    const anyStops = await agreed({
      rules: [rule({ any: [leaf('missing', 'equal', 1, { priority: 1 }), leaf('x', 'equal', 1, { priority: 5 })] })],
      facts,
    });
    expect(anyStops.results).toHaveLength(1);
  });

  it('groups by priority, highest first, fractional and negative priorities included; priority 0 counts as 1 (rule.js:237-247)', async () => {
    const facts = { x: 1 };
    const conditions = {
      all: [
        leaf('missing', 'equal', 1, { priority: -1 }),
        leaf('x', 'equal', 2, { priority: 0 }),
        leaf('x', 'equal', 1, { priority: 2.5 }),
      ],
    };
    const result = await agreed({ rules: [rule(conditions)], facts });
    expect(plain(result.failureResults[0]!.conditions)).toMatchObject({ all: [{ fact: 'missing' }, { result: false }, { result: true }] });
  });

  it('evaluates a lone condition whatever its priority (rule.js:334)', async () => {
    expect(await agreedError({ rules: [rule({ all: [leaf('missing', 'equal', 1, { priority: -5 })] })], facts: {} })).toBe(
      'undefined fact: Undefined fact: missing',
    );
  });

  it('records result on nested conditions, not on the rule root (rule.js:287, 428)', async () => {
    const result = await agreed({ rules: [rule({ not: { all: [leaf('x', 'equal', 1)] } })], facts: { x: 1 } });
    expect(plain(result.failureResults[0]!.conditions)).toStrictEqual({
      not: {
        all: [{ fact: 'x', operator: 'equal', value: 1, factResult: 1, valueResult: 1, result: true }],
        operator: 'all',
        priority: 1,
        result: true,
      },
      operator: 'not',
      priority: 1,
    });
  });
});

describe('condition references (rule.js realize, engine.js setCondition)', () => {
  const shared = { name: 'over 60', priority: 3, all: [leaf('age', 'greaterThanInclusive', 60)] };

  it('shows the named condition in place of the reference, with its name and priority (rule.js:404-405)', async () => {
    const result = await agreed({
      rules: [rule({ all: [{ condition: 'shared', name: 'my reference', priority: 1, note: 'kept' }] })],
      conditions: { shared },
      facts: { age: 65 },
    });
    expect(plain(result.results[0]!.conditions)).toStrictEqual({
      all: [
        {
          name: 'over 60',
          priority: 3,
          note: 'kept',
          all: [{ fact: 'age', operator: 'greaterThanInclusive', value: 60, factResult: 65, valueResult: 60, result: true }],
          operator: 'all',
          result: true,
        },
      ],
      operator: 'all',
      priority: 1,
    });
  });

  it("groups a reference by its own priority, not the named condition's: here it is never evaluated", async () => {
    const result = await agreed({
      rules: [rule({ all: [{ condition: 'shared' }, leaf('age', 'lessThan', 0, { priority: 2 })] })],
      conditions: { shared },
      facts: { age: 65 },
    });
    expect(plain(result.failureResults[0]!.conditions)).toMatchObject({ all: [{ condition: 'shared' }, { result: false }] });
  });

  it('evaluates a rule whose root is a reference, through a chain of references', async () => {
    const result = await agreed({
      rules: [rule({ condition: 'outer' })],
      conditions: { outer: { condition: 'shared' }, shared },
      facts: { age: 70 },
    });
    expect(plain(result.results[0]!.conditions)).toMatchObject({ name: 'over 60', operator: 'all', result: true });
  });

  it('throws "No condition x exists" for an unknown name, or reads it as false under allowUndefinedConditions (rule.js:397-400)', async () => {
    expect(await agreedError({ rules: [rule({ all: [{ condition: 'nowhere' }] })], facts: {} })).toBe('Error: No condition nowhere exists');
    const allowed = await agreed({ rules: [rule({ all: [{ condition: 'nowhere' }] })], facts: {}, allowUndefinedConditions: true });
    expect(plain(allowed.failureResults[0]!.conditions)).toMatchObject({ all: [{ condition: 'nowhere', result: false }] });
  });
});

describe('rules (rule.js, engine.js)', () => {
  it('makes priority 0 or none 1, and reads "3" as 3 (rule.js:72, 89)', async () => {
    const result = await agreed({
      rules: [
        rule({ all: [] }, { name: 'A', priority: 0 }),
        rule({ all: [] }, { name: 'B' }),
        rule({ all: [] }, { name: 'C', priority: '3' }),
      ],
      facts: {},
    });
    expect(result.results.map((r) => [r.name, r.priority])).toEqual([
      ['C', 3],
      ['A', 1],
      ['B', 1],
    ]);
  });

  it('refuses a negative priority at load, as the engine refuses it on construction (rule.js:90)', () => {
    const rules = [rule({ all: [] }, { priority: -1 })];
    expect(() => new Engine(rules as never)).toThrow('Priority must be greater than zero');
    expect(() => compileRules(rules)).toThrow(FengkongError);
  });

  it('runs priority groups highest first; inside a group the compiled order is definition order', async () => {
    const rules = ['A', 'B', 'C', 'D'].map((name, i) => rule({ all: [] }, { name, priority: [1, 5, 1, 5][i] }));
    await agreed({ rules, facts: {} });
    for (const evaluator of EVALUATORS) {
      expect(
        compileCase({ rules, facts: {} }, evaluator)
          .run({})
          .fired.map((r) => r.name),
      ).toEqual(['B', 'D', 'A', 'C']);
    }
  });

  it('keeps an event as {type} when its params are falsy (rule.js:143)', async () => {
    const result = await agreed({ rules: [rule({ all: [] }, { event: { type: 'T', params: null, extra: 1 } })], facts: {} });
    expect(result.events).toStrictEqual([{ type: 'T' }]);
  });
});

describe('facts (almanac.js, engine.js:401)', () => {
  it('reads a missing fact as undefined under allowUndefinedFacts, which notEqual passes', async () => {
    const result = await agreed({ rules: [rule({ all: [leaf('gone', 'notEqual', 1)] })], facts: {}, allowUndefinedFacts: true });
    expect(plain(result.results[0]!.conditions)).toStrictEqual({
      all: [{ fact: 'gone', operator: 'notEqual', value: 1, factResult: undefined, valueResult: 1, result: true }],
      operator: 'all',
      priority: 1,
    });
  });

  it('throws UndefinedFactError for a missing fact, but not for one present as undefined (almanac.js:204)', async () => {
    expect(await agreedError({ rules: [rule({ all: [leaf('gone', 'equal', 1)] })], facts: {} })).toBe(
      'undefined fact: Undefined fact: gone',
    );
    expect(await fires({ all: [leaf('here', 'equal', undefined)] }, { here: undefined })).toBe(true);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__'])(
    'never reads Object.prototype for a fact named %s: missing is missing (almanac.js:43, a Map)',
    async (name) => {
      expect(await fires({ all: [leaf(name, 'equal', undefined)] }, {}, { allowUndefinedFacts: true })).toBe(true);
      expect(await agreedError({ rules: [rule({ all: [leaf(name, 'notEqual', 1)] })], facts: {} })).toBe(
        `undefined fact: Undefined fact: ${name}`,
      );
      const facts = JSON.parse(`{"${name}": 7}`) as Record<string, unknown>;
      expect(await fires({ all: [leaf(name, 'equal', 7)] }, facts)).toBe(true);
    },
  );

  it('applies path to object facts only: any other fact is compared itself (almanac.js:220-223)', async () => {
    expect(await fires({ all: [leaf('x', 'equal', 5, { path: '$.a' })] }, { x: 5 })).toBe(true);
    expect(await fires({ all: [leaf('x', 'equal', 5, { path: '$.a[1].b' })] }, { x: { a: [0, { b: 5 }] } })).toBe(true);
    expect(await fires({ all: [leaf('x', 'equal', undefined, { path: '$.nothing.here' })] }, { x: {} })).toBe(true);
    expect(await fires({ all: [leaf('x', 'equal', 3, { path: '$.length' })] }, { x: [1, 2, 3] })).toBe(true);
  });

  it('compares with another fact through value: { fact, path }, reading it first (almanac.js:244, condition.js Promise.all)', async () => {
    const conditions = { all: [leaf('height', 'lessThanInclusive', { fact: 'box', path: '$.width' })] };
    const result = await agreed({ rules: [rule(conditions)], facts: { height: 1, box: { width: 2 } } });
    expect(plain(result.results[0]!.conditions)).toMatchObject({ all: [{ factResult: 1, valueResult: 2, result: true }] });
    expect(await agreedError({ rules: [rule(conditions)], facts: {} })).toBe('undefined fact: Undefined fact: box');
  });
});

describe.each(EVALUATORS)('what the compiled evaluator throws (%s)', (evaluator) => {
  it('a RuleRunError naming the rule, with the error Engine.run rejects with as its cause', () => {
    const outcome = runCompiled(
      {
        rules: [rule({ all: [] }, { name: 'FIRST' }), rule({ all: [leaf('gone', 'equal', 1)] }, { name: 'SECOND' })],
        facts: {},
      },
      evaluator,
    );
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: RuleRunError }).error;
    expect(error).toBeInstanceOf(RuleRunError);
    expect(error.message).toBe('rule SECOND: Undefined fact: gone');
    expect(error.rule.name).toBe('SECOND');
    expect(error.cause).toMatchObject({ code: 'UNDEFINED_FACT', message: 'Undefined fact: gone' });
  });
});

describe('an unknown condition beside a missing fact (rule.js:310 maps a group, realize throws inside the map)', () => {
  const rules = [rule({ all: [leaf('missing', 'equal', 1), { condition: 'nowhere' }] })];

  it("crashes Node under json-rules-engine: the sibling's rejection is left unhandled, though run() is caught", () => {
    const script = `
      const { Engine } = require('json-rules-engine');
      new Engine(${JSON.stringify(rules)}).run({}).catch(() => console.log('run rejected'));
      setTimeout(() => console.log('still running'), 100);`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(child.stdout).toContain('run rejected');
    expect(child.stdout).not.toContain('still running');
    expect(child.stderr).toContain('Undefined fact: missing');
    expect(child.status).toBe(1);
  });

  it.each(EVALUATORS)('throws one RuleRunError from the compiled evaluator (%s), and nothing is left pending', (evaluator) => {
    const outcome = runCompiled({ rules, facts: {} }, evaluator);
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: unknown }).error).toBeInstanceOf(RuleRunError);
  });
});
