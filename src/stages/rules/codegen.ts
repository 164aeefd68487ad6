// The generated evaluator: one function per pack, its source written from the compiled tree, so each
// condition reads its fact at a site of its own (V8 then keeps one fact name and one object shape per
// site), and what a run records stays in local variables until one array is made at the end.
//
// What goes into the source, and nothing else (sourceCheck.ts verifies it token by token before
// `new Function` sees it):
// - fixed template text: keywords, operators and punctuation, the words sourceCheck.ts lists (the
//   helpers the function is given, `facts`, `constants` and its own few locals), and two string
//   literals, 'use strict' and 'number';
// - names made of one letter and a decimal integer (`v12`, a value read; `c4`, a condition's result;
//   `k3`, a constant; see `local`), and decimal integers: a rule's position, the number of rules, and
//   bit patterns of the state words (program.ts Slots). Every integer is one this module counted or
//   computed itself, and `int` refuses anything that is not a non-negative safe integer.
// Everything taken from the rule file (fact names, values, paths, condition names) and the compiled
// rules are only referenced: they sit in the `constants` array the function is given and are read as
// `k3 = constants[3]`. Numbers from the file go there too; priorities only decide the order in which
// the code is written. So a rule file can choose which templates are written, in what order, never
// a character of them.
import { atPath, isPrototypeName, readOwnFact, undefinedOrMissing } from './factReads.js';
import { contains, doesNotContain, isIn, isNumeric, notIn, type OperatorName } from './operators.js';
import {
  RuleRunError,
  STATE_FALSE,
  STATES_PER_WORD,
  stateWord,
  unknownConditionError,
  type ConditionNode,
  type Evaluator,
  type Finish,
  type FactRead,
  type Program,
} from './program.js';
import { checkSource, HELPER_NAMES, type HelperName } from './sourceCheck.js';

type Helpers = Record<HelperName, unknown>;

/**
 * The generated evaluator; undefined when the pack is too large for V8 to optimize the function (see
 * MAX_RUN_SOURCE) or the host forbids generating code (an EvalError): the closures serve then.
 */
export function generatedEvaluator<Run>(program: Program, finish: Finish<Run>): Evaluator<Run> | undefined {
  const writer = new SourceWriter(program);
  const source = writer.write();
  if (writer.runLength > MAX_RUN_SOURCE) return undefined;
  checkSource(source);
  let factory: (constants: readonly unknown[], helpers: Helpers) => Evaluator<Run>;
  try {
    factory = new Function('constants', 'helpers', source) as typeof factory;
  } catch (error) {
    if (error instanceof EvalError) return undefined;
    throw error;
  }
  const orderedRules = program.order.map((index) => program.rules[index]!);
  const helpers: Helpers = {
    finish,
    get: Reflect.get,
    undefinedOrMissing,
    readOwnFact,
    atPath,
    isNumeric,
    isIn,
    notIn,
    contains,
    doesNotContain,
    unknownConditionError,
    fail: (position: number, cause: unknown) => new RuleRunError(orderedRules[position]!, cause),
  };
  return factory(writer.constants, helpers);
}

// V8 optimizes no function whose bytecode exceeds 60 KB, and the generated function then runs in its
// interpreter, several times slower than the closures. Measured here (Node 20), a run function of 65 KB
// of source was optimized and one of 75 KB was not, for simple and for nested conditions alike (about
// 200 simple rules, 70 rules of three conditions); 48 KB leaves a margin.
const MAX_RUN_SOURCE = 48_000;

/** A decimal integer for the source: only non-negative safe integers this module counted. */
export function int(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`codegen: ${String(value)} is not an index`);
  return String(value);
}

// Local names: f (a fact as read), v (a value slot), c (a condition's result), d (a group's "decided"
// flag), m (a word of condition states), k (a constant).
const local = (letter: 'f' | 'v' | 'c' | 'd' | 'm' | 'k', index: number) => `${letter}${int(index)}`;

class SourceWriter {
  readonly constants: unknown[] = [];
  /** Characters of the run function itself (the constants are read outside it). */
  runLength = 0;
  private readonly lines: string[] = [];
  private readonly results: string[] = [];
  private readonly groupFlags: string[] = [];
  /** A local per fact read, and the facts read on every path to the line being written, per open block. */
  private readonly factLocals = new Map<string, string>();
  private readonly readInBlock: Array<Set<string>> = [new Set()];

  /** Read facts with Reflect.get rather than `facts[name]` (see lookupReads). */
  private readonly lookup: boolean;

  constructor(private readonly program: Program) {
    this.lookup = lookupReads(program);
  }

  write(): string {
    const { program } = this;
    const outcomes = program.order.map((index, position) => {
      if (position > 0) this.lines.push(`at = ${int(position)};`);
      const outcome = this.condition(program.roots[index]!);
      // Counted without a branch, so the lists below are made at their size.
      this.lines.push(`firedCount += ${outcome};`);
      return outcome;
    });
    // The lists, after the evaluation (a run that throws makes none), without a branch per rule: each
    // rule is written at the next place in both lists and counted in one, so the other list's place is
    // written over, or is the spare last element popped at the end. (A branch per rule on outcomes that
    // vary from run to run costs V8 more than the whole evaluation of the rule.)
    const lists = program.order.map((index, position) => {
      const rule = this.constant(program.rules[index]);
      const outcome = outcomes[position]!;
      return `fired[firedAt] = ${rule}; failed[failedAt] = ${rule}; firedAt += ${outcome}; failedAt += !(${outcome});`;
    });
    const values = Array.from({ length: program.stateBase }, (_, slot) => local('v', slot));
    const words = Array.from({ length: Math.ceil(program.conditionCount / STATES_PER_WORD) }, (_, word) => local('m', word));
    const hoisted = this.constants.map((_, index) => `const ${local('k', index)} = constants[${int(index)}];`);
    const declare = (names: readonly string[]) => (names.length > 0 ? [`let ${names.join(', ')};`] : []);
    const run = [
      `return function run(facts) {`,
      ...declare([...this.factLocals.values(), ...values, ...this.results, ...this.groupFlags]),
      ...declare(words.map((word) => `${word} = 0`)),
      `let at = 0, firedCount = 0;`,
      `try {`,
      ...this.lines,
      `} catch (cause) {`,
      `throw fail(at, cause);`,
      `}`,
      `const fired = new Array(firedCount + 1), failed = new Array(${int(program.order.length + 1)} - firedCount);`,
      `let firedAt = 0, failedAt = 0;`,
      ...lists,
      `fired.pop();`,
      `failed.pop();`,
      `return finish([${[...values, ...words].join(', ')}], fired, failed);`,
      `};`,
    ].join('\n');
    this.runLength = run.length;
    return [`'use strict';`, `const { ${HELPER_NAMES.join(', ')} } = helpers;`, ...hoisted, run].join('\n');
  }

  private constant(value: unknown): string {
    this.constants.push(value);
    return local('k', this.constants.length - 1);
  }

  /** Writes `c<id> = <expression>;` and the condition's state; returns c<id>. */
  private record(id: number, expression: string): string {
    const result = local('c', id);
    const { slot, shift } = stateWord(this.program, id);
    this.results.push(result);
    // STATE_FALSE, or STATE_TRUE (the same and the bit above), at `shift` without a branch: V8 shifts
    // the comparison's bit, where `c ? 3 : 1` costs a mispredicted branch whenever results vary.
    this.lines.push(
      `${result} = ${expression};`,
      `${local('m', slot - this.program.stateBase)} |= ${int(STATE_FALSE * 2 ** shift)} | ${result} << ${int(shift + 1)};`,
    );
    return result;
  }

  /** Writes the statements that evaluate `node`; returns an expression (locals only) for its result. */
  private condition(node: ConditionNode): string {
    if (node.kind === 'fact') {
      // almanac.js getValue: a { fact, path } value is read before the condition's own fact.
      const { value } = node.definition;
      const b = node.valueRead === undefined ? this.constant(value) : this.read(node.valueRead);
      const a = this.read(node.read);
      return this.record(node.id, comparison(node.operator, a, b, node.valueRead === undefined && isInertPrimitive(value)));
    }
    if (node.kind === 'reference') {
      if (node.target !== undefined) return this.condition(node.target);
      if (this.program.allowUndefinedConditions) return this.record(node.id, 'false');
      this.lines.push(`throw unknownConditionError(${this.constant(node.name)});`);
      return 'false';
    }
    if (node.kind === 'not') return `!${this.condition(node.children[0]!)}`;
    if (node.children.length === 1) return this.condition(node.children[0]!);
    if (node.children.length === 0) return this.record(node.id, 'true');
    // rule.js prioritizeAndRun: every condition of a group is evaluated; `all` stops after a group
    // with a false, `any` after one with a true. `decided` is 0 until then, set without a branch.
    const decided = local('d', node.id);
    this.groupFlags.push(decided);
    this.lines.push(`${decided} = 0;`);
    node.groups.forEach((group, g) => {
      if (g > 0) {
        this.lines.push(`if (${decided} === 0) {`);
        this.readInBlock.push(new Set());
      }
      for (const child of group) {
        const result = this.condition(child);
        this.lines.push(node.kind === 'any' ? `${decided} |= ${result};` : `${decided} |= !(${result});`);
      }
    });
    for (let g = 1; g < node.groups.length; g += 1) {
      this.lines.push('}');
      this.readInBlock.pop();
    }
    return this.record(node.id, node.kind === 'any' ? `${decided} !== 0` : `${decided} === 0`);
  }

  /**
   * Writes the read of a fact (factReads.ts) into its value slot; returns the slot's local. A fact is
   * read once on each path through the run, as json-rules-engine's almanac resolves it once per run
   * (almanac.js factValue, its cache): a condition after a read that ran on every path to it uses the
   * value read. A missing fact throws at its first read, so no later condition would have read it.
   */
  private read({ fact, path, slot }: FactRead): string {
    const target = local('v', slot);
    let value = this.factLocals.get(fact);
    if (value === undefined) {
      value = local('f', this.factLocals.size);
      this.factLocals.set(fact, value);
    }
    if (!this.readInBlock.some((block) => block.has(fact))) {
      const name = this.constant(fact);
      const allow = this.program.allowUndefinedFacts;
      if (isPrototypeName(fact)) this.lines.push(`${value} = readOwnFact(facts, ${name}, ${allow ? 'true' : 'false'});`);
      else {
        this.lines.push(this.lookup ? `${value} = get(facts, ${name});` : `${value} = facts[${name}];`);
        if (!allow) this.lines.push(`if (${value} === undefined) ${value} = undefinedOrMissing(facts, ${name});`);
      }
      this.readInBlock.at(-1)!.add(fact);
    }
    this.lines.push(path === undefined ? `${target} = ${value};` : `${target} = atPath(${value}, ${this.constant(path)});`);
    return target;
  }
}

/**
 * Whether the pack reads more distinct facts than V8 keeps in a fast object built key by key (4 in the
 * object, 12 beside it: Map::TooManyFastProperties for keyed stores). A facts object that large, built
 * as src/features/eventFacts.ts builds it, is a hash table to V8 ("dictionary mode"), where `facts[name]`
 * goes through three inline-cache builtins (about 7 ns a read here) and Reflect.get through one lookup
 * (4.5 ns); on a small fast object `facts[name]` is a single load and Reflect.get costs more (5 ns).
 * Both read the same property: for an ordinary object Reflect.get(facts, name) is facts[name].
 */
function lookupReads(program: Program): boolean {
  const names = new Set<string>();
  const visit = (node: ConditionNode): void => {
    if (node.kind === 'fact') {
      names.add(node.read.fact);
      if (node.valueRead !== undefined) names.add(node.valueRead.fact);
    } else if (node.kind === 'reference') {
      if (node.target !== undefined) visit(node.target);
    } else node.children.forEach(visit);
  };
  program.roots.forEach(visit);
  return names.size > FAST_PROPERTIES;
}
const FAST_PROPERTIES = 16;

// Relational operators as json-rules-engine's (operators.ts): the number check written out so V8 sees
// the comparison's types at this site; any other fact goes through isNumeric, the same function. For a
// number fact, isNumeric is "not NaN", and NaN compares false with anything: against a constant that
// converts without side effects or errors (see isInertPrimitive), `a < b` alone gives the same result
// with one branch less (which, at ten-odd nanoseconds a rule, V8 runs measurably faster).
const RELATIONS: Partial<Record<OperatorName, string>> = {
  lessThan: '<',
  lessThanInclusive: '<=',
  greaterThan: '>',
  greaterThanInclusive: '>=',
};
const CALLS: Partial<Record<OperatorName, string>> = { in: 'isIn', notIn: 'notIn', contains: 'contains', doesNotContain: 'doesNotContain' };

/** operators.ts's operator of a (a slot) and b (a slot or constant), as an expression. */
function comparison(operator: OperatorName, a: string, b: string, inertB: boolean): string {
  if (operator === 'equal') return `${a} === ${b}`;
  if (operator === 'notEqual') return `${a} !== ${b}`;
  const relation = RELATIONS[operator];
  if (relation === undefined) return `${CALLS[operator]!}(${a}, ${b})`;
  const compare = `${a} ${relation} ${b}`;
  return inertB
    ? `(typeof ${a} === 'number' ? ${compare} : isNumeric(${a}) && ${compare})`
    : `(typeof ${a} === 'number' ? ${a} === ${a} : isNumeric(${a})) && ${compare}`;
}

/** A value that `NaN < value` turns into a number without calling anything or throwing (not a symbol or object). */
function isInertPrimitive(value: unknown): boolean {
  return value === null || ['number', 'string', 'boolean', 'undefined'].includes(typeof value);
}
