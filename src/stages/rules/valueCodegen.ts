// Generated builders of the records a decision shows: the record of one rule (the facts its evaluated
// conditions read, with the values read: ruleResults.ts Run.factValues), and the record of the whole
// run (every fact an evaluated condition of any rule read, once: Run.evaluatedValues, which the rule
// stage keeps as stages.rules.values). A record made key by key costs some 15 ns a key here (every
// record a new hidden class, every store a lookup); an object literal costs a third of that, as V8
// copies a boilerplate. The literal needs the fact names in its source: each is written as a string
// literal of \uXXXX escapes only, one per UTF-16 code unit, so no character of a name reaches the
// source as itself and the literal cannot end before its closing quote (sourceCheck.ts accepts no
// other string literal in a builder).
//
// A builder serves a rule whose fact conditions are all evaluated whenever the rule is (no condition
// in a later priority group, where json-rules-engine may stop before it): its record then has the same
// keys on every run, in the same order as the record made key by key (the first read of a fact places
// it, the last gives its value, as a literal with a repeated key does). The whole run's builder exists
// when every rule is served; one rule with condition priority groups, or reading a fact named
// `__proto__` (a literal's `__proto__:` sets the prototype), leaves the records to be made key by key.
import { int } from './codegen.js';
import { checkSource } from './sourceCheck.js';
import type { ConditionNode, FactNode, Program, Slots } from './program.js';

/** A record built from the slots: `convert` maps each value read (toFactValue, say). */
export type ValueBuilder = (slots: Slots, convert: (value: unknown) => unknown) => Record<string, unknown>;

export interface ValueBuilders {
  /** The record of each rule (definition order), where a builder serves it. */
  readonly perRule: ReadonlyArray<ValueBuilder | undefined>;
  /**
   * The record of the whole run (every fact an evaluated condition read, once), when every rule's
   * conditions are evaluated whenever the pack runs: the rules run in their priority groups, every
   * one of them, so what decides is each rule's own tree.
   */
  readonly whole: ValueBuilder | undefined;
}

/**
 * A builder for each rule (definition order) that one can serve, else undefined, and one for the
 * whole run; all undefined when the host forbids generating code.
 */
export function generatedValueBuilders(program: Program): ValueBuilders {
  const served = program.roots.map((root) => {
    const leaves = alwaysEvaluatedLeaves(root);
    return leaves === undefined || leaves.some((leaf) => leaf.read.fact === '__proto__') ? undefined : leaves;
  });
  const builder = (leaves: readonly FactNode[]): string =>
    `function (slots, convert) { return { ${leaves.map((leaf) => `${escapedKey(leaf.read.fact)}: convert(slots[${int(leaf.read.slot)}])`).join(', ')} }; }`;
  const lines = served.map((leaves, index) => (leaves === undefined ? '' : `builders[${int(index)}] = ${builder(leaves)};`));
  // The whole run in evaluation order (json-rules-engine's, and Run.evaluatedValues'): a later read of
  // a fact gives its value, as a literal with a repeated key does.
  const wholeLeaves = served.every((leaves) => leaves !== undefined) ? program.order.flatMap((index) => served[index]!) : undefined;
  const source = [
    `'use strict';`,
    `const builders = [];`,
    ...lines,
    `const whole = ${wholeLeaves === undefined ? 'undefined' : builder(wholeLeaves)};`,
    `return { perRule: builders, whole };`,
  ].join('\n');
  checkSource(source, { escapedKeys: true });
  let builders: ValueBuilders;
  try {
    builders = (new Function(source) as () => ValueBuilders)();
  } catch (error) {
    if (error instanceof EvalError) return { perRule: program.roots.map(() => undefined), whole: undefined };
    throw error;
  }
  // Values read sit below stateBase in the slots (program.ts Slots).
  for (const builder of [builders.whole, ...builders.perRule]) if (builder !== undefined) primeRecordShape(builder, program.stateBase);
  return builders;
}

/**
 * A record's fields take the representation of the first values stored in them: fields that first see
 * fractional numbers hold them unboxed, and every record built then boxes each number anew (on the
 * shipped packs, twice the record's cost). Building a record or two from values of every kind first
 * makes the fields general, so a number is stored as the reference the facts already hold.
 */
function primeRecordShape(builder: ValueBuilder, slotCount: number): void {
  for (const value of [null, '', true, 0, 0.5]) builder(new Array<unknown>(slotCount).fill(value), (read) => read);
}

/**
 * The fact conditions under `node` in tree order (references expanded), when every one is evaluated
 * whenever `node` is; undefined when one may not be (it sits in a later priority group of an all / any).
 */
function alwaysEvaluatedLeaves(node: ConditionNode): FactNode[] | undefined {
  if (node.kind === 'fact') return [node];
  if (node.kind === 'reference') return node.target === undefined ? [] : alwaysEvaluatedLeaves(node.target);
  if (node.groups.length > 1) return undefined;
  const leaves: FactNode[] = [];
  for (const child of node.children) {
    const under = alwaysEvaluatedLeaves(child);
    if (under === undefined) return undefined;
    leaves.push(...under);
  }
  return leaves;
}

/** A string literal of \uXXXX escapes, one per UTF-16 code unit (lone surrogates included). */
function escapedKey(name: string): string {
  let literal = '"';
  for (let i = 0; i < name.length; i += 1) literal += `\\u${name.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return `${literal}"`;
}
