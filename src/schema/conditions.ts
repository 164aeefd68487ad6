// What rule and policy packs share at load: walking a condition tree for the facts it reads, and
// refusing facts the engine does not provide (labels, metadata, raw identifiers) and operands
// json-rules-engine would throw on for every event.
import { ErrorCode, FengkongError } from '../errors.js';
import { columns, type ColumnName } from './event.js';
import type { Condition } from './rulePack.js';

type ConditionTree = Condition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

/** json-rules-engine's in/notIn search their value: a number there throws on every event, so refuse it at load. */
export function checkOperands(condition: ConditionTree, where: string, code: ErrorCode = ErrorCode.RULE_INVALID): void {
  if ('fact' in condition) {
    if (
      (condition.operator === 'in' || condition.operator === 'notIn') &&
      !Array.isArray(condition.value) &&
      typeof condition.value !== 'string'
    ) {
      throw new FengkongError(code, `${where}: fact "${condition.fact}": ${condition.operator} needs a list (or a string) as its value`);
    }
    return;
  }
  if ('all' in condition) condition.all.forEach((inner) => checkOperands(inner, where, code));
  else if ('any' in condition) condition.any.forEach((inner) => checkOperands(inner, where, code));
  else checkOperands(condition.not, where, code);
}

export function checkConditionFact(
  fact: string,
  knownFacts: ReadonlySet<string>,
  where: string,
  code: ErrorCode = ErrorCode.RULE_INVALID,
): void {
  if (knownFacts.has(fact)) return;
  const column = Object.hasOwn(columns, fact) ? columns[fact as ColumnName] : undefined;
  if (column !== undefined) {
    const why =
      column.role === 'label'
        ? 'is a label: labels are never inputs to a decision'
        : column.role === 'identifier'
          ? 'is an identifier: match identifiers with a list file, not a rule'
          : `has role "${column.role}" and is not available to rules`;
    throw new FengkongError(code, `${where}: fact "${fact}" ${why}`);
  }
  throw new FengkongError(code, `${where}: unknown fact "${fact}"`);
}

export function factsOf(condition: ConditionTree): string[] {
  if ('fact' in condition) return [condition.fact];
  if ('all' in condition) return condition.all.flatMap(factsOf);
  if ('any' in condition) return condition.any.flatMap(factsOf);
  return factsOf(condition.not);
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

/** Every operator a condition uses must be built in or registered in code: never one a file invents. */
export function checkOperators(
  condition: ConditionTree,
  operators: ReadonlySet<string>,
  where: string,
  code: ErrorCode = ErrorCode.RULE_INVALID,
): void {
  if ('fact' in condition) {
    if (!operators.has(condition.operator)) {
      throw new FengkongError(
        code,
        `${where}: fact "${condition.fact}": unknown operator "${condition.operator}" (built-in operators, or ones registered in createEngine's operators)`,
      );
    }
    return;
  }
  if ('all' in condition) condition.all.forEach((inner) => checkOperators(inner, operators, where, code));
  else if ('any' in condition) condition.any.forEach((inner) => checkOperators(inner, operators, where, code));
  else checkOperators(condition.not, operators, where, code);
}
