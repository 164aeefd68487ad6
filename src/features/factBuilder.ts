// Builds the facts of one event, in event order: its feature fields, derived features, signals, list
// hits, and the aggregates read from the history before the event is recorded into it. Serving
// (`decide`) and training (the replay of labelled history) both go through this one builder.
import type { EventRecord } from '../schema/event.js';
import type { Facts } from '../schema/facts.js';
import type { StateStore } from '../state/store.js';
import { compileAggregates, type CompiledAggregates } from './aggregates.js';
import type { DataModel } from './dataModel.js';
import { buildFacts, createIdentifierHasher, type DerivedFeatureEvaluator, type HashedIdentifiers } from './eventFacts.js';
import type { LoadedLists } from './lists.js';
import { compileSignals } from './signals.js';

export interface BuiltFacts {
  readonly facts: Facts;
  readonly identifiers: HashedIdentifiers;
  /**
   * False when the event was not recorded in the history: later than the allowed lateness, or more
   * than MAX_JUMP_AHEAD_MS ahead of the latest event (a mistyped or forged date would otherwise move
   * the history's clock so far that every later real event counts as late).
   */
  readonly recorded: boolean;
}

/** An event this far ahead of the latest one is scored but not recorded. */
export const MAX_JUMP_AHEAD_MS = 7 * 24 * 3_600_000;

export interface FactBuilder {
  /** With `record` false the history is read, not written (an application seen before). */
  build(event: EventRecord, record?: boolean): BuiltFacts;
}

export function createFactBuilder(parts: {
  dataModel: DataModel;
  derived: DerivedFeatureEvaluator;
  lists: LoadedLists;
  store: StateStore;
  salt: string;
  aggregates?: CompiledAggregates;
}): FactBuilder {
  const { dataModel, derived, lists, store, salt } = parts;
  const hasher = createIdentifierHasher(dataModel);
  const signals = compileSignals(dataModel.file.signals);
  const aggregates = parts.aggregates ?? compileAggregates(dataModel);
  const featureFields = dataModel.fieldsWithRole('feature').map((field) => field.name);
  return {
    build(event, record = true) {
      const identifiers = hasher.hash(event, salt);
      const facts = buildFacts(event, featureFields, derived, signals);
      for (const list of lists.lists) facts[list.factName] = list.matches(identifiers);
      const atMs = dataModel.timeMsOf(event);
      aggregates.read(store, event, identifiers, atMs, salt, facts as Record<string, number | null>);
      const watermarkMs = store.stats().watermarkMs;
      const tooFarAhead = watermarkMs !== null && atMs > watermarkMs + MAX_JUMP_AHEAD_MS;
      const recorded = record && !tooFarAhead && aggregates.record(store, event, identifiers, atMs, salt);
      return { facts, identifiers, recorded };
    },
  };
}
