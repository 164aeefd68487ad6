// What the store remembers of a decided application, and what a repeat gets back: the decision's JSON
// text (made once, when it was decided), checked again before it is handed out, marked as a repeat.
import { ErrorCode, FengkongError } from '../errors.js';
import { DECISION_SCHEMA_VERSION, Decision } from '../schema/decision.js';

/**
 * What the store holds for an application prepared and not yet decided (until the batch finishes and
 * remembers its decision); never written by a finished batch.
 */
export const PENDING = '\u0000fengkong: being decided';

/** Each decision's JSON text as it was remembered, while the decision object lives. */
const serialized = new WeakMap<Decision, string>();

/** The decision's JSON text, made once: remembered, and the very text `score` writes (decisionJson). */
export function serializeDecision(decision: Decision): string {
  const json = JSON.stringify(decision);
  serialized.set(decision, json);
  return json;
}

/**
 * A decision as one line of JSON: the text made when it was decided (as long as the object is the one
 * handed out and unchanged since — writers such as `score` use this), else JSON.stringify.
 */
export function decisionJson(decision: Decision): string {
  return serialized.get(decision) ?? JSON.stringify(decision);
}

/**
 * A remembered decision, checked before it is handed out again (a store, or its snapshot, is input
 * too), marked as a repeat.
 */
export function recalled(decision: unknown, applicationId: string): Decision | FengkongError {
  let value = decision;
  if (typeof decision === 'string') {
    try {
      value = JSON.parse(decision) as unknown;
    } catch {
      value = undefined;
    }
  }
  // Decided by an earlier version, whose decisions this one does not read (a restored store's).
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version !== DECISION_SCHEMA_VERSION) {
    return notHeld(applicationId, `its decision is of schema version ${version}, not ${DECISION_SCHEMA_VERSION}`);
  }
  const parsed = Decision.safeParse(value);
  if (!parsed.success || parsed.data.applicationId !== applicationId) {
    return new FengkongError(
      ErrorCode.STATE_INVALID,
      `application ${applicationId}: the remembered decision in the store is not a valid decision`,
    );
  }
  return markedRepeated(parsed.data);
}

/**
 * A repeat of an application decided before with the same input, whose decision cannot be handed back:
 * refused, never decided again (a second decision would count the application twice in its own
 * velocity history, and could differ from the first).
 */
export function notHeld(applicationId: string, why: string): FengkongError {
  return new FengkongError(
    ErrorCode.APPLICATION_REPEATED,
    `application ${applicationId}: decided before with the same input, and ${why}; an application id is decided once`,
  );
}

/** A repeat of an application decided earlier in the batch gets that decision (its JSON text) back, marked as a repeat. */
export function repeated(firstJson: string): Decision {
  return markedRepeated(JSON.parse(firstJson) as Decision);
}

function markedRepeated(first: Decision): Decision {
  return { ...first, audit: { ...first.audit, repeated: true, decidedAt: new Date().toISOString() } };
}
