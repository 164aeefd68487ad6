import * as mathjs from 'mathjs';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FengkongError } from '../../src/errors.js';
import { shippedDataModel } from '../../src/features/dataModel.js';
import { compileFeatures, type CompiledFeatures } from '../../src/features/derived.js';
import {
  ALLOWED_FUNCTIONS,
  compileExpression,
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LENGTH,
  toFeatureValue,
} from '../../src/features/expression.js';
import { reservedFeatureNames } from '../../src/schema/features.js';

const SOURCE = 'rules/derived-features.json';

function fileWith(expression: string, name = 'probe') {
  return {
    version: 1 as const,
    features: [{ name, expression, description: 'a feature under test' }],
  };
}

function compileOne(expression: string): CompiledFeatures {
  return compileFeatures(fileWith(expression), SOURCE, shippedDataModel());
}

function refusal(expression: string): FengkongError {
  try {
    compileOne(expression);
  } catch (error) {
    if (error instanceof FengkongError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to be refused`);
}

const event = { funded_amnt: 12_000, annual_inc: 48_000, total_bal_il: 6_000, revol_util: 42 };

describe('refused constructs', () => {
  // [expression, a fragment the message must contain]
  const cases: [string, string][] = [
    ['config({number:"BigNumber"})', 'function "config" is not allowed'],
    // mathjs reads a base of 0 as no base (log(8, 0) = ln 8): only the natural log is offered.
    ['log(8, 0)', 'function "log" takes 1 argument, not 2'],
    ['zeros(1e5,1e5)', 'function "zeros" is not allowed'],
    ['range(1,1e9)', 'function "range" is not allowed'],
    ['1:1e9', 'range is not allowed'],
    ['[1,2,3]', 'matrix or array literal is not allowed'],
    ['matrix([1])', 'function "matrix" is not allowed'],
    ['5 cm', 'implicit multiplication is not allowed'],
    ['funded_amnt cm', 'implicit multiplication is not allowed'],
    ['2 funded_amnt', 'implicit multiplication is not allowed'],
    ['import({})', 'function "import" is not allowed'],
    ['evaluate("1")', 'function "evaluate" is not allowed'],
    ['parse("1")', 'function "parse" is not allowed'],
    ['compile("1")', 'function "compile" is not allowed'],
    ['createUnit("x")', 'function "createUnit" is not allowed'],
    ['f(x)=x', 'function definition is not allowed'],
    ['a=1', 'assignment is not allowed'],
    ['1;2', 'more than one statement is not allowed'],
    ['funded_amnt\nannual_inc', 'more than one statement is not allowed'],
    ['x.constructor', 'property or index access is not allowed'],
    ['x["constructor"]', 'property or index access is not allowed'],
    ['funded_amnt[1]', 'property or index access is not allowed'],
    ['funded_amnt?.x', 'property or index access is not allowed'],
    ['"abc"', 'string constant is not allowed'],
    ["'abc'", 'string constant is not allowed'],
    ['{a:1}', 'object literal is not allowed'],
    ['cos(1)', 'function "cos" is not allowed'],
    ['cm', 'unknown field "cm"'],
    ['constructor', 'unknown field "constructor"'],
    ['__proto__', 'unknown field "__proto__"'],
    ['toString(1)', 'function "toString" is not allowed'],
    ['typed("x")', 'function "typed" is not allowed'],
    ['end', 'unknown field "end"'],
    ['null', 'constant null is not allowed'],
    ['undefined', 'constant undefined is not allowed'],
    ['Infinity', 'not a finite number'],
    ['NaN', 'not a finite number'],
    ['1e400', 'not a finite number'],
    ['3!', 'operator "!" is not allowed'],
    ["funded_amnt'", `operator "'" is not allowed`],
    ['funded_amnt ?? 1', 'operator "??" is not allowed'],
    ['1 & 2', 'operator "&" is not allowed'],
    ['1 | 2', 'operator "|" is not allowed'],
    ['1 xor 0', 'operator "xor" is not allowed'],
    ['1 << 2', 'operator "<<" is not allowed'],
    ['funded_amnt .* 2', 'operator ".*" is not allowed'],
    ['funded_amnt to cm', 'operator "to" is not allowed'],
    ['1 < funded_amnt < 3', 'chained comparison'],
    ['abs?.(funded_amnt)', 'optional call of "abs" is not allowed'],
    ['funded_amnt.toString()', 'callee is not a plain function name'],
    ['(abs)(1)', 'implicit multiplication is not allowed'],
    ['funded_amnt(2)', 'function "funded_amnt" is not allowed'],
    ['abs(1, 2)', 'function "abs" takes 1 argument, not 2'],
    ['sqrt()', 'function "sqrt" takes 1 argument, not 0'],
    ['round(funded_amnt, 20)', 'number of decimals must be an integer constant'],
    ['round(funded_amnt, annual_inc)', 'number of decimals must be an integer constant'],
    ['funded_amnt +', 'expression does not parse'],
    ['   ', 'expression is empty'],
  ];

  it.each(cases)('refuses %j with FK_EXPRESSION_INVALID naming the file, the feature and the construct', (expression, fragment) => {
    const error = refusal(expression);
    expect(error.code).toBe(ErrorCode.EXPRESSION_INVALID);
    expect(error.message).toContain(`${SOURCE}: feature "probe": `);
    expect(error.message).toContain(fragment);
  });

  it('refuses an expression longer than the limit before parsing it', () => {
    const expression = `funded_amnt${' + funded_amnt'.repeat(40)}`;
    expect(expression.length).toBeGreaterThan(MAX_EXPRESSION_LENGTH);
    const error = refusal(expression);
    expect(error.code).toBe(ErrorCode.EXPRESSION_INVALID);
    expect(error.message).toContain(`longer than ${MAX_EXPRESSION_LENGTH} characters`);
  });

  it('accepts an expression of exactly the maximum length', () => {
    const body = 'funded_amnt';
    const expression = `${body}${' '.repeat(MAX_EXPRESSION_LENGTH - body.length)}`;
    expect(compileOne(expression).compute(event).probe).toBe(12_000);
  });

  it('refuses brackets nested deeper than the limit', () => {
    const depth = MAX_EXPRESSION_DEPTH + 8;
    const error = refusal(`${'('.repeat(depth)}1${')'.repeat(depth)}`);
    expect(error.code).toBe(ErrorCode.EXPRESSION_INVALID);
    expect(error.message).toContain(`nests deeper than ${MAX_EXPRESSION_DEPTH} levels`);
  });

  it('refuses a parsed tree nested deeper than the limit even without brackets', () => {
    const error = refusal(`${'-'.repeat(MAX_EXPRESSION_DEPTH + 8)}1`);
    expect(error.code).toBe(ErrorCode.EXPRESSION_INVALID);
    expect(error.message).toContain(`nests deeper than ${MAX_EXPRESSION_DEPTH} levels`);
  });

  it('refuses thousands of nested brackets without overflowing the stack', () => {
    const error = refusal(`${'('.repeat(5_000)}1${')'.repeat(5_000)}`);
    expect(error.code).toBe(ErrorCode.EXPRESSION_INVALID);
  });

  it('accepts moderate nesting', () => {
    expect(compileOne(`${'('.repeat(10)}funded_amnt${')'.repeat(10)}`).compute(event).probe).toBe(12_000);
  });
});

describe('what is allowed', () => {
  const cases: [string, number | null][] = [
    ['funded_amnt / annual_inc', 0.25],
    ['-funded_amnt + +annual_inc', 36_000],
    ['2 ^ 3 ^ 2', 512],
    ['7 mod 3', 1],
    ['7 % 3', 1],
    ['revol_util < 50', 1],
    ['revol_util <= 41', 0],
    ['revol_util >= 42 and revol_util != 43', 1],
    ['revol_util > 42 or not (revol_util == 42)', 0],
    ['revol_util < 30 ? 0 : (revol_util < 50 ? 1 : 2)', 1],
    ['true + false', 1],
    ['abs(-3) + min(4, 5, 6) + max(1, 2)', 9],
    ['sqrt(16) + log10(1000) + log(exp(2)) + exp(0)', 10],
    ['floor(2.7) + ceil(2.2) + round(2.5) + sign(-4)', 7],
    ['round(1.2345, 2)', 1.23],
    ['clamp(revol_util, 0, 40)', 40],
    ['clamp(revol_util, 50, 40)', null],
    ['pi > 3 and e < 3', 1],
    ['funded_amnt / 0', null],
    ['log(0)', null],
    ['sqrt(-1)', null],
    ['(-8) ^ (1 / 3)', null],
    ['10 ^ 400', null],
    ['0 / 0', null],
    ['-0 * funded_amnt', 0],
    ['funded_amnt # a comment', 12_000],
  ];

  it.each(cases)('%j evaluates to %j', (expression, expected) => {
    const value = compileOne(expression).compute(event).probe;
    expect(value).toBe(expected);
    if (value !== null) expect(Object.is(value, -0)).toBe(false);
  });

  it("compares exactly, as JavaScript does, not with mathjs's default tolerance", () => {
    const compiled = compileOne('revol_util < 30');
    expect(compiled.compute({ revol_util: 30 - 1e-12 }).probe).toBe(1);
    expect(compiled.compute({ revol_util: 30 }).probe).toBe(0);
    expect(compileOne('floor(revol_util)').compute({ revol_util: 2.9999999999999 }).probe).toBe(2);
    expect(compileOne('revol_util == 0.3').compute({ revol_util: 0.1 + 0.2 }).probe).toBe(0);
  });

  it('reports the symbols an expression reads, once each, in order of first use', () => {
    const compiled = compileExpression('b + a * b + pi + e', {
      sourceName: SOURCE,
      featureName: 'probe',
      checkSymbol: (name) => (name === 'a' || name === 'b' ? null : `unknown field "${name}"`),
    });
    expect(compiled.symbols).toEqual(['b', 'a']);
    expect(
      compiled.evaluate(
        new Map([
          ['a', 2],
          ['b', 3],
        ]),
      ),
    ).toBeCloseTo(9 + Math.PI + Math.E);
  });

  it('turns results into a finite number or null', () => {
    expect(toFeatureValue(true)).toBe(1);
    expect(toFeatureValue(false)).toBe(0);
    expect(toFeatureValue(2.5)).toBe(2.5);
    expect(Object.is(toFeatureValue(-0), 0)).toBe(true);
    expect(toFeatureValue(Number.NaN)).toBeNull();
    expect(toFeatureValue(Number.POSITIVE_INFINITY)).toBeNull();
    expect(toFeatureValue(Number.NEGATIVE_INFINITY)).toBeNull();
    expect(toFeatureValue('1')).toBeNull();
    expect(toFeatureValue(undefined)).toBeNull();
  });

  it('reserves every callable function name so no feature can shadow it', () => {
    for (const name of ALLOWED_FUNCTIONS.keys()) expect(reservedFeatureNames.has(name)).toBe(true);
    expect(reservedFeatureNames.has('pi')).toBe(true);
    expect(reservedFeatureNames.has('e')).toBe(true);
  });
});

describe('isolation of the private instance', () => {
  it('refuses config({number:"BigNumber"}) at load, and later evaluations still return plain numbers', () => {
    expect(refusal('config({number:"BigNumber"})').code).toBe(ErrorCode.EXPRESSION_INVALID);
    expect(refusal('config({number: "Fraction"}) + funded_amnt').code).toBe(ErrorCode.EXPRESSION_INVALID);
    const value = compileOne('funded_amnt / 3 + 0.1').compute(event).probe;
    expect(typeof value).toBe('number');
    expect(value).toBe(12_000 / 3 + 0.1);
  });

  it('never evaluates a refused expression: a memory bomb is refused at once', () => {
    const started = performance.now();
    for (const bomb of ['zeros(1e5,1e5)', 'range(1,1e9)', '1:1e9', 'ones(1e5, 1e5)', 'identity(1e5)']) {
      expect(refusal(bomb).code).toBe(ErrorCode.EXPRESSION_INVALID);
    }
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('leaves the shared mathjs default instance unaffected', () => {
    refusal('config({number:"BigNumber"})');
    compileOne('funded_amnt / annual_inc').compute(event);
    // The default instance's config() exists at run time, though its typings leave it out.
    const shared = mathjs as unknown as { config(): { number: string; relTol: number } };
    expect(shared.config().number).toBe('number');
    expect(shared.config().relTol).toBe(1e-12);
    const third = mathjs.evaluate('1 / 3');
    expect(typeof third).toBe('number');
    expect(third).toBe(1 / 3);
  });

  it('still returns plain JavaScript numbers after everything above', () => {
    const compiled = compileOne('funded_amnt / annual_inc + (revol_util > 40)');
    const value = compiled.compute(event).probe;
    expect(typeof value).toBe('number');
    expect(value).toBe(1.25);
  });
});
