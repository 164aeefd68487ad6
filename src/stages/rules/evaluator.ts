// One way to run a pack of json-rules-engine rules, for the rule stage and the policy alike: the
// compiled evaluator (synchronous, exact; src/stages/rules/compile.ts) by default, json-rules-engine's
// own Engine.run when asked or when a pack cannot be compiled. Either way the answer is which rules
// fired and failed, the fact values the evaluated conditions read (once for the run, or per rule on
// request), and which evaluator ran.
// (The policy stage runs its pack through here too: the same rule format, so the same evaluator.)
import { Engine, type RuleProperties } from 'json-rules-engine';
import { ErrorCode, FengkongError } from '../../errors.js';
import { compileRules, RuleRunError, type CompiledRule, type RuleDefinition, type RulesRun } from './compile.js';
import { evaluatedFactValues, toFactValue } from './factValues.js';
import { safePathResolver } from './path.js';
import type { FactValue } from '../../schema/facts.js';
import type { RuleEvaluator } from '../../schema/decision.js';

export type RuleEvaluatorKind = RuleEvaluator;

/**
 * A custom operator, registered in code (createEngine's `operators`), never named into being by a rule
 * file. A pack that uses one runs on Engine.run, which is given the operator.
 */
export type CustomOperator = (factValue: unknown, jsonValue: unknown) => boolean;
export type CustomOperators = Readonly<Record<string, CustomOperator>>;

export interface RuleOutcome {
  /** Position of the rule in the definitions given. */
  readonly index: number;
}

/** Which rules fired and failed, in no stated order (json-rules-engine's depends on its promises): callers sort. */
export interface PackRun {
  readonly fired: readonly RuleOutcome[];
  /** Failed rules; empty unless asked for. */
  readonly failed: readonly RuleOutcome[];
  /**
   * Every fact an evaluated condition read, once, with the value read (rules merged in evaluation
   * order: priority groups highest first, definition order inside one).
   */
  values(): Record<string, FactValue>;
  /** The facts one rule's evaluated conditions read (of `fired` or `failed`). */
  valuesOf(outcome: RuleOutcome): Record<string, FactValue>;
}

export interface PackEvaluator {
  readonly kind: RuleEvaluatorKind;
  /** Synchronous when compiled; a Promise on Engine.run. */
  run(facts: Readonly<Record<string, unknown>>): PackRun | Promise<PackRun>;
}

export interface PackEvaluatorOptions {
  readonly prefer: RuleEvaluatorKind;
  /** Also report the failed rules and the values they read (the rule stage, to show why a rule did not fire). */
  readonly failed: boolean;
  readonly operators?: CustomOperators;
}

export function createPackEvaluator(definitions: readonly RuleDefinition[], options: PackEvaluatorOptions): PackEvaluator {
  const names = definitions.map((definition) => definition.name as string);
  if (new Set(names).size !== names.length) throw new Error('createPackEvaluator: rule names must be unique');
  if (options.prefer === 'compiled') {
    const outcome = compileRules(definitions, { allowUndefinedFacts: false });
    if (outcome.compiled) {
      const compiled = outcome.rules;
      return {
        kind: 'compiled',
        run(facts) {
          let run;
          try {
            run = compiled.run(facts);
          } catch (error) {
            throw ruleFailed(
              error instanceof RuleRunError ? error.rule.name : undefined,
              error instanceof RuleRunError ? error.cause : error,
            );
          }
          return new CompiledPackRun(run, options.failed);
        },
      };
    }
  }
  const engine = new Engine(definitions as RuleProperties[], { allowUndefinedFacts: false, pathResolver: safePathResolver });
  for (const [name, operator] of Object.entries(options.operators ?? {})) engine.addOperator(name, checkedOperator(name, operator));
  const indexOf = new Map(names.map((name, index) => [name, index]));
  const evaluationOrder = definitions
    .map((_, index) => index)
    .sort((a, b) => priorityOf(definitions[b]!) - priorityOf(definitions[a]!) || a - b);
  return {
    kind: 'json-rules-engine',
    async run(facts) {
      let run;
      try {
        run = await engine.run({ ...facts });
      } catch (error) {
        // Engine.run does not say which rule failed; a custom operator's failure names the operator.
        throw error instanceof FengkongError ? error : ruleFailed(undefined, error);
      }
      const conditionsOf = new Map<number, unknown>();
      const outcomeOf = (result: { name: string; conditions: unknown }): RuleOutcome => {
        const index = indexOf.get(result.name)!;
        conditionsOf.set(index, result.conditions);
        return { index };
      };
      const fired = run.results.map(outcomeOf);
      const failed = run.failureResults.map(outcomeOf);
      return {
        fired,
        failed: options.failed ? failed : [],
        values() {
          // Evaluation order, as the compiled run merges: priority groups highest first, definition order inside one.
          const values: Record<string, FactValue> = {};
          for (const index of evaluationOrder) {
            const conditions = conditionsOf.get(index);
            if (conditions !== undefined) mergeValues(values, evaluatedFactValues(conditions));
          }
          return values;
        },
        valuesOf: (outcome) => evaluatedFactValues(conditionsOf.get(outcome.index)),
      };
    },
  };
}

/** A compiled run read as a PackRun: the outcomes are the compiled rules themselves (they carry `index`). */
class CompiledPackRun implements PackRun {
  readonly fired: readonly CompiledRule[];
  readonly failed: readonly CompiledRule[];
  private readonly run: RulesRun;

  constructor(run: RulesRun, withFailed: boolean) {
    this.run = run;
    this.fired = run.fired;
    this.failed = withFailed ? run.failed : [];
  }

  values(): Record<string, FactValue> {
    return this.run.evaluatedValues(toFactValue);
  }

  valuesOf(outcome: RuleOutcome): Record<string, FactValue> {
    return this.run.factValues(outcome as CompiledRule, toFactValue);
  }
}

/** A rule that throws while it runs: a coded error naming the rule (when known), never a fact's value. */
function ruleFailed(rule: string | undefined, cause: unknown): FengkongError {
  const why = cause instanceof Error ? cause.name : 'error';
  return new FengkongError(ErrorCode.STAGE_FAILED, `${rule === undefined ? 'a rule' : `rule ${rule}`} failed while running (${why})`, {
    cause,
  });
}

/** A custom operator must answer true or false: a Promise or any other value would pass as truthy. */
function checkedOperator(name: string, operator: CustomOperator): CustomOperator {
  return (factValue, jsonValue) => {
    let answer: unknown;
    try {
      answer = operator(factValue, jsonValue);
    } catch (cause) {
      throw new FengkongError(ErrorCode.STAGE_FAILED, `custom operator ${name} threw (${cause instanceof Error ? cause.name : 'error'})`, {
        cause,
      });
    }
    if (typeof answer !== 'boolean') {
      throw new FengkongError(ErrorCode.STAGE_FAILED, `custom operator ${name} returned ${typeof answer}, not a boolean`);
    }
    return answer;
  };
}

/** A rule's priority as json-rules-engine reads it (rule.js: `options.priority || 1`, then parseInt), as compile.ts does. */
function priorityOf(definition: RuleDefinition): number {
  return Number.parseInt((definition.priority || 1) as string, 10);
}

/** Copies own entries, a `__proto__` fact included as an own entry (Object.assign would set the prototype). */
function mergeValues(into: Record<string, FactValue>, from: Record<string, FactValue>): void {
  for (const key of Object.keys(from)) {
    if (key === '__proto__') Object.defineProperty(into, key, { value: from[key], enumerable: true, writable: true, configurable: true });
    else into[key] = from[key]!;
  }
}
