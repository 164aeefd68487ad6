// The differential check, reference json-rules-engine 7.3.1's Engine.run: a case (rules, named
// conditions, options, facts) runs on a fresh engine and through compileRules with each evaluator
// (generated code, the default, and closures, `codegen: false`), and everything the engine reports
// must come out the same. Among rules of equal priority the engine reports them in the order their
// promises settle, the compiled evaluators in definition order: results are compared after sorting by
// priority (highest first) and name, and the priority sequence itself must match. The two evaluators
// must also agree with each other exactly: same order, same errors, same values.
import { isDeepStrictEqual } from 'node:util';
import { JSONPath } from 'jsonpath-plus';
import { Engine, type EngineResult, type RuleResult } from 'json-rules-engine';
import { expect } from 'vitest';
import { evaluatedFactValues } from '../../../../src/stages/rules/factValues.js';
import {
  compileRules,
  RuleRunError,
  type CompiledRules,
  type RuleDefinition,
  type RuleResults,
  type RulesRun,
} from '../../../../src/stages/rules/compile.js';

export interface RulesCase {
  readonly rules: readonly RuleDefinition[];
  readonly facts: Readonly<Record<string, unknown>>;
  readonly allowUndefinedFacts?: boolean;
  readonly allowUndefinedConditions?: boolean;
  readonly conditions?: Readonly<Record<string, unknown>>;
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** A fresh engine on copies: json-rules-engine rewrites condition priorities of the objects it is given. */
export function engineFor(rulesCase: RulesCase, rules: readonly RuleDefinition[] = rulesCase.rules): Engine {
  const engine = new Engine(structuredClone(rules) as never, {
    allowUndefinedFacts: rulesCase.allowUndefinedFacts ?? false,
    allowUndefinedConditions: rulesCase.allowUndefinedConditions ?? false,
  });
  for (const [name, condition] of Object.entries(rulesCase.conditions ?? {}))
    engine.setCondition(name, structuredClone(condition) as never);
  return engine;
}

export async function runEngine(rulesCase: RulesCase, rules?: readonly RuleDefinition[]): Promise<Outcome<EngineResult>> {
  try {
    return { ok: true, value: await engineFor(rulesCase, rules).run(rulesCase.facts as Record<string, unknown>) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** compileRules' two evaluators: the differential tests hold each to Engine.run, and to each other. */
export const EVALUATORS = ['generated', 'closures'] as const;
export type EvaluatorName = (typeof EVALUATORS)[number];

// Cases that share their rules (the shipped packs over many facts) share the compiled pack too.
const compiledPacks = new WeakMap<object, Map<string, CompiledRules>>();

export function compileCase(rulesCase: RulesCase, evaluator: EvaluatorName = 'generated'): CompiledRules {
  const key = JSON.stringify([evaluator, rulesCase.allowUndefinedFacts, rulesCase.allowUndefinedConditions]);
  const shared = rulesCase.conditions === undefined ? compiledPacks.get(rulesCase.rules)?.get(key) : undefined;
  if (shared !== undefined) return shared;
  const outcome = compileRules(structuredClone(rulesCase.rules), {
    allowUndefinedFacts: rulesCase.allowUndefinedFacts ?? false,
    allowUndefinedConditions: rulesCase.allowUndefinedConditions ?? false,
    conditions: rulesCase.conditions ?? {},
    codegen: evaluator === 'generated',
  });
  if (!outcome.compiled) throw new Error(`expected the case to compile: ${outcome.reason}`);
  expect(outcome.rules.evaluator).toBe(evaluator);
  if (rulesCase.conditions === undefined) {
    if (!compiledPacks.has(rulesCase.rules)) compiledPacks.set(rulesCase.rules, new Map());
    compiledPacks.get(rulesCase.rules)!.set(key, outcome.rules);
  }
  return outcome.rules;
}

export function runCompiled(rulesCase: RulesCase, evaluator: EvaluatorName = 'generated'): Outcome<RulesRun> {
  const compiled = compileCase(rulesCase, evaluator);
  try {
    return { ok: true, value: compiled.run(rulesCase.facts) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A value's own enumerable properties, recursively: class instances (Condition, RuleResult) become data. */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, { value: plain((value as Record<string, unknown>)[key]), enumerable: true, writable: true });
  }
  return out;
}

const byPriorityThenName = (a: { priority?: unknown; name?: unknown }, b: { priority?: unknown; name?: unknown }) =>
  Number(b.priority) - Number(a.priority) || String(a.name).localeCompare(String(b.name));

/** What an error is, for comparison: json-rules-engine's undefined fact, an operator's TypeError, or a plain Error. */
export function describeError(error: unknown): string {
  const cause = error instanceof RuleRunError ? error.cause : error;
  const kind =
    (cause as { code?: unknown }).code === 'UNDEFINED_FACT' ? 'undefined fact' : cause instanceof TypeError ? 'TypeError' : 'Error';
  return `${kind}: ${(cause as Error).message}`;
}

/**
 * Runs the case on Engine.run and on both evaluators and asserts they agree; returns the engine's
 * outcome for further checks.
 */
export async function expectSameAsEngine(rulesCase: RulesCase): Promise<Outcome<EngineResult>> {
  const engine = await runEngine(rulesCase);
  const [generated, closures] = EVALUATORS.map((evaluator) => runCompiled(rulesCase, evaluator)) as [Outcome<RulesRun>, Outcome<RulesRun>];
  expectSameRuns(generated, closures);
  if (!engine.ok || !generated.ok) {
    const told = (outcome: Outcome<unknown>) => (outcome.ok ? 'no error' : describeError(outcome.error));
    expect(generated.ok, `Engine.run: ${told(engine)}; compiled: ${told(generated)}`).toBe(engine.ok);
    if (!engine.ok && !generated.ok) await expectSameError(rulesCase, engine.error, generated.error);
    return engine;
  }
  expectSameResults(engine.value, generated.value);
  return engine;
}

/** The generated evaluator and the closures, exactly alike: lists in order, values, results and errors. */
export function expectSameRuns(generated: Outcome<RulesRun>, closures: Outcome<RulesRun>): void {
  if (!generated.ok || !closures.ok) {
    expect(generated.ok, 'both evaluators throw, or neither').toBe(closures.ok);
    const [a, b] = [generated, closures].map((outcome) => (outcome as { error: unknown }).error);
    expect(a).toBeInstanceOf(RuleRunError);
    expect(b).toBeInstanceOf(RuleRunError);
    expect((a as RuleRunError).rule.index).toBe((b as RuleRunError).rule.index);
    expect(describeError(a)).toBe(describeError(b));
    return;
  }
  const [a, b] = [generated.value, closures.value];
  const seen = (run: RulesRun) => ({
    fired: run.fired.map((rule) => rule.index),
    failed: run.failed.map((rule) => rule.index),
    values: [...run.fired, ...run.failed].map((rule) => Object.entries(run.factValues(rule))),
    whole: Object.entries(run.evaluatedValues()),
    results: run.toRuleResults(),
  });
  const [seenA, seenB] = [seen(a), seen(b)];
  // node's deep strict equality (NaN equals NaN, -0 does not equal 0, prototypes count) is quick; the
  // matcher runs only to show a difference.
  if (!isDeepStrictEqual(seenA, seenB)) expect(seenA).toStrictEqual(seenB);
}

export function expectSameResults(engine: EngineResult, run: RulesRun): void {
  const compiled = run.toRuleResults();
  for (const [group, events] of [
    ['results', 'events'],
    ['failureResults', 'failureEvents'],
  ] as const) {
    // Engine.run lists a rule's event where it lists its result; the compiled evaluator too.
    engine[group].forEach((result, i) => expect(engine[events][i]).toBe(result.event));
    compiled[group].forEach((result, i) => expect(compiled[events][i]).toBe(result.event));
    expect(compiled[group].map((result) => result.priority)).toEqual(engine[group].map((result) => result.priority));
    expect(plain([...compiled[group]].sort(byPriorityThenName))).toStrictEqual(plain([...engine[group]].sort(byPriorityThenName)));
  }
  expectLeanRunAgrees(run, compiled, engine);
}

/**
 * The lean result (fired / failed, fact values) says what the JRE results say. Each engine result is
 * matched with a compiled rule of the same name whose values agree (names need not be unique).
 */
function expectLeanRunAgrees(run: RulesRun, compiled: RuleResults, engine: EngineResult): void {
  expect(run.fired.map((rule) => rule.name)).toEqual(compiled.results.map((result) => result.name));
  expect(run.failed.map((rule) => rule.name)).toEqual(compiled.failureResults.map((result) => result.name));
  for (const [results, rules] of [
    [engine.results, run.fired],
    [engine.failureResults, run.failed],
  ] as const) {
    const unmatched = [...rules];
    for (const result of results as RuleResult[]) {
      const fromEngine = plain(evaluatedFactValues(result.conditions));
      const match = unmatched.findIndex((rule) => rule.name === result.name && sameValues(run.factValues(rule), fromEngine));
      expect(match, `a compiled rule ${String(result.name)} reads ${JSON.stringify(fromEngine)}`).toBeGreaterThanOrEqual(0);
      unmatched.splice(match, 1);
    }
  }
  expectWholeRecordMergesRules(run);
}

/**
 * The run's one record (what a decision keeps) is every rule's record merged in evaluation order,
 * priority groups highest first and definition order inside one, a later read of a fact giving its
 * value; the rules' records are held to Engine.run's above.
 */
function expectWholeRecordMergesRules(run: RulesRun): void {
  const rules = [...run.fired, ...run.failed].sort((a, b) => b.priority - a.priority || a.index - b.index);
  const merged = new Map<string, unknown>();
  for (const rule of rules) for (const [fact, value] of Object.entries(run.factValues(rule))) merged.set(fact, value);
  const whole = Object.entries(run.evaluatedValues());
  // Map order is first-insertion order, as an object's keys are (no integer-like fact names here).
  if (!isDeepStrictEqual(whole, [...merged])) expect(whole).toStrictEqual([...merged]);
}

/** conditionValues.ts's record (values through its toFactValue, same keys in the same order) from the compiled values. */
function sameValues(values: Record<string, unknown>, fromEngine: unknown): boolean {
  // conditionValues.ts assigns values[fact]: a `__proto__` fact sets its prototype there (not here).
  if (Object.hasOwn(values, '__proto__')) return true;
  const asDecided = Object.entries(values).map(([fact, value]) => [
    fact,
    evaluatedFactValues({ fact, result: true, factResult: value })[fact],
  ]);
  const engineEntries = Object.entries(fromEngine as Record<string, unknown>);
  return (
    asDecided.length === engineEntries.length &&
    asDecided.every(([fact, value], i) => fact === engineEntries[i]![0] && Object.is(value, engineEntries[i]![1]))
  );
}

/**
 * Errors agree by kind and rule: both throw; the compiled evaluator names a rule of the first priority
 * group where some rule throws (run alone on the engine), the engine's error is one of that group's,
 * and when the rule has a single condition that can throw, the message is the engine's own.
 */
async function expectSameError(rulesCase: RulesCase, engineError: unknown, compiledError: unknown): Promise<void> {
  expect(compiledError).toBeInstanceOf(RuleRunError);
  const failing = await firstFailingGroup(rulesCase);
  expect(failing.map(({ error }) => describeError(error))).toContain(describeError(engineError));
  const own = failing.find(({ index }) => index === (compiledError as RuleRunError).rule.index);
  expect(own, `rule #${(compiledError as RuleRunError).rule.index} throws on the engine too`).toBeDefined();
  if (throwingSites(rulesCase, rulesCase.rules[own!.index]!) === 1) expect(describeError(compiledError)).toBe(describeError(own!.error));
}

async function firstFailingGroup(rulesCase: RulesCase): Promise<Array<{ index: number; error: unknown }>> {
  const priorities = [...new Set(rulesCase.rules.map(jrePriority))].sort((a, b) => b - a);
  for (const priority of priorities) {
    const failing: Array<{ index: number; error: unknown }> = [];
    for (const [index, rule] of rulesCase.rules.entries()) {
      if (jrePriority(rule) !== priority) continue;
      const alone = await runEngine(rulesCase, [rule]);
      if (!alone.ok) failing.push({ index, error: alone.error });
    }
    if (failing.length > 0) return failing;
  }
  return [];
}

const jrePriority = (rule: RuleDefinition) => Number.parseInt((rule.priority || 1) as string, 10);

/**
 * How many conditions of a rule could throw on these facts, short-circuit aside: reads of missing facts
 * (value side included), in / notIn on a value without indexOf, references to unknown conditions.
 */
export function throwingSites(rulesCase: RulesCase, rule: RuleDefinition): number {
  const missing = (fact: unknown) => !rulesCase.allowUndefinedFacts && !Object.hasOwn(rulesCase.facts, fact as string);
  const read = (fact: string, path: unknown) => {
    const value = rulesCase.facts[fact];
    return path && value !== null && typeof value === 'object' ? JSONPath({ path: path as string, json: value, wrap: false }) : value;
  };
  const visit = (node: Record<string, unknown>, seen: readonly string[]): number => {
    for (const kind of ['all', 'any'] as const) {
      if (Array.isArray(node[kind]))
        return (node[kind] as Array<Record<string, unknown>>).reduce((sum, child) => sum + visit(child, seen), 0);
    }
    if (node.not !== undefined) return visit(node.not as Record<string, unknown>, seen);
    if (Object.hasOwn(node, 'condition')) {
      const named = rulesCase.conditions?.[node.condition as string];
      if (named === undefined) return rulesCase.allowUndefinedConditions ? 0 : 1;
      return seen.includes(node.condition as string) ? 0 : visit(named as Record<string, unknown>, [...seen, node.condition as string]);
    }
    const value = node.value as Record<string, unknown> | null;
    const valueFact = value !== null && typeof value === 'object' && Object.hasOwn(value, 'fact') ? value : undefined;
    if (missing(node.fact) || (valueFact !== undefined && missing(valueFact.fact))) return 1;
    const operand = valueFact === undefined ? value : read(valueFact.fact as string, valueFact.path);
    const searchable = typeof operand === 'string' || Array.isArray(operand);
    return (node.operator === 'in' || node.operator === 'notIn') && !searchable ? 1 : 0;
  };
  return visit(rule.conditions as Record<string, unknown>, []);
}
