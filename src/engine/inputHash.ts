// Which input a decision is about, without holding the input: a keyed hash of what the decision reads.
import { createHmac } from 'node:crypto';
import type { DataModel } from '../features/dataModel.js';
import type { EventRecord } from '../schema/event.js';

/**
 * The decision's input hash: HMAC-SHA256 under the salt of the fields a decision reads (id, time,
 * identifiers, features; never labels or metadata), as JSON in the data model's order. Keyed, because
 * the event holds identifiers: a plain hash could be confirmed by guessing.
 */
export function hashInput(salt: string, event: EventRecord, model: DataModel): string {
  const read: Record<string, unknown> = {};
  for (const name of model.requiredColumns) read[name] = event[name];
  return createHmac('sha256', salt).update(JSON.stringify(read)).digest('hex');
}

/** An event's id: its id field, or, for a data model without one, `h:` and the start of its input hash (identical inputs share it). */
export function eventId(model: DataModel, event: EventRecord, inputHash: () => string): string {
  return model.idOf(event) ?? `h:${inputHash().slice(0, 24)}`;
}
