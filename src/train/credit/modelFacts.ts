// The facts the engine computes beyond an event's own fields — its data model's aggregates (velocity)
// and signals, the config's list hits and derived features — for the rows the credit trainer reads, by
// the engine's own fact builder over a history of its own, in event-time order (file order without a
// time field): a model trained on them reads at serving time what it read in training.
import type { DataModel } from '../../features/dataModel.js';
import { historyStoreOptions } from '../../features/aggregates.js';
import { inEventTime } from '../../features/eventTime.js';
import { loadDecisionInputs, parseEngineConfig } from '../../engine/loadInputs.js';
import type { EngineConfigInput } from '../../schema/config.js';
import type { EventRecord } from '../../schema/event.js';
import { factNumber } from '../../schema/facts.js';
import { createMemoryStore } from '../../state/memory.js';

export interface ModelFacts {
  /** The computed facts a model may read, each numeric (a flag reads 1/0), in declaration order. */
  readonly names: readonly string[];
  /** Which of them are derived features (their file's hash goes in the manifest). */
  readonly derived: ReadonlySet<string>;
  /** What each means, in the words reasons use: the declaration's description. */
  readonly descriptions: ReadonlyMap<string, string>;
  /** The derived-features file the facts were computed with; null when none is loaded. */
  readonly derivedFeaturesSha256: string | null;
  /** One record per event, in the order given: each name's value, or null when missing. */
  readonly values: ReadonlyArray<Readonly<Record<string, number | null>>>;
}

/** The computed facts of `events` under `config` (whose data model must be `model`). */
export function computeModelFacts(model: DataModel, events: readonly EventRecord[], config: EngineConfigInput): ModelFacts {
  const inputs = loadDecisionInputs(parseEngineConfig(config), (aggregates) => createMemoryStore(historyStoreOptions(aggregates)));
  const own = new Set(model.fieldNames);
  const names = Object.keys(inputs.factKinds).filter((name) => !own.has(name) && inputs.factKinds[name] !== 'text');
  const derived = new Set(inputs.derived.compiled.features.map((feature) => feature.name));
  const order = inEventTime(
    events.map((event, index) => ({ event, index })),
    ({ event }) => model.timeMsOf(event),
  );
  const values: Array<Record<string, number | null>> = new Array(events.length);
  for (const { event, index } of order) {
    const { facts } = inputs.factBuilder.build(event);
    const record: Record<string, number | null> = {};
    for (const name of names) {
      const value = factNumber(facts[name]);
      record[name] = Number.isFinite(value) ? value : null;
    }
    values[index] = record;
  }
  const usesDerived = names.some((name) => derived.has(name));
  const descriptions = new Map<string, string>([
    ...model.file.aggregates.map((aggregate) => [aggregate.name, aggregate.description] as const),
    ...model.file.signals.map((signal) => [signal.name, signal.description] as const),
    ...inputs.lists.lists.map((list) => [list.factName, list.description] as const),
    ...inputs.derived.compiled.features.map((feature) => [feature.name, feature.description] as const),
  ]);
  return { names, derived, descriptions, derivedFeaturesSha256: usesDerived ? inputs.derived.sha256 : null, values };
}
