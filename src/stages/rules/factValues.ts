// What a decision shows of a rule: the facts its evaluated conditions read and their values, so a
// failed rule says why it failed. toFactValue serves both evaluators; evaluatedFactValues reads them
// from json-rules-engine's rule results, for the Engine.run fallback (the compiled evaluator records
// them as it runs).
import type { FactValue } from '../../schema/facts.js';

interface ConditionResultNode {
  fact?: string;
  factResult?: unknown;
  result?: boolean;
  all?: ConditionResultNode[];
  any?: ConditionResultNode[];
  not?: ConditionResultNode;
}

/** Facts read by the conditions that were evaluated (json-rules-engine short-circuits between priority groups). */
export function evaluatedFactValues(conditions: unknown): Record<string, FactValue> {
  const values: Record<string, FactValue> = {};
  const visit = (node: ConditionResultNode): void => {
    if (node.fact !== undefined) {
      if (node.result !== undefined) values[node.fact] = toFactValue(node.factResult);
      return;
    }
    node.all?.forEach(visit);
    node.any?.forEach(visit);
    if (node.not !== undefined) visit(node.not);
  };
  visit(conditions as ConditionResultNode);
  return values;
}

export function toFactValue(value: unknown): FactValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  return String(value);
}
