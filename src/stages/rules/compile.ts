// Compiles json-rules-engine (7.3.1) rule definitions into a synchronous evaluator with Engine.run's
// results. This file validates a pack and builds its condition tree (program.ts); the tree runs as
// generated code (codegen.ts) or as closures (closures.ts; see CompileOptions.codegen); runs are read
// in ruleResults.ts.
//
// Semantics kept (rule.js, condition.js, almanac.js, engine.js):
// - rules run in priority groups, highest first; every rule of a group is evaluated. Inside a group
//   json-rules-engine reports rules in the order their promises settle; here, definition order;
// - `all` / `any` with two or more conditions group them by priority (a condition's own, else 1) and
//   evaluate group by group, highest first; every condition of a group is evaluated, and `all` stops
//   after a group with a false, `any` after a group with a true. One condition is evaluated alone;
//   none is true, for `any` as for `all`;
// - `{ condition: name }` evaluates the named condition (options.conditions, as engine.setCondition);
//   it is grouped by its own priority and shows the named condition's properties once evaluated;
// - facts are read as factReads.ts says, when (and only when) a condition reading them is evaluated;
// - a `value` of the form { fact, path } reads that fact; `path` reads inside object facts only.
// Refused at load (FK_RULE_INVALID, naming the rule): what json-rules-engine refuses when the engine is
// built, and what it accepts but would mistake, loop on or hand to jsonpath-plus: `path` outside the
// safe subset, reference cycles, `__proto__` keys, conditions of two kinds, result properties in a
// definition, priorities that are not numbers, non-string fact names. Not compiled (`compiled: false`
// with the reason; run Engine.run): operators that are not built in (custom ones, decorators),
// onSuccess / onFailure, values that are not plain data, non-string rule names.
import { ErrorCode, FengkongError } from '../../errors.js';
import { closureEvaluator } from './closures.js';
import { generatedEvaluator } from './codegen.js';
import { BUILT_IN_OPERATORS, type OperatorName } from './operators.js';
import { parseSafePath, type PathKeys } from './path.js';
import {
  type CompiledRule,
  type ConditionNode,
  type FactNode,
  type FactRead,
  type PlainObject,
  type Program,
  type ReferenceNode,
  type RuleEvent,
  type Slots,
} from './program.js';
import { planRuns, Run, type RulesRun } from './ruleResults.js';
import { generatedValueBuilders } from './valueCodegen.js';

export { RuleRunError, UndefinedFactError, type CompiledRule, type RuleEvent } from './program.js';
export type { RuleResultData, RuleResults, RulesRun } from './ruleResults.js';

/** A rule as given to `new Engine(rules)`. */
export interface RuleDefinition {
  readonly name?: unknown;
  readonly priority?: unknown;
  readonly conditions: unknown;
  readonly event: unknown;
}

export interface CompileOptions {
  /** json-rules-engine's engine option: a missing fact reads as undefined instead of throwing. */
  readonly allowUndefinedFacts?: boolean;
  /** json-rules-engine's engine option: a reference to an unknown condition is false instead of throwing. */
  readonly allowUndefinedConditions?: boolean;
  /** Named conditions for `{ condition: name }`, as `engine.setCondition(name, condition)` registers them. */
  readonly conditions?: Readonly<Record<string, unknown>>;
  /**
   * Generate the evaluator's code (default true; codegen.ts says what goes into it). With false, on a
   * host that forbids `new Function` (a content security policy, `--disallow-code-generation-from-strings`),
   * or for a pack too large for V8 to optimize the generated function (some 150 simple rules and more),
   * closures run: the same results, more slowly.
   */
  readonly codegen?: boolean;
}

export interface CompiledRules {
  /** In definition order. */
  readonly rules: readonly CompiledRule[];
  /** Which evaluator runs: generated code, or closures (see CompileOptions.codegen). */
  readonly evaluator: 'generated' | 'closures';
  /** Evaluates every rule over plain-data facts (own properties; no functions, promises or Fact objects). */
  run(facts: Readonly<Record<string, unknown>>): RulesRun;
}

export type CompileOutcome =
  | { readonly compiled: true; readonly rules: CompiledRules }
  | { readonly compiled: false; /** Why the pack needs Engine.run, naming the rule. */ readonly reason: string };

interface Context {
  readonly options: CompileOptions;
  readonly named: ReadonlyMap<string, unknown>;
  /** What errors name: `rule R_X`, or `condition name` while named conditions are checked. */
  rule: string;
  conditionCount: number;
  valueCount: number;
  readonly referencing: string[];
  unsupported: string | undefined;
}

const KINDS = ['any', 'all', 'not', 'condition', 'fact'] as const;
const RESULT_KEYS = ['result', 'factResult', 'valueResult'];

export function compileRules(definitions: readonly RuleDefinition[], options: CompileOptions = {}): CompileOutcome {
  const named = new Map<string, unknown>();
  for (const [name, condition] of Object.entries(options.conditions ?? {})) {
    if (name === '') throw invalid(`condition ""`, 'a named condition needs a name');
    named.set(name, condition);
  }
  const context: Context = { options, named, rule: '', conditionCount: 0, valueCount: 0, referencing: [], unsupported: undefined };
  // engine.setCondition checks every named condition, used or not; only the used ones need compiling.
  for (const [name, condition] of named) {
    context.rule = `condition ${name}`;
    context.referencing.push(name);
    compileRoot(condition, context);
    context.referencing.pop();
  }
  context.conditionCount = 0;
  context.valueCount = 0;
  context.unsupported = undefined;
  const rules: CompiledRule[] = [];
  const roots: ConditionNode[] = [];
  definitions.forEach((definition, index) => {
    const compiled = compileRule(definition, index, context);
    rules.push(compiled.rule);
    roots.push(compiled.root);
  });
  if (context.unsupported !== undefined) return { compiled: false, reason: context.unsupported };
  const stateBase = context.valueCount;
  const program: Program = {
    rules,
    roots,
    order: rules.map((_, index) => index).sort((a, b) => rules[b]!.priority - rules[a]!.priority || a - b),
    stateBase,
    conditionCount: context.conditionCount,
    allowUndefinedFacts: options.allowUndefinedFacts === true,
    allowUndefinedConditions: options.allowUndefinedConditions === true,
  };
  // The decision's value records are built by generated literals where a rule allows (valueCodegen.ts).
  const builders = options.codegen === false ? undefined : generatedValueBuilders(program);
  const finishing = (packedStates: boolean) => {
    const plan = planRuns(program, packedStates, builders);
    return (slots: Slots, fired: CompiledRule[], failed: CompiledRule[]): RulesRun => new Run(plan, slots, fired, failed);
  };
  const generated = options.codegen === false ? undefined : generatedEvaluator(program, finishing(true));
  const run = generated ?? closureEvaluator(program, finishing(false));
  return { compiled: true, rules: { rules, evaluator: generated === undefined ? 'closures' : 'generated', run } };
}

function compileRule(definition: unknown, index: number, context: Context) {
  context.rule = `rule #${index}`;
  if (!isObject(definition)) throw invalid(context.rule, 'a rule must be an object');
  const named = definition.name || definition.name === 0 ? definition.name : undefined;
  if (typeof named === 'string') context.rule = `rule ${named}`;
  for (const key of ['event', 'conditions']) {
    if (!Object.hasOwn(definition, key)) throw invalid(context.rule, `Engine: addRule() argument requires "${key}" property`);
  }
  if (named !== undefined && typeof named !== 'string') unsupported(context, 'a name that is not a string');
  if (definition.onSuccess || definition.onFailure) unsupported(context, 'onSuccess / onFailure handlers');
  const priority = Number.parseInt((definition.priority || 1) as string, 10);
  if (!(priority > 0)) throw invalid(context.rule, 'priority must be a number greater than zero');
  const given = definition.event || { type: 'unknown' };
  if (!isObject(given) || !Object.hasOwn(given, 'type')) throw invalid(context.rule, 'the event needs a "type"');
  const event = checkData(given.params ? { type: given.type, params: given.params } : { type: given.type }, 'event', context) as RuleEvent;
  const root = compileRoot(definition.conditions, context);
  return { rule: Object.freeze({ index, name: named as string | undefined, priority, event: deepFreeze(event) }), root };
}

function compileRoot(conditions: unknown, context: Context): ConditionNode {
  if (!isObject(conditions) || !['all', 'any', 'not', 'condition'].some((key) => Object.hasOwn(conditions, key))) {
    throw invalid(context.rule, '"conditions" root must contain a single instance of "all", "any", "not", or "condition"');
  }
  return compileCondition(conditions, 'conditions', context);
}

function compileCondition(condition: unknown, where: string, context: Context): ConditionNode {
  if (!isObject(condition)) throw invalid(context.rule, `${where}: a condition must be an object`);
  const kinds = KINDS.filter((kind) => Object.hasOwn(condition, kind));
  if (kinds.length !== 1) throw invalid(context.rule, `${where}: a condition needs exactly one of all, any, not, condition, fact`);
  if (RESULT_KEYS.some((key) => Object.hasOwn(condition, key)))
    throw invalid(context.rule, `${where}: result properties are set by the engine`);
  const definition = checkData(condition, where, context) as PlainObject;
  const kind = kinds[0]!;
  if (kind === 'fact') return compileFact(condition, definition, where, context);
  if (kind === 'condition') return compileReference(condition, definition, where, context);
  // condition.js: a boolean condition's priority is parseInt(priority) || 1.
  const priority = Number.parseInt(condition.priority as string, 10) || 1;
  const nested = condition[kind];
  if (kind === 'not') {
    if (Array.isArray(nested)) throw invalid(context.rule, `${where}: "not" cannot be an array`);
    const child = compileCondition(nested, `${where}.not`, context);
    return { kind, id: -1, definition, priority, children: [child], groups: [] };
  }
  if (!Array.isArray(nested)) throw invalid(context.rule, `${where}: "${kind}" must be an array`);
  const children = nested.map((child, i) => compileCondition(child, `${where}.${kind}[${i}]`, context));
  if (children.length === 1) return { kind, id: -1, definition, priority, children, groups: [] };
  return { kind, id: context.conditionCount++, definition, priority, children, groups: priorityGroups(children) };
}

/**
 * rule.js prioritizeConditions over two or more conditions (one is evaluated alone, none is true):
 * the conditions by priority, highest first, definition order inside a priority.
 */
function priorityGroups(children: readonly ConditionNode[]): ConditionNode[][] {
  const byPriority = new Map<number, ConditionNode[]>();
  for (const child of children) {
    const priority = groupPriority(child);
    byPriority.set(priority, [...(byPriority.get(priority) ?? []), child]);
  }
  return [...byPriority.entries()].sort(([a], [b]) => b - a).map(([, group]) => group);
}

/** The condition's priority if truthy, else its fact's (engine facts: none, so 1). */
function groupPriority(node: ConditionNode): number {
  if (node.kind !== 'fact' && node.kind !== 'reference') return node.priority;
  return (node.definition.priority as number) || 1;
}

function compileFact(condition: PlainObject, definition: PlainObject, where: string, context: Context): FactNode {
  for (const key of ['operator', 'value']) {
    if (!Object.hasOwn(condition, key)) throw invalid(context.rule, `${where}: Condition: constructor "${key}" property required`);
  }
  const fact = condition.fact;
  if (typeof fact !== 'string') throw invalid(context.rule, `${where}: "fact" must be a string`);
  checkPriority(condition, where, context);
  const path = pathOf(condition.path, `${where}.path`, context);
  const operator = condition.operator as OperatorName;
  if (!BUILT_IN_OPERATORS.has(operator)) unsupported(context, `${where}: operator "${String(operator)}" is not built in`);
  const id = context.conditionCount++;
  const read: FactRead = { fact, path, slot: context.valueCount++ };
  const { value } = definition;
  if (!isObject(value) || !Object.hasOwn(value, 'fact')) return { kind: 'fact', id, definition, operator, read, valueRead: undefined };
  // almanac.js getValue: { fact, path } reads that fact.
  if (typeof value.fact !== 'string') throw invalid(context.rule, `${where}.value: "fact" must be a string`);
  const valueRead: FactRead = { fact: value.fact, path: pathOf(value.path, `${where}.value.path`, context), slot: context.valueCount++ };
  return { kind: 'fact', id, definition, operator, read, valueRead };
}

function compileReference(condition: PlainObject, definition: PlainObject, where: string, context: Context): ReferenceNode {
  checkPriority(condition, where, context);
  const name = condition.condition;
  if (typeof name !== 'string' || !context.named.has(name)) {
    return { kind: 'reference', id: context.conditionCount++, definition, target: undefined, name };
  }
  if (context.referencing.includes(name)) {
    throw invalid(context.rule, `${where}: condition "${name}" refers to itself (${[...context.referencing, name].join(' → ')})`);
  }
  context.referencing.push(name);
  const target = compileRoot(context.named.get(name), context);
  context.referencing.pop();
  return { kind: 'reference', id: -1, definition, target, name };
}

/** almanac.js: a falsy path reads the fact itself; any other must be in the safe subset. */
function pathOf(path: unknown, where: string, context: Context): PathKeys | undefined {
  if (!path) return undefined;
  if (typeof path !== 'string') throw invalid(context.rule, `${where}: a path must be a string`);
  const parsed = parseSafePath(path);
  if ('error' in parsed) throw invalid(context.rule, `${where}: path "${path}" ${parsed.error}`);
  return parsed.keys;
}

/** A truthy priority that is not a number would make json-rules-engine's group sort inconsistent. */
function checkPriority(condition: PlainObject, where: string, context: Context): void {
  const { priority } = condition;
  if (priority && typeof priority !== 'number') throw invalid(context.rule, `${where}: priority must be a number`);
}

/** A private copy of plain data; other values (functions, dates, class instances) need Engine.run. */
function checkData(value: unknown, where: string, context: Context): unknown {
  if (typeof value === 'function') unsupported(context, `${where}: a function`);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item, i) => checkData(item, `${where}[${i}]`, context));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) unsupported(context, `${where}: a value that is not plain data`);
  if (Object.hasOwn(value, '__proto__')) throw invalid(context.rule, `${where}: a "__proto__" key`);
  const copy = Object.create(prototype as object | null) as PlainObject;
  for (const key of Object.keys(value)) copy[key] = checkData((value as PlainObject)[key], `${where}.${key}`, context);
  return copy;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function isObject(value: unknown): value is PlainObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function unsupported(context: Context, what: string): void {
  context.unsupported ??= `${context.rule}: ${what} needs Engine.run`;
}

function invalid(where: string, message: string): FengkongError {
  return new FengkongError(ErrorCode.RULE_INVALID, `${where}: ${message}`);
}
