// What compileRules makes of a rule pack once it is validated: the condition tree, numbered for what a
// run records, shared by the two evaluators (generated code and closures) and by the results read
// from a run. Also the errors a run throws.
import type { OperatorName } from './operators.js';
import type { PathKeys } from './path.js';

export type Facts = Readonly<Record<string, unknown>>;
/**
 * What one run records, in one array: the values fact conditions read (`FactRead.slot`), then each
 * condition's state. The generated code packs the states, two bits each (STATE_FALSE / STATE_TRUE;
 * 0: not evaluated), STATES_PER_WORD to an integer: it keeps them in local variables and makes the
 * array once, and fewer elements make it sooner. The closures store one state per condition
 * (undefined / false / true): they write as they go, and a plain store beats a read-modify-write.
 */
export type Slots = readonly unknown[];
export const STATES_PER_WORD = 15;
/** Evaluated; STATE_TRUE adds the result bit above it. */
export const STATE_FALSE = 1;
export const STATE_TRUE = 3;
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
  /** The node's condition number, for its state; -1 when it records none (see stateHolder in ruleResults.ts). */
  readonly id: number;
  /** A private copy of the condition as defined, for the JRE-shaped results. */
  readonly definition: PlainObject;
}
/** A fact read, after `path`: the value a fact condition compares, or its `{ fact, path }` value. */
export interface FactRead {
  readonly fact: string;
  readonly path: PathKeys | undefined;
  /** Where the value read is recorded: a slot below Program.stateBase. */
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
  /** Slots (see Slots): values below stateBase, condition states from it. */
  readonly stateBase: number;
  readonly conditionCount: number;
  readonly allowUndefinedFacts: boolean;
  readonly allowUndefinedConditions: boolean;
}

/** The slot and shift of a condition's packed state. */
export function stateWord(program: Program, id: number): { readonly slot: number; readonly shift: number } {
  return { slot: program.stateBase + Math.floor(id / STATES_PER_WORD), shift: 2 * (id % STATES_PER_WORD) };
}

/**
 * Evaluates every rule in evaluation order and hands `finish` the slots and the rules that fired and
 * failed (evaluation order), or throws a RuleRunError.
 */
export type Evaluator<Run> = (facts: Facts) => Run;
export type Finish<Run> = (slots: Slots, fired: CompiledRule[], failed: CompiledRule[]) => Run;

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
