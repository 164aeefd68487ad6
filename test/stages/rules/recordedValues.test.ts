// What a decision records of the rule stage is enough to work its verdicts out again: the values the
// rules read (stages.rules.values), run through the pinned packs by json-rules-engine itself, fire
// exactly the rules the decision says fired, on the committed applications.
import { Engine, type RuleProperties } from 'json-rules-engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../../src/batch/readEvents.js';
import { createEngine } from '../../../src/engine/createEngine.js';
import { loadDecisionInputs, parseEngineConfig } from '../../../src/engine/loadInputs.js';
import type { Decision } from '../../../src/schema/decision.js';
import { createMemoryStore } from '../../../src/state/memory.js';
import { factConditionsOf } from '../../../src/schema/conditions.js';

type LoadedRule = ReturnType<typeof loadDecisionInputs>['packs']['rules'][number]['rule'];

const ROWS = 2500;

let decisions: Decision[];
let loadedRules: LoadedRule[];
let packRules: RuleProperties[];
let factsRead: string[];

beforeAll(async () => {
  const { events } = await readEvents('data/applications.csv');
  decisions = await (await createEngine()).decideBatch(events.slice(0, ROWS));
  const inputs = loadDecisionInputs(parseEngineConfig({}), createMemoryStore());
  loadedRules = inputs.packs.rules.map(({ rule }) => rule);
  packRules = loadedRules.map((rule) => rule as RuleProperties);
  factsRead = [...new Set(loadedRules.flatMap(factsIn))].sort();
});

/** The fact names a rule's conditions read, sorted, each once (the schema's walk of a condition tree). */
function factsIn(rule: LoadedRule): string[] {
  return [...new Set(factConditionsOf(rule.conditions).map((condition) => condition.fact))].sort();
}

describe('the values a decision records for its rules', () => {
  it('are every fact the shipped packs read (each of their conditions is evaluated on every run), once', () => {
    for (const decision of decisions) expect(Object.keys(decision.stages.rules.values).sort()).toEqual(factsRead);
  });

  it(`fire, through json-rules-engine's Engine.run, exactly the rules each of the first ${ROWS} decisions says fired`, async () => {
    const engine = new Engine(structuredClone(packRules), { allowUndefinedFacts: false });
    let fired = 0;
    for (const decision of decisions) {
      const run = await engine.run({ ...decision.stages.rules.values });
      const again = run.results.map((result) => result.name).sort();
      expect(again, decision.applicationId).toEqual(decision.stages.rules.fired.map((hit) => hit.code).sort());
      fired += again.length;
    }
    // Not a vacuous agreement: rules do fire on the committed data.
    expect(fired).toBeGreaterThan(ROWS / 10);
  });

  it("give each fired rule's reason the values of exactly that rule's own conditions, as recorded", () => {
    const factsOf = new Map(loadedRules.map((rule) => [rule.name, factsIn(rule)]));
    let reasons = 0;
    for (const decision of decisions) {
      for (const reason of decision.reasons.all.filter((candidate) => candidate.stage === 'rules')) {
        expect(Object.keys(reason.values).sort(), reason.code).toEqual(factsOf.get(reason.code));
        for (const [fact, value] of Object.entries(reason.values)) expect(decision.stages.rules.values[fact]).toBe(value);
        reasons += 1;
      }
    }
    expect(reasons).toBeGreaterThan(ROWS / 10);
  });
});
