// The closure evaluator: one closure per condition, built once from the compiled tree. It is the
// reference the generated evaluator (codegen.ts) is tested against, and what runs when code is not
// generated (`codegen: false`, or a host that forbids `new Function`).
import { atPath, isPrototypeName, readFact, readOwnFact } from './factReads.js';
import {
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
  type OperatorName,
} from './operators.js';
import {
  RuleRunError,
  unknownConditionError,
  type CompiledRule,
  type ConditionNode,
  type Evaluator,
  type Finish,
  type Facts,
  type FactRead,
  type Program,
} from './program.js';

type Evaluate = (facts: Facts, slots: unknown[]) => boolean;
type Read = (facts: Facts, fact: string, allowUndefined: boolean) => unknown;

export function closureEvaluator<Run>(program: Program, finish: Finish<Run>): Evaluator<Run> {
  const evaluators = program.order.map((index) => evaluatorOf(program.roots[index]!, program));
  const rules = program.order.map((index) => program.rules[index]!);
  const { stateBase, conditionCount } = program;
  return (facts) => {
    const slots: unknown[] = new Array(stateBase + conditionCount);
    const fired: CompiledRule[] = [];
    const failed: CompiledRule[] = [];
    let position = 0;
    try {
      for (; position < evaluators.length; position += 1) (evaluators[position]!(facts, slots) ? fired : failed).push(rules[position]!);
    } catch (cause) {
      throw new RuleRunError(rules[position]!, cause);
    }
    return finish(slots, fired, failed);
  };
}

function evaluatorOf(node: ConditionNode, program: Program): Evaluate {
  // Where the node records its state (program.ts Slots); a node without one (id -1) never writes it.
  const state = program.stateBase + node.id;
  if (node.kind === 'fact') {
    const allow = program.allowUndefinedFacts;
    const { fact, slot: factSlot } = node.read;
    const read = readerOf(node.read);
    if (node.valueRead === undefined) return LEAVES[node.operator](read, fact, allow, node.definition.value, factSlot, state);
    // almanac.js getValue: { fact, path } reads that fact; it is read before the condition's own fact.
    const { fact: valueFact, slot: valueSlot } = node.valueRead;
    const readValue = readerOf(node.valueRead);
    const compare = OPERATORS[node.operator];
    return (facts, slots) => {
      const jsonValue = (slots[valueSlot] = readValue(facts, valueFact, allow));
      return (slots[state] = compare((slots[factSlot] = read(facts, fact, allow)), jsonValue));
    };
  }
  if (node.kind === 'reference') {
    if (node.target !== undefined) return evaluatorOf(node.target, program);
    const { name } = node;
    if (program.allowUndefinedConditions) return (_facts, slots) => (slots[state] = false);
    return () => {
      throw unknownConditionError(name);
    };
  }
  if (node.kind === 'not') {
    const only = evaluatorOf(node.children[0]!, program);
    return (facts, slots) => !only(facts, slots);
  }
  if (node.children.length === 1) return evaluatorOf(node.children[0]!, program);
  if (node.children.length === 0) return (_facts, slots) => (slots[state] = true);
  // rule.js prioritizeAndRun: priority groups, highest first; short-circuit only between groups.
  const groups = node.groups.map((group) => group.map((child) => evaluatorOf(child, program)));
  const stopOn = node.kind === 'any';
  return (facts, slots) => {
    let decided = false;
    for (let g = 0; g < groups.length && !decided; g += 1) {
      const group = groups[g]!;
      for (let i = 0; i < group.length; i += 1) if (group[i]!(facts, slots) === stopOn) decided = true;
    }
    return (slots[state] = decided === stopOn);
  };
}

// A function of (facts, fact, allow) rather than a closure over them: the leaves call the same two
// functions, which V8 then inlines.
function readerOf({ fact, path }: FactRead): Read {
  const read: Read = isPrototypeName(fact) ? readOwnFact : readFact;
  return path === undefined ? read : (facts, name, allow) => atPath(read(facts, name, allow), path);
}

const OPERATORS: Record<OperatorName, (a: unknown, b: unknown) => boolean> = {
  equal,
  notEqual,
  in: isIn,
  notIn,
  contains,
  doesNotContain,
  lessThan,
  lessThanInclusive,
  greaterThan,
  greaterThanInclusive,
};

type LeafFactory = (read: Read, fact: string, allow: boolean, b: unknown, slot: number, state: number) => Evaluate;

// A condition with a constant value gets a closure literal per operator: each has its own call
// feedback, so V8 inlines the operator instead of calling ten through one shared site. The value is
// the definition's private copy, which never leaves the compiled pack (results get clones of it), so
// an object or array value is never identical to a fact, as in json-rules-engine, which compares with
// a fresh clone per run: equal is false, in finds no object element.
const LEAVES: Record<OperatorName, LeafFactory> = {
  equal: (read, fact, allow, b, slot, state) => (facts, slots) => (slots[state] = equal((slots[slot] = read(facts, fact, allow)), b)),
  notEqual: (read, fact, allow, b, slot, state) => (facts, slots) => (slots[state] = notEqual((slots[slot] = read(facts, fact, allow)), b)),
  in: (read, fact, allow, b, slot, state) => (facts, slots) => (slots[state] = isIn((slots[slot] = read(facts, fact, allow)), b)),
  notIn: (read, fact, allow, b, slot, state) => (facts, slots) => (slots[state] = notIn((slots[slot] = read(facts, fact, allow)), b)),
  contains: (read, fact, allow, b, slot, state) => (facts, slots) => (slots[state] = contains((slots[slot] = read(facts, fact, allow)), b)),
  doesNotContain: (read, fact, allow, b, slot, state) => (facts, slots) =>
    (slots[state] = doesNotContain((slots[slot] = read(facts, fact, allow)), b)),
  lessThan: (read, fact, allow, b, slot, state) => (facts, slots) => (slots[state] = lessThan((slots[slot] = read(facts, fact, allow)), b)),
  lessThanInclusive: (read, fact, allow, b, slot, state) => (facts, slots) =>
    (slots[state] = lessThanInclusive((slots[slot] = read(facts, fact, allow)), b)),
  greaterThan: (read, fact, allow, b, slot, state) => (facts, slots) =>
    (slots[state] = greaterThan((slots[slot] = read(facts, fact, allow)), b)),
  greaterThanInclusive: (read, fact, allow, b, slot, state) => (facts, slots) =>
    (slots[state] = greaterThanInclusive((slots[slot] = read(facts, fact, allow)), b)),
};
