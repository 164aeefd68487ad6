// The policy facts a decision builds hold only the event facts its pack reads: the facts its
// conditions name, and funded_amnt for the offers. Deciding on them is deciding on every fact:
// checked on the shipped pack over random stage outputs and events.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildPolicyFacts, eventFactsReadBy, POLICY_FACTS } from '../../src/policy/facts.js';
import { createPolicyEvaluator } from '../../src/policy/evaluate.js';
import { loadPolicyPack } from '../../src/policy/load.js';
import { shippedPaths } from '../../src/engine/paths.js';
import type { PolicyPack } from '../../src/schema/policyPack.js';
import type { RulesStageResult } from '../../src/schema/decision.js';

describe('eventFactsReadBy', () => {
  it('names every event fact a condition reads, at any depth, and funded_amnt; no stage fact', () => {
    const rules = [
      {
        conditions: {
          all: [
            { fact: 'annual_inc', operator: 'lessThan', value: 1000 },
            {
              any: [
                { fact: 'creditScore', operator: 'lessThan', value: 500 },
                { not: { fact: 'dti', operator: 'greaterThan', value: 40 } },
              ],
            },
          ],
        },
      },
    ] as unknown as PolicyPack['rules'];
    expect(new Set(eventFactsReadBy({ rules }))).toEqual(new Set(['funded_amnt', 'annual_inc', 'dti']));
  });

  it('the shipped pack decides the same on its facts as on every fact', () => {
    const loaded = loadPolicyPack(shippedPaths.policyPack, new Set(['funded_amnt', 'annual_inc', 'dti', 'revol_util']));
    const names = eventFactsReadBy(loaded.pack);
    for (const name of names) expect(Object.keys(POLICY_FACTS)).not.toContain(name);
    const evaluate = createPolicyEvaluator(loaded);
    const rules: RulesStageResult = {
      packs: [],
      fired: [],
      values: {},
      listHits: [],
      evaluator: 'compiled',
    } as unknown as RulesStageResult;
    fc.assert(
      fc.property(
        fc.record({
          funded_amnt: fc.integer({ min: 500, max: 40_000 }),
          annual_inc: fc.integer({ min: 0, max: 300_000 }),
          dti: fc.double({ min: 0, max: 60, noNaN: true }),
          revol_util: fc.option(fc.double({ min: 0, max: 150, noNaN: true })),
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 300, max: 850 }),
        fc.boolean(),
        (event, probability, score, identityFrozen) => {
          const inputs = {
            rules,
            fraud: { probability, logit: 0, baselineLogit: 0, contributions: [] },
            credit: { score, pd: 0.1 } as never,
            ruleMeta: new Map(),
            blockLists: new Set<string>(),
            identityFrozen,
          };
          const all = buildPolicyFacts(event, inputs);
          const read = buildPolicyFacts(event, inputs, names);
          for (const key of Object.keys(read)) expect(names.includes(key) || Object.hasOwn(POLICY_FACTS, key)).toBe(true);
          expect(evaluate(read)).toEqual(evaluate(all));
        },
      ),
      { numRuns: 500 },
    );
  });
});
