// The generated evaluator (src/stages/rules/codegen.ts): what goes into the code it generates (nothing
// from the rule file), when it is not used (code generation forbidden, a pack too large), and its
// second way of reading facts (Reflect.get, for packs that read many facts), held to Engine.run.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compileRules, type CompileOptions, type RuleDefinition } from '../../../../src/stages/rules/compile.js';
import { checkSource } from '../../../../src/stages/rules/sourceCheck.js';
import { rulesCaseArbitrary } from './arbitraries.js';
import { compileCase, expectSameAsEngine, expectSameResults, runEngine, type RulesCase } from './sameAsEngine.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The source compileRules hands to `new Function`, or undefined when it generates none. */
/** The sources compileRules hands `new Function`: the evaluator's (given constants and helpers) and the value builders'. */
function generatedSources(rules: readonly RuleDefinition[], options: CompileOptions = {}): { run?: string; values?: string } {
  const spy = vi.spyOn(globalThis, 'Function');
  const outcome = compileRules(rules, options);
  const calls = spy.mock.calls.map((call) => call.map(String));
  spy.mockRestore();
  expect(outcome.compiled).toBe(true);
  return {
    run: calls.find((call) => call.length === 3 && call[0] === 'constants')?.at(-1),
    values: calls.find((call) => call.length === 1)?.at(-1),
  };
}

const generatedSource = (rules: readonly RuleDefinition[], options: CompileOptions = {}) => generatedSources(rules, options).run;

// Text that would break out of any place in a template, were it ever written into one.
const HOSTILE = [
  `x"]; globalThis.pwned = 1; //`,
  `'); globalThis.pwned = 1; ('`,
  '`${globalThis.pwned = 1}`',
  `*/ globalThis.pwned = 1; /*`,
  `\u2028globalThis.pwned = 1`,
  `\\"); globalThis.pwned = 1; //`,
];
const hostilePack = (): { rules: RuleDefinition[]; conditions: Record<string, unknown>; facts: Record<string, unknown> } => ({
  rules: HOSTILE.map((text, i) => ({
    name: text,
    priority: i + 1,
    conditions: {
      any: [
        { fact: text, operator: 'equal', value: text },
        { fact: text, operator: 'in', value: [text, 123456789] },
        { fact: 'record', path: `$['${i} ${'a'.repeat(i)}']`, operator: 'lessThan', value: { fact: text, path: '$.x' } },
        { condition: text },
      ],
    },
    event: { type: text, params: { reason: text } },
  })),
  conditions: Object.fromEntries(HOSTILE.map((text) => [text, { all: [{ fact: 'n', operator: 'greaterThan', value: 987654321 }] }])),
  facts: { ...Object.fromEntries(HOSTILE.map((text, i) => [text, i % 2 === 0 ? text : { x: i }])), record: { '0 ': 1 }, n: 5 },
});

describe('the generated source', () => {
  it('holds no text and no number from the rule file: names, values, paths and numbers are read from an array', () => {
    const pack = hostilePack();
    const source = generatedSource(pack.rules, { conditions: pack.conditions });
    expect(source).toBeDefined();
    for (const text of [...HOSTILE, 'record', '123456789', '987654321', "'0 '"]) expect(source).not.toContain(text);
    // No string literal but the two of the template; no escape, comment, template literal or regex.
    expect(source!.replaceAll(`'use strict'`, '').replaceAll(`'number'`, '')).not.toMatch(/['"`\\/]/);
    expect(() => checkSource(source!)).not.toThrow();
  });

  it("writes the value builders' fact names as escapes only, and nothing else from the file", () => {
    const pack = hostilePack();
    const source = generatedSources(pack.rules, { conditions: pack.conditions }).values!;
    for (const text of [...HOSTILE, 'record', '123456789', '987654321']) expect(source).not.toContain(text);
    // Every hostile rule reads its fact in one priority group: each has a builder, its name escaped.
    const escaped = (text: string) => [...text].map((_, i) => `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
    for (const text of HOSTILE) expect(source).toContain(`"${escaped(text)}"`);
    const literals = source.replaceAll(`'use strict'`, '').match(/"[^"]*"/g)!;
    for (const literal of literals) expect(literal).toMatch(/^"(\\u[0-9a-f]{4})*"$/);
    expect(() => checkSource(source, { escapedKeys: true })).not.toThrow();
    // The evaluator's check refuses any string literal.
    expect(() => checkSource(source)).toThrow(/codegen: unexpected source text/);
  });

  it('serves by a builder only the rules whose conditions are all evaluated, and never a `__proto__` fact', () => {
    const condition = (fact: string, priority?: number) => ({ fact, operator: 'equal', value: 1, ...(priority && { priority }) });
    const rule = (name: string, all: object[]): RuleDefinition => ({ name, conditions: { all }, event: { type: name } });
    const rules = [
      rule('ONE_GROUP', [condition('a'), condition('b')]),
      rule('TWO_GROUPS', [condition('a', 2), condition('b', 1)]),
      rule('PROTO', [condition('__proto__')]),
    ];
    const source = generatedSources(rules).values!;
    expect(source).toMatch(/builders\[0\] = /);
    expect(source).not.toMatch(/builders\[[12]\] = /);
    // Served or not, the records are the same as the closures' (key by key).
    const facts = { a: 1, b: 2, ['__proto__']: 3 };
    Object.defineProperty(facts, '__proto__', { value: 3, enumerable: true });
    const generated = compileCase({ rules, facts }, 'generated').run(facts);
    const closures = compileCase({ rules, facts }, 'closures').run(facts);
    for (const [index, run] of [generated, closures].entries()) {
      const records = run.failed.map((compiled) => Object.entries(run.factValues(compiled)));
      expect(records, ['generated', 'closures'][index]).toEqual([
        [
          ['a', 1],
          ['b', 2],
        ],
        [
          ['a', 1],
          ['b', 2],
        ],
        [['__proto__', 3]],
      ]);
    }
  });

  it('runs such a pack as Engine.run does, and nothing in it is executed', async () => {
    const pack = hostilePack();
    await expectSameAsEngine({ rules: pack.rules, conditions: pack.conditions, facts: pack.facts, allowUndefinedFacts: true });
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
  });

  it.each([
    ['a string literal', `'use strict';\nreturn facts['x'];`],
    ['a property read by name', `'use strict';\nreturn facts.constructor;`],
    ['an unknown identifier', `'use strict';\nreturn process;`],
    ['a comment', `'use strict';\n// facts`],
    ['an escape', `'use strict';\nreturn k\\u0030;`],
    ['a template literal', '`${k0}`'],
  ])('is checked token by token before it is compiled: %s is refused', (_what, source) => {
    expect(() => checkSource(source)).toThrow(/codegen: unexpected source text/);
  });

  it.each([
    ['a plain key', `return { "x": convert(slots[0]) };`],
    ['a key that ends early', `return { "\\u0078"; globalThis };`],
    ['an escape that is not \\uXXXX', `return { "\\x78": 1 };`],
    ['an upper-case escape', `return { "\\u004A": 1 };`],
    ['a single-quoted key', `return { '\\u0078': 1 };`],
  ])('the value builders keep to escaped keys: %s is refused', (_what, source) => {
    expect(() => checkSource(source, { escapedKeys: true })).toThrow(/codegen: unexpected source text/);
  });
});

describe('when no code is generated, the closures run', () => {
  const rules: RuleDefinition[] = [{ name: 'R', conditions: { all: [{ fact: 'x', operator: 'equal', value: 1 }] }, event: { type: 'R' } }];

  it('with codegen: false', () => {
    expect(generatedSource(rules, { codegen: false })).toBeUndefined();
    expect(compileCase({ rules, facts: {} }, 'closures').run({ x: 1 }).fired).toHaveLength(1);
  });

  it('where `new Function` throws an EvalError (a content security policy), as in a mocked host', () => {
    vi.spyOn(globalThis, 'Function').mockImplementation(function forbidden() {
      throw new EvalError('Code generation from strings disallowed for this context');
    });
    const outcome = compileRules(rules);
    expect(outcome.compiled && outcome.rules.evaluator).toBe('closures');
    expect(outcome.compiled && outcome.rules.run({ x: 1 }).fired).toHaveLength(1);
  });

  it('under node --disallow-code-generation-from-strings', () => {
    const script = `
      const { compileRules } = await import('./src/stages/rules/compile.ts');
      const outcome = compileRules(${JSON.stringify(rules)});
      console.log(outcome.rules.evaluator, outcome.rules.run({ x: 1 }).fired.length);`;
    const child = spawnSync(
      process.execPath,
      ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('closures 1');
  });

  it('for a pack too large for V8 to optimize the generated function (400 rules)', async () => {
    const large: RuleDefinition[] = Array.from({ length: 400 }, (_, i) => ({
      name: `R${i}`,
      conditions: { all: [{ fact: `f${i % 50}`, operator: 'greaterThan', value: i % 7 }] },
      event: { type: `R${i}` },
    }));
    expect(generatedSource(large)).toBeUndefined();
    const facts = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, i % 9]));
    const engine = await runEngine({ rules: large, facts });
    const compiled = compileRules(large);
    expect(compiled.compiled && compiled.rules.evaluator).toBe('closures');
    if (!engine.ok || !compiled.compiled) throw new Error('expected both to run');
    expectSameResults(engine.value, compiled.rules.run(facts));
  });
});

describe('packs that read many facts (more than a fast V8 object keeps), read through Reflect.get', () => {
  /** A rule reading 17 facts of its own, so the pack's reads go through Reflect.get. */
  const manyFacts: RuleDefinition = {
    name: 'many',
    conditions: { any: Array.from({ length: 17 }, (_, i) => ({ fact: `m${i}`, operator: 'greaterThan', value: i })) },
    event: { type: 'many' },
  };
  const withManyFacts = (rulesCase: RulesCase): RulesCase => ({
    ...rulesCase,
    rules: [...rulesCase.rules, manyFacts],
    facts: { ...Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`m${i}`, (i * 7) % 20])), ...rulesCase.facts },
  });

  it('read them so', () => {
    expect(generatedSource([manyFacts])).toMatch(/= get\(facts, k\d+\);/);
    expect(generatedSource([{ ...manyFacts, conditions: { all: [] } }])).not.toMatch(/get\(facts/);
  });

  it.each([
    ['allowed', true],
    ['throwing', false],
  ])('agree with Engine.run on random packs, undefined facts and conditions %s', async (_what, allow) => {
    await fc.assert(
      fc.asyncProperty(rulesCaseArbitrary({ allowUndefinedFacts: allow, allowUndefinedConditions: allow }), async (rulesCase) => {
        await expectSameAsEngine(withManyFacts(rulesCase));
      }),
      { numRuns: 300 },
    );
  });
});

describe('a fact read once on each path through the run (almanac.js resolves a fact once per run)', () => {
  const leaf = (fact: string, value: unknown, priority?: number) => ({ fact, operator: 'equal', value, ...(priority ? { priority } : {}) });
  // A: x is read; `gone` only if x equals 2 (a later priority group). B: x again, then `gone`.
  const rules: RuleDefinition[] = [
    { name: 'A', conditions: { all: [leaf('x', 2, 2), leaf('gone', 1, 1)] }, event: { type: 'A' } },
    { name: 'B', conditions: { all: [leaf('x', 1), leaf('gone', 1)] }, event: { type: 'B' } },
  ];

  it('reads x once, and `gone` again after the group that may have skipped it', () => {
    expect(generatedSource(rules)!.match(/= facts\[k\d+\];/g)).toHaveLength(3);
  });

  it('so a missing fact throws where Engine.run throws: in B, A having stopped before it', async () => {
    const outcome = await expectSameAsEngine({ rules, facts: { x: 1 } });
    expect(outcome.ok).toBe(false);
    for (const evaluator of ['generated', 'closures'] as const) {
      expect(() => compileCase({ rules, facts: {} }, evaluator).run({ x: 1 })).toThrow('rule B: Undefined fact: gone');
    }
  });
});
