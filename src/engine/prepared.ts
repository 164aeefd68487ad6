// The shapes the steps of a decision hand each other (src/engine/decide.ts): an event prepared (facts
// built, history recorded), where each event's answer comes from, a prepared event decided, and the
// freezes set on the way. Plain data: a prepared event and its decision cross to worker threads.
import type { FengkongError } from '../errors.js';
import type { Decision } from '../schema/decision.js';
import type { EventRecord } from '../schema/event.js';
import type { HashedIdentifiers } from '../features/eventFacts.js';
import { frozenKey } from '../policy/stage.js';
import type { Facts } from './stage.js';

/** An event with its facts built and its history recorded: what the stages, the policy and the decision read. */
export interface Prepared {
  /** The event's id and time as the data model reads them (without an id field, `h:` and its input hash). */
  readonly id: string;
  readonly atMs: number;
  readonly event: EventRecord;
  readonly facts: Facts;
  readonly identifiers: HashedIdentifiers;
  readonly inputHash: string;
  readonly featuresUs: number;
  /** Whether a freeze the store held when the event was prepared covers its applicant. */
  readonly frozen: boolean;
  /** The store's freeze horizon then: a freeze set since that ended before it does not count either. */
  readonly freezeHorizonMs: number;
}

/** A freeze an application set on its applicant (`key`, frozenKey), for events in [fromMs, untilMs). */
export interface FreezeSet {
  readonly key: string;
  readonly fromMs: number;
  readonly untilMs: number;
  readonly byToken: string;
}

/**
 * Whether a freeze set after an event was prepared binds it, as the store would have answered had it
 * held the freeze then: its applicant, its time, set by another application, not over before the
 * store's horizon.
 */
export function freezeCovers(freeze: FreezeSet, item: Prepared): boolean {
  const applicant = item.identifiers.subject;
  if (applicant === null || freeze.key !== frozenKey(applicant) || freeze.byToken === item.id) return false;
  const { atMs } = item;
  return freeze.fromMs <= atMs && atMs < freeze.untilMs && freeze.untilMs >= item.freezeHorizonMs;
}

/**
 * Where each event's answer comes from: already known, a repeat of an event prepared earlier in the
 * batch (`of`, its index among the prepared), or a stage run (`index`, likewise).
 */
export type Slot =
  | { readonly kind: 'settled'; readonly value: Decision | FengkongError }
  | { readonly kind: 'repeat'; readonly of: number }
  | { readonly kind: 'prepared'; readonly index: number };

/**
 * A prepared event decided: its decision (or whatever stands for it) and the decision's JSON text, or
 * its failure and null; whether the policy was told its applicant is frozen (when the policy ran), and
 * the freeze it set (when it set one).
 */
export type DecidedItem<T> = { readonly identityFrozen?: boolean; readonly freeze?: FreezeSet } & (
  { readonly outcome: T; readonly json: string } | { readonly outcome: FengkongError; readonly json: null }
);
