// A small, closed arithmetic language for derived features, parsed and compiled by a private mathjs
// instance that nobody else can reach.
//
// mathjs's own security advice (overriding import, createUnit, evaluate, parse, simplify, derivative,
// resolve) leaves too much reachable: every instance carries `config` in its expression namespace, so
// `config({number: "BigNumber"})` switches the instance to BigNumber for every later evaluation, and
// `zeros(1e5, 1e5)` or `range(1, 1e9)` exhaust memory in a way no try/catch can recover from. So this
// module does not rely on what the instance happens to lack. It:
//   1. refuses an expression longer than MAX_EXPRESSION_LENGTH characters or bracketed deeper than
//      MAX_EXPRESSION_DEPTH before parsing it;
//   2. parses it once with a private instance built from the number-only factories it needs (no
//      matrices, units, BigNumbers, strings or complex numbers are loaded at all);
//   3. walks the parsed tree against an ALLOW-LIST of node kinds, operators, functions and symbols and
//      refuses everything else, naming the source file, the feature and what was refused;
//   4. only then compiles the tree into an evaluator.
//
// Allowed: finite number constants and true/false; the symbols a caller declares usable plus the
// constants pi and e; parentheses; + - * / ^ mod (also written %; a trailing %, as in 50%, is mathjs's
// percent and means / 100), unary - and +; < <= > >= == != (exact, as in JavaScript: see the instance's
// configuration below); and, or, not; the conditional a ? b : c; and calls of abs, min, max, sqrt,
// log, log10, exp, floor, ceil, round, sign and clamp (clamp(x, lo, hi) is our own). Refused, among
// others: assignments, function definitions, several statements, property and index access, objects,
// matrices, ranges, strings, units, implicit multiplication, chained comparisons (a < b < c), optional
// calls, bitwise and other operators, and any call whose callee is not a plain name on the list.
//
// Result policy (applied by toFeatureValue): a boolean becomes 1 or 0; a finite number is returned as is
// (with -0 turned into 0); anything else (NaN, ±Infinity from division by zero, log(0), sqrt of a
// negative number, overflow) becomes null, the missing value. A feature is therefore always a finite
// number or null, never NaN or Infinity. Note mathjs defines x mod 0 as x, not as an error.
import {
  absDependencies,
  addDependencies,
  andDependencies,
  ceilDependencies,
  create,
  divideDependencies,
  eDependencies,
  equalDependencies,
  expDependencies,
  floorDependencies,
  largerDependencies,
  largerEqDependencies,
  log10Dependencies,
  logDependencies,
  maxDependencies,
  minDependencies,
  modDependencies,
  multiplyDependencies,
  notDependencies,
  orDependencies,
  parseDependencies,
  piDependencies,
  powDependencies,
  roundDependencies,
  signDependencies,
  smallerDependencies,
  smallerEqDependencies,
  sqrtDependencies,
  subtractDependencies,
  unaryMinusDependencies,
  unaryPlusDependencies,
  unequalDependencies,
} from 'mathjs/number';
import type { FactoryFunctionMap } from 'mathjs/number';
import { ErrorCode, FengkongError } from '../errors.js';

export const MAX_EXPRESSION_LENGTH = 500;
/** Deepest nesting of the parsed tree (and of brackets in the text) an expression may have. */
export const MAX_EXPRESSION_DEPTH = 32;

/** Callable functions with the number of arguments each accepts. */
export const ALLOWED_FUNCTIONS: ReadonlyMap<string, { readonly min: number; readonly max: number }> = new Map([
  ['abs', { min: 1, max: 1 }],
  ['min', { min: 1, max: 16 }],
  ['max', { min: 1, max: 16 }],
  ['sqrt', { min: 1, max: 1 }],
  // Natural log only: mathjs reads a base of 0 as no base at all (log(8, 0) = ln 8), a silent wrong answer.
  ['log', { min: 1, max: 1 }],
  ['log10', { min: 1, max: 1 }],
  ['exp', { min: 1, max: 1 }],
  // floor, ceil and round take an optional number of decimals: an integer constant from 0 to 15.
  ['floor', { min: 1, max: 2 }],
  ['ceil', { min: 1, max: 2 }],
  ['round', { min: 1, max: 2 }],
  ['sign', { min: 1, max: 1 }],
  ['clamp', { min: 3, max: 3 }],
]);

/** Named constants an expression may use besides the caller's symbols. */
export const ALLOWED_CONSTANTS: ReadonlySet<string> = new Set(['pi', 'e']);

// Operator symbol → the mathjs function it must map to. Both are checked, so a parser change that maps
// a symbol to another function is refused rather than silently allowed.
const BINARY_OPERATORS: ReadonlyMap<string, string> = new Map([
  ['+', 'add'],
  ['-', 'subtract'],
  ['*', 'multiply'],
  ['/', 'divide'],
  ['^', 'pow'],
  ['%', 'mod'],
  ['mod', 'mod'],
  ['<', 'smaller'],
  ['<=', 'smallerEq'],
  ['>', 'larger'],
  ['>=', 'largerEq'],
  ['==', 'equal'],
  ['!=', 'unequal'],
  ['and', 'and'],
  ['or', 'or'],
]);
const UNARY_OPERATORS: ReadonlyMap<string, string> = new Map([
  ['-', 'unaryMinus'],
  ['+', 'unaryPlus'],
  ['not', 'not'],
]);

const DECIMALS_FUNCTIONS: ReadonlySet<string> = new Set(['floor', 'ceil', 'round']);
const MAX_DECIMALS = 15;

// The private instance: only the factories the allow-list needs, with plain JavaScript numbers. It is
// never exported; the allow-list, not the instance's contents, is what keeps expressions contained.
const math = create(
  definedFactories({
    parseDependencies,
    addDependencies,
    subtractDependencies,
    multiplyDependencies,
    divideDependencies,
    powDependencies,
    unaryMinusDependencies,
    unaryPlusDependencies,
    modDependencies,
    smallerDependencies,
    smallerEqDependencies,
    largerDependencies,
    largerEqDependencies,
    equalDependencies,
    unequalDependencies,
    andDependencies,
    orDependencies,
    notDependencies,
    absDependencies,
    minDependencies,
    maxDependencies,
    sqrtDependencies,
    logDependencies,
    log10Dependencies,
    expDependencies,
    floorDependencies,
    ceilDependencies,
    roundDependencies,
    signDependencies,
    piDependencies,
    eDependencies,
  }),
  // mathjs compares numbers with a tolerance (relative 1e-12, absolute 1e-15 by default), which also
  // bends floor, ceil and round near integers. The smallest positive relative tolerance and no absolute
  // one make every comparison exact, as in JavaScript, so band boundaries fall where they are written.
  { number: 'number', relTol: Number.MIN_VALUE, absTol: 0 },
);

// clamp(x, lo, hi): x limited to [lo, hi]; NaN (so a missing value) when lo > hi.
math.import({
  clamp: math.typed('clamp', {
    'number, number, number': (x: number, lo: number, hi: number): number => (lo > hi ? Number.NaN : Math.min(Math.max(x, lo), hi)),
  }),
});

/** Where an expression comes from, and which symbols it may use. */
export interface ExpressionContext {
  /** The file the expression was read from, for messages. */
  readonly sourceName: string;
  /** The feature the expression defines, for messages. */
  readonly featureName: string;
  /**
   * Decides whether a symbol (not pi or e) may be used: null when it may, else the reason it may not,
   * worded to follow the feature's name in a message (e.g. `unknown field "x"`).
   */
  checkSymbol(name: string): string | null;
}

/** A checked, compiled expression. */
export interface CompiledExpression {
  readonly expression: string;
  /** The caller's symbols the expression reads (not pi or e), each once, in order of first use. */
  readonly symbols: readonly string[];
  /**
   * Evaluates against a scope that holds a number for every symbol in `symbols`. Returns mathjs's raw
   * result (a number or a boolean); pass it through toFeatureValue.
   */
  evaluate(scope: Map<string, unknown>): unknown;
}

// The parts of mathjs's node classes this module reads. Nodes are told apart by their `type` string.
interface AnyNode {
  readonly type: string;
}
interface ConstantNodeShape extends AnyNode {
  readonly value: unknown;
}
interface SymbolNodeShape extends AnyNode {
  readonly name: string;
}
interface ParenthesisNodeShape extends AnyNode {
  readonly content: AnyNode;
}
interface OperatorNodeShape extends AnyNode {
  readonly op: string;
  readonly fn: string;
  readonly args: readonly AnyNode[];
  readonly implicit?: boolean;
}
interface ConditionalNodeShape extends AnyNode {
  readonly condition: AnyNode;
  readonly trueExpr: AnyNode;
  readonly falseExpr: AnyNode;
}
interface FunctionNodeShape extends AnyNode {
  readonly fn: AnyNode;
  readonly args: readonly AnyNode[];
  readonly optional?: boolean;
}

// Node kinds that are never allowed, with the words a message uses for them.
const REFUSED_NODES: Readonly<Record<string, string>> = {
  AssignmentNode: 'assignment',
  FunctionAssignmentNode: 'function definition',
  BlockNode: 'more than one statement',
  AccessorNode: 'property or index access',
  IndexNode: 'index',
  ObjectNode: 'object literal',
  ArrayNode: 'matrix or array literal',
  RangeNode: 'range',
  RelationalNode: 'chained comparison (write a < b and b < c)',
};

/**
 * Checks an expression against the allow-list and compiles it. Throws FengkongError
 * FK_EXPRESSION_INVALID naming the source, the feature and what was refused.
 */
export function compileExpression(expression: string, context: ExpressionContext): CompiledExpression {
  const refuse = (what: string, cause?: unknown): FengkongError =>
    new FengkongError(
      ErrorCode.EXPRESSION_INVALID,
      `${context.sourceName}: feature "${context.featureName}": ${what}`,
      cause === undefined ? undefined : { cause },
    );

  if (typeof expression !== 'string') throw refuse('expression is not a string');
  if (expression.trim().length === 0) throw refuse('expression is empty');
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw refuse(`expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  }
  // The parser recurses per bracket; refuse deep bracketing before it runs.
  if (bracketDepth(expression) > MAX_EXPRESSION_DEPTH) {
    throw refuse(`expression nests deeper than ${MAX_EXPRESSION_DEPTH} levels`);
  }

  let root: AnyNode;
  try {
    root = math.parse(expression) as unknown as AnyNode;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : 'syntax error';
    throw refuse(`expression does not parse (${detail})`, cause);
  }

  const symbols: string[] = [];
  const seen = new Set<string>();

  const check = (node: AnyNode, depth: number): void => {
    if (depth > MAX_EXPRESSION_DEPTH) throw refuse(`expression nests deeper than ${MAX_EXPRESSION_DEPTH} levels`);
    switch (node.type) {
      case 'ConstantNode': {
        const { value } = node as ConstantNodeShape;
        if (typeof value === 'boolean') return;
        if (typeof value === 'number') {
          if (!Number.isFinite(value)) throw refuse('a constant that is not a finite number is not allowed');
          return;
        }
        if (typeof value === 'string') throw refuse('string constant is not allowed');
        throw refuse(`constant ${value === null ? 'null' : typeof value} is not allowed`);
      }
      case 'SymbolNode': {
        const { name } = node as SymbolNodeShape;
        if (ALLOWED_CONSTANTS.has(name)) return;
        const reason = context.checkSymbol(name);
        if (reason !== null) throw refuse(reason);
        if (!seen.has(name)) {
          seen.add(name);
          symbols.push(name);
        }
        return;
      }
      case 'ParenthesisNode':
        check((node as ParenthesisNodeShape).content, depth + 1);
        return;
      case 'OperatorNode': {
        const operator = node as OperatorNodeShape;
        if (operator.implicit === true) throw refuse('implicit multiplication is not allowed (write * explicitly)');
        const table = operator.args.length === 1 ? UNARY_OPERATORS : operator.args.length === 2 ? BINARY_OPERATORS : undefined;
        if (table === undefined || table.get(operator.op) !== operator.fn) {
          throw refuse(`operator "${operator.op}" is not allowed`);
        }
        for (const arg of operator.args) check(arg, depth + 1);
        return;
      }
      case 'ConditionalNode': {
        const conditional = node as ConditionalNodeShape;
        check(conditional.condition, depth + 1);
        check(conditional.trueExpr, depth + 1);
        check(conditional.falseExpr, depth + 1);
        return;
      }
      case 'FunctionNode': {
        const call = node as FunctionNodeShape;
        if (call.fn.type !== 'SymbolNode') throw refuse('a call whose callee is not a plain function name is not allowed');
        const { name } = call.fn as SymbolNodeShape;
        if (call.optional === true) throw refuse(`optional call of "${name}" is not allowed`);
        const arity = ALLOWED_FUNCTIONS.get(name);
        if (arity === undefined) throw refuse(`function "${name}" is not allowed`);
        if (call.args.length < arity.min || call.args.length > arity.max) {
          const expected = arity.min === arity.max ? `${arity.min}` : `${arity.min} to ${arity.max}`;
          throw refuse(`function "${name}" takes ${expected} argument${arity.max === 1 ? '' : 's'}, not ${call.args.length}`);
        }
        if (DECIMALS_FUNCTIONS.has(name) && call.args.length === 2) {
          const decimals = call.args[1] as AnyNode;
          const value = decimals.type === 'ConstantNode' ? (decimals as ConstantNodeShape).value : undefined;
          if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_DECIMALS) {
            throw refuse(`function "${name}": the number of decimals must be an integer constant from 0 to ${MAX_DECIMALS}`);
          }
        }
        for (const arg of call.args) check(arg, depth + 1);
        return;
      }
      default: {
        const described = REFUSED_NODES[node.type];
        throw refuse(`${described ?? `expression element ${node.type}`} is not allowed`);
      }
    }
  };
  check(root, 1);

  let compiled: { evaluate(scope?: unknown): unknown };
  try {
    compiled = (root as unknown as { compile(): { evaluate(scope?: unknown): unknown } }).compile();
  } catch (cause) {
    throw refuse('expression does not compile', cause);
  }
  return {
    expression,
    symbols,
    evaluate: (scope) => compiled.evaluate(scope),
  };
}

/** mathjs's raw result → the feature value: 1/0 for a boolean, a finite number, or null. */
export function toFeatureValue(raw: unknown): number | null {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return null;
    return raw === 0 ? 0 : raw; // -0 → 0
  }
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  return null;
}

// The typings declare each dependency map possibly undefined; fail at load if one really is.
function definedFactories(maps: Record<string, FactoryFunctionMap | undefined>): FactoryFunctionMap {
  const defined: FactoryFunctionMap = {};
  for (const [name, map] of Object.entries(maps)) {
    if (map === undefined) throw new Error(`the expression library lacks ${name}`);
    defined[name] = map;
  }
  return defined;
}

// Deepest nesting of (), [] and {} in the text. Unbalanced closers are left to the parser.
function bracketDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if ((c === 41 || c === 93 || c === 125) && depth > 0) {
      depth--;
    }
  }
  return deepest;
}
