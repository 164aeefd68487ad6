// Which input a decision is about, without holding the input: a keyed hash of what the decision reads.
import { createHmac } from 'node:crypto';
import { columnNames, columns, type ApplicationEvent } from '../schema/event.js';

/**
 * The decision's input hash: HMAC-SHA256 under the salt of the columns a decision reads (id, time,
 * identifiers, features; never labels or metadata), as JSON in schema order. Keyed, because the event
 * holds identifiers: a plain hash could be confirmed by guessing.
 */
export function hashInput(salt: string, event: ApplicationEvent): string {
  const read: Record<string, unknown> = {};
  for (const name of DECISION_INPUT_COLUMNS) read[name] = event[name];
  return createHmac('sha256', salt).update(JSON.stringify(read)).digest('hex');
}

const DECISION_INPUT_COLUMNS = columnNames.filter((name) => columns[name].role !== 'label' && columns[name].role !== 'metadata');
