// Compiles json-rules-engine (7.3.1) rule definitions into a synchronous evaluator with Engine.run's
// results: plain closures built once from the validated structure, never code from a string.
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
// - facts are the properties of a plain facts object, as json-rules-engine's `for...in` over it finds
//   them; a name Object.prototype defines counts only as an own property (a missing `constructor` fact
//   is missing, not Object). A missing fact reads as undefined under allowUndefinedFacts and otherwise
//   throws, when (and only when) a condition reading it is evaluated;
// - a `value` of the form { fact, path } reads that fact; `path` reads inside object facts only.
// Refused at load (FK_RULE_INVALID, naming the rule): what json-rules-engine refuses when the engine is
// built, and what it accepts but would mistake, loop on or hand to jsonpath-plus: `path` outside the
// safe subset, reference cycles, `__proto__` keys, conditions of two kinds, result properties in a
// definition, priorities that are not numbers, non-string fact names. Not compiled (`compiled: false`
// with the reason; run Engine.run): operators that are not built in (custom ones, decorators),
// onSuccess / onFailure, values that are not plain data, non-string rule names.
import { ErrorCode, FengkongError } from '../../errors.js';
import {
  BUILT_IN_OPERATORS,
  contains,
  doesNotContain,
  equal,
  greaterThan,
  greaterThanInclusive,
  isIn,
  lessThan,
  lessThanInclusive,
  notEqual,
  notIn,
  type OperatorEvaluator,
  type OperatorName,
} from './operators.js';
import { parseSafePath, walkPath, type PathKeys } from './path.js';

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
}

export interface RuleEvent {
  readonly type: unknown;
  readonly params?: unknown;
}

export interface CompiledRule {
  /** Position among the definitions compiled. */
  readonly index: number;
  readonly name: string | undefined;
  /** As json-rules-engine keeps it: parseInt of the given priority, 1 when missing or 0. */
  readonly priority: number;
  readonly event: RuleEvent;
}

export interface CompiledRules {
  /** In definition order. */
  readonly rules: readonly CompiledRule[];
  /** Evaluates every rule over plain-data facts (own properties; no functions, promises or Fact objects). */
  run(facts: Readonly<Record<string, unknown>>): RulesRun;
}

export type CompileOutcome =
  | { readonly compiled: true; readonly rules: CompiledRules }
  | { readonly compiled: false; /** Why the pack needs Engine.run, naming the rule. */ readonly reason: string };

/** json-rules-engine's RuleResult as data (own properties, no toJSON). */
export interface RuleResultData {
  readonly conditions: Record<string, unknown>;
  readonly event: RuleEvent;
  readonly priority: number;
  readonly name: string | undefined;
  readonly result: boolean;
}

/** The parts of Engine.run's result that depend on the rules and facts (no almanac). */
export interface RuleResults {
  readonly results: RuleResultData[];
  readonly failureResults: RuleResultData[];
  readonly events: RuleEvent[];
  readonly failureEvents: RuleEvent[];
}

/** json-rules-engine's UndefinedFactError (errors.js), which its package does not export. */
export class UndefinedFactError extends Error {
  readonly code = 'UNDEFINED_FACT';
  constructor(fact: string) {
    super(`Undefined fact: ${fact}`);
  }
}

/** What `run` throws: `cause` is the error Engine.run rejects with; `rule` the rule that raised it. */
export class RuleRunError extends Error {
  readonly rule: CompiledRule;
  constructor(rule: CompiledRule, cause: unknown) {
    super(`rule ${ruleLabel(rule.name, rule.index)}: ${cause instanceof Error ? cause.message : 'failed'}`, { cause });
    this.name = 'RuleRunError';
    this.rule = rule;
  }
}

type Facts = Readonly<Record<string, unknown>>;
/** Per run: the results conditions record (undefined: not evaluated) and the values fact conditions read. */
type Slots = unknown[];
type Evaluate = (facts: Facts, slots: Slots) => boolean;
type PlainObject = Record<string, unknown>;

interface NodeBase {
  /** The node's slot, where it records its result; -1 when it has none (see stateOf). */
  readonly id: number;
  /** A private copy of the condition as defined, for the JRE-shaped results. */
  readonly definition: PlainObject;
  readonly evaluate: Evaluate;
}
interface FactNode extends NodeBase {
  readonly kind: 'fact';
  readonly fact: string;
  readonly factSlot: number;
  /** -1 when `value` is a constant. */
  readonly valueSlot: number;
}
interface BooleanNode extends NodeBase {
  readonly kind: 'all' | 'any' | 'not';
  readonly priority: number;
  readonly children: readonly ConditionNode[];
}
interface ReferenceNode extends NodeBase {
  readonly kind: 'reference';
  readonly target: ConditionNode | undefined;
}
type ConditionNode = FactNode | BooleanNode | ReferenceNode;

interface Program {
  /** Definition order. */
  readonly rules: readonly CompiledRule[];
  readonly roots: readonly ConditionNode[];
  /** Root evaluators and rules in evaluation order: priority groups highest first, definition order inside one. */
  readonly orderedEvaluators: readonly Evaluate[];
  readonly orderedRules: readonly CompiledRule[];
  /** Fact conditions of each rule in tree order, references expanded. */
  readonly leaves: ReadonlyArray<readonly FactNode[]>;
  /** Rule indices in evaluation order. */
  readonly order: readonly number[];
  readonly slotCount: number;
}

interface Context {
  readonly options: CompileOptions;
  readonly named: ReadonlyMap<string, unknown>;
  /** What errors name: `rule R_X`, or `condition name` while named conditions are checked. */
  rule: string;
  slotCount: number;
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
  const context: Context = { options, named, rule: '', slotCount: 0, referencing: [], unsupported: undefined };
  // engine.setCondition checks every named condition, used or not; only the used ones need compiling.
  for (const [name, condition] of named) {
    context.rule = `condition ${name}`;
    context.referencing.push(name);
    compileRoot(condition, context);
    context.referencing.pop();
  }
  context.slotCount = 0;
  context.unsupported = undefined;
  const rules: CompiledRule[] = [];
  const roots: ConditionNode[] = [];
  definitions.forEach((definition, index) => {
    const compiled = compileRule(definition, index, context);
    rules.push(compiled.rule);
    roots.push(compiled.root);
  });
  if (context.unsupported !== undefined) return { compiled: false, reason: context.unsupported };
  const order = rules.map((_, index) => index).sort((a, b) => rules[b]!.priority - rules[a]!.priority || a - b);
  const program: Program = {
    rules,
    roots,
    orderedEvaluators: order.map((index) => roots[index]!.evaluate),
    orderedRules: order.map((index) => rules[index]!),
    leaves: roots.map(leavesOf),
    order,
    slotCount: context.slotCount,
  };
  return { compiled: true, rules: { rules, run: (facts) => runProgram(program, facts) } };
}

function runProgram(program: Program, facts: Facts): RulesRun {
  const slots: Slots = new Array(program.slotCount);
  const fired: CompiledRule[] = [];
  const failed: CompiledRule[] = [];
  const { orderedEvaluators, orderedRules } = program;
  let position = 0;
  try {
    for (; position < orderedEvaluators.length; position += 1) {
      if (orderedEvaluators[position]!(facts, slots)) fired.push(orderedRules[position]!);
      else failed.push(orderedRules[position]!);
    }
  } catch (cause) {
    throw new RuleRunError(orderedRules[position]!, cause);
  }
  return new Run(program, slots, fired, failed);
}

/** One run's outcome: which rules fired, the values their conditions read, and JRE's results on request. */
export interface RulesRun {
  /** Fired rules in evaluation order (priority groups highest first, definition order inside one). */
  readonly fired: readonly CompiledRule[];
  readonly failed: readonly CompiledRule[];
  /**
   * The facts the rule's evaluated conditions read and the values read (after `path`), in condition
   * order, a later read of a fact replacing an earlier one: what src/engine/conditionValues.ts reads
   * from a JRE rule result. `convert` maps each value as the record is built (toFactValue, say).
   */
  factValues(rule: CompiledRule): Record<string, unknown>;
  factValues<Value>(rule: CompiledRule, convert: (value: unknown) => Value): Record<string, Value>;
  /** Engine.run's results, events and failure events, built on request (the tests hold them equal). */
  toRuleResults(): RuleResults;
}

// A class, not a closure per run: the run keeps its slots and shares the methods. (TypeScript-private
// fields: V8 allocates a run with #private fields measurably slower.)
class Run implements RulesRun {
  private readonly program: Program;
  private readonly slots: Slots;
  readonly fired: readonly CompiledRule[];
  readonly failed: readonly CompiledRule[];

  constructor(program: Program, slots: Slots, fired: CompiledRule[], failed: CompiledRule[]) {
    this.program = program;
    this.slots = slots;
    this.fired = fired;
    this.failed = failed;
  }

  factValues(rule: CompiledRule, convert?: (value: unknown) => unknown): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const leaf of this.program.leaves[rule.index]!) {
      if (this.slots[leaf.id] === undefined) continue;
      const value = convert === undefined ? this.slots[leaf.factSlot] : convert(this.slots[leaf.factSlot]);
      // An own `__proto__` entry, not a new prototype.
      if (leaf.fact === '__proto__')
        Object.defineProperty(values, leaf.fact, { value, enumerable: true, writable: true, configurable: true });
      else values[leaf.fact] = value;
    }
    return values;
  }

  toRuleResults(): RuleResults {
    const out: RuleResults = { results: [], failureResults: [], events: [], failureEvents: [] };
    for (const index of this.program.order) {
      const rule = this.program.rules[index]!;
      const root = this.program.roots[index]!;
      const passed = stateOf(root, this.slots) === true;
      const event = cloneData(rule.event) as RuleEvent;
      const conditions = conditionResult(root, this.slots, root.kind === 'reference');
      (passed ? out.results : out.failureResults).push({ conditions, event, priority: rule.priority, name: rule.name, result: passed });
      (passed ? out.events : out.failureEvents).push(event);
    }
    return out;
  }
}

/**
 * A condition's result in a run, undefined when it was not evaluated. Only fact conditions and
 * conditions over several (or no) conditions record theirs: one over a single condition has its result
 * (`not`: the opposite), and a reference has its target's.
 */
function stateOf(node: ConditionNode, slots: Slots): boolean | undefined {
  if (node.id >= 0) return slots[node.id] as boolean | undefined;
  if (node.kind === 'reference') return stateOf(node.target!, slots);
  const child = stateOf((node as BooleanNode).children[0]!, slots);
  return node.kind === 'not' && child !== undefined ? !child : child;
}

/** A condition as json-rules-engine leaves it in a rule result (rule.js evaluate / realize). */
function conditionResult(node: ConditionNode, slots: Slots, withResult: boolean): PlainObject {
  const passed = stateOf(node, slots);
  if (node.kind === 'fact') {
    const out = cloneData(node.definition) as PlainObject;
    if (passed !== undefined) {
      out.factResult = slots[node.factSlot];
      out.valueResult = node.valueSlot >= 0 ? slots[node.valueSlot] : out.value;
      out.result = passed;
    }
    return out;
  }
  if (node.kind === 'reference') {
    const out = cloneData(node.definition) as PlainObject;
    if (passed === undefined) return out;
    // realize(): the reference loses `condition` and takes the named condition's properties, along a
    // chain of references; an unknown name leaves the reference as it is.
    let target = node.target;
    while (target !== undefined) {
      delete out.condition;
      Object.assign(out, target.kind === 'reference' ? cloneData(target.definition) : conditionResult(target, slots, false));
      target = target.kind === 'reference' ? target.target : undefined;
    }
    out.result = passed;
    return out;
  }
  const out: PlainObject = {};
  for (const key of Object.keys(node.definition)) {
    out[key] =
      key !== node.kind
        ? cloneData(node.definition[key])
        : node.kind === 'not'
          ? conditionResult(node.children[0]!, slots, true)
          : node.children.map((child) => conditionResult(child, slots, true));
  }
  out.operator = node.kind;
  out.priority = node.priority;
  if (withResult && passed !== undefined) out.result = passed;
  return out;
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
    const only = child.evaluate;
    return { kind, id: -1, definition, evaluate: (facts, slots) => !only(facts, slots), priority, children: [child] };
  }
  if (!Array.isArray(nested)) throw invalid(context.rule, `${where}: "${kind}" must be an array`);
  const children = nested.map((child, i) => compileCondition(child, `${where}.${kind}[${i}]`, context));
  if (children.length === 1) return { kind, id: -1, definition, evaluate: children[0]!.evaluate, priority, children };
  const id = context.slotCount++;
  return { kind, id, definition, evaluate: groupEvaluator(kind, id, children), priority, children };
}

/**
 * rule.js prioritizeAndRun over two or more conditions (one is evaluated alone, none is true): priority
 * groups, highest first; short-circuit only between groups.
 */
function groupEvaluator(kind: 'all' | 'any', id: number, children: readonly ConditionNode[]): Evaluate {
  if (children.length === 0) return (_facts, slots) => (slots[id] = true);
  const byPriority = new Map<number, Evaluate[]>();
  for (const child of children) {
    const priority = groupPriority(child);
    byPriority.set(priority, [...(byPriority.get(priority) ?? []), child.evaluate]);
  }
  const groups = [...byPriority.entries()].sort(([a], [b]) => b - a).map(([, group]) => group);
  const stopOn = kind === 'any';
  return (facts, slots) => {
    let decided = false;
    for (let g = 0; g < groups.length && !decided; g += 1) {
      const group = groups[g]!;
      for (let i = 0; i < group.length; i += 1) if (group[i]!(facts, slots) === stopOn) decided = true;
    }
    return (slots[id] = decided === stopOn);
  };
}

/** rule.js prioritizeConditions: the condition's priority if truthy, else its fact's (engine facts: none, so 1). */
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
  const operatorName = condition.operator as OperatorName;
  const operator = BUILT_IN_OPERATORS.get(operatorName);
  if (operator === undefined) unsupported(context, `${where}: operator "${String(operatorName)}" is not built in`);
  const id = context.slotCount++;
  const factSlot = context.slotCount++;
  const allowUndefined = context.options.allowUndefinedFacts === true;
  const read = readerOf(fact);
  const { value } = definition;
  if (isObject(value) && Object.hasOwn(value, 'fact')) {
    // almanac.js getValue: { fact, path } reads that fact; it is read before the condition's own fact.
    if (typeof value.fact !== 'string') throw invalid(context.rule, `${where}.value: "fact" must be a string`);
    const valueFact = value.fact;
    const readValue = readerOf(valueFact);
    const valuePath = pathOf(value.path, `${where}.value.path`, context);
    const valueSlot = context.slotCount++;
    const compare: OperatorEvaluator = operator ?? (() => false);
    const evaluate: Evaluate = (facts, slots) => {
      const jsonValue = (slots[valueSlot] = atPath(readValue(facts, valueFact, allowUndefined), valuePath));
      const factValue = (slots[factSlot] = atPath(read(facts, fact, allowUndefined), path));
      return (slots[id] = compare(factValue, jsonValue));
    };
    return { kind: 'fact', id, definition, evaluate, fact, factSlot, valueSlot };
  }
  // `definition` is a private copy that never leaves this module (results get clones of it), so an
  // object or array value is never identical to a fact, as in json-rules-engine, which compares with a
  // fresh clone per run: equal is false, in finds no object element.
  const readAtPath: FactReader = path === undefined ? read : (facts, name, allow) => atPath(read(facts, name, allow), path);
  const evaluate = operator === undefined ? () => false : LEAVES[operatorName](readAtPath, fact, value, id, factSlot, allowUndefined);
  return { kind: 'fact', id, definition, evaluate, fact, factSlot, valueSlot: -1 };
}

type FactReader = (facts: Facts, fact: string, allowUndefined: boolean) => unknown;
type LeafFactory = (read: FactReader, fact: string, b: unknown, id: number, slot: number, allowUndefined: boolean) => Evaluate;

// A condition with a constant value gets a closure literal per operator: each has its own call
// feedback, so V8 inlines the operator instead of calling ten through one shared site.
const LEAVES: Record<OperatorName, LeafFactory> = {
  equal: (read, fact, b, id, slot, allow) => (facts, slots) => (slots[id] = equal((slots[slot] = read(facts, fact, allow)), b)),
  notEqual: (read, fact, b, id, slot, allow) => (facts, slots) => (slots[id] = notEqual((slots[slot] = read(facts, fact, allow)), b)),
  in: (read, fact, b, id, slot, allow) => (facts, slots) => (slots[id] = isIn((slots[slot] = read(facts, fact, allow)), b)),
  notIn: (read, fact, b, id, slot, allow) => (facts, slots) => (slots[id] = notIn((slots[slot] = read(facts, fact, allow)), b)),
  contains: (read, fact, b, id, slot, allow) => (facts, slots) => (slots[id] = contains((slots[slot] = read(facts, fact, allow)), b)),
  doesNotContain: (read, fact, b, id, slot, allow) => (facts, slots) =>
    (slots[id] = doesNotContain((slots[slot] = read(facts, fact, allow)), b)),
  lessThan: (read, fact, b, id, slot, allow) => (facts, slots) => (slots[id] = lessThan((slots[slot] = read(facts, fact, allow)), b)),
  lessThanInclusive: (read, fact, b, id, slot, allow) => (facts, slots) =>
    (slots[id] = lessThanInclusive((slots[slot] = read(facts, fact, allow)), b)),
  greaterThan: (read, fact, b, id, slot, allow) => (facts, slots) => (slots[id] = greaterThan((slots[slot] = read(facts, fact, allow)), b)),
  greaterThanInclusive: (read, fact, b, id, slot, allow) => (facts, slots) =>
    (slots[id] = greaterThanInclusive((slots[slot] = read(facts, fact, allow)), b)),
};

/**
 * Facts are the facts object's properties, as json-rules-engine's `for...in` over it sees them (a plain
 * object's own enumerable properties). A name Object.prototype defines (constructor, toString,
 * __proto__, ...) is read as an own property only; any other is read directly, with an own-property
 * check only when the read gives undefined (missing, or present as undefined).
 */
function readerOf(fact: string): FactReader {
  return fact in Object.prototype ? readOwnProperty : readProperty;
}

function readProperty(facts: Facts, fact: string, allowUndefined: boolean): unknown {
  const value = facts[fact];
  if (value === undefined && !allowUndefined && !Object.hasOwn(facts, fact)) throw new UndefinedFactError(fact);
  return value;
}

function readOwnProperty(facts: Facts, fact: string, allowUndefined: boolean): unknown {
  if (Object.hasOwn(facts, fact)) return facts[fact];
  if (allowUndefined) return undefined;
  throw new UndefinedFactError(fact);
}

/** almanac.js factValue: `path` applies to object facts; any other value is the fact itself. */
function atPath(value: unknown, path: PathKeys | undefined): unknown {
  return path !== undefined && value !== null && typeof value === 'object' ? walkPath(value, path) : value;
}

function compileReference(condition: PlainObject, definition: PlainObject, where: string, context: Context): ReferenceNode {
  checkPriority(condition, where, context);
  const name = condition.condition;
  const known = typeof name === 'string' && context.named.has(name);
  if (!known) {
    const id = context.slotCount++;
    const evaluate: Evaluate = context.options.allowUndefinedConditions
      ? (_facts, slots) => (slots[id] = false)
      : () => {
          throw new Error(`No condition ${String(name)} exists`);
        };
    return { kind: 'reference', id, definition, evaluate, target: undefined };
  }
  if (context.referencing.includes(name)) {
    throw invalid(context.rule, `${where}: condition "${name}" refers to itself (${[...context.referencing, name].join(' → ')})`);
  }
  context.referencing.push(name);
  const target = compileRoot(context.named.get(name), context);
  context.referencing.pop();
  return { kind: 'reference', id: -1, definition, evaluate: target.evaluate, target };
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

/** Deep copy of data that checkData accepted. */
function cloneData(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneData);
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as PlainObject;
  for (const key of Object.keys(value)) copy[key] = cloneData((value as PlainObject)[key]);
  return copy;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function leavesOf(node: ConditionNode): FactNode[] {
  if (node.kind === 'fact') return [node];
  if (node.kind === 'reference') return node.target === undefined ? [] : leavesOf(node.target);
  return node.children.flatMap(leavesOf);
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

function ruleLabel(name: string | undefined, index: number): string {
  return name ?? `#${index}`;
}
