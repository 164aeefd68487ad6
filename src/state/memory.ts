// The default StateStore: each key's recent observations held in memory, sorted by event time in
// parallel arrays, so a velocity window costs two binary searches and a pass over the slice it covers.
//
// Semantics (W is the watermark, L allowedLatenessMs, R retentionMs, H firstSeenRetentionMs):
// - W is the greatest atMs observed so far. An observation with atMs < W − L is late: it is not inserted,
//   stats().lateObservations grows by one, observe answers { accepted: false }, and nothing else changes
//   (no answer, not first-seen). Any other observation is accepted: inserted in event-time order, equal
//   times kept in arrival order. A non-finite atMs or value throws FK_STATE_INVALID; nothing is stored.
// - The retention horizon is W − R. Queries see only observations with t ≥ W − R:
//   window(key, from, to) aggregates those with from ≤ t ≤ to (both bounds inclusive): their count, the
//   sum of their values (added in event-time order) and the number of distinct tokens.
//   latestAtOrBefore(key, at) is the greatest such t ≤ at, or null.
//   Queries must stay within R of W: an older window answers only for its part at or after the horizon.
//   No answer depends on when eviction last ran.
// - An accepted observation first advances W, then sets the key's first-seen time f: f = min(f, atMs)
//   while W − f ≤ H (an out-of-order earlier arrival lowers it), else f = atMs (the key is new again).
//   firstSeenMs(key) is f while W − f ≤ H, else null: past its horizon the key is forgotten. With
//   firstSeenKeyPrefixes, only keys starting with one of them have a first-seen time (others: null).
// - freeze(key, from, until, token) adds a freeze covering event times from ≤ t < until; a key holds
//   several, and freezing again with the same token and interval changes nothing. isFrozen(key, at,
//   exclude) is true when a freeze with until ≥ W − R covers at and was set by another token than
//   exclude. Non-finite times, from ≥ until, or a NaN at throw FK_STATE_INVALID. Freezes do not move W;
//   one that ends before the horizon is forgotten, as an observation is, and queries older than the
//   horizon are outside the store's memory.
// - rememberDecision(id, at, hash, decision) keeps at, hash and decision under id, replacing an earlier
//   entry; the decision is held by reference and must be JSON-serialisable (undefined throws
//   FK_STATE_INVALID, as does a non-finite at). It does not move W. recallDecision(id) answers while
//   at ≥ W − R, else null; once at < W − D (D decisionRetentionMs) a decision is released: only the
//   hash and time are held, and recall answers decision null, released true (a failed attempt,
//   remembered with a null decision, is never released).
// - Eviction: observing a key drops that key's observations with t < W − R (a prefix, amortised O(1) per
//   observation). Every sweepEvery accepted observations a full sweep does the same for every key,
//   deletes keys left empty, forgets first-seen times past their horizon, and drops freezes with
//   until < W − R and decisions with at < W − R, and lets go of the decisions with at < W − D. Neither
//   freezes nor decisions trigger a sweep.
// - Cap: a key holds at most maxObservationsPerKey observations; inserting past it drops the key's
//   oldest (stats().truncatedObservations counts them), so a window reaching back past them answers for
//   the kept ones only: a lower bound of the count, sum and distinct count. Latest-at-or-before and
//   first-seen times are unaffected for times the kept observations cover.
// - Memory bound: observations held ≤ accepted observations with t ≥ Ws − R, where Ws is the watermark at
//   the last sweep, fewer than sweepEvery accepted observations ago; that is, the observations within R
//   of the watermark plus those that expired since the last sweep. First-seen entries: one per key
//   observed within H of Ws or since. Freezes and decisions: those within R of Ws or set since.
// - snapshot() is plain JSON; restoreMemoryStore checks it in full and returns a store that answers every
//   query, and reacts to every later call, exactly as the original would.
import { ErrorCode, FengkongError } from '../errors.js';
import { describeIssues } from '../schema/issues.js';
import { MEMORY_SNAPSHOT_FORMAT, MemoryStoreOptions, type MemoryStoreOptionsInput, MemoryStoreSnapshot } from '../schema/store.js';
import type { ObserveResult, RememberedDecision, StateStore, StoreLimits, StoreStats, WindowAggregate } from './store.js';

export { MemoryStoreOptions, type MemoryStoreOptionsInput, MemoryStoreSnapshot } from '../schema/store.js';

const ACCEPTED: ObserveResult = Object.freeze({ accepted: true });
const REFUSED: ObserveResult = Object.freeze({ accepted: false });
const EMPTY: WindowAggregate = Object.freeze({ count: 0, sum: 0, distinct: 0 });
/** Up to this many tokens, distinct ones are counted by pairwise comparison (at most 120 comparisons). */
const SHORT_SLICE = 16;

interface Freeze {
  readonly fromMs: number;
  readonly untilMs: number;
  readonly byToken: string;
}

interface DecisionEntry {
  readonly atMs: number;
  readonly inputHash: string;
  /** As remembered; RELEASED once past decisionRetentionMs. */
  readonly decision: unknown;
}

/** What a released decision holds instead of the decision. */
const RELEASED: unique symbol = Symbol('released');

/**
 * One key's observations, sorted by time: live entries at [head, length) of three parallel arrays.
 * Plain arrays rather than typed ones: most keys hold one or two observations, and an array literal
 * costs a few dozen bytes where a typed array and its buffer cost hundreds.
 */
class Series {
  readonly times: number[];
  readonly values: number[];
  /** Entries before head are cleared so their strings can be collected. */
  readonly tokens: string[];
  head = 0;

  constructor(atMs: number, value: number, token: string) {
    this.times = [atMs];
    this.values = [value];
    this.tokens = [token];
  }

  get size(): number {
    return this.times.length - this.head;
  }

  insert(atMs: number, value: number, token: string): void {
    const { times, values, tokens } = this;
    const end = times.length;
    // Arrivals are almost always in order: append. Otherwise insert after every equal time (stable).
    if (end === this.head || times[end - 1]! <= atMs) {
      times.push(atMs);
      values.push(value);
      tokens.push(token);
    } else {
      const at = upperBound(times, this.head, end, atMs);
      times.splice(at, 0, atMs);
      values.splice(at, 0, value);
      tokens.splice(at, 0, token);
    }
  }

  /** Drops the observations before `horizonMs`; returns how many. */
  evictBefore(horizonMs: number): number {
    const { times, head } = this;
    const end = times.length;
    if (head === end || times[head]! >= horizonMs) return 0;
    return this.dropBefore(lowerBound(times, head, end, horizonMs));
  }

  /** Drops the oldest observations beyond `keep`; returns how many. */
  keepNewest(keep: number): number {
    return this.size > keep ? this.dropBefore(this.times.length - keep) : 0;
  }

  /** Drops the live observations before index `newHead`; returns how many. */
  private dropBefore(newHead: number): number {
    const { times, head } = this;
    const end = times.length;
    // Cut the dead prefix once it is as long as the live part, so each cut is paid for by the
    // evictions before it; until then only move the head.
    if (newHead >= end - newHead) {
      times.splice(0, newHead);
      this.values.splice(0, newHead);
      this.tokens.splice(0, newHead);
      this.head = 0;
    } else {
      this.tokens.fill('', head, newHead);
      this.head = newHead;
    }
    return newHead - head;
  }
}

/** First index in [lo, hi) whose time is ≥ ms, or hi. */
function lowerBound(times: readonly number[], lo: number, hi: number, ms: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [lo, hi) whose time is > ms, or hi. */
function upperBound(times: readonly number[], lo: number, hi: number, ms: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function requireFinite(input: number, field: string): void {
  if (!Number.isFinite(input)) throw new FengkongError(ErrorCode.STATE_INVALID, `${field} must be a finite number`);
}

/** JSON writes -0 as 0: store 0, so a restored store holds and answers exactly the same. */
function withoutNegativeZero(input: number): number {
  return input === 0 ? 0 : input;
}

function requireNumber(input: number, field: string): void {
  if (Number.isNaN(input)) throw new FengkongError(ErrorCode.STATE_INVALID, `${field} must be a number, not NaN`);
}

class MemoryStore implements StateStore {
  private readonly series = new Map<string, Series>();
  private readonly firstSeen = new Map<string, number>();
  /** Per key, its freezes in the order they were set. */
  private readonly freezes = new Map<string, Freeze[]>();
  private readonly decisions = new Map<string, DecisionEntry>();
  /** Reused by every window query, emptied after each. */
  private readonly distinctTokens = new Set<string>();
  /** -Infinity until the first observation, so the late test and the horizons need no branch. */
  private watermarkMs = -Infinity;
  private held = 0;
  private lateObservations = 0;
  private truncatedObservations = 0;
  private observationsSinceSweep = 0;

  constructor(private readonly options: MemoryStoreOptions) {}

  private tracksFirstSeen(key: string): boolean {
    const prefixes = this.options.firstSeenKeyPrefixes;
    return prefixes === null || prefixes.some((prefix) => key.startsWith(prefix));
  }

  observe(key: string, atMs: number, value: number, token: string): ObserveResult {
    requireFinite(atMs, 'observe: atMs');
    requireFinite(value, 'observe: value');
    const { allowedLatenessMs, retentionMs, firstSeenRetentionMs } = this.options;
    if (atMs < this.watermarkMs - allowedLatenessMs) {
      this.lateObservations += 1;
      return REFUSED;
    }
    const timeMs = withoutNegativeZero(atMs);
    if (timeMs > this.watermarkMs) this.watermarkMs = timeMs;

    const storedValue = withoutNegativeZero(value);
    const series = this.series.get(key);
    if (series === undefined) {
      this.series.set(key, new Series(timeMs, storedValue, token));
    } else {
      this.held -= series.evictBefore(this.watermarkMs - retentionMs);
      series.insert(timeMs, storedValue, token);
      // A key past its cap keeps its newest observations: a window reaching further back is then a
      // lower bound (counted), and memory stays bounded however hot one key runs.
      const dropped = series.keepNewest(this.options.maxObservationsPerKey);
      this.held -= dropped;
      this.truncatedObservations += dropped;
    }
    this.held += 1;

    if (this.tracksFirstSeen(key)) {
      const firstSeenMs = this.firstSeen.get(key);
      if (firstSeenMs === undefined || this.watermarkMs - firstSeenMs > firstSeenRetentionMs || timeMs < firstSeenMs) {
        this.firstSeen.set(key, timeMs);
      }
    }

    this.observationsSinceSweep += 1;
    if (this.observationsSinceSweep >= this.options.sweepEvery) this.sweep();
    return ACCEPTED;
  }

  window(key: string, fromMs: number, toMs: number, excludeToken?: string): WindowAggregate {
    requireNumber(fromMs, 'window: fromMs');
    requireNumber(toMs, 'window: toMs');
    const series = this.series.get(key);
    if (series === undefined) return EMPTY;
    const { times, values, tokens } = series;
    const lo = lowerBound(times, series.head, times.length, Math.max(fromMs, this.watermarkMs - this.options.retentionMs));
    const hi = upperBound(times, lo, times.length, toMs);
    if (hi <= lo) return EMPTY;
    let sum = 0;
    for (let i = lo; i < hi; i += 1) sum += values[i]!;
    let distinct = this.countDistinct(tokens, lo, hi);
    if (excludeToken !== undefined && includesToken(tokens, lo, hi, excludeToken)) distinct -= 1;
    return { count: hi - lo, sum, distinct };
  }

  windowMax(key: string, fromMs: number, toMs: number): number | null {
    requireNumber(fromMs, 'windowMax: fromMs');
    requireNumber(toMs, 'windowMax: toMs');
    const series = this.series.get(key);
    if (series === undefined) return null;
    const { times, values } = series;
    const lo = lowerBound(times, series.head, times.length, Math.max(fromMs, this.watermarkMs - this.options.retentionMs));
    const hi = upperBound(times, lo, times.length, toMs);
    if (hi <= lo) return null;
    let max = values[lo]!;
    for (let i = lo + 1; i < hi; i += 1) if (values[i]! > max) max = values[i]!;
    return max;
  }

  limits(): StoreLimits {
    const { retentionMs, firstSeenRetentionMs, firstSeenKeyPrefixes } = this.options;
    return { retentionMs, firstSeenRetentionMs, firstSeenKeyPrefixes };
  }

  private countDistinct(tokens: readonly string[], lo: number, hi: number): number {
    // A short slice (the usual velocity window) is cheaper to compare pairwise than to hash.
    if (hi - lo <= SHORT_SLICE) {
      let distinct = 0;
      for (let i = lo; i < hi; i += 1) {
        let j = lo;
        while (j < i && tokens[j] !== tokens[i]) j += 1;
        if (j === i) distinct += 1;
      }
      return distinct;
    }
    const seen = this.distinctTokens;
    for (let i = lo; i < hi; i += 1) seen.add(tokens[i]!);
    const distinct = seen.size;
    seen.clear();
    return distinct;
  }

  latestAtOrBefore(key: string, atMs: number): number | null {
    requireNumber(atMs, 'latestAtOrBefore: atMs');
    const series = this.series.get(key);
    if (series === undefined) return null;
    const after = upperBound(series.times, series.head, series.times.length, atMs);
    if (after === series.head) return null;
    const latestMs = series.times[after - 1]!;
    return latestMs < this.watermarkMs - this.options.retentionMs ? null : latestMs;
  }

  firstSeenMs(key: string): number | null {
    const firstSeenMs = this.firstSeen.get(key);
    if (firstSeenMs === undefined || this.watermarkMs - firstSeenMs > this.options.firstSeenRetentionMs) return null;
    return firstSeenMs;
  }

  freeze(key: string, fromMs: number, untilMs: number, byToken: string): void {
    requireFinite(fromMs, 'freeze: fromMs');
    requireFinite(untilMs, 'freeze: untilMs');
    if (fromMs >= untilMs) throw new FengkongError(ErrorCode.STATE_INVALID, 'freeze: fromMs must be earlier than untilMs');
    const freeze: Freeze = { fromMs: withoutNegativeZero(fromMs), untilMs: withoutNegativeZero(untilMs), byToken };
    const freezes = this.freezes.get(key);
    if (freezes === undefined) {
      this.freezes.set(key, [freeze]);
    } else if (!freezes.some((held) => held.byToken === byToken && held.fromMs === fromMs && held.untilMs === untilMs)) {
      // An application re-evaluated sets the same freeze again: holding it twice would change nothing.
      freezes.push(freeze);
    }
  }

  freezeHorizonMs(): number {
    return this.watermarkMs - this.options.retentionMs;
  }

  isFrozen(key: string, atMs: number, excludeToken?: string): boolean {
    requireNumber(atMs, 'isFrozen: atMs');
    const freezes = this.freezes.get(key);
    if (freezes === undefined) return false;
    // A freeze that ended before the horizon is ignored whether or not the sweep has dropped it yet.
    const horizonMs = this.watermarkMs - this.options.retentionMs;
    for (const { fromMs, untilMs, byToken } of freezes) {
      if (fromMs <= atMs && atMs < untilMs && untilMs >= horizonMs && byToken !== excludeToken) return true;
    }
    return false;
  }

  rememberDecision(applicationId: string, atMs: number, inputHash: string, decision: unknown): void {
    requireFinite(atMs, 'rememberDecision: atMs');
    // The one value a snapshot cannot carry that a type check would miss: JSON turns it into null.
    if (decision === undefined) throw new FengkongError(ErrorCode.STATE_INVALID, 'rememberDecision: decision must not be undefined');
    this.decisions.set(applicationId, { atMs: withoutNegativeZero(atMs), inputHash, decision });
  }

  recallDecision(applicationId: string): RememberedDecision | null {
    const entry = this.decisions.get(applicationId);
    if (entry === undefined || entry.atMs < this.watermarkMs - this.options.retentionMs) return null;
    return this.isReleased(entry)
      ? { inputHash: entry.inputHash, decision: null, released: true }
      : { inputHash: entry.inputHash, decision: entry.decision, released: false };
  }

  /** A decision past decisionRetentionMs of the watermark, whether or not a sweep let go of it yet. */
  private isReleased(entry: DecisionEntry): boolean {
    return entry.decision === RELEASED || (entry.decision !== null && entry.atMs < this.watermarkMs - this.options.decisionRetentionMs);
  }

  stats(): StoreStats {
    return {
      keys: this.series.size,
      observations: this.held,
      lateObservations: this.lateObservations,
      truncatedObservations: this.truncatedObservations,
      watermarkMs: this.watermarkMs === -Infinity ? null : this.watermarkMs,
      frozenKeys: this.freezes.size,
      decisions: this.decisions.size,
    };
  }

  snapshot(): MemoryStoreSnapshot {
    return {
      format: MEMORY_SNAPSHOT_FORMAT,
      version: 1,
      options: { ...this.options },
      watermarkMs: this.watermarkMs === -Infinity ? null : this.watermarkMs,
      lateObservations: this.lateObservations,
      truncatedObservations: this.truncatedObservations,
      observationsSinceSweep: this.observationsSinceSweep,
      keys: Array.from(this.series, ([key, series]) => [
        key,
        series.times.slice(series.head),
        series.values.slice(series.head),
        series.tokens.slice(series.head),
      ]),
      firstSeen: Array.from(this.firstSeen),
      frozen: Array.from(this.freezes).flatMap(([key, freezes]) =>
        freezes.map(({ fromMs, untilMs, byToken }): [string, number, number, string] => [key, fromMs, untilMs, byToken]),
      ),
      ...this.decisionLists(),
    };
  }

  /**
   * The decisions as a snapshot lists them: held and released apart, each by application id (the two
   * lists split the entries, so no insertion order could survive a restore).
   */
  private decisionLists(): Pick<MemoryStoreSnapshot, 'decisions' | 'releasedDecisions'> {
    const decisions: MemoryStoreSnapshot['decisions'] = [];
    const releasedDecisions: MemoryStoreSnapshot['releasedDecisions'] = [];
    const byId = Array.from(this.decisions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [applicationId, entry] of byId) {
      if (this.isReleased(entry)) releasedDecisions.push([applicationId, entry.atMs, entry.inputHash]);
      else decisions.push([applicationId, entry.atMs, entry.inputHash, entry.decision]);
    }
    return { decisions, releasedDecisions };
  }

  /** Adopts a checked snapshot's state; the store must be new. */
  load(snapshot: MemoryStoreSnapshot): void {
    this.watermarkMs = snapshot.watermarkMs ?? -Infinity;
    this.lateObservations = snapshot.lateObservations;
    this.truncatedObservations = snapshot.truncatedObservations;
    this.observationsSinceSweep = snapshot.observationsSinceSweep;
    for (const [key, times, values, tokens] of snapshot.keys) {
      const series = new Series(times[0]!, values[0]!, tokens[0]!);
      for (let i = 1; i < times.length; i += 1) series.insert(times[i]!, values[i]!, tokens[i]!);
      this.series.set(key, series);
      this.held += times.length;
    }
    // Options given at restore may keep fewer keys' first-seen times than the snapshot holds.
    for (const [key, firstSeenMs] of snapshot.firstSeen) if (this.tracksFirstSeen(key)) this.firstSeen.set(key, firstSeenMs);
    for (const [key, fromMs, untilMs, byToken] of snapshot.frozen) {
      const freeze = { fromMs, untilMs, byToken };
      const freezes = this.freezes.get(key);
      if (freezes === undefined) this.freezes.set(key, [freeze]);
      else freezes.push(freeze);
    }
    for (const [applicationId, atMs, inputHash, decision] of snapshot.decisions) {
      this.decisions.set(applicationId, { atMs, inputHash, decision });
    }
    for (const [applicationId, atMs, inputHash] of snapshot.releasedDecisions) {
      this.decisions.set(applicationId, { atMs, inputHash, decision: RELEASED });
    }
  }

  private sweep(): void {
    const horizonMs = this.watermarkMs - this.options.retentionMs;
    for (const [key, series] of this.series) {
      this.held -= series.evictBefore(horizonMs);
      if (series.size === 0) this.series.delete(key);
    }
    for (const [key, firstSeenMs] of this.firstSeen) {
      if (this.watermarkMs - firstSeenMs > this.options.firstSeenRetentionMs) this.firstSeen.delete(key);
    }
    for (const [key, freezes] of this.freezes) {
      if (freezes.every((freeze) => freeze.untilMs >= horizonMs)) continue;
      const live = freezes.filter((freeze) => freeze.untilMs >= horizonMs);
      if (live.length === 0) this.freezes.delete(key);
      else this.freezes.set(key, live);
    }
    const decisionHorizonMs = this.watermarkMs - this.options.decisionRetentionMs;
    for (const [applicationId, entry] of this.decisions) {
      if (entry.atMs < horizonMs) this.decisions.delete(applicationId);
      else if (entry.atMs < decisionHorizonMs && entry.decision !== null && entry.decision !== RELEASED) {
        this.decisions.set(applicationId, { ...entry, decision: RELEASED });
      }
    }
    this.observationsSinceSweep = 0;
  }
}

function parseOptions(options: unknown, what: string): MemoryStoreOptions {
  const parsed = MemoryStoreOptions.safeParse(options);
  if (!parsed.success) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, `${what}: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  }
  return parsed.data;
}

export function createMemoryStore(options: MemoryStoreOptionsInput = {}): StateStore {
  return new MemoryStore(parseOptions(options, 'memory store options'));
}

/**
 * Rebuilds a store from `snapshot()` output (after a JSON round trip). `options` override the snapshot's
 * (a longer retention after a restart, say); without them the store behaves exactly as the original.
 */
export function restoreMemoryStore(snapshot: unknown, options: Partial<MemoryStoreOptions> = {}): StateStore {
  const parsed = MemoryStoreSnapshot.safeParse(snapshot);
  if (!parsed.success) {
    throw new FengkongError(ErrorCode.STATE_INVALID, `memory store snapshot: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  }
  const overrides = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const store = new MemoryStore(parseOptions({ ...parsed.data.options, ...overrides }, 'memory store restore options'));
  store.load(parsed.data);
  return store;
}

function includesToken(tokens: readonly string[], lo: number, hi: number, token: string): boolean {
  for (let i = lo; i < hi; i += 1) if (tokens[i] === token) return true;
  return false;
}
