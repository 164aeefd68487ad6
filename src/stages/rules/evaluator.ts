// One way to run a pack of json-rules-engine rules, for the rule stage and the policy alike: the
// compiled evaluator (synchronous, exact; src/stages/rules/compile.ts) by default, json-rules-engine's
// own Engine.run when asked or when a pack cannot be compiled. Either way the answer is which rules
// fired and failed, each with the fact values its evaluated conditions read, and which evaluator ran.
// (The policy stage runs its pack through here too: the same rule format, so the same evaluator.)
import { Engine, type RuleProperties } from 'json-rules-engine';
import { compileRules, type RuleDefinition } from './compile.js';
import { evaluatedFactValues, toFactValue } from './factValues.js';
import { safePathResolver } from './path.js';
import type { FactValue } from '../../engine/stage.js';

export type RuleEvaluatorKind = 'compiled' | 'json-rules-engine';

/**
 * A custom operator, registered in code (createEngine's `operators`), never named into being by a rule
 * file. A pack that uses one runs on Engine.run, which is given the operator.
 */
export type CustomOperator = (factValue: unknown, jsonValue: unknown) => boolean;
export type CustomOperators = Readonly<Record<string, CustomOperator>>;

export interface RuleOutcome {
  /** Position of the rule in the definitions given. */
  readonly index: number;
  readonly values: Record<string, FactValue>;
}

export interface PackRun {
  /** Fired rules, highest priority first. */
  readonly fired: readonly RuleOutcome[];
  /** Failed rules; empty unless asked for. */
  readonly failed: readonly RuleOutcome[];
}

export interface PackEvaluator {
  readonly kind: RuleEvaluatorKind;
  /** Synchronous when compiled; a Promise on Engine.run. */
  run(facts: Readonly<Record<string, unknown>>): PackRun | Promise<PackRun>;
}

export interface PackEvaluatorOptions {
  readonly prefer: RuleEvaluatorKind;
  /** Also report the failed rules and the values they read (the rule stage shows why a rule did not fire). */
  readonly failed: boolean;
  readonly operators?: CustomOperators;
}

export function createPackEvaluator(definitions: readonly RuleDefinition[], options: PackEvaluatorOptions): PackEvaluator {
  const names = definitions.map((definition) => definition.name as string);
  if (options.prefer === 'compiled') {
    const outcome = compileRules(definitions, { allowUndefinedFacts: false });
    if (outcome.compiled) {
      const compiled = outcome.rules;
      return {
        kind: 'compiled',
        run(facts) {
          const run = compiled.run(facts);
          const outcomeOf = (rule: (typeof run.fired)[number]): RuleOutcome => ({
            index: rule.index,
            values: run.factValues(rule, toFactValue),
          });
          return { fired: run.fired.map(outcomeOf), failed: options.failed ? run.failed.map(outcomeOf) : [] };
        },
      };
    }
  }
  const engine = new Engine(definitions as RuleProperties[], { allowUndefinedFacts: false, pathResolver: safePathResolver });
  for (const [name, operator] of Object.entries(options.operators ?? {})) engine.addOperator(name, operator);
  const indexOf = new Map(names.map((name, index) => [name, index]));
  return {
    kind: 'json-rules-engine',
    async run(facts) {
      const run = await engine.run({ ...facts });
      const outcomeOf = (result: { name: string; conditions: unknown }): RuleOutcome => ({
        index: indexOf.get(result.name)!,
        values: evaluatedFactValues(result.conditions),
      });
      return {
        fired: run.results
          .map(outcomeOf)
          .sort((a, b) => priorityOf(definitions[b.index]!) - priorityOf(definitions[a.index]!) || a.index - b.index),
        failed: options.failed ? run.failureResults.map(outcomeOf) : [],
      };
    },
  };
}

function priorityOf(definition: RuleDefinition): number {
  return typeof definition.priority === 'number' && definition.priority > 0 ? definition.priority : 1;
}
