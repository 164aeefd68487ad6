// Builds the facts of one event, in event order: event features, derived features, list hits, and
// velocity facts read from the history before the event is recorded into it. Serving (`decide`) and
// training (the replay of labelled history) both go through this one builder.
import type { ApplicationEvent } from '../schema/event.js';
import type { Facts } from '../engine/stage.js';
import type { StateStore } from '../state/store.js';
import { buildFacts, hashIdentifiers, type DerivedFeatureEvaluator, type HashedIdentifiers } from './eventFacts.js';
import type { LoadedLists } from './lists.js';
import { readVelocity, recordVelocity } from './velocity.js';

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
  build(event: ApplicationEvent, record?: boolean): BuiltFacts;
}

export function createFactBuilder(parts: {
  derived: DerivedFeatureEvaluator;
  lists: LoadedLists;
  store: StateStore;
  salt: string;
}): FactBuilder {
  const { derived, lists, store, salt } = parts;
  return {
    build(event, record = true) {
      const identifiers = hashIdentifiers(event, salt);
      const facts = buildFacts(event, derived);
      for (const list of lists.lists) facts[list.factName] = list.matches(identifiers, identifiers.emailDomain);
      const atMs = Date.parse(event.applied_at);
      Object.assign(facts, readVelocity(store, event, identifiers, atMs));
      const watermarkMs = store.stats().watermarkMs;
      const tooFarAhead = watermarkMs !== null && atMs > watermarkMs + MAX_JUMP_AHEAD_MS;
      const recorded = record && !tooFarAhead && recordVelocity(store, event, identifiers, atMs);
      return { facts, identifiers, recorded };
    },
  };
}
