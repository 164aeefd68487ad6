// compileRules' contract: what it compiles, what it leaves to Engine.run (`compiled: false` with the
// reason), what it refuses at load (FK_RULE_INVALID naming the rule) and why, and the lean run, from
// each evaluator (generated code and closures).
import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FengkongError } from '../../../../src/errors.js';
import { compileRules, type CompiledRules, type CompileOptions, type RuleDefinition } from '../../../../src/stages/rules/compile.js';
import { BUILT_IN_OPERATORS } from '../../../../src/stages/rules/operators.js';
import { EVALUATORS } from './sameAsEngine.js';

const rule = (conditions: unknown, extra: Record<string, unknown> = {}): RuleDefinition => ({
  name: 'R_TEST',
  conditions,
  event: { type: 'R_TEST', params: { severity: 'review' } },
  ...extra,
});
const leaf = (extra: Record<string, unknown> = {}) => ({ fact: 'amount', operator: 'greaterThan', value: 10, ...extra });

function compiled(rules: readonly RuleDefinition[], options: CompileOptions = {}): CompiledRules {
  const outcome = compileRules(rules, options);
  if (!outcome.compiled) throw new Error(outcome.reason);
  expect(outcome.rules.evaluator).toBe(options.codegen === false ? 'closures' : 'generated');
  return outcome.rules;
}

function refusal(rules: readonly RuleDefinition[], options = {}): FengkongError {
  try {
    compileRules(rules, options);
  } catch (error) {
    if (error instanceof FengkongError) return error;
    throw error;
  }
  throw new Error('expected compileRules to refuse the pack');
}

describe('the built-in operators', () => {
  it("are json-rules-engine's default operators, no more, no fewer", () => {
    const engineOperators = (new Engine() as unknown as { operators: { operators: Map<string, unknown> } }).operators.operators;
    expect([...BUILT_IN_OPERATORS.keys()].sort()).toEqual([...engineOperators.keys()].sort());
  });
});

describe('compileRules leaves to Engine.run', () => {
  it.each([
    [
      'a custom operator',
      rule({ all: [leaf({ operator: 'startsWith' })] }),
      /rule R_TEST: conditions\.all\[0\]: operator "startsWith" is not built in needs Engine\.run/,
    ],
    [
      'an operator decorator',
      rule({ any: [leaf({ operator: 'everyFact:greaterThan' })] }),
      /operator "everyFact:greaterThan" is not built in/,
    ],
    ['onSuccess handlers', rule({ all: [leaf()] }, { onSuccess: () => undefined }), /onSuccess \/ onFailure handlers needs Engine\.run/],
    ['values that are not plain data', rule({ all: [leaf({ value: new Date(0) })] }), /not plain data needs Engine\.run/],
    ['a name that is not a string', rule({ all: [] }, { name: 0 }), /a name that is not a string/],
  ])('%s, saying why', (_what, definition, reason) => {
    const outcome = compileRules([definition]);
    expect(outcome.compiled).toBe(false);
    expect((outcome as { reason: string }).reason).toMatch(reason);
  });

  it('compiles a pack whose unused named condition has a custom operator', () => {
    const outcome = compileRules([rule({ all: [leaf()] })], { conditions: { unused: { all: [leaf({ operator: 'startsWith' })] } } });
    expect(outcome.compiled).toBe(true);
  });
});

describe('compileRules refuses at load', () => {
  // What json-rules-engine refuses too, when the engine is built or the condition set.
  it.each([
    ['a rule without event', { name: 'R_TEST', conditions: { all: [] } }, /requires "event" property/],
    ['a rule without conditions', { name: 'R_TEST', event: { type: 'R' } }, /requires "conditions" property/],
    ['a root without all, any, not or condition', rule(leaf()), /"conditions" root must contain/],
    ['all that is not an array', rule({ all: leaf() }), /"all" must be an array/],
    ['not that is an array', rule({ not: [leaf()] }), /"not" cannot be an array/],
    ['a fact condition without operator', rule({ all: [{ fact: 'a', value: 1 }] }), /"operator" property required/],
    ['a fact condition without value', rule({ all: [{ fact: 'a', operator: 'equal' }] }), /"value" property required/],
    ['a priority of zero or less', rule({ all: [] }, { priority: -2 }), /priority must be a number greater than zero/],
    ['an event without type', rule({ all: [] }, { event: { params: {} } }), /the event needs a "type"/],
  ])('%s, as json-rules-engine does', (_what, definition, message) => {
    expect(() => new Engine([structuredClone(definition)] as never)).toThrow();
    const error = refusal([definition as RuleDefinition]);
    expect(error.code).toBe(ErrorCode.RULE_INVALID);
    expect(error.message).toMatch(message);
  });

  it('an invalid named condition, as engine.setCondition does', () => {
    expect(() => new Engine().setCondition('broken', leaf() as never)).toThrow(/"conditions" root must contain/);
    expect(refusal([rule({ all: [] })], { conditions: { broken: leaf() } }).message).toMatch(/^condition broken: "conditions" root/);
  });

  // What json-rules-engine accepts but would loop on, mistake or mis-sort at run time.
  it.each([
    [
      'a reference cycle (json-rules-engine recurses without end)',
      [rule({ all: [{ condition: 'a' }] })],
      { conditions: { a: { any: [{ condition: 'b' }] }, b: { not: { condition: 'a' } } } },
      /refers to itself \(a → b → a\)/,
    ],
    ['a condition with two kinds', [rule({ all: [{ ...leaf(), any: [] }] })], {}, /exactly one of all, any, not, condition, fact/],
    ['a fact name that is not a string (never found)', [rule({ all: [leaf({ fact: 7 })] })], {}, /"fact" must be a string/],
    [
      'a __proto__ key (Object.assign would set a prototype)',
      [rule(JSON.parse('{"all": [{"fact": "a", "operator": "equal", "value": {"__proto__": {"x": 1}}}]}'))],
      {},
      /"__proto__" key/,
    ],
    ['result properties in the definition', [rule({ all: [leaf({ result: true })] })], {}, /result properties are set by the engine/],
    [
      'a priority that is not a number (an inconsistent group sort)',
      [rule({ all: [leaf({ priority: 'high' }), leaf()] })],
      {},
      /priority must be a number/,
    ],
    ['a rule priority that parses to NaN', [rule({ all: [] }, { priority: 'first' })], {}, /priority must be a number greater than zero/],
    ['a named condition without a name', [rule({ all: [] })], { conditions: { '': { all: [] } } }, /a named condition needs a name/],
  ])('%s', (_what, rules, options, message) => {
    const error = refusal(rules as RuleDefinition[], options);
    expect(error.code).toBe(ErrorCode.RULE_INVALID);
    expect(error.message).toMatch(message);
  });
});

describe.each(EVALUATORS)('the compiled rules (%s)', (evaluator) => {
  const pack = [
    rule({ all: [leaf(), { fact: 'channel', operator: 'in', value: ['web', 'app'] }] }, { name: 'R_LARGE_ONLINE', priority: 5 }),
    rule(
      { any: [leaf({ priority: 2, value: 1000 }), { fact: 'channel', operator: 'equal', value: 'branch' }] },
      { name: 'R_VERY_LARGE', priority: 3 },
    ),
  ];

  it('say which rules fired and failed, in evaluation order, and the values their evaluated conditions read', () => {
    const run = compiled(pack, { codegen: evaluator === 'generated' }).run({ amount: 5000, channel: 'web' });
    expect(run.fired.map((r) => r.name)).toEqual(['R_LARGE_ONLINE', 'R_VERY_LARGE']);
    expect(run.failed).toEqual([]);
    expect(run.factValues(run.fired[0]!)).toEqual({ amount: 5000, channel: 'web' });
    // any stops after the priority-2 group: channel was not read
    expect(run.factValues(run.fired[1]!)).toEqual({ amount: 5000 });
    expect(run.factValues(run.fired[1]!, (value) => String(value))).toEqual({ amount: '5000' });
  });

  it('keep each run apart: a later run changes nothing an earlier one returned', () => {
    const rules = compiled(pack, { codegen: evaluator === 'generated' });
    const first = rules.run({ amount: 5000, channel: 'web' });
    const before = first.toRuleResults();
    rules.run({ amount: 1, channel: 'branch' });
    expect(first.toRuleResults()).toStrictEqual(before);
    expect(first.factValues(first.fired[0]!)).toEqual({ amount: 5000, channel: 'web' });
  });

  it('expose each rule with its normalised priority and a frozen copy of its event', () => {
    const rules = compiled([rule({ all: [] }, { priority: 0 })], { codegen: evaluator === 'generated' }).rules;
    expect(rules[0]).toMatchObject({ index: 0, name: 'R_TEST', priority: 1, event: { type: 'R_TEST', params: { severity: 'review' } } });
    expect(Object.isFrozen(rules[0]!.event)).toBe(true);
    expect(Object.isFrozen((rules[0]!.event as { params: object }).params)).toBe(true);
  });

  it('do not depend on the definitions after compiling: a later change to them changes nothing', () => {
    const definitions = structuredClone(pack) as Array<{ conditions: { all?: Array<{ value: unknown }> } }>;
    const rules = compiled(definitions as RuleDefinition[], { codegen: evaluator === 'generated' });
    definitions[0]!.conditions.all![0]!.value = 1_000_000;
    expect(rules.run({ amount: 5000, channel: 'web' }).fired.map((r) => r.name)).toContain('R_LARGE_ONLINE');
  });
});
