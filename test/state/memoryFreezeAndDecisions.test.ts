// The memory StateStore's identity freezes and remembered decisions: bounds, tokens, idempotence, the
// retention horizon (answers independent of sweep timing, checked against a brute-force reference that
// keeps everything and filters at query time) and snapshots, including those written before either existed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { MemoryStoreOptions, type MemoryStoreSnapshot } from '../../src/schema/store.js';
import { createMemoryStore, restoreMemoryStore } from '../../src/state/memory.js';
import type { RememberedDecision, StateStore } from '../../src/state/store.js';
import { thrownBy as caught } from '../fixtures/errors.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const START_MS = Date.UTC(2024, 0, 1);

describe('identity freezes', () => {
  it('covers event times in [fromMs, untilMs): from itself, not until itself', () => {
    const store = createMemoryStore();
    store.freeze('applicant:a', START_MS, START_MS + HOUR_MS, 'app-1');
    expect(store.isFrozen('applicant:a', START_MS - 1)).toBe(false);
    expect(store.isFrozen('applicant:a', START_MS)).toBe(true);
    expect(store.isFrozen('applicant:a', START_MS + HOUR_MS - 1)).toBe(true);
    expect(store.isFrozen('applicant:a', START_MS + HOUR_MS)).toBe(false);
    expect(store.isFrozen('applicant:b', START_MS)).toBe(false);
  });

  it('does not count the freeze of the excluded token, but does count another application’s', () => {
    const store = createMemoryStore();
    store.freeze('applicant:a', START_MS, START_MS + HOUR_MS, 'app-1');
    expect(store.isFrozen('applicant:a', START_MS + 1, 'app-1')).toBe(false);
    expect(store.isFrozen('applicant:a', START_MS + 1, 'app-2')).toBe(true);
    expect(store.isFrozen('applicant:a', START_MS + 1)).toBe(true);
    store.freeze('applicant:a', START_MS + 30 * MINUTE_MS, START_MS + 2 * HOUR_MS, 'app-2');
    expect(store.isFrozen('applicant:a', START_MS + 1, 'app-1')).toBe(false);
    expect(store.isFrozen('applicant:a', START_MS + 30 * MINUTE_MS, 'app-1')).toBe(true);
    expect(store.isFrozen('applicant:a', START_MS + 30 * MINUTE_MS, 'app-2')).toBe(true);
    expect(store.isFrozen('applicant:a', START_MS + HOUR_MS, 'app-2')).toBe(false);
  });

  it('holds a repeated freeze (same token, same interval) once, and a different one beside it', () => {
    const store = createMemoryStore();
    store.freeze('applicant:a', START_MS, START_MS + HOUR_MS, 'app-1');
    store.freeze('applicant:a', START_MS, START_MS + HOUR_MS, 'app-1');
    const frozenOf = () => (store.snapshot() as { frozen: unknown[] }).frozen;
    expect(frozenOf()).toEqual([['applicant:a', START_MS, START_MS + HOUR_MS, 'app-1']]);
    store.freeze('applicant:a', START_MS, START_MS + 2 * HOUR_MS, 'app-1');
    store.freeze('applicant:a', START_MS, START_MS + HOUR_MS, 'app-2');
    store.freeze('applicant:a', START_MS, START_MS + HOUR_MS, 'app-2');
    expect(frozenOf()).toEqual([
      ['applicant:a', START_MS, START_MS + HOUR_MS, 'app-1'],
      ['applicant:a', START_MS, START_MS + 2 * HOUR_MS, 'app-1'],
      ['applicant:a', START_MS, START_MS + HOUR_MS, 'app-2'],
    ]);
    expect(store.stats().frozenKeys).toBe(1);
  });

  it('refuses non-finite times and an empty or reversed interval with FK_STATE_INVALID, storing nothing', () => {
    const store = createMemoryStore();
    for (const [fromMs, untilMs] of [
      [NaN, START_MS],
      [START_MS, NaN],
      [-Infinity, START_MS],
      [START_MS, Infinity],
      [START_MS, START_MS],
      [START_MS + 1, START_MS],
    ] as const) {
      const error = caught(() => store.freeze('applicant:a', fromMs, untilMs, 'app-1'));
      expect(error.code).toBe(ErrorCode.STATE_INVALID);
      expect(error.message).toContain('freeze');
    }
    expect(store.stats().frozenKeys).toBe(0);
    const query = caught(() => store.isFrozen('applicant:a', NaN));
    expect(query.code).toBe(ErrorCode.STATE_INVALID);
    expect(query.message).toContain('isFrozen');
  });

  it('does not advance the watermark, so a freeze reaching into the future leaves later arrivals on time', () => {
    const store = createMemoryStore({ allowedLatenessMs: MINUTE_MS });
    store.freeze('applicant:a', START_MS + 10 * HOUR_MS, START_MS + 20 * HOUR_MS, 'app-1');
    expect(store.stats().watermarkMs).toBeNull();
    store.observe('device:a', START_MS, 1, 'x');
    store.freeze('applicant:a', START_MS + 30 * HOUR_MS, START_MS + 40 * HOUR_MS, 'app-2');
    expect(store.stats().watermarkMs).toBe(START_MS);
    expect(store.observe('device:a', START_MS + 1, 1, 'x').accepted).toBe(true);
  });

  it('forgets a freeze that ends before the retention horizon, whether or not a sweep has run', () => {
    const options = { allowedLatenessMs: MINUTE_MS, retentionMs: HOUR_MS, sweepEvery: 3 };
    const store = createMemoryStore(options);
    const untilMs = START_MS + 10 * MINUTE_MS;
    store.freeze('applicant:a', START_MS, untilMs, 'app-1');
    store.observe('device:a', untilMs + HOUR_MS, 1, 'x'); // horizon exactly at untilMs: still known
    expect(store.isFrozen('applicant:a', START_MS)).toBe(true);
    store.observe('device:a', untilMs + HOUR_MS + 1, 1, 'x'); // horizon past untilMs
    expect(store.isFrozen('applicant:a', START_MS)).toBe(false);
    expect(store.stats().frozenKeys).toBe(1); // held until the sweep
    store.observe('device:a', untilMs + HOUR_MS + 2, 1, 'x'); // the third accepted observation: a sweep
    expect(store.stats().frozenKeys).toBe(0);
    expect(store.isFrozen('applicant:a', START_MS)).toBe(false);
  });
});

describe('remembered decisions', () => {
  it('recalls the input hash and the very decision object given, and null for an unknown id', () => {
    const store = createMemoryStore();
    const decision = { outcome: 'decline', tier: 3 };
    store.rememberDecision('application:1', START_MS, 'hash-1', decision);
    const recalled = store.recallDecision('application:1');
    expect(recalled).toEqual({ inputHash: 'hash-1', decision, released: false });
    expect(recalled!.decision).toBe(decision);
    expect(store.recallDecision('application:2')).toBeNull();
    expect(store.stats()).toMatchObject({ decisions: 1, watermarkMs: null });
  });

  it('replaces the entry when the same id is remembered again', () => {
    const store = createMemoryStore();
    store.rememberDecision('application:1', START_MS, 'hash-1', { outcome: 'approve' });
    store.rememberDecision('application:1', START_MS + 5, 'hash-2', { outcome: 'review' });
    expect(store.recallDecision('application:1')).toEqual({ inputHash: 'hash-2', decision: { outcome: 'review' }, released: false });
    expect(store.stats().decisions).toBe(1);
  });

  it('answers null once the decision time is behind the retention horizon, and the sweep drops it', () => {
    const store = createMemoryStore({ allowedLatenessMs: MINUTE_MS, retentionMs: HOUR_MS, sweepEvery: 2 });
    store.rememberDecision('application:1', START_MS, 'hash-1', 'approve');
    store.observe('device:a', START_MS + HOUR_MS, 1, 'x'); // exactly retentionMs behind: still recalled
    expect(store.recallDecision('application:1')).toEqual({ inputHash: 'hash-1', decision: 'approve', released: false });
    store.observe('device:a', START_MS + HOUR_MS + 1, 1, 'x'); // the second observation: a sweep
    expect(store.recallDecision('application:1')).toBeNull();
    expect(store.stats().decisions).toBe(0);
  });

  it('holds the decision itself for decisionRetentionMs (a day by default), then only its hash until the retention horizon', () => {
    const store = createMemoryStore({
      allowedLatenessMs: MINUTE_MS,
      retentionMs: 10 * HOUR_MS,
      decisionRetentionMs: HOUR_MS,
      sweepEvery: 2,
    });
    store.rememberDecision('application:1', START_MS, 'hash-1', 'approve');
    store.observe('device:a', START_MS + HOUR_MS, 1, 'x'); // exactly decisionRetentionMs behind: held
    expect(store.recallDecision('application:1')).toEqual({ inputHash: 'hash-1', decision: 'approve', released: false });
    store.observe('device:a', START_MS + HOUR_MS + 1, 1, 'x'); // a sweep: the decision is let go of, the hash kept
    expect(store.recallDecision('application:1')).toEqual({ inputHash: 'hash-1', decision: null, released: true });
    const snapshotOf = (of: StateStore) => of.snapshot() as MemoryStoreSnapshot;
    expect(snapshotOf(store).decisions).toEqual([]);
    expect(snapshotOf(store).releasedDecisions).toEqual([['application:1', START_MS, 'hash-1']]);
    expect(store.stats().decisions).toBe(1);
    expect(snapshotOf(createMemoryStore()).options.decisionRetentionMs).toBe(24 * HOUR_MS);
    // A snapshot written before the option existed held decisions for the whole retention: so does its restore.
    const { decisionRetentionMs: _omitted, ...olderOptions } = snapshotOf(store).options;
    const older = restoreMemoryStore({ ...snapshotOf(store), options: olderOptions });
    expect(snapshotOf(older).options.decisionRetentionMs).toBe(10 * HOUR_MS);
  });

  it('restored with fewer first-seen prefixes, forgets the other keys first-seen times, as a store made so would', () => {
    const store = createMemoryStore();
    store.observe('ip:x', START_MS, 1, 't');
    store.observe('device:y', START_MS, 1, 't');
    const restored = restoreMemoryStore(store.snapshot(), { firstSeenKeyPrefixes: ['device:'] });
    expect([restored.firstSeenMs('ip:x'), restored.firstSeenMs('device:y')]).toEqual([null, START_MS]);
  });

  it('refuses a non-finite time or an undefined decision with FK_STATE_INVALID, storing nothing', () => {
    const store = createMemoryStore();
    for (const [atMs, decision] of [
      [NaN, 'approve'],
      [Infinity, 'approve'],
      [START_MS, undefined],
    ] as const) {
      const error = caught(() => store.rememberDecision('application:1', atMs, 'hash-1', decision));
      expect(error.code).toBe(ErrorCode.STATE_INVALID);
      expect(error.message).toContain('rememberDecision');
    }
    expect(store.recallDecision('application:1')).toBeNull();
    expect(store.stats().decisions).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// Differential: two stores that sweep at very different rates against a reference that keeps every
// freeze and decision forever and applies the documented horizon at query time.

interface LoggedFreeze {
  readonly key: string;
  readonly fromMs: number;
  readonly untilMs: number;
  readonly byToken: string;
}

class Reference {
  watermarkMs = -Infinity;
  readonly freezes: LoggedFreeze[] = [];
  private readonly decisions = new Map<string, { atMs: number; inputHash: string; decision: unknown }>();

  constructor(private readonly options: MemoryStoreOptions) {}

  private get horizonMs(): number {
    return this.watermarkMs - this.options.retentionMs;
  }

  observe(atMs: number): { accepted: boolean } {
    if (atMs < this.watermarkMs - this.options.allowedLatenessMs) return { accepted: false };
    this.watermarkMs = Math.max(this.watermarkMs, atMs);
    return { accepted: true };
  }

  freeze(key: string, fromMs: number, untilMs: number, byToken: string): void {
    this.freezes.push({ key, fromMs, untilMs, byToken });
  }

  isFrozen(key: string, atMs: number, excludeToken?: string): boolean {
    return this.freezes.some(
      (freeze) =>
        freeze.key === key &&
        freeze.fromMs <= atMs &&
        atMs < freeze.untilMs &&
        freeze.untilMs >= this.horizonMs &&
        freeze.byToken !== excludeToken,
    );
  }

  rememberDecision(applicationId: string, atMs: number, inputHash: string, decision: unknown): void {
    this.decisions.set(applicationId, { atMs, inputHash, decision });
  }

  recallDecision(applicationId: string): RememberedDecision | null {
    const entry = this.decisions.get(applicationId);
    if (entry === undefined || entry.atMs < this.horizonMs) return null;
    // Past decisionRetentionMs only the hash is held (a failed attempt, remembered without a decision, is never released).
    const released = entry.decision !== null && entry.atMs < this.watermarkMs - this.options.decisionRetentionMs;
    return { inputHash: entry.inputHash, decision: released ? null : entry.decision, released };
  }

  /** What a store holds right after a sweep. */
  live(): { frozenKeys: number; decisions: number } {
    const frozenKeys = new Set(this.freezes.filter((freeze) => freeze.untilMs >= this.horizonMs).map((freeze) => freeze.key));
    const decisions = [...this.decisions.values()].filter((entry) => entry.atMs >= this.horizonMs);
    return { frozenKeys: frozenKeys.size, decisions: decisions.length };
  }
}

const FROZEN_KEYS = ['applicant:a', 'applicant:b', 'device:c'];
const TOKENS = ['app-1', 'app-2', 'app-3'];
const APPLICATION_IDS = ['application:1', 'application:2', 'application:3', 'application:4'];

const operation = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('observe' as const), offsetMs: fc.integer({ min: -150, max: 300 }) }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('freeze' as const),
      key: fc.constantFrom(...FROZEN_KEYS),
      fromOffsetMs: fc.integer({ min: -600, max: 200 }),
      lengthMs: fc.integer({ min: 1, max: 400 }),
      token: fc.constantFrom(...TOKENS),
    }),
    weight: 2,
  },
  // The same application re-evaluated: one of the earlier freezes, exactly.
  { arbitrary: fc.record({ kind: fc.constant('refreeze' as const), index: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('isFrozen' as const),
      key: fc.constantFrom(...FROZEN_KEYS),
      offsetMs: fc.integer({ min: -900, max: 400 }),
      // Pinned to a freeze's bound ± 1 ms, which exercises [from, until) exactly.
      anchor: fc.option(fc.record({ index: fc.nat(), until: fc.boolean(), nudgeMs: fc.constantFrom(-1, 0, 1) }), { nil: null }),
      excludeToken: fc.option(fc.constantFrom(...TOKENS), { nil: undefined }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('remember' as const),
      applicationId: fc.constantFrom(...APPLICATION_IDS),
      offsetMs: fc.integer({ min: -600, max: 100 }),
      inputHash: fc.constantFrom('hash-1', 'hash-2'),
      outcome: fc.constantFrom('approve', 'review', 'decline', null),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('recall' as const), applicationId: fc.constantFrom(...APPLICATION_IDS) }), weight: 3 },
);
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

const optionsArb = fc
  .record({
    allowedLatenessMs: fc.integer({ min: 0, max: 100 }),
    extraRetentionMs: fc.integer({ min: 0, max: 400 }),
    decisionRetentionMs: fc.integer({ min: 0, max: 600 }),
  })
  .map(({ allowedLatenessMs, extraRetentionMs, decisionRetentionMs }) => ({
    allowedLatenessMs,
    retentionMs: Math.max(1, allowedLatenessMs + extraRetentionMs),
    decisionRetentionMs,
  }));

type Call =
  | { readonly method: 'observe'; readonly atMs: number }
  | { readonly method: 'freeze'; readonly freeze: LoggedFreeze }
  | { readonly method: 'isFrozen'; readonly key: string; readonly atMs: number; readonly excludeToken: string | undefined }
  | {
      readonly method: 'rememberDecision';
      readonly applicationId: string;
      readonly atMs: number;
      readonly inputHash: string;
      readonly decision: unknown;
    }
  | { readonly method: 'recallDecision'; readonly applicationId: string };

/** Resolves a generated operation's times against the reference's watermark as it stands. */
function concrete(operation: Operation, reference: Reference): Call {
  const nowMs = reference.watermarkMs === -Infinity ? START_MS : reference.watermarkMs;
  const earlier = reference.freezes;
  switch (operation.kind) {
    case 'observe':
      return { method: 'observe', atMs: nowMs + operation.offsetMs };
    case 'freeze': {
      const fromMs = nowMs + operation.fromOffsetMs;
      return { method: 'freeze', freeze: { key: operation.key, fromMs, untilMs: fromMs + operation.lengthMs, byToken: operation.token } };
    }
    case 'refreeze':
      if (earlier.length === 0) return { method: 'observe', atMs: nowMs };
      return { method: 'freeze', freeze: earlier[operation.index % earlier.length]! };
    case 'isFrozen': {
      const { anchor } = operation;
      const pinned = anchor !== null && earlier.length > 0 ? earlier[anchor.index % earlier.length]! : null;
      const atMs = pinned === null ? nowMs + operation.offsetMs : (anchor!.until ? pinned.untilMs : pinned.fromMs) + anchor!.nudgeMs;
      return { method: 'isFrozen', key: pinned?.key ?? operation.key, atMs, excludeToken: operation.excludeToken };
    }
    case 'remember':
      return {
        method: 'rememberDecision',
        applicationId: operation.applicationId,
        atMs: nowMs + operation.offsetMs,
        inputHash: operation.inputHash,
        // A failed attempt is remembered without a decision (outcome null).
        decision: operation.outcome === null ? null : { outcome: operation.outcome, reasons: [operation.inputHash] },
      };
    case 'recall':
      return { method: 'recallDecision', applicationId: operation.applicationId };
  }
}

type Target = Pick<StateStore, 'freeze' | 'isFrozen' | 'rememberDecision' | 'recallDecision'> & {
  observe(key: string, atMs: number, value: number, token: string): { accepted: boolean };
};

function perform(target: Target, call: Call): unknown {
  switch (call.method) {
    case 'observe':
      return target.observe('device:a', call.atMs, 1, 'x');
    case 'freeze':
      return target.freeze(call.freeze.key, call.freeze.fromMs, call.freeze.untilMs, call.freeze.byToken);
    case 'isFrozen':
      return target.isFrozen(call.key, call.atMs, call.excludeToken);
    case 'rememberDecision':
      return target.rememberDecision(call.applicationId, call.atMs, call.inputHash, call.decision);
    case 'recallDecision':
      return target.recallDecision(call.applicationId);
  }
}

function referenceTarget(reference: Reference): Target {
  return {
    observe: (_key, atMs) => reference.observe(atMs),
    freeze: (key, fromMs, untilMs, byToken) => reference.freeze(key, fromMs, untilMs, byToken),
    isFrozen: (key, atMs, excludeToken) => reference.isFrozen(key, atMs, excludeToken),
    rememberDecision: (applicationId, atMs, inputHash, decision) => reference.rememberDecision(applicationId, atMs, inputHash, decision),
    recallDecision: (applicationId) => reference.recallDecision(applicationId),
  };
}

/** Every freeze and decision question a caller can ask around a time. */
function answers(store: StateStore, aroundMs: number) {
  const offsets = [-1_000, -500, -300, -100, -1, 0, 1, 50, 200, 500];
  return {
    frozen: FROZEN_KEYS.flatMap((key) =>
      offsets.flatMap((offsetMs) => [undefined, ...TOKENS].map((excludeToken) => store.isFrozen(key, aroundMs + offsetMs, excludeToken))),
    ),
    decisions: APPLICATION_IDS.map((applicationId) => store.recallDecision(applicationId)),
    stats: store.stats(),
  };
}

describe('independence from sweep timing', () => {
  it('answers every freeze and decision query alike whether the store sweeps after every observation or never, as the reference does', () => {
    fc.assert(
      fc.property(optionsArb, fc.array(operation, { maxLength: 200, size: 'max' }), (options, sequence) => {
        const eager = createMemoryStore({ ...options, sweepEvery: 1 });
        const lazy = createMemoryStore({ ...options, sweepEvery: 1_000_000 });
        const reference = new Reference(MemoryStoreOptions.parse({ ...options, sweepEvery: 1 }));
        const target = referenceTarget(reference);
        for (const operation of sequence) {
          const call = concrete(operation, reference);
          const expected = perform(target, call);
          expect(perform(eager, call)).toEqual(expected);
          expect(perform(lazy, call)).toEqual(expected);
          if (call.method === 'observe' && (expected as { accepted: boolean }).accepted) {
            // The eager store has just swept: it holds exactly what is still within the horizon.
            expect(eager.stats()).toMatchObject(reference.live());
          }
          expect(lazy.stats().frozenKeys).toBeGreaterThanOrEqual(eager.stats().frozenKeys);
        }
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------

function snapshotWithEverything(): Record<string, unknown> {
  const store = createMemoryStore({ allowedLatenessMs: 100, retentionMs: 1_000, firstSeenRetentionMs: 2_000, sweepEvery: 50 });
  store.observe('device:secret-hash-1', START_MS, 1, 'applicant:1');
  store.freeze('applicant:secret-hash-2', START_MS, START_MS + HOUR_MS, 'application:1');
  store.freeze('applicant:secret-hash-2', START_MS + 5, START_MS + 10, 'application:2');
  store.rememberDecision('application:1', START_MS, 'hash-1', { outcome: 'decline', actions: ['freeze_identity'] });
  store.rememberDecision('application:2', START_MS + 5, 'hash-2', { outcome: 'approve', actions: [] });
  return JSON.parse(JSON.stringify(store.snapshot())) as Record<string, unknown>;
}

describe('snapshots of freezes and decisions', () => {
  it('writes one entry per freeze and per decision', () => {
    const snapshot = snapshotWithEverything();
    expect(snapshot.frozen).toEqual([
      ['applicant:secret-hash-2', START_MS, START_MS + HOUR_MS, 'application:1'],
      ['applicant:secret-hash-2', START_MS + 5, START_MS + 10, 'application:2'],
    ]);
    expect(snapshot.decisions).toEqual([
      ['application:1', START_MS, 'hash-1', { outcome: 'decline', actions: ['freeze_identity'] }],
      ['application:2', START_MS + 5, 'hash-2', { outcome: 'approve', actions: [] }],
    ]);
  });

  it('restores, after a JSON round trip, a store with the same answers and the same behaviour on whatever follows', () => {
    const sequence = fc.array(operation, { maxLength: 120, size: 'max' });
    fc.assert(
      fc.property(optionsArb, fc.integer({ min: 1, max: 30 }), sequence, sequence, (options, sweepEvery, before, after) => {
        const original = createMemoryStore({ ...options, sweepEvery });
        const reference = new Reference(MemoryStoreOptions.parse({ ...options, sweepEvery }));
        const target = referenceTarget(reference);
        for (const operation of before) {
          const call = concrete(operation, reference);
          perform(original, call);
          perform(target, call);
        }
        const restored = restoreMemoryStore(JSON.parse(JSON.stringify(original.snapshot())));
        const aroundMs = reference.watermarkMs === -Infinity ? START_MS : reference.watermarkMs;
        expect(answers(restored, aroundMs)).toEqual(answers(original, aroundMs));
        expect(restored.snapshot()).toEqual(original.snapshot());
        for (const operation of after) {
          const call = concrete(operation, reference);
          expect(perform(restored, call)).toEqual(perform(original, call));
          perform(target, call);
          expect(restored.stats()).toEqual(original.stats());
        }
        expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(original.snapshot()));
      }),
      { numRuns: 150 },
    );
  });

  it('restores a snapshot written before freezes and decisions existed, with none of either', () => {
    const store = createMemoryStore({ allowedLatenessMs: 100, retentionMs: 1_000 });
    store.observe('device:a', START_MS, 1, 'applicant:1');
    const { frozen, decisions, ...older } = store.snapshot() as Record<string, unknown>;
    expect([frozen, decisions]).toEqual([[], []]);

    const restored = restoreMemoryStore(JSON.parse(JSON.stringify(older)));
    expect(restored.stats()).toEqual(store.stats());
    expect(restored.window('device:a', START_MS, START_MS)).toEqual({ count: 1, sum: 1, distinct: 1 });
    expect(restored.isFrozen('applicant:1', START_MS)).toBe(false);
    expect(restored.recallDecision('application:1')).toBeNull();
    expect(restored.snapshot()).toMatchObject({ version: 1, frozen: [], decisions: [] });
  });

  it('restores freezes and decisions held before any observation (neither sets the watermark)', () => {
    const store = createMemoryStore();
    store.freeze('applicant:a', START_MS, START_MS + HOUR_MS, 'app-1');
    store.rememberDecision('application:1', START_MS, 'hash-1', null);
    const restored = restoreMemoryStore(JSON.parse(JSON.stringify(store.snapshot())));
    expect(restored.stats()).toMatchObject({ watermarkMs: null, frozenKeys: 1, decisions: 1 });
    expect(restored.isFrozen('applicant:a', START_MS)).toBe(true);
    expect(restored.recallDecision('application:1')).toEqual({ inputHash: 'hash-1', decision: null, released: false });
  });

  // [what is wrong, how to break a valid snapshot, the field the message must name]
  const malformed: [string, (snapshot: any) => void, string][] = [
    ['a freeze ending where it starts', (s) => (s.frozen[1][2] = s.frozen[1][1]), 'frozen.1.2'],
    ['a freeze ending before it starts', (s) => (s.frozen[0][2] = START_MS - 1), 'frozen.0.2'],
    ['a freeze twice', (s) => s.frozen.push([...s.frozen[0]]), 'frozen.2'],
    ['a freeze time written as null by JSON', (s) => (s.frozen[0][1] = null), 'frozen.0.1'],
    ['a freeze without its token', (s) => s.frozen[0].pop(), 'frozen.0'],
    ['an application id twice', (s) => s.decisions.push([...s.decisions[0]]), 'decisions.2.0'],
    ['a decision time written as null by JSON', (s) => (s.decisions[1][1] = null), 'decisions.1.1'],
    ['a decision without its decision', (s) => s.decisions[0].pop(), 'decisions.0'],
    ['freezes that are not an array', (s) => (s.frozen = {}), 'frozen'],
  ];
  it.each(malformed)('refuses a snapshot with %s, with FK_STATE_INVALID naming the field', (_, breakIt, field) => {
    const snapshot = snapshotWithEverything();
    breakIt(snapshot);
    const error = caught(() => restoreMemoryStore(snapshot));
    expect(error.code).toBe(ErrorCode.STATE_INVALID);
    expect(error.message).toContain(field);
    expect(error.message).not.toContain('secret-hash');
  });
});
