// Loads rule packs: parse, validate against the schema, check every fact a condition reads is one the
// engine provides (labels, metadata and raw identifiers never are), and refuse duplicate reason codes.
import { createHash } from 'node:crypto';
import { ErrorCode, FengkongError } from '../../errors.js';
import { BUILT_IN_OPERATOR_NAMES, RulePack, type Condition, type Rule } from '../../schema/rulePack.js';
import { checkConditions, nameRules } from '../../schema/conditions.js';
import { parseJsonFile, readFileBytes } from '../../schema/jsonFile.js';

export interface LoadedRule {
  readonly rule: Rule;
  readonly pack: string;
  /** Position across all packs, for a stable order among rules of equal priority. */
  readonly order: number;
}

export interface LoadedRulePacks {
  readonly rules: readonly LoadedRule[];
  readonly sha256: string;
}

export function loadRulePacks(
  paths: readonly string[],
  knownFacts: ReadonlySet<string>,
  operators: ReadonlySet<string> = BUILT_IN_OPERATOR_NAMES,
  refused?: ReadonlyMap<string, string>,
): LoadedRulePacks {
  const digest = createHash('sha256');
  const rules: LoadedRule[] = [];
  const codes = new Map<string, string>();
  for (const path of paths) {
    const bytes = readFileBytes(path, ErrorCode.RULE_INVALID);
    digest.update(`${path.split('/').pop()}\n`).update(bytes);
    const pack = parseJsonFile(path, bytes, RulePack, ErrorCode.RULE_INVALID, nameRules);
    for (const rule of pack.rules) {
      const where = `${path}: rule ${rule.name}`;
      const earlier = codes.get(rule.name);
      if (earlier !== undefined) throw new FengkongError(ErrorCode.RULE_INVALID, `${where}: reason code already used in ${earlier}`);
      codes.set(rule.name, path);
      checkConditions(rule.conditions, { facts: knownFacts, operators, refused }, where);
      rules.push({ rule, pack: pack.pack, order: rules.length });
    }
  }
  return { rules, sha256: digest.digest('hex') };
}

interface ListUse {
  readonly name: string;
  readonly factName: string;
  readonly kind: 'block' | 'allow';
}

/**
 * Block lists cannot be overridden and allow lists only suppress: every block list must be enforced by
 * a decline rule that fires on it, an allow list may appear only as `equal false` (the rule does not
 * fire for listed values), and no rule enforcing a block list may carry an allow-list exemption.
 */
export function checkListUse(packs: LoadedRulePacks, lists: readonly ListUse[]): void {
  const byFact = new Map(lists.map((list) => [list.factName, list]));
  const enforced = new Set<string>();
  for (const { rule, pack } of packs.rules) {
    const uses = listConditions(rule.conditions, false).filter((use) => byFact.has(use.fact));
    const blocks = uses.filter((use) => byFact.get(use.fact)!.kind === 'block');
    const allows = uses.filter((use) => byFact.get(use.fact)!.kind === 'allow');
    for (const use of allows) {
      if (use.negated || use.operator !== 'equal' || use.value !== false) {
        throw new FengkongError(
          ErrorCode.RULE_INVALID,
          `pack ${pack}: rule ${rule.name}: allow list fact "${use.fact}" may only exempt (equal false), not select`,
        );
      }
    }
    const firesOnBlock = blocks.some((use) => !use.negated && use.operator === 'equal' && use.value === true);
    if (firesOnBlock && allows.length > 0) {
      throw new FengkongError(
        ErrorCode.RULE_INVALID,
        `pack ${pack}: rule ${rule.name}: a block-list rule cannot be overridden by an allow list`,
      );
    }
    if (firesOnBlock && rule.event.params.category !== 'list') {
      throw new FengkongError(
        ErrorCode.RULE_INVALID,
        `pack ${pack}: rule ${rule.name}: a block-list rule must have category list (a fraud signal the policy declines at tier 3)`,
      );
    }
    if (firesOnBlock && rule.event.params.severity === 'decline') blocks.forEach((use) => enforced.add(use.fact));
  }
  for (const list of lists) {
    if (list.kind === 'block' && !enforced.has(list.factName)) {
      throw new FengkongError(
        ErrorCode.RULE_INVALID,
        `block list "${list.name}" is not enforced: no decline rule fires on ${list.factName} equal true`,
      );
    }
  }
}

function listConditions(
  condition: Condition,
  negated: boolean,
): Array<{ fact: string; operator: string; value: unknown; negated: boolean }> {
  if ('fact' in condition) return [{ fact: condition.fact, operator: condition.operator, value: condition.value, negated }];
  if ('all' in condition) return condition.all.flatMap((inner) => listConditions(inner, negated));
  if ('any' in condition) return condition.any.flatMap((inner) => listConditions(inner, negated));
  return listConditions(condition.not, !negated);
}
