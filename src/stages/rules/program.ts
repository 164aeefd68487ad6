// What compileRules makes of a rule pack once it is validated: the condition tree with a slot for each
// result and value a run records, shared by the two evaluators (generated code and closures) and by
// the results built from a run. Also the errors a run throws.
import type { OperatorName } from './operators.js';
import type { PathKeys } from './path.js';

export type Facts = Readonly<Record<string, unknown>>;
/** Per run: what each condition recorded (undefined: not evaluated) and the values fact conditions read. */
export type Slots = readonly unknown[];
export type PlainObject = Record<string, unknown>;

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

interface NodeBase {
  /** The node's slot, where it records its result; -1 when it has none (see rootState in ruleResults.ts). */
  readonly id: number;
  /** A private copy of the condition as defined, for the JRE-shaped results. */
  readonly definition: PlainObject;
}
/** A fact read, after `path`: the value a fact condition compares, or its `{ fact, path }` value. */
export interface FactRead {
  readonly fact: string;
  readonly path: PathKeys | undefined;
  /** Where the value read is recorded. */
  readonly slot: number;
}
export interface FactNode extends NodeBase {
  readonly kind: 'fact';
  readonly operator: OperatorName;
  readonly read: FactRead;
  /** The `{ fact, path }` value, read before `read`; undefined when `value` is a constant (definition.value). */
  readonly valueRead: FactRead | undefined;
}
export interface BooleanNode extends NodeBase {
  readonly kind: 'all' | 'any' | 'not';
  readonly priority: number;
  readonly children: readonly ConditionNode[];
  /** all / any over two or more children: the children by priority group, highest first (rule.js prioritizeConditions). */
  readonly groups: ReadonlyArray<readonly ConditionNode[]>;
}
export interface ReferenceNode extends NodeBase {
  readonly kind: 'reference';
  /** The named condition, compiled for this reference; undefined when no condition has the name. */
  readonly target: ConditionNode | undefined;
  readonly name: unknown;
}
export type ConditionNode = FactNode | BooleanNode | ReferenceNode;

export interface Program {
  /** Definition order. */
  readonly rules: readonly CompiledRule[];
  readonly roots: readonly ConditionNode[];
  /** Rule indices in evaluation order: priority groups highest first, definition order inside one. */
  readonly order: readonly number[];
  readonly slotCount: number;
  readonly allowUndefinedFacts: boolean;
  readonly allowUndefinedConditions: boolean;
}

/** Evaluates every rule in evaluation order, or throws a RuleRunError. */
export type Evaluator = (facts: Facts) => Slots;

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
    super(`rule ${rule.name ?? `#${rule.index}`}: ${cause instanceof Error ? cause.message : 'failed'}`, { cause });
    this.name = 'RuleRunError';
    this.rule = rule;
  }
}

/** rule.js: a reference to a condition no one set (allowUndefinedConditions false). */
export function unknownConditionError(name: unknown): Error {
  return new Error(`No condition ${String(name)} exists`);
}
