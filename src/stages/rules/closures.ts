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
import { RuleRunError, unknownConditionError, type ConditionNode, type Evaluator, type Facts, type FactRead, type Program } from './program.js';

type Evaluate = (facts: Facts, slots: unknown[]) => boolean;
type Read = (facts: Facts) => unknown;

export function closureEvaluator(program: Program): Evaluator {
  const evaluators = program.order.map((index) => evaluatorOf(program.roots[index]!, program));
  const rules = program.order.map((index) => program.rules[index]!);
  const { slotCount } = program;
  return (facts) => {
    const slots: unknown[] = new Array(slotCount);
    let position = 0;
    try {
      for (; position < evaluators.length; position += 1) evaluators[position]!(facts, slots);
    } catch (cause) {
      throw new RuleRunError(rules[position]!, cause);
    }
    return slots;
  };
}

function evaluatorOf(node: ConditionNode, program: Program): Evaluate {
  const { id } = node;
  if (node.kind === 'fact') {
    const read = readerOf(node.read, program.allowUndefinedFacts);
    const factSlot = node.read.slot;
    if (node.valueRead === undefined) return LEAVES[node.operator](read, node.definition.value, id, factSlot);
    // almanac.js getValue: { fact, path } reads that fact; it is read before the condition's own fact.
    const readValue = readerOf(node.valueRead, program.allowUndefinedFacts);
    const valueSlot = node.valueRead.slot;
    const compare = OPERATORS[node.operator];
    return (facts, slots) => {
      const jsonValue = (slots[valueSlot] = readValue(facts));
      return (slots[id] = compare((slots[factSlot] = read(facts)), jsonValue));
    };
  }
  if (node.kind === 'reference') {
    if (node.target !== undefined) return evaluatorOf(node.target, program);
    const { name } = node;
    if (program.allowUndefinedConditions) return (_facts, slots) => (slots[id] = false);
    return () => {
      throw unknownConditionError(name);
    };
  }
  const children = node.children.map((child) => evaluatorOf(child, program));
  if (node.kind === 'not') {
    const only = children[0]!;
    return (facts, slots) => !only(facts, slots);
  }
  if (children.length === 1) return children[0]!;
  if (children.length === 0) return (_facts, slots) => (slots[id] = true);
  // rule.js prioritizeAndRun: priority groups, highest first; short-circuit only between groups.
  const groups = node.groups.map((group) => group.map((child) => evaluatorOf(child, program)));
  const stopOn = node.kind === 'any';
  return (facts, slots) => {
    let decided = false;
    for (let g = 0; g < groups.length && !decided; g += 1) {
      const group = groups[g]!;
      for (let i = 0; i < group.length; i += 1) if (group[i]!(facts, slots) === stopOn) decided = true;
    }
    return (slots[id] = decided === stopOn);
  };
}

function readerOf({ fact, path }: FactRead, allowUndefined: boolean): Read {
  const read: Read = isPrototypeName(fact)
    ? (facts) => readOwnFact(facts, fact, allowUndefined)
    : (facts) => readFact(facts, fact, allowUndefined);
  return path === undefined ? read : (facts) => atPath(read(facts), path);
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

type LeafFactory = (read: Read, b: unknown, id: number, slot: number) => Evaluate;

// A condition with a constant value gets a closure literal per operator: each has its own call
// feedback, so V8 inlines the operator instead of calling ten through one shared site. The value is
// the definition's private copy, which never leaves the compiled pack (results get clones of it), so
// an object or array value is never identical to a fact, as in json-rules-engine, which compares with
// a fresh clone per run: equal is false, in finds no object element.
const LEAVES: Record<OperatorName, LeafFactory> = {
  equal: (read, b, id, slot) => (facts, slots) => (slots[id] = equal((slots[slot] = read(facts)), b)),
  notEqual: (read, b, id, slot) => (facts, slots) => (slots[id] = notEqual((slots[slot] = read(facts)), b)),
  in: (read, b, id, slot) => (facts, slots) => (slots[id] = isIn((slots[slot] = read(facts)), b)),
  notIn: (read, b, id, slot) => (facts, slots) => (slots[id] = notIn((slots[slot] = read(facts)), b)),
  contains: (read, b, id, slot) => (facts, slots) => (slots[id] = contains((slots[slot] = read(facts)), b)),
  doesNotContain: (read, b, id, slot) => (facts, slots) => (slots[id] = doesNotContain((slots[slot] = read(facts)), b)),
  lessThan: (read, b, id, slot) => (facts, slots) => (slots[id] = lessThan((slots[slot] = read(facts)), b)),
  lessThanInclusive: (read, b, id, slot) => (facts, slots) => (slots[id] = lessThanInclusive((slots[slot] = read(facts)), b)),
  greaterThan: (read, b, id, slot) => (facts, slots) => (slots[id] = greaterThan((slots[slot] = read(facts)), b)),
  greaterThanInclusive: (read, b, id, slot) => (facts, slots) => (slots[id] = greaterThanInclusive((slots[slot] = read(facts)), b)),
};
