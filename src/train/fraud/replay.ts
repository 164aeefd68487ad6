// Replays labelled history through the serving fact builder, in event-time order, and collects the
// fraud model's inputs and the velocity rules' verdicts. Training and evaluation read the same facts
// `decide` reads: there is no second feature implementation to drift.
import { ErrorCode, FengkongError } from '../../errors.js';
import type { EventRecord } from '../../schema/event.js';
import { asLending, type LendingApplication } from '../../schema/lending.js';
import { historyStoreOptions } from '../../features/aggregates.js';
import type { EngineConfigInput } from '../../schema/config.js';
import { loadDecisionInputs, parseEngineConfig } from '../../engine/loadInputs.js';
import { createMemoryStore } from '../../state/memory.js';
import { createRulesStage } from '../../stages/rules/stage.js';
import { eventTimeMs, inEventTime } from '../../features/eventTime.js';
import { FRAUD_FEATURES, fraudFeatureVector } from '../../stages/fraud/features.js';

export interface ReplayedHistory {
  /** Events in event-time order (stable for equal times). */
  readonly events: readonly LendingApplication[];
  /** One feature vector per event (NaN where an input was missing). */
  readonly features: readonly Float64Array[];
  readonly isFraud: Uint8Array;
  readonly scenarios: readonly string[];
  /** Whether a velocity rule (category `velocity`) fired on the event. */
  readonly velocityRuleFired: Uint8Array;
  /** The derived-features file the facts were computed with. */
  readonly derivedFeaturesSha256: string;
}

export async function replayHistory(events: readonly EventRecord[], config: EngineConfigInput = {}): Promise<ReplayedHistory> {
  const settings = parseEngineConfig(config);
  const inputs = loadDecisionInputs(settings, (aggregates) => createMemoryStore(historyStoreOptions(aggregates)));
  const rules = createRulesStage(inputs.packs, inputs.lists);
  const velocityRules = new Set(
    inputs.packs.rules.filter(({ rule }) => rule.event.params.category === 'velocity').map(({ rule }) => rule.name),
  );
  const ordered = inEventTime(events.map(asLending), (event) => event.applied_at);
  const features: Float64Array[] = [];
  const isFraud = new Uint8Array(ordered.length);
  const velocityRuleFired = new Uint8Array(ordered.length);
  const scenarios: string[] = [];
  for (const [index, event] of ordered.entries()) {
    if (event.is_fraud === null) {
      throw new FengkongError(
        ErrorCode.EVENT_INVALID,
        `application ${event.application_id}: is_fraud is missing; training needs every label`,
      );
    }
    const built = inputs.factBuilder.build(event);
    features.push(fraudFeatureVector(built.facts, new Float64Array(FRAUD_FEATURES.length)));
    isFraud[index] = event.is_fraud;
    scenarios.push(event.fraud_scenario ?? 'none');
    const verdict = await rules.evaluate({
      id: event.application_id,
      atMs: eventTimeMs(event.applied_at),
      event,
      facts: built.facts,
      identifiers: built.identifiers,
      earlier: {},
    });
    velocityRuleFired[index] = verdict.result.fired.some((hit) => velocityRules.has(hit.code)) ? 1 : 0;
  }
  return { events: ordered, features, isFraud, scenarios, velocityRuleFired, derivedFeaturesSha256: inputs.derived.sha256 };
}
