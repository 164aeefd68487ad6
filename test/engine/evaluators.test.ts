// The compiled evaluator against json-rules-engine's Engine.run, end to end: every committed
// application decided both ways gives the same decision, but for the field that says which ran.
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Decision } from '../../src/index.js';
import { readEvents } from '../../src/batch/readEvents.js';
import type { EventRecord } from '../../src/schema/event.js';
import { stable } from '../fixtures/decisions.js';

let events: EventRecord[];
beforeAll(async () => {
  events = (await readEvents('data/applications.csv')).events;
});

async function decideAll(ruleEvaluator: 'compiled' | 'json-rules-engine'): Promise<Decision[]> {
  const engine = await createEngine({ ruleEvaluator });
  const decisions: Decision[] = [];
  for (let start = 0; start < events.length; start += 1024)
    decisions.push(...(await engine.decideBatch(events.slice(start, start + 1024))));
  return decisions;
}

/** The decision with the evaluator named the same, so only what was decided is compared. */
function asDecidedBy(decision: Decision, evaluator: 'compiled' | 'json-rules-engine'): unknown {
  const stages = decision.stages;
  return stable({
    ...decision,
    stages: { ...stages, rules: { ...stages.rules, evaluator }, policy: { ...stages.policy, evaluator } },
  });
}

describe('compiled rules decide as json-rules-engine does', () => {
  it('on every committed application: the same decisions, rule values and reasons', async () => {
    const compiled = await decideAll('compiled');
    const reference = await decideAll('json-rules-engine');
    expect(compiled[0]!.stages.rules.evaluator).toBe('compiled');
    expect(compiled[0]!.stages.policy.evaluator).toBe('compiled');
    expect(reference[0]!.stages.rules.evaluator).toBe('json-rules-engine');
    expect(compiled.length).toBe(events.length);
    for (let index = 0; index < compiled.length; index += 1) {
      // Byte for byte, as the JSON lines are written (toEqual would ignore the order of keys).
      expect(JSON.stringify(asDecidedBy(compiled[index]!, 'json-rules-engine')), compiled[index]!.applicationId).toBe(
        JSON.stringify(stable(reference[index]!)),
      );
    }
    // The comparison covers every outcome, tier and a good share of fired rules.
    expect(new Set(compiled.map((decision) => `${decision.outcome}/${decision.tier}`)).size).toBe(4);
    expect(new Set(compiled.flatMap((decision) => decision.stages.rules.fired.map((hit) => hit.code))).size).toBeGreaterThan(15);
  }, 120_000);
});
