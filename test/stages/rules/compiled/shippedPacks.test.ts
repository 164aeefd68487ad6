// The shipped packs, compiled vs json-rules-engine 7.3.1's Engine.run (see sameAsEngine.ts): the rule
// packs (rules/packs/*.json, as the rule stage runs them: all in one engine, undefined facts throw) on
// the facts the engine builds for the first 300 applications of data/applications.csv, then on those
// facts with random numbers and missing values in place of some; the policy pack
// (rules/policy/default.json) on those facts with random stage outputs.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../../../src/batch/readEvents.js';
import { loadDecisionInputs, parseEngineConfig } from '../../../../src/engine/loadInputs.js';
import { POLICY_FACTS } from '../../../../src/policy/facts.js';
import { loadPolicyPack } from '../../../../src/policy/load.js';
import { createMemoryStore } from '../../../../src/state/memory.js';
import type { RuleDefinition } from '../../../../src/stages/rules/compile.js';
import { expectSameAsEngine } from './sameAsEngine.js';

const ROWS = 300;

let rules: RuleDefinition[];
let policyRules: RuleDefinition[];
let listNames: string[];
let rowFacts: Array<Record<string, unknown>>;

beforeAll(async () => {
  const inputs = loadDecisionInputs(parseEngineConfig({}), createMemoryStore());
  const { events } = await readEvents('data/applications.csv');
  // Rows are in time order; sorting keeps the velocity history what `score` builds.
  const first = events.slice(0, ROWS).sort((a, b) => Date.parse(a.applied_at as string) - Date.parse(b.applied_at as string));
  rowFacts = first.map((event) => ({ ...inputs.factBuilder.build(event).facts }));
  rules = inputs.packs.rules.map(({ rule }) => rule);
  policyRules = loadPolicyPack('rules/policy/default.json', new Set(Object.keys(inputs.facts))).pack.rules;
  listNames = inputs.lists.lists.map((list) => list.name);
});

describe('the shipped rule packs', () => {
  it(`agree with Engine.run on the facts of the first ${ROWS} applications`, async () => {
    let fired = 0;
    for (const facts of rowFacts) {
      const outcome = await expectSameAsEngine({ rules, facts });
      expect(outcome.ok).toBe(true);
      if (outcome.ok) fired += outcome.value.results.length;
    }
    expect(fired).toBeGreaterThan(0);
  });

  it('agree with Engine.run when numbers move and values go missing', async () => {
    const perturbed = fc
      .tuple(
        fc.nat({ max: ROWS - 1 }),
        fc.array(
          fc.tuple(fc.nat(), fc.oneof(fc.integer({ min: -1, max: 40 }), fc.double({ min: 0, max: 2, noNaN: true }), fc.constant(null))),
          { maxLength: 12 },
        ),
      )
      .map(([row, changes]) => {
        const facts = { ...rowFacts[row]! };
        const numeric = Object.keys(facts).filter((name) => typeof facts[name] === 'number' || facts[name] === null);
        for (const [pick, value] of changes) facts[numeric[pick % numeric.length]!] = value;
        return facts;
      });
    await fc.assert(
      fc.asyncProperty(perturbed, async (facts) => {
        const outcome = await expectSameAsEngine({ rules, facts });
        expect(outcome.ok).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the shipped policy pack', () => {
  it('agrees with Engine.run over random stage outputs', async () => {
    const stageFacts = fc.record({
      fraudProbability: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0.1, 0.3, 0.9), fc.constant(null)),
      creditScore: fc.oneof(fc.integer({ min: 300, max: 850 }), fc.constantFrom(540, 549, 550), fc.constant(null)),
      creditPd: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(null)),
      firedRuleCodes: fc.subarray(rules.map((rule) => rule.name as string)),
      declineRuleCount: fc.nat({ max: 3 }),
      reviewRuleCount: fc.nat({ max: 3 }),
      infoRuleCount: fc.nat({ max: 3 }),
      fraudDeclineRuleCount: fc.nat({ max: 2 }),
      creditDeclineRuleCount: fc.nat({ max: 2 }),
      fraudReviewRuleCount: fc.nat({ max: 2 }),
      creditReviewRuleCount: fc.nat({ max: 2 }),
      listHits: fc.subarray(listNames),
      blockListHitCount: fc.nat({ max: 2 }),
      identityFrozen: fc.boolean(),
    });
    const [sample] = fc.sample(stageFacts, { numRuns: 1, seed: 1 });
    expect(Object.keys(sample!).sort()).toEqual(Object.keys(POLICY_FACTS).sort());
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: ROWS - 1 }), stageFacts, async (row, stage) => {
        const outcome = await expectSameAsEngine({ rules: policyRules, facts: { ...rowFacts[row]!, ...stage } });
        expect(outcome.ok).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
