// The data model's signals: facts computed from an event's own fields by built-in functions (see
// Signal in src/schema/dataModel.ts). They may read raw identifiers (a phone's area code, the digits of
// an email's mailbox name) and give only what those say, never the identifier.
import type { Signal } from '../schema/dataModel.js';
import type { EventRecord } from '../schema/event.js';
import type { Facts, FactValue } from '../schema/facts.js';
import { areaCodeState } from './areaCodes.js';
import { localHour } from './localTime.js';

export interface CompiledSignals {
  readonly names: readonly string[];
  /** Adds each signal's value to `facts`, in declared order. */
  compute(event: EventRecord, facts: Facts): void;
}

type Compute = (event: EventRecord) => FactValue;

const present = (value: FieldValueLike): value is string | number | boolean => value !== null && value !== undefined;
type FieldValueLike = EventRecord[string] | undefined;

function compileSignal(signal: Signal): Compute {
  const [first, second] = signal.fields as [string, ...string[]];
  switch (signal.kind) {
    case 'equal':
      return (event) => {
        const a = event[first];
        const b = event[second!];
        return present(a) && present(b) ? a === b : null;
      };
    case 'mismatch':
      return (event) => {
        const a = event[first];
        const b = event[second!];
        return present(a) && present(b) ? (a !== b ? 1 : 0) : null;
      };
    case 'localHour': {
      const regions = signal.fields.slice(1);
      if (regions.length === 0) return (event) => hourInOwnOffset(event[first] as string | null);
      return (event) => {
        const atMs = Date.parse(event[first] as string);
        for (const region of regions) {
          const state = event[region];
          if (typeof state !== 'string') continue;
          const hour = localHour(atMs, state);
          if (hour !== null) return hour;
        }
        return null;
      };
    }
    case 'emailLocalDigits':
      return (event) => {
        const email = event[first];
        return typeof email === 'string' ? countDigits(email, email.lastIndexOf('@')) : null;
      };
    case 'phoneAreaMismatch':
      return (event) => {
        const phone = event[first];
        const state = event[second!];
        if (typeof phone !== 'string' || !present(state)) return null;
        const areaState = areaCodeState(phone);
        return areaState === null ? null : areaState !== state ? 1 : 0;
      };
  }
}

export function compileSignals(signals: readonly Signal[]): CompiledSignals {
  const steps = signals.map((signal) => ({ name: signal.name, compute: compileSignal(signal) }));
  return {
    names: steps.map((step) => step.name),
    compute(event, facts) {
      for (let i = 0; i < steps.length; i += 1) facts[steps[i]!.name] = steps[i]!.compute(event);
    },
  };
}

/** The hour (0-23) of an ISO timestamp in its own offset: 2026-03-01T23:30:00+02:00 is hour 23. */
function hourInOwnOffset(timestamp: string | null): number | null {
  if (timestamp === null) return null;
  const match = /T(\d{2}):/.exec(timestamp);
  return match === null ? null : Number(match[1]);
}

function countDigits(text: string, end: number): number {
  let digits = 0;
  for (let index = 0; index < end; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) digits += 1;
  }
  return digits;
}
