// The rule stage: the loaded packs run on the compiled evaluator (json-rules-engine's semantics,
// synchronously; Engine.run when configured), with list hits as boolean facts. Fired rules come back in
// a stable order (severity, then priority, then definition order) rather than the order
// json-rules-engine's promises settle in, with every fact value the rules read recorded once (so each
// rule's verdict can be worked out again from the decision and the pinned packs); the rules that did
// not fire too, in definition order, with the values each read, when asked (recordFailed).
import type { FailedRule, RuleHit, RulesStageResult } from '../../schema/decision.js';
import type { Severity } from '../../schema/rulePack.js';
import type { Stage, StageInput, StageOutput, StageReason } from '../../engine/stage.js';
import type { LoadedLists } from '../../features/lists.js';
import type { LoadedRulePacks } from './load.js';
import { createPackEvaluator, type CustomOperators, type PackRun, type RuleEvaluatorKind, type RuleOutcome } from './evaluator.js';

const SEVERITY_RANK: Record<Severity, number> = { decline: 0, review: 1, info: 2 };

export interface RulesStageOptions {
  readonly prefer?: RuleEvaluatorKind;
  readonly operators?: CustomOperators;
  /** Record the rules that did not fire, with their values (config recordFailedRules). */
  readonly recordFailed?: boolean;
}

export function createRulesStage(packs: LoadedRulePacks, lists: LoadedLists, options: RulesStageOptions = {}): Stage<RulesStageResult> {
  const { prefer = 'compiled', operators = {}, recordFailed = false } = options;
  const rules = packs.rules.map(({ rule }) => rule);
  const evaluator = createPackEvaluator(rules, { prefer, failed: recordFailed, operators });
  const firedOrder = (a: RuleOutcome, b: RuleOutcome): number => {
    const [ra, rb] = [rules[a.index]!, rules[b.index]!];
    return (
      SEVERITY_RANK[ra.event.params.severity] - SEVERITY_RANK[rb.event.params.severity] || rb.priority - ra.priority || a.index - b.index
    );
  };

  const finish = (run: PackRun, listHits: string[]): StageOutput<RulesStageResult> => {
    const fired = [...run.fired].sort(firedOrder);
    const hit = ({ index }: RuleOutcome): RuleHit => {
      const rule = rules[index]!;
      return { code: rule.name, severity: rule.event.params.severity };
    };
    // A reason shows the values of its own rule's conditions; the stage records every value read once.
    const reasons: StageReason[] = fired.map((outcome) => {
      const rule = rules[outcome.index]!;
      return { code: rule.name, stage: 'rules', text: rule.event.params.reason, values: run.valuesOf(outcome) };
    });
    const result: RulesStageResult = { fired: fired.map(hit), values: run.values(), listHits, evaluator: evaluator.kind };
    if (recordFailed) {
      result.failed = [...run.failed]
        .sort((a, b) => a.index - b.index)
        .map((outcome): FailedRule => ({ ...hit(outcome), values: run.valuesOf(outcome) }));
    }
    return { result, reasons };
  };

  const evaluate = (input: StageInput): StageOutput<RulesStageResult> | Promise<StageOutput<RulesStageResult>> => {
    const listHits = lists.lists.filter((list) => input.facts[list.factName] === true).map((list) => list.name);
    const run = evaluator.run(input.facts);
    return run instanceof Promise ? run.then((settled) => finish(settled, listHits)) : finish(run, listHits);
  };

  return { name: 'rules', sha256: { rulePackSha256: packs.sha256, listsSha256: lists.sha256 }, evaluate };
}
