// The Stage contract. Stages run in a fixed order; each sees the event, the derived facts, the hashed
// identifiers and the results of the stages before it. No stage imports another.
import type { EventRecord } from '../schema/event.js';
import type { Reason, StageName } from '../schema/decision.js';
import type { HashedIdentifiers } from '../features/eventFacts.js';

import type { Facts } from '../schema/facts.js';

export type { Facts, FactValue } from '../schema/facts.js';

export interface StageInput {
  /** The event's id (its id field, or a hash of its input) and its time in ms since the epoch, as the data model reads them. */
  readonly id: string;
  readonly atMs: number;
  readonly event: EventRecord;
  readonly facts: Readonly<Facts>;
  readonly identifiers: HashedIdentifiers;
  /** Results of the stages that ran before this one, by stage name. */
  readonly earlier: Readonly<Partial<Record<StageName, unknown>>>;
}

/** A stage's reason before the policy ranks it: the policy gives it its severity. */
export type StageReason = Omit<Reason, 'severity'>;

export interface StageOutput<Result> {
  readonly result: Result;
  readonly reasons: readonly StageReason[];
}

export interface Stage<Result> {
  readonly name: StageName;
  /** sha256 of everything the stage loaded (packs, lists, models), for the audit. */
  readonly sha256: Readonly<Record<string, string>>;
  /** Loads what the stage needs before the first event (a model session, say). */
  init?(): Promise<void>;
  /** Per event. May return a Promise when the work is truly asynchronous. */
  evaluate(input: StageInput): StageOutput<Result> | Promise<StageOutput<Result>>;
  /** Optional batched path (one model call for many events); results in input order. */
  evaluateBatch?(inputs: readonly StageInput[]): Promise<Array<StageOutput<Result>>>;
}
