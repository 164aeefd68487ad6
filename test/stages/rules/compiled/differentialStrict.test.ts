// Random packs over random facts, compiled vs json-rules-engine 7.3.1's Engine.run (see sameAsEngine.ts),
// with the engine's defaults: an undefined fact or an unknown condition throws when it is evaluated.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { rulesCaseArbitrary } from './arbitraries.js';
import { expectSameAsEngine } from './sameAsEngine.js';

describe('compiled rules against Engine.run, undefined facts and conditions throw', () => {
  it('throws when Engine.run rejects, from a rule that rejects there, and agrees on every run that completes', async () => {
    await fc.assert(
      fc.asyncProperty(rulesCaseArbitrary({ allowUndefinedFacts: false, allowUndefinedConditions: false }), async (rulesCase) => {
        await expectSameAsEngine(rulesCase);
      }),
      { numRuns: 3000 },
    );
  });
});
