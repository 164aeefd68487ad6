// Random packs over random facts, compiled vs json-rules-engine 7.3.1's Engine.run (see sameAsEngine.ts
// for what is compared). Undefined facts and unknown conditions allowed: the runs that complete.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { rulesCaseArbitrary } from './arbitraries.js';
import { expectSameAsEngine } from './sameAsEngine.js';

describe('compiled rules against Engine.run, undefined facts allowed', () => {
  it('fire, fail, report results, events and the values read exactly as Engine.run does', async () => {
    await fc.assert(
      fc.asyncProperty(rulesCaseArbitrary({ allowUndefinedFacts: true, allowUndefinedConditions: true }), async (rulesCase) => {
        await expectSameAsEngine(rulesCase);
      }),
      { numRuns: 3000 },
    );
  });
});
