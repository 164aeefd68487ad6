// The rule stage: the loaded packs run on json-rules-engine, with list hits as boolean facts. Fired and
// failed rules come back with the fact values that decided them, in a stable order (severity, then
// priority, then definition order) rather than the order json-rules-engine's promises settle in.
import { Engine, type RuleResult } from 'json-rules-engine';
import type { RulesStageResult } from '../../schema/decision.js';
import type { Severity } from '../../schema/rulePack.js';
import type { Stage, StageInput, StageOutput, StageReason } from '../../engine/stage.js';
import { evaluatedFactValues } from '../../engine/conditionValues.js';
import type { LoadedLists } from '../../features/lists.js';
import type { LoadedRule, LoadedRulePacks } from './load.js';

const SEVERITY_RANK: Record<Severity, number> = { decline: 0, review: 1, info: 2 };

export function createRulesStage(packs: LoadedRulePacks, lists: LoadedLists): Stage<RulesStageResult> {
  const engine = new Engine(
    packs.rules.map(({ rule }) => ({ ...rule, conditions: rule.conditions as never })),
    { allowUndefinedFacts: false },
  );
  const byCode = new Map<string, LoadedRule>(packs.rules.map((loaded) => [loaded.rule.name, loaded]));
  const rank = (code: string): [number, number, number] => {
    const loaded = byCode.get(code)!;
    return [SEVERITY_RANK[loaded.rule.event.params.severity], -loaded.rule.priority, loaded.order];
  };
  const compare = (a: RuleResult, b: RuleResult): number => {
    const [ra, rb] = [rank(a.name), rank(b.name)];
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
  };
  const byOrder = (a: RuleResult, b: RuleResult): number => byCode.get(a.name)!.order - byCode.get(b.name)!.order;

  const evaluate = async (input: StageInput): Promise<StageOutput<RulesStageResult>> => {
    const listHits = lists.lists.filter((list) => input.facts[list.factName] === true).map((list) => list.name);
    const run = await engine.run({ ...input.facts });
    const fired = [...run.results].sort(compare);
    const failed = [...run.failureResults].sort(byOrder);
    const reasons: StageReason[] = fired.map((result) => {
      const rule = byCode.get(result.name)!.rule;
      return { code: rule.name, stage: 'rules', text: rule.event.params.reason, values: evaluatedFactValues(result.conditions) };
    });
    const hit = (result: RuleResult) => {
      const rule = byCode.get(result.name)!.rule;
      return { code: rule.name, severity: rule.event.params.severity, values: evaluatedFactValues(result.conditions) };
    };
    return {
      result: { fired: fired.map(hit), failed: failed.map(hit), listHits, evaluator: 'json-rules-engine' },
      reasons,
    };
  };

  return { name: 'rules', sha256: { rulePackSha256: packs.sha256, listsSha256: lists.sha256 }, evaluate };
}
