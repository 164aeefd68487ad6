// The memory StateStore: windows, lateness, eviction, first-seen, snapshots, and a differential property
// against a brute-force reference (every accepted observation in one array, filtered at query time).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { MemoryStoreOptions } from '../../src/schema/store.js';
import { createMemoryStore, restoreMemoryStore } from '../../src/state/memory.js';
import type { ObserveResult, StateStore, WindowAggregate } from '../../src/state/store.js';
import { thrownBy as caught } from '../fixtures/errors.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const START_MS = Date.UTC(2024, 0, 1);

/** Everything a caller can ask about some keys, for comparing two stores. */
function answers(store: StateStore, keys: readonly string[], aroundMs: number) {
  const spans = [0, 1, 7, 60, 250, 1_000];
  return {
    stats: store.stats(),
    perKey: keys.map((key) => ({
      firstSeen: store.firstSeenMs(key),
      latest: spans.map((span) => store.latestAtOrBefore(key, aroundMs - span)),
      windows: spans.flatMap((span) => [
        store.window(key, aroundMs - span, aroundMs),
        store.window(key, aroundMs - 2 * span, aroundMs - span),
      ]),
      everything: store.window(key, -Infinity, Infinity),
    })),
  };
}

describe('window bounds', () => {
  const toMs = START_MS + 10 * HOUR_MS;

  it('counts an observation at exactly to − 1 h in the 1 h window [to − 1 h, to], not one at to − 1 h − 1 ms', () => {
    const store = createMemoryStore();
    store.observe('device:a', toMs - HOUR_MS - 1, 1, 'x');
    store.observe('device:a', toMs - HOUR_MS, 10, 'y');
    expect(store.window('device:a', toMs - HOUR_MS, toMs)).toEqual({ count: 1, sum: 10, distinct: 1 });
  });

  it('counts an observation at exactly to, not one at to + 1 ms', () => {
    const store = createMemoryStore();
    store.observe('device:a', toMs, 100, 'x');
    store.observe('device:a', toMs + 1, 1_000, 'y');
    expect(store.window('device:a', toMs - HOUR_MS, toMs)).toEqual({ count: 1, sum: 100, distinct: 1 });
    expect(store.window('device:a', toMs - HOUR_MS, toMs + 1)).toEqual({ count: 2, sum: 1_100, distinct: 2 });
  });

  it('answers an empty window for an unknown key, a reversed range and a range between observations', () => {
    const store = createMemoryStore();
    store.observe('device:a', toMs, 1, 'x');
    const empty = { count: 0, sum: 0, distinct: 0 };
    expect(store.window('device:unknown', -Infinity, Infinity)).toEqual(empty);
    expect(store.window('device:a', toMs + 1, toMs - 1)).toEqual(empty);
    expect(store.window('device:a', toMs - 10, toMs - 1)).toEqual(empty);
  });
});

describe('aggregates', () => {
  it('sums values and counts repeated tokens once', () => {
    const store = createMemoryStore();
    const tokens = ['applicant:1', 'applicant:2', 'applicant:1', 'applicant:3', 'applicant:2', 'applicant:1'];
    tokens.forEach((token, index) => store.observe('device:a', START_MS + index * MINUTE_MS, 1_000 * (index + 1), token));
    expect(store.window('device:a', START_MS, START_MS + HOUR_MS)).toEqual({ count: 6, sum: 21_000, distinct: 3 });
    // The last three alone: applicant 3, 2, 1.
    expect(store.window('device:a', START_MS + 3 * MINUTE_MS, START_MS + HOUR_MS)).toEqual({ count: 3, sum: 15_000, distinct: 3 });
    expect(store.window('device:a', START_MS + 4 * MINUTE_MS, START_MS + 4 * MINUTE_MS)).toEqual({ count: 1, sum: 5_000, distinct: 1 });
  });

  it('counts distinct tokens over a long window the same way as over a short one', () => {
    const store = createMemoryStore();
    for (let i = 0; i < 100; i += 1) store.observe('device:a', START_MS + i * MINUTE_MS, i, `applicant:${(i * 7) % 13}`);
    expect(store.window('device:a', START_MS, START_MS + 99 * MINUTE_MS)).toEqual({ count: 100, sum: 4_950, distinct: 13 });
    expect(store.window('device:a', START_MS, START_MS + 9 * MINUTE_MS)).toEqual({ count: 10, sum: 45, distinct: 10 });
    expect(store.window('device:a', START_MS, START_MS + 19 * MINUTE_MS)).toEqual({ count: 20, sum: 190, distinct: 13 });
  });

  it('keeps keys apart', () => {
    const store = createMemoryStore();
    store.observe('device:a', START_MS, 1, 'x');
    store.observe('ip:a', START_MS, 2, 'x');
    expect(store.window('device:a', START_MS, START_MS)).toEqual({ count: 1, sum: 1, distinct: 1 });
    expect(store.window('ip:a', START_MS, START_MS)).toEqual({ count: 1, sum: 2, distinct: 1 });
  });
});

describe('late observations', () => {
  it('inserts an out-of-order observation within the lateness where it belongs in event time', () => {
    const outOfOrder = createMemoryStore();
    const inOrder = createMemoryStore();
    for (const [store, minutes] of [
      [outOfOrder, [0, 10, 20, 15, 12]],
      [inOrder, [0, 10, 12, 15, 20]],
    ] as const) {
      for (const minute of minutes) {
        expect(store.observe('device:a', START_MS + minute * MINUTE_MS, minute, `token-${minute % 3}`)).toEqual({ accepted: true });
      }
    }
    for (let from = 0; from <= 20; from += 1) {
      for (let to = from; to <= 21; to += 1) {
        const range = [START_MS + from * MINUTE_MS, START_MS + to * MINUTE_MS] as const;
        expect(outOfOrder.window('device:a', ...range)).toEqual(inOrder.window('device:a', ...range));
      }
      expect(outOfOrder.latestAtOrBefore('device:a', START_MS + from * MINUTE_MS)).toBe(
        inOrder.latestAtOrBefore('device:a', START_MS + from * MINUTE_MS),
      );
    }
    expect(outOfOrder.latestAtOrBefore('device:a', START_MS + 14 * MINUTE_MS)).toBe(START_MS + 12 * MINUTE_MS);
    expect(outOfOrder.stats()).toEqual(inOrder.stats());
  });

  it('keeps arrival order among equal times, so sums come out as if every observation had arrived in order', () => {
    // 1e17 + 1 rounds back to 1e17: the sum at time T is 0 in arrival order and 1 in any order that puts -1e17 before 1.
    const outOfOrder = createMemoryStore();
    outOfOrder.observe('k', START_MS, 1e17, 'a');
    outOfOrder.observe('k', START_MS, 1, 'b');
    outOfOrder.observe('k', START_MS + 1, 5, 'c');
    outOfOrder.observe('k', START_MS, -1e17, 'd');
    const inOrder = createMemoryStore();
    inOrder.observe('k', START_MS, 1e17, 'a');
    inOrder.observe('k', START_MS, 1, 'b');
    inOrder.observe('k', START_MS, -1e17, 'd');
    inOrder.observe('k', START_MS + 1, 5, 'c');
    expect(outOfOrder.window('k', START_MS, START_MS)).toEqual({ count: 3, sum: 0, distinct: 3 });
    expect(outOfOrder.window('k', START_MS, START_MS + 1)).toEqual(inOrder.window('k', START_MS, START_MS + 1));
  });

  it('refuses an observation beyond the lateness, counts it, and changes no answer', () => {
    const store = createMemoryStore({ allowedLatenessMs: 10 * MINUTE_MS });
    store.observe('device:a', START_MS + HOUR_MS, 1, 'x');
    store.observe('device:b', START_MS + HOUR_MS, 1, 'x');
    const before = answers(store, ['device:a', 'device:b', 'device:c'], START_MS + HOUR_MS);
    expect(store.observe('device:a', START_MS + 50 * MINUTE_MS - 1, 7, 'y')).toEqual({ accepted: false });
    expect(store.observe('device:c', START_MS, 7, 'y')).toEqual({ accepted: false });
    const after = answers(store, ['device:a', 'device:b', 'device:c'], START_MS + HOUR_MS);
    expect(after).toEqual({ ...before, stats: { ...before.stats, lateObservations: 2 } });
    expect(store.firstSeenMs('device:c')).toBeNull();
  });

  it('accepts an observation exactly the allowed lateness behind the watermark', () => {
    const store = createMemoryStore({ allowedLatenessMs: 10 * MINUTE_MS });
    store.observe('device:a', START_MS + HOUR_MS, 1, 'x');
    expect(store.observe('device:a', START_MS + 50 * MINUTE_MS, 1, 'y').accepted).toBe(true);
    expect(store.stats()).toMatchObject({ observations: 2, lateObservations: 0, watermarkMs: START_MS + HOUR_MS });
  });
});

describe('latest observation and first seen', () => {
  it('finds the latest observation at or before a time', () => {
    const store = createMemoryStore();
    store.observe('applicant:1', START_MS + 10, 1, 'x');
    store.observe('applicant:1', START_MS + 30, 1, 'x');
    store.observe('applicant:1', START_MS + 20, 1, 'x');
    expect(store.latestAtOrBefore('applicant:1', START_MS + 9)).toBeNull();
    expect(store.latestAtOrBefore('applicant:1', START_MS + 10)).toBe(START_MS + 10);
    expect(store.latestAtOrBefore('applicant:1', START_MS + 25)).toBe(START_MS + 20);
    expect(store.latestAtOrBefore('applicant:1', START_MS + 1_000)).toBe(START_MS + 30);
    expect(store.latestAtOrBefore('applicant:2', START_MS + 1_000)).toBeNull();
  });

  it('reports the earliest time a key was observed, lowered by an out-of-order earlier arrival', () => {
    const store = createMemoryStore();
    expect(store.firstSeenMs('device:a')).toBeNull();
    store.observe('device:a', START_MS + 5 * MINUTE_MS, 1, 'x');
    store.observe('device:a', START_MS + 9 * MINUTE_MS, 1, 'x');
    expect(store.firstSeenMs('device:a')).toBe(START_MS + 5 * MINUTE_MS);
    store.observe('device:a', START_MS + 2 * MINUTE_MS, 1, 'x');
    expect(store.firstSeenMs('device:a')).toBe(START_MS + 2 * MINUTE_MS);
    // Beyond the lateness: refused, so first seen stays.
    store.observe('device:a', START_MS - HOUR_MS, 1, 'x');
    expect(store.firstSeenMs('device:a')).toBe(START_MS + 2 * MINUTE_MS);
  });
});

describe('eviction', () => {
  const options = { allowedLatenessMs: MINUTE_MS, retentionMs: HOUR_MS, firstSeenRetentionMs: 2 * HOUR_MS, sweepEvery: 6 };

  it('drops observations past retention: from a key when it is observed, from every key at the sweep', () => {
    const store = createMemoryStore(options);
    store.observe('b', START_MS, 1, 'x');
    store.observe('a', START_MS, 1, 'x');
    store.observe('a', START_MS + 10 * MINUTE_MS, 1, 'x');
    expect(store.stats()).toMatchObject({ keys: 2, observations: 3 });

    store.observe('c', START_MS + 2 * HOUR_MS, 1, 'x');
    // Past the horizon: no longer answered, though held until their key is observed or the sweep runs.
    expect(store.window('a', START_MS, START_MS + 2 * HOUR_MS).count).toBe(0);
    expect(store.latestAtOrBefore('b', START_MS + 2 * HOUR_MS)).toBeNull();
    expect(store.stats()).toMatchObject({ keys: 3, observations: 4 });

    store.observe('a', START_MS + 2 * HOUR_MS, 1, 'x');
    expect(store.stats()).toMatchObject({ keys: 3, observations: 3 });

    store.observe('d', START_MS + 2 * HOUR_MS, 1, 'x'); // the sixth accepted observation: a full sweep
    expect(store.stats()).toMatchObject({ keys: 3, observations: 3 });
    const snapshot = store.snapshot() as { keys: [string, number[]][] };
    expect(snapshot.keys.map(([key]) => key)).toEqual(['a', 'c', 'd']);
  });

  it('keeps an observation exactly retentionMs behind the watermark', () => {
    const store = createMemoryStore(options);
    store.observe('a', START_MS, 1, 'x');
    store.observe('a', START_MS + HOUR_MS, 1, 'x');
    expect(store.window('a', START_MS, START_MS + HOUR_MS).count).toBe(2);
    store.observe('a', START_MS + HOUR_MS + 1, 1, 'x');
    expect(store.window('a', START_MS, START_MS + HOUR_MS).count).toBe(1);
    expect(store.stats().observations).toBe(2);
  });

  it('forgets a first-seen time past its horizon, and the key is new again when it returns', () => {
    const store = createMemoryStore(options);
    store.observe('b', START_MS, 1, 'x');
    store.observe('a', START_MS + 2 * HOUR_MS, 1, 'x');
    expect(store.firstSeenMs('b')).toBe(START_MS); // exactly at the horizon: still known
    store.observe('a', START_MS + 2 * HOUR_MS + 1, 1, 'x');
    expect(store.firstSeenMs('b')).toBeNull();
    expect(store.firstSeenMs('a')).toBe(START_MS + 2 * HOUR_MS);
    for (let i = 0; i < 4; i += 1) store.observe('a', START_MS + 2 * HOUR_MS + 2, 1, 'x'); // reaches a sweep
    expect((store.snapshot() as { firstSeen: [string, number][] }).firstSeen.map(([key]) => key)).toEqual(['a']);
    store.observe('b', START_MS + 3 * HOUR_MS, 1, 'x');
    expect(store.firstSeenMs('b')).toBe(START_MS + 3 * HOUR_MS);
  });
});

describe('inputs and options', () => {
  it('refuses a non-finite time or value with FK_STATE_INVALID and stores nothing', () => {
    const store = createMemoryStore();
    for (const [atMs, value, field] of [
      [NaN, 1, 'atMs'],
      [Infinity, 1, 'atMs'],
      [START_MS, NaN, 'value'],
      [START_MS, -Infinity, 'value'],
    ] as const) {
      const error = caught(() => store.observe('device:a', atMs, value, 'x'));
      expect(error.code).toBe(ErrorCode.STATE_INVALID);
      expect(error.message).toContain(field);
    }
    expect(store.stats()).toEqual({
      keys: 0,
      observations: 0,
      lateObservations: 0,
      truncatedObservations: 0,
      watermarkMs: null,
      frozenKeys: 0,
      decisions: 0,
    });
    expect(store.firstSeenMs('device:a')).toBeNull();
  });

  it('refuses a NaN query bound rather than answering from it', () => {
    const store = createMemoryStore();
    store.observe('device:a', START_MS, 1, 'x');
    expect(caught(() => store.window('device:a', NaN, START_MS)).code).toBe(ErrorCode.STATE_INVALID);
    expect(caught(() => store.latestAtOrBefore('device:a', NaN)).code).toBe(ErrorCode.STATE_INVALID);
  });

  it('defaults retention to 30 days plus the allowed lateness', () => {
    expect(MemoryStoreOptions.parse({})).toEqual({
      allowedLatenessMs: 10 * MINUTE_MS,
      retentionMs: 30 * DAY_MS + 10 * MINUTE_MS,
      firstSeenRetentionMs: 90 * DAY_MS,
      sweepEvery: 10_000,
      decisionRetentionMs: DAY_MS,
      firstSeenKeyPrefixes: null,
      maxObservationsPerKey: 50_000,
    });
    expect(MemoryStoreOptions.parse({ allowedLatenessMs: HOUR_MS }).retentionMs).toBe(30 * DAY_MS + HOUR_MS);
  });

  it('refuses options with FK_CONFIG_INVALID naming the field, including a retention shorter than the lateness', () => {
    const shortRetention = caught(() => createMemoryStore({ allowedLatenessMs: HOUR_MS, retentionMs: MINUTE_MS }));
    expect(shortRetention.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(shortRetention.message).toContain('retentionMs');
    expect(caught(() => createMemoryStore({ sweepEvery: 0 })).message).toContain('sweepEvery');
    expect(caught(() => createMemoryStore({ allowedLatenessMs: NaN })).message).toContain('allowedLatenessMs');
  });
});

// ---------------------------------------------------------------------------------------------------
// Differential: the store against a brute-force reference that keeps every accepted observation in one
// array and applies the documented rules at query time.

interface Logged {
  readonly key: string;
  readonly timeMs: number;
  readonly value: number;
  readonly token: string;
}

class ReferenceLog {
  readonly accepted: Logged[] = [];
  watermarkMs: number | null = null;
  lateObservations = 0;
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly options: MemoryStoreOptions) {}

  observe(key: string, timeMs: number, value: number, token: string): ObserveResult {
    if (this.watermarkMs !== null && timeMs < this.watermarkMs - this.options.allowedLatenessMs) {
      this.lateObservations += 1;
      return { accepted: false };
    }
    this.watermarkMs = Math.max(this.watermarkMs ?? timeMs, timeMs);
    this.accepted.push({ key, timeMs, value, token });
    const prefixes = this.options.firstSeenKeyPrefixes;
    if (prefixes !== null && !prefixes.some((prefix) => key.startsWith(prefix))) return { accepted: true };
    const firstSeenMs = this.firstSeen.get(key);
    const forgotten = firstSeenMs === undefined || this.watermarkMs - firstSeenMs > this.options.firstSeenRetentionMs;
    this.firstSeen.set(key, forgotten ? timeMs : Math.min(firstSeenMs, timeMs));
    return { accepted: true };
  }

  /** Accepted observations at or after the retention horizon, in event-time order (stable sort: arrival order on ties). */
  inRetention(): Logged[] {
    const horizonMs = (this.watermarkMs ?? -Infinity) - this.options.retentionMs;
    return this.accepted.filter((logged) => logged.timeMs >= horizonMs).sort((a, b) => a.timeMs - b.timeMs);
  }

  window(key: string, fromMs: number, toMs: number): WindowAggregate {
    const inside = this.inRetention().filter((logged) => logged.key === key && logged.timeMs >= fromMs && logged.timeMs <= toMs);
    return {
      count: inside.length,
      sum: inside.reduce((sum, logged) => sum + logged.value, 0),
      distinct: new Set(inside.map((logged) => logged.token)).size,
    };
  }

  latestAtOrBefore(key: string, atMs: number): number | null {
    const times = this.inRetention()
      .filter((logged) => logged.key === key && logged.timeMs <= atMs)
      .map((logged) => logged.timeMs);
    return times.length === 0 ? null : Math.max(...times);
  }

  firstSeenMs(key: string): number | null {
    const firstSeenMs = this.firstSeen.get(key);
    if (firstSeenMs === undefined || this.watermarkMs! - firstSeenMs > this.options.firstSeenRetentionMs) return null;
    return firstSeenMs;
  }
}

const KEYS = ['device:a', 'device:b', 'ip:c'];
const QUERY_KEYS = [...KEYS, 'device:never-observed'];

// Times are drawn relative to the watermark when the operation runs, so one sequence covers in-order,
// out-of-order-within-lateness, tied and late arrivals whatever the options.
const observeOp = fc.record({
  kind: fc.constant('observe' as const),
  // One busy key, so windows also cover long slices.
  key: fc.oneof({ arbitrary: fc.constant(KEYS[0]!), weight: 3 }, fc.constantFrom(...KEYS)),
  offsetMs: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 5 }), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 60 }), weight: 4 },
    { arbitrary: fc.constant(0), weight: 1 },
    { arbitrary: fc.integer({ min: -250, max: -1 }), weight: 3 },
    { arbitrary: fc.integer({ min: 200, max: 1_500 }), weight: 1 },
  ),
  value: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(-0)),
  token: fc.constantFrom('t1', 't2', 't3', 't4'),
});

// A query bound is either relative to the watermark or pinned to an observation's time ± 1 ms, which
// exercises the inclusive bounds.
const boundArb = fc.record({
  offsetMs: fc.integer({ min: -600, max: 60 }),
  anchor: fc.option(fc.record({ index: fc.nat(), nudgeMs: fc.constantFrom(-1, 0, 1) }), { nil: null }),
});
const queryOp = fc.oneof(
  fc.record({
    kind: fc.constant('window' as const),
    key: fc.constantFrom(...QUERY_KEYS),
    bound: boundArb,
    spanMs: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 400, max: 2_000 })),
    boundIsFrom: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('latest' as const), key: fc.constantFrom(...QUERY_KEYS), bound: boundArb }),
  fc.record({ kind: fc.constant('firstSeen' as const), key: fc.constantFrom(...QUERY_KEYS) }),
);
type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;
type Operation = ValueOf<typeof observeOp> | ValueOf<typeof queryOp>;
type Bound = ValueOf<typeof boundArb>;
const operations = (maxLength: number) =>
  fc.array(fc.oneof({ arbitrary: observeOp, weight: 3 }, { arbitrary: queryOp, weight: 2 }), { maxLength, size: 'max' });

const optionsArb = fc
  .record({
    allowedLatenessMs: fc.integer({ min: 0, max: 100 }),
    extraRetentionMs: fc.integer({ min: 0, max: 400 }),
    firstSeenRetentionMs: fc.integer({ min: 0, max: 600 }),
    sweepEvery: fc.integer({ min: 1, max: 25 }),
    firstSeenKeyPrefixes: fc.constantFrom(null, ['device:'], ['ip:', 'device:b'], []),
  })
  .map(({ extraRetentionMs, ...rest }) =>
    MemoryStoreOptions.parse({ ...rest, retentionMs: Math.max(1, rest.allowedLatenessMs + extraRetentionMs) }),
  );

type Call =
  | { readonly method: 'observe'; readonly key: string; readonly atMs: number; readonly value: number; readonly token: string }
  | { readonly method: 'window'; readonly key: string; readonly fromMs: number; readonly toMs: number }
  | { readonly method: 'latestAtOrBefore'; readonly key: string; readonly atMs: number }
  | { readonly method: 'firstSeenMs'; readonly key: string };

function resolveBound(bound: Bound, reference: ReferenceLog): number {
  const log = reference.accepted;
  if (bound.anchor !== null && log.length > 0) return log[bound.anchor.index % log.length]!.timeMs + bound.anchor.nudgeMs;
  return (reference.watermarkMs ?? START_MS) + bound.offsetMs;
}

/** Turns a generated operation into a concrete call, its times resolved against the reference as it stands. */
function concrete(operation: Operation, reference: ReferenceLog): Call {
  switch (operation.kind) {
    case 'observe': {
      const atMs = (reference.watermarkMs ?? START_MS) + operation.offsetMs;
      return { method: 'observe', key: operation.key, atMs, value: operation.value, token: operation.token };
    }
    case 'window': {
      const boundMs = resolveBound(operation.bound, reference);
      const [fromMs, toMs] = operation.boundIsFrom ? [boundMs, boundMs + operation.spanMs] : [boundMs - operation.spanMs, boundMs];
      return { method: 'window', key: operation.key, fromMs, toMs };
    }
    case 'latest':
      return { method: 'latestAtOrBefore', key: operation.key, atMs: resolveBound(operation.bound, reference) };
    case 'firstSeen':
      return { method: 'firstSeenMs', key: operation.key };
  }
}

type Queryable = Pick<StateStore, 'observe' | 'window' | 'latestAtOrBefore' | 'firstSeenMs'>;

function perform(target: Queryable, call: Call): unknown {
  switch (call.method) {
    case 'observe':
      return target.observe(call.key, call.atMs, call.value, call.token);
    case 'window':
      return target.window(call.key, call.fromMs, call.toMs);
    case 'latestAtOrBefore':
      return target.latestAtOrBefore(call.key, call.atMs);
    case 'firstSeenMs':
      return target.firstSeenMs(call.key);
  }
}

describe('differential against a brute-force reference log', () => {
  it('answers every observe, window, latest and first-seen exactly as the reference, with memory inside the documented bound', () => {
    fc.assert(
      fc.property(optionsArb, operations(200), (options, sequence) => {
        const store = createMemoryStore(options);
        const reference = new ReferenceLog(options);
        // Held observations stay within those at or after the horizon as of the last sweep.
        let sweepHorizonMs = -Infinity;
        for (const operation of sequence) {
          const call = concrete(operation, reference);
          const actual = perform(store, call);
          expect(actual).toEqual(perform(reference, call));

          const stats = store.stats();
          const inRetention = reference.inRetention();
          expect(stats.watermarkMs).toBe(reference.watermarkMs);
          expect(stats.lateObservations).toBe(reference.lateObservations);
          const swept =
            operation.kind === 'observe' &&
            (actual as { accepted: boolean }).accepted &&
            reference.accepted.length % options.sweepEvery === 0;
          if (swept) {
            sweepHorizonMs = reference.watermarkMs! - options.retentionMs;
            expect(stats.observations).toBe(inRetention.length);
            expect(stats.keys).toBe(new Set(inRetention.map((logged) => logged.key)).size);
          }
          expect(stats.observations).toBeGreaterThanOrEqual(inRetention.length);
          expect(stats.observations).toBeLessThanOrEqual(reference.accepted.filter((logged) => logged.timeMs >= sweepHorizonMs).length);
        }
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------

function validSnapshot(): Record<string, unknown> {
  const store = createMemoryStore({ allowedLatenessMs: 100, retentionMs: 1_000, firstSeenRetentionMs: 2_000, sweepEvery: 50 });
  store.observe('device:secret-hash-1', START_MS, 1, 'applicant:1');
  store.observe('device:secret-hash-1', START_MS + 10, 2, 'applicant:2');
  store.observe('device:secret-hash-2', START_MS + 20, 3, 'applicant:1');
  return JSON.parse(JSON.stringify(store.snapshot())) as Record<string, unknown>;
}

describe('snapshots', () => {
  it('writes the documented plain-JSON shape', () => {
    expect(validSnapshot()).toEqual({
      format: 'fengkong-memory-store',
      version: 1,
      options: {
        allowedLatenessMs: 100,
        retentionMs: 1_000,
        firstSeenRetentionMs: 2_000,
        sweepEvery: 50,
        decisionRetentionMs: DAY_MS,
        firstSeenKeyPrefixes: null,
        maxObservationsPerKey: 50_000,
      },
      watermarkMs: START_MS + 20,
      lateObservations: 0,
      truncatedObservations: 0,
      observationsSinceSweep: 3,
      keys: [
        ['device:secret-hash-1', [START_MS, START_MS + 10], [1, 2], ['applicant:1', 'applicant:2']],
        ['device:secret-hash-2', [START_MS + 20], [3], ['applicant:1']],
      ],
      firstSeen: [
        ['device:secret-hash-1', START_MS],
        ['device:secret-hash-2', START_MS + 20],
      ],
      frozen: [],
      decisions: [],
      releasedDecisions: [],
    });
  });

  it('restores, after a JSON round trip, a store with the same answers and the same behaviour on whatever follows', () => {
    fc.assert(
      fc.property(optionsArb, operations(150), operations(150), (options, before, after) => {
        const original = createMemoryStore(options);
        const reference = new ReferenceLog(options);
        for (const operation of before) {
          const call = concrete(operation, reference);
          perform(original, call);
          perform(reference, call);
        }
        const restored = restoreMemoryStore(JSON.parse(JSON.stringify(original.snapshot())));
        const aroundMs = reference.watermarkMs ?? START_MS;
        expect(answers(restored, QUERY_KEYS, aroundMs)).toEqual(answers(original, QUERY_KEYS, aroundMs));
        expect(restored.snapshot()).toEqual(original.snapshot());
        for (const operation of after) {
          const call = concrete(operation, reference);
          expect(perform(restored, call)).toEqual(perform(original, call));
          perform(reference, call);
          expect(restored.stats()).toEqual(original.stats());
        }
        expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(original.snapshot()));
      }),
      { numRuns: 150 },
    );
  });

  it('applies options given at restore over those in the snapshot', () => {
    const restored = restoreMemoryStore(validSnapshot(), { allowedLatenessMs: 500 });
    expect(restored.observe('device:secret-hash-1', START_MS - 400, 1, 'x').accepted).toBe(true);
    expect(caught(() => restoreMemoryStore(validSnapshot(), { retentionMs: 10 })).code).toBe(ErrorCode.CONFIG_INVALID);
  });

  // [what is wrong, how to break a valid snapshot, the field the message must name]
  const malformed: [string, (snapshot: any) => void, string][] = [
    ['another format', (s) => (s.format = 'other-store'), 'format'],
    ['a later version', (s) => (s.version = 2), 'version'],
    ['unsorted times', (s) => (s.keys[0][1] = [START_MS + 10, START_MS]), 'keys.0.1.1'],
    ['fewer values than times', (s) => s.keys[0][2].pop(), 'keys.0.2'],
    ['more tokens than times', (s) => s.keys[1][3].push('applicant:9'), 'keys.1.3'],
    ['NaN written as null by JSON', (s) => (s.keys[0][1][0] = null), 'keys.0.1.0'],
    ['a NaN value', (s) => (s.keys[1][2][0] = NaN), 'keys.1.2.0'],
    ['an infinite watermark', (s) => (s.watermarkMs = Infinity), 'watermarkMs'],
    ['a time after the watermark', (s) => (s.keys[1][1][0] = START_MS + 21), 'keys.1.1.0'],
    ['a first-seen time after the watermark', (s) => (s.firstSeen[0][1] = START_MS + 21), 'firstSeen.0.1'],
    ['a key twice', (s) => s.keys.push(s.keys[0]), 'keys.2.0'],
    ['an empty series', (s) => (s.keys[1] = ['device:x', [], [], []]), 'keys.1.1'],
    ['a negative late count', (s) => (s.lateObservations = -1), 'lateObservations'],
    ['a sweep counter past sweepEvery', (s) => (s.observationsSinceSweep = 50), 'observationsSinceSweep'],
    ['a retention shorter than the lateness', (s) => (s.options.retentionMs = 50), 'options.retentionMs'],
    ['a missing option', (s) => delete s.options.sweepEvery, 'options.sweepEvery'],
    ['an unknown field', (s) => (s.extra = 1), 'extra'],
  ];
  it.each(malformed)('refuses a snapshot with %s, with FK_STATE_INVALID naming the field', (_, breakIt, field) => {
    const snapshot = validSnapshot();
    breakIt(snapshot);
    const error = caught(() => restoreMemoryStore(snapshot));
    expect(error.code).toBe(ErrorCode.STATE_INVALID);
    expect(error.message).toContain(field);
    expect(error.message).not.toContain('secret-hash');
  });

  it('refuses something that is not a snapshot at all', () => {
    for (const notASnapshot of [null, 'fengkong-memory-store', [], 42]) {
      expect(caught(() => restoreMemoryStore(notASnapshot)).code).toBe(ErrorCode.STATE_INVALID);
    }
  });
});

describe('memory bound', () => {
  it('holds no more than the observations within retention plus sweep slack over 200,000 observations, 120 days and 1,000 keys', () => {
    const total = 200_000;
    const stepMs = (120 * DAY_MS) / total;
    const options = MemoryStoreOptions.parse({});
    const store = createMemoryStore(options);
    // A small linear congruential generator: the stream is the same on every run.
    let seed = 12_345;
    const random = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 2 ** 32;
    };
    // Accepted times kept sorted (arrivals are nearly in order, so insertion is cheap), with their keys.
    const sortedTimes = new Float64Array(total);
    let acceptedCount = 0;
    const acceptedKeys: number[] = [];
    const acceptedTimes: number[] = [];
    const countAtOrAfter = (ms: number) => {
      let lo = 0;
      let hi = acceptedCount;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sortedTimes[mid]! < ms) lo = mid + 1;
        else hi = mid;
      }
      return acceptedCount - lo;
    };
    let sweepHorizonMs = -Infinity;
    let worstOverDocumentedBound = -Infinity;
    let worstOverRetentionPlusSlack = -Infinity;
    let mostHeld = 0;
    let sweeps = 0;

    for (let i = 0; i < total; i += 1) {
      // Half the keys fall quiet after day 60, so the sweep has keys to delete and first-seen entries to forget.
      const key = i < total / 2 ? Math.floor(random() * 1_000) : Math.floor(random() * 500);
      const late = i % 997 === 996;
      const atMs = START_MS + i * stepMs - (late ? HOUR_MS : random() * 5 * MINUTE_MS);
      const { accepted } = store.observe(`device:${key}`, atMs, 1, `applicant:${key % 37}`);
      expect(accepted).toBe(!late);
      if (!accepted) continue;
      let at = acceptedCount;
      while (at > 0 && sortedTimes[at - 1]! > atMs) {
        sortedTimes[at] = sortedTimes[at - 1]!;
        at -= 1;
      }
      sortedTimes[at] = atMs;
      acceptedCount += 1;
      acceptedKeys.push(key);
      acceptedTimes.push(atMs);

      const { observations, keys, watermarkMs } = store.stats();
      const horizonMs = watermarkMs! - options.retentionMs;
      if (acceptedCount % options.sweepEvery === 0) {
        sweeps += 1;
        sweepHorizonMs = horizonMs;
        const keysInRetention = new Set(acceptedKeys.filter((_, index) => acceptedTimes[index]! >= horizonMs));
        expect(observations).toBe(countAtOrAfter(horizonMs));
        expect(keys).toBe(keysInRetention.size);
      }
      worstOverDocumentedBound = Math.max(worstOverDocumentedBound, observations - countAtOrAfter(sweepHorizonMs));
      worstOverRetentionPlusSlack = Math.max(worstOverRetentionPlusSlack, observations - countAtOrAfter(horizonMs) - options.sweepEvery);
      mostHeld = Math.max(mostHeld, observations);
      expect(keys).toBeLessThanOrEqual(1_000);
    }

    expect(sweeps).toBe(Math.floor(acceptedCount / options.sweepEvery));
    expect(worstOverDocumentedBound).toBeLessThanOrEqual(0);
    expect(worstOverRetentionPlusSlack).toBeLessThanOrEqual(0);
    // About a quarter of the stream lies within 30 days of the end; the rest has been dropped.
    expect(mostHeld).toBeLessThan(total / 4 + options.sweepEvery);
    const { keys } = store.stats();
    expect(keys).toBe(500);
    const firstSeen = (store.snapshot() as { firstSeen: unknown[] }).firstSeen;
    expect(firstSeen.length).toBeLessThanOrEqual(500);
    expect(store.firstSeenMs('device:999')).toBeNull();
  });
});
