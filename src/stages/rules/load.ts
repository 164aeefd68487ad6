// Loads rule packs: parse, validate against the schema, check every fact a condition reads is one the
// engine provides (labels, metadata and raw identifiers never are), and refuse duplicate reason codes.
import { createHash } from 'node:crypto';
import { ErrorCode, FengkongError } from '../../errors.js';
import { columns, type ColumnName } from '../../schema/event.js';
import { describeIssues } from '../../schema/issues.js';
import { RulePack, type Condition, type Rule } from '../../schema/rulePack.js';
import { readFileOrThrow } from './lists.js';

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

export function loadRulePacks(paths: readonly string[], knownFacts: ReadonlySet<string>): LoadedRulePacks {
  const digest = createHash('sha256');
  const rules: LoadedRule[] = [];
  const codes = new Map<string, string>();
  for (const path of paths) {
    const bytes = readFileOrThrow(path, ErrorCode.RULE_INVALID);
    digest.update(`${path.split('/').pop()}\n`).update(bytes);
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch (cause) {
      throw new FengkongError(ErrorCode.RULE_INVALID, `${path}: not valid JSON (${(cause as Error).message})`, { cause });
    }
    const parsed = RulePack.safeParse(raw);
    if (!parsed.success) {
      throw new FengkongError(ErrorCode.RULE_INVALID, `${path}: ${describeIssues(parsed.error)}`, { cause: parsed.error });
    }
    for (const rule of parsed.data.rules) {
      const where = `${path}: rule ${rule.name}`;
      const earlier = codes.get(rule.name);
      if (earlier !== undefined) throw new FengkongError(ErrorCode.RULE_INVALID, `${where}: reason code already used in ${earlier}`);
      codes.set(rule.name, path);
      for (const fact of factsOf(rule.conditions)) checkFact(fact, knownFacts, where);
      rules.push({ rule, pack: parsed.data.pack, order: rules.length });
    }
  }
  return { rules, sha256: digest.digest('hex') };
}

function checkFact(fact: string, knownFacts: ReadonlySet<string>, where: string): void {
  if (knownFacts.has(fact)) return;
  const column = Object.hasOwn(columns, fact) ? columns[fact as ColumnName] : undefined;
  if (column !== undefined) {
    const why =
      column.role === 'label'
        ? 'is a label: labels are never inputs to a decision'
        : column.role === 'identifier'
          ? 'is an identifier: match identifiers with a list file, not a rule'
          : `has role "${column.role}" and is not available to rules`;
    throw new FengkongError(ErrorCode.RULE_INVALID, `${where}: fact "${fact}" ${why}`);
  }
  throw new FengkongError(ErrorCode.RULE_INVALID, `${where}: unknown fact "${fact}"`);
}

export function factsOf(condition: Condition | { all: Condition[] } | { any: Condition[] } | { not: Condition }): string[] {
  if ('fact' in condition) return [condition.fact];
  if ('all' in condition) return condition.all.flatMap(factsOf);
  if ('any' in condition) return condition.any.flatMap(factsOf);
  return factsOf(condition.not);
}
