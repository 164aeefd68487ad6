// What rule and policy packs share at load: the checks of every condition a rule holds (known facts
// only, never labels, metadata or raw identifiers; known operators only; no operand json-rules-engine
// would throw on for every event), and naming the rule in a schema error.
import type { z } from 'zod';
import { ErrorCode, FengkongError } from '../errors.js';
import type { Condition, FactCondition } from './rulePack.js';

type ConditionTree = Condition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

/** What a pack's conditions may use: the facts the engine provides and the operators it knows. */
export interface ConditionVocabulary {
  readonly facts: ReadonlySet<string>;
  readonly operators: ReadonlySet<string>;
  /** Why a field of the data model that is not a fact is refused (a label, an identifier, a protected field), by name. */
  readonly refused?: ReadonlyMap<string, string>;
}

/** Checks every fact condition of a rule: its facts first, then its operators, then its operands. */
export function checkConditions(
  condition: ConditionTree,
  vocabulary: ConditionVocabulary,
  where: string,
  code: ErrorCode = ErrorCode.RULE_INVALID,
): void {
  const leaves = factConditionsOf(condition);
  for (const leaf of leaves) checkConditionFact(leaf.fact, vocabulary, where, code);
  for (const leaf of leaves) {
    if (!vocabulary.operators.has(leaf.operator)) {
      throw new FengkongError(
        code,
        `${where}: fact "${leaf.fact}": unknown operator "${leaf.operator}" (built-in operators, or ones registered in createEngine's operators)`,
      );
    }
  }
  for (const leaf of leaves) {
    // json-rules-engine's in/notIn search their value: a number there throws on every event.
    if ((leaf.operator === 'in' || leaf.operator === 'notIn') && !Array.isArray(leaf.value) && typeof leaf.value !== 'string') {
      throw new FengkongError(code, `${where}: fact "${leaf.fact}": ${leaf.operator} needs a list (or a string) as its value`);
    }
  }
}

function checkConditionFact(fact: string, vocabulary: ConditionVocabulary, where: string, code: ErrorCode = ErrorCode.RULE_INVALID): void {
  if (vocabulary.facts.has(fact)) return;
  const why = vocabulary.refused?.get(fact);
  if (why !== undefined) throw new FengkongError(code, `${where}: fact "${fact}" ${why}`);
  throw new FengkongError(code, `${where}: unknown fact "${fact}"`);
}

/** The fact conditions of a tree, in definition order. */
export function factConditionsOf(condition: ConditionTree): Array<z.infer<typeof FactCondition>> {
  if ('fact' in condition) return [condition];
  if ('all' in condition) return condition.all.flatMap(factConditionsOf);
  if ('any' in condition) return condition.any.flatMap(factConditionsOf);
  return factConditionsOf(condition.not);
}

/** `rules.3.conditions...` becomes `rules.3 (R_DTI_HIGH).conditions...`: the rule's code, when it has one. */
export function nameRules(described: string, raw: unknown): string {
  const rules = (raw as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules)) return described;
  return described.replace(/rules\.(\d+)/g, (match, index: string) => {
    const name = (rules[Number(index)] as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' && /^[A-Z][A-Z0-9_]{2,47}$/.test(name) ? `${match} (${name})` : match;
  });
}
