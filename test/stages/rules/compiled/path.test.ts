// The safe `path` subset and its walker, reference jsonpath-plus 10.4 (what json-rules-engine 7.3.1 calls,
// with wrap: false): on every path of the subset they find the same value; everything else is refused.
import fc from 'fast-check';
import { JSONPath } from 'jsonpath-plus';
import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FengkongError } from '../../../../src/errors.js';
import { compileRules } from '../../../../src/stages/rules/compile.js';
import { parseSafePath, safePathResolver, walkPath } from '../../../../src/stages/rules/path.js';

const NAMES = ['a', 'b', 'x1', '_', 'A_B', '0', '1', '2', 'length'];
const QUOTED = [...NAMES, 'a b', 'a.b', 'x-y', '.', ' a', 'a.', '.a.', '-1', 'a..b'];

const key = fc.constantFrom(...QUOTED);
const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

const segment = fc.oneof(
  fc.constantFrom(...NAMES).map((name) => `.${name}`),
  fc.nat({ max: 4 }).map((index) => `[${index}]`),
  fc.constantFrom(...QUOTED).map((name) => `['${name}']`),
  fc.constantFrom(...QUOTED).map((name) => `["${name}"]`),
);
const randomPath = fc
  .tuple(fc.constantFrom('$', 'a', 'b', 'x1'), fc.array(segment, { maxLength: 4 }))
  .map(([start, segments]) => start + segments.join(''));

/** A path that walks into the value (then maybe one step off it), each key written in a form the subset allows. */
const pathInto = (value: unknown): fc.Arbitrary<string> =>
  fc
    .tuple(fc.array(fc.nat(), { maxLength: 5 }), fc.array(fc.nat({ max: 2 }), { minLength: 6, maxLength: 6 }), segment)
    .map(([choices, forms, extra]) => {
      const keys: string[] = [];
      let current = value;
      for (const choice of choices) {
        if (current === null || typeof current !== 'object') break;
        const own = Object.keys(current);
        if (own.length === 0) break;
        const chosen = own[choice % own.length]!;
        keys.push(chosen);
        current = (current as Record<string, unknown>)[chosen];
      }
      const written = keys.map((name, i) => {
        if (/^[0-9]+$/.test(name) && forms[i] === 0) return `[${name}]`;
        if (/^[A-Za-z0-9_]+$/.test(name) && forms[i] !== 2) return `.${name}`;
        return forms[i] === 1 ? `["${name}"]` : `['${name}']`;
      });
      const withoutRoot = written[0]?.startsWith('.') === true && forms[5] === 0 && !(keys[0]! in Object.prototype);
      return (withoutRoot ? written.join('').slice(1) : `$${written.join('')}`) + (forms[5] === 2 ? extra : '');
    });

const objectValue = json.filter((value): value is object => value !== null && typeof value === 'object');
const pathAndValue = fc.oneof(
  objectValue.chain((value) => pathInto(value).map((path) => [path, value] as const)),
  fc.tuple(randomPath, objectValue),
);

const jsonpathPlus = (value: object, path: string): unknown => JSONPath({ path, json: value, wrap: false });

describe('the safe path subset', () => {
  it('finds what jsonpath-plus finds, on random paths of the subset over random objects and arrays', () => {
    fc.assert(
      fc.property(pathAndValue, ([path, value]) => {
        const parsed = parseSafePath(path);
        if ('error' in parsed) throw new Error(`${path} ${parsed.error}`);
        expect(walkPath(value, parsed.keys)).toStrictEqual(jsonpathPlus(value, path));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['$', { a: 1 }],
    ['$.a.b', { a: { b: 2 } }],
    ['$.a[0].b', { a: [{ b: 3 }] }],
    ["$['a.b']", { 'a.b': 4 }],
    ['a.length', { a: 'four' }],
    ['$.s[1]', { s: 'xy' }],
    ['$.a', { a: undefined }],
    ['$.a.b', { a: { b: undefined } }],
  ])('reads %s like jsonpath-plus', (path, value) => {
    const parsed = parseSafePath(path);
    expect(parsed).toHaveProperty('keys');
    expect(walkPath(value, (parsed as { keys: string[] }).keys)).toStrictEqual(jsonpathPlus(value, path));
  });

  it.each([
    ['$..a', 'recursive descent'],
    ['$.a.*', 'wildcard'],
    ['$[*]', 'wildcard'],
    ['$.a[?(@.b > 1)]', 'filter (script)'],
    ['$[(@.length-1)]', 'script'],
    ['$.a[0,1]', 'union'],
    ["$['a','b']", 'union'],
    ['$.a[0:2]', 'slice'],
    ["$.a.['b']", 'jsonpath-plus reads .[ as ..'],
    ["$['..']", 'jsonpath-plus reads it as ..'],
    ["$['$']", 'jsonpath-plus reads it as the root'],
    ['$.a^', 'parent'],
    ['$.a~', 'property name'],
    ['$.a@string()', 'type selector'],
    ['$.`a', 'escaped property'],
    ['.a', 'empty first segment'],
    ['[0]', 'no start'],
    ['$a', 'no separator'],
    ['$.', 'empty segment'],
    ['$[\'a"]', 'mismatched quotes'],
    ['$.a#0', 'jsonpath-plus substitutes #0'],
    ['constructor', "jsonpath-plus's path cache is a plain object"],
    ['toString', "jsonpath-plus's path cache is a plain object"],
  ])('refuses %s (%s)', (path) => {
    expect(parseSafePath(path)).toHaveProperty('error');
  });
});

describe('path in rule packs', () => {
  const ruleWithPath = (path: unknown) => ({
    name: 'R_SCRIPT',
    conditions: { all: [{ fact: 'applicant', path, operator: 'equal', value: 1 }] },
    event: { type: 'R_SCRIPT' },
  });

  it.each(['$[?(@.x > 1)]', '$..[(process.exit())]', '$.*'])('refuses %s at load with FK_RULE_INVALID naming the rule', (path) => {
    const compile = () => compileRules([ruleWithPath(path)]);
    expect(compile).toThrow(FengkongError);
    expect(compile).toThrow(/rule R_SCRIPT: conditions\.all\[0\]\.path: path ".*" is outside the safe subset/);
    try {
      compile();
    } catch (error) {
      expect((error as FengkongError).code).toBe(ErrorCode.RULE_INVALID);
    }
  });

  it('refuses an unsafe path in a value fact, and a path that is not a string', () => {
    const valuePath = {
      name: 'R',
      conditions: { all: [{ fact: 'a', operator: 'equal', value: { fact: 'b', path: '$..c' } }] },
      event: { type: 'R' },
    };
    expect(() => compileRules([valuePath])).toThrow(/conditions\.all\[0\]\.value\.path/);
    expect(() => compileRules([ruleWithPath(['a'])])).toThrow(/a path must be a string/);
  });

  it('refuses an unsafe path even when another rule already sends the pack to Engine.run', () => {
    const custom = {
      name: 'R_CUSTOM',
      conditions: { all: [{ fact: 'a', operator: 'startsWith', value: 'x' }] },
      event: { type: 'R_CUSTOM' },
    };
    expect(() => compileRules([custom, ruleWithPath('$..x')])).toThrow(FengkongError);
  });

  it('serves as json-rules-engine pathResolver, with the results of the default resolver on safe paths', async () => {
    const rules = [
      {
        name: 'R1',
        conditions: { all: [{ fact: 'applicant', path: '$.income.verified', operator: 'equal', value: true }] },
        event: { type: 'R1' },
      },
      {
        name: 'R2',
        conditions: { all: [{ fact: 'applicant', path: "$.loans[1]['amount']", operator: 'greaterThan', value: 10 }] },
        event: { type: 'R2' },
      },
      {
        name: 'R3',
        conditions: { all: [{ fact: 'applicant', path: 'missing.key', operator: 'equal', value: undefined }] },
        event: { type: 'R3' },
      },
    ];
    const facts = { applicant: { income: { verified: true }, loans: [{ amount: 5 }, { amount: 50 }] } };
    const safe = await new Engine(structuredClone(rules), { pathResolver: safePathResolver }).run(facts);
    const reference = await new Engine(structuredClone(rules)).run(facts);
    expect(safe.results.map((r) => r.name).sort()).toEqual(reference.results.map((r) => r.name).sort());
    expect(safe.results).toHaveLength(3);
  });

  it('rejects through pathResolver when a pack reaches Engine.run with a path outside the subset', async () => {
    const engine = new Engine([ruleWithPath('$..x')] as never, { pathResolver: safePathResolver });
    await expect(engine.run({ applicant: { x: 1 } })).rejects.toThrow(FengkongError);
  });

  it('treats an empty path as no path, as json-rules-engine does', async () => {
    const rules = [ruleWithPath('')];
    const facts = { applicant: 1 };
    for (const codegen of [true, false]) {
      const compiled = compileRules(rules, { codegen });
      if (!compiled.compiled) throw new Error(compiled.reason);
      expect(compiled.rules.run(facts).fired).toHaveLength(1);
    }
    expect((await new Engine(structuredClone(rules) as never).run(facts)).results).toHaveLength(1);
  });
});
