// Step 1 of a decision: each event, in input order, told apart from the ones decided before (a repeat
// gets its first decision back, a conflict is refused), and the others prepared: facts built, the
// history recorded once, the applicant's freeze noted, the event remembered as pending.
import { performance } from 'node:perf_hooks';
import { ErrorCode, FengkongError } from '../errors.js';
import type { DataModel } from '../features/dataModel.js';
import type { FactBuilder } from '../features/factBuilder.js';
import { frozenKey } from '../policy/stage.js';
import type { EventRecord } from '../schema/event.js';
import type { StateStore } from '../state/store.js';
import { eventId, hashInput } from './inputHash.js';
import type { Prepared, Slot } from './prepared.js';
import { notHeld, PENDING, recalled } from './remembered.js';
import { microseconds } from './runStages.js';

export interface PrepareParts {
  readonly factBuilder: FactBuilder;
  readonly dataModel: DataModel;
  readonly store: StateStore;
  readonly salt: string;
  /** Called for each new event the store did not record (later than its allowed lateness). */
  readonly onLate: () => void;
}

export function prepareEvents(parts: PrepareParts, events: readonly EventRecord[]): { slots: Slot[]; prepared: Prepared[] } {
  const { factBuilder, dataModel, store, salt } = parts;
  const slots: Slot[] = [];
  const prepared: Prepared[] = [];
  // An application prepared in this batch is remembered at once as pending (its decision follows in
  // `finish`): a repeat later in the batch is judged by the store's own rules, as it would be were
  // the first already decided (held for a day, then refused; past the retention, a new application).
  const preparedHere = new Map<string, number>();
  for (const event of events) {
    const inputHash = hashInput(salt, event, dataModel);
    const id = eventId(dataModel, event, () => inputHash);
    const earlier = store.recallDecision(id);
    if (earlier !== null && earlier.inputHash !== inputHash) {
      const conflict = new FengkongError(
        ErrorCode.APPLICATION_CONFLICT,
        `application ${id}: already decided with a different input; an application id is decided once`,
      );
      slots.push({ kind: 'settled', value: conflict });
    } else if (earlier !== null && earlier.released) {
      slots.push({ kind: 'settled', value: notHeld(id, 'the store holds its decision for a day') });
    } else if (earlier !== null && earlier.decision === PENDING) {
      const first = preparedHere.get(id);
      if (first === undefined) {
        const why = `application ${id}: the store holds it as being decided by a batch not finished`;
        slots.push({ kind: 'settled', value: new FengkongError(ErrorCode.STATE_INVALID, why) });
      } else slots.push({ kind: 'repeat', of: first });
    } else if (earlier !== null && earlier.decision !== null) {
      slots.push({ kind: 'settled', value: recalled(earlier.decision, id) });
    } else {
      // A first attempt that failed was recorded already: decide it again from the history as it
      // stands, without recording it twice.
      const started = performance.now();
      const built = factBuilder.build(event, earlier === null);
      if (!built.recorded && earlier === null) parts.onLate();
      const atMs = dataModel.timeMsOf(event);
      const applicant = built.identifiers.subject;
      const frozen = applicant !== null && store.isFrozen(frozenKey(applicant), atMs, id);
      const freezeHorizonMs = store.freezeHorizonMs?.() ?? Number.NEGATIVE_INFINITY;
      preparedHere.set(id, prepared.length);
      store.rememberDecision(id, atMs, inputHash, PENDING);
      slots.push({ kind: 'prepared', index: prepared.length });
      prepared.push({
        id,
        atMs,
        event,
        ...built,
        inputHash,
        featuresUs: microseconds(started, performance.now()),
        frozen,
        freezeHorizonMs,
      });
    }
  }
  return { slots, prepared };
}
