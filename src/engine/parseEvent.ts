// One record as an application: the event schema, then the engine's own check of the date. The engine
// (createEngine's parseEvent) and every reader of application files (src/batch/readEvents.ts) go
// through here, so they agree on which rows are applications.
import { ErrorCode, FengkongError } from '../errors.js';
import { ApplicationEvent } from '../schema/event.js';
import { describeIssues } from '../schema/issues.js';

/** A day of clock skew allowed: an applied_at later than this is a typo or a forgery, never an application. */
const FUTURE_SKEW_MS = 86_400_000;

/**
 * One record as an application, or FK_EVENT_INVALID saying why: the event schema, and an applied_at no
 * more than a day in the future (the engine's own check).
 */
export function parseApplicationEvent(input: unknown, nowMs: number = Date.now()): ApplicationEvent {
  const parsed = ApplicationEvent.safeParse(input);
  if (!parsed.success) {
    throw new FengkongError(ErrorCode.EVENT_INVALID, `invalid event: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  }
  if (Date.parse(parsed.data.applied_at) > nowMs + FUTURE_SKEW_MS) {
    throw new FengkongError(ErrorCode.EVENT_INVALID, 'invalid event: applied_at: more than a day in the future');
  }
  return parsed.data;
}
