// The data model's aggregates (velocity) over the event-time history in a StateStore. The same code
// computes them for serving (`decide`) and for training (a replay of labelled history in event-time
// order), so there is no train/serve skew.
//
// Windows: an aggregate over "the last 24 h" at event time t reads the EARLIER events (already recorded)
// with time in [t − 24 h, t], both bounds inclusive; the current event is never in its own aggregates.
// It is recorded after they are read, so the next event sees it. An event without its key (the
// identifier is missing) gets null for every aggregate over that key, never 0: leaving a field out must
// not look like a clean history.
//
// Storage: aggregates that can share recorded history do. A series records, per key value, each
// earlier event's time, a value (the `of` field of sum, mean, max, ratioToMean) and a token (the `of`
// field of distinct: its hash for an identifier, its text otherwise; '' when missing, which counts as
// one value among the others). Events failing a series' `where` are not recorded in it. Memory grows
// with the events recorded within the retention (the longest window), times the number of series: one
// entry of three slots per event, series and key, whatever the aggregate (a distinct count keeps tokens,
// not a set per window). The store evicts what falls behind the retention.
import { durationMs, unitMs, type Aggregate, type Condition, type KeyDerivation } from '../schema/dataModel.js';
import type { EventRecord } from '../schema/event.js';
import type { MemoryStoreOptionsInput } from '../schema/store.js';
import type { StateStore, WindowAggregate } from '../state/store.js';
import type { DataModel } from './dataModel.js';
import type { HashedIdentifiers } from './eventFacts.js';
import { hashIdentifier } from './identity.js';

/** One recorded history: a key (a field, or a key derived from it), a filter, and what each entry holds. */
interface Series {
  /** The store key's prefix (`device_id`, `ip/ipv4/24`, `applicant_id#2`). */
  readonly prefix: string;
  readonly keyField: string;
  readonly derive: KeyDerivation | undefined;
  readonly where: readonly Condition[];
  /** The `where`'s canonical text: series with different filters never share. */
  readonly whereText: string;
  valueField: string | null;
  tokenField: string | null;
  /** Whether the store must keep first-seen times for this series' keys (a firstSeen longer than the history). */
  tracksFirstSeen: boolean;
}

/** One store query per event: a series over a window. */
interface Query {
  readonly series: number;
  readonly windowMs: number;
}

type Reader = (keys: ReadonlyArray<string | null>, results: ReadonlyArray<WindowAggregate | null>, context: ReadContext) => number | null;

interface ReadContext {
  readonly store: StateStore;
  readonly event: EventRecord;
  readonly atMs: number;
}

export interface CompiledAggregates {
  readonly names: readonly string[];
  readonly descriptions: Readonly<Record<string, string>>;
  /** The longest window read from the recorded history: the store must retain at least this. */
  readonly historyMs: number;
  /** The longest firstSeen window kept by first-seen times (0 without one), and the key prefixes that need them. */
  readonly firstSeenMs: number;
  readonly firstSeenKeyPrefixes: readonly string[];
  /** The aggregates of an event from the history; the event itself is not yet recorded. */
  read(
    store: StateStore,
    event: EventRecord,
    identifiers: HashedIdentifiers,
    atMs: number,
    salt: string,
    into: Record<string, number | null>,
  ): void;
  /**
   * Records an event in the history. Returns false when the store refused it as later than the allowed
   * lateness (its own aggregates were still computed, from the history as it stood).
   */
  record(store: StateStore, event: EventRecord, identifiers: HashedIdentifiers, atMs: number, salt: string): boolean;
}

export function compileAggregates(model: DataModel): CompiledAggregates {
  const aggregates = model.file.aggregates;
  const historyWindows = aggregates
    .filter((aggregate) => aggregate.aggregate !== 'firstSeen')
    .map((aggregate) => durationMs(aggregate.window));
  const longestHistory = Math.max(0, ...historyWindows);
  const series: Series[] = [];
  const queries: Query[] = [];
  const readers: Reader[] = [];
  const required = (name: string | null) => name === null || model.field(name)?.missing === 'required';

  const seriesFor = (aggregate: Aggregate): number => {
    const key = typeof aggregate.key === 'string' ? { field: aggregate.key, derive: undefined } : aggregate.key;
    const whereText = JSON.stringify(aggregate.where);
    const value = ['sum', 'mean', 'max', 'ratioToMean'].includes(aggregate.aggregate) ? aggregate.of! : null;
    const token = aggregate.aggregate === 'distinct' ? aggregate.of! : null;
    const found = series.findIndex(
      (candidate) =>
        candidate.keyField === key.field &&
        candidate.derive === key.derive &&
        candidate.whereText === whereText &&
        (value === null
          ? required(candidate.valueField)
          : candidate.valueField === value || (candidate.valueField === null && required(value))) &&
        (token === null || candidate.tokenField === token || candidate.tokenField === null),
    );
    if (found >= 0) {
      const candidate = series[found]!;
      if (value !== null) candidate.valueField = value;
      if (token !== null) candidate.tokenField = token;
      return found;
    }
    const base = key.derive === undefined ? key.field : `${key.field}/${key.derive}`;
    const taken = series.filter((existing) => existing.prefix === base || existing.prefix.startsWith(`${base}#`)).length;
    series.push({
      prefix: taken === 0 ? base : `${base}#${taken + 1}`,
      keyField: key.field,
      derive: key.derive,
      where: aggregate.where,
      whereText,
      valueField: value,
      tokenField: token,
      tracksFirstSeen: false,
    });
    return series.length - 1;
  };

  const queryFor = (seriesIndex: number, windowMs: number): number => {
    const found = queries.findIndex((query) => query.series === seriesIndex && query.windowMs === windowMs);
    if (found >= 0) return found;
    queries.push({ series: seriesIndex, windowMs });
    return queries.length - 1;
  };

  for (const aggregate of aggregates) {
    const at = seriesFor(aggregate);
    const windowMs = durationMs(aggregate.window);
    if (aggregate.aggregate === 'firstSeen' && windowMs > longestHistory) series[at]!.tracksFirstSeen = true;
    readers.push(readerOf(aggregate, at, windowMs, longestHistory, aggregate.aggregate === 'firstSeen' ? -1 : queryFor(at, windowMs)));
  }

  const firstSeenWindows = aggregates
    .filter((aggregate) => aggregate.aggregate === 'firstSeen' && durationMs(aggregate.window) > longestHistory)
    .map((aggregate) => durationMs(aggregate.window));
  const historyFirstSeen = aggregates
    .filter((aggregate) => aggregate.aggregate === 'firstSeen' && durationMs(aggregate.window) <= longestHistory)
    .map((aggregate) => durationMs(aggregate.window));
  const names = aggregates.map((aggregate) => aggregate.name);
  const identifierFields = new Set(model.fieldsWithRole('identifier').map((field) => field.name));
  // Scratch arrays reused by every event (a decision is synchronous from read to record).
  const keys: Array<string | null> = new Array<string | null>(series.length).fill(null);
  const results: Array<WindowAggregate | null> = new Array<WindowAggregate | null>(queries.length).fill(null);

  // The keys of the event last read: recording it right after reuses them (a derived key costs an HMAC).
  let keyedEvent: EventRecord | null = null;
  let keyedIdentifiers: HashedIdentifiers | null = null;
  let keyedSalt = '';
  const fillKeys = (event: EventRecord, identifiers: HashedIdentifiers, salt: string): void => {
    if (event === keyedEvent && identifiers === keyedIdentifiers && salt === keyedSalt) return;
    keyedEvent = event;
    keyedIdentifiers = identifiers;
    keyedSalt = salt;
    for (let i = 0; i < series.length; i += 1) {
      const spec = series[i]!;
      const key = keyValue(spec, event, identifiers, salt);
      keys[i] = key === null ? null : `${spec.prefix}:${key}`;
    }
  };

  const tokenOf = (spec: Series, event: EventRecord, identifiers: HashedIdentifiers): string => {
    const field = spec.tokenField;
    if (field === null) return '';
    if (identifierFields.has(field)) return identifiers.byField[field] ?? '';
    const value = event[field];
    return value === null || value === undefined ? '' : String(value);
  };

  return {
    names,
    descriptions: Object.fromEntries(
      aggregates.map((aggregate) => [aggregate.name, aggregate.description || `${aggregate.aggregate} over ${aggregate.window}`]),
    ),
    historyMs: Math.max(longestHistory, ...historyFirstSeen),
    firstSeenMs: Math.max(0, ...firstSeenWindows),
    firstSeenKeyPrefixes: series.filter((spec) => spec.tracksFirstSeen).map((spec) => `${spec.prefix}:`),
    read(store, event, identifiers, atMs, salt, into) {
      fillKeys(event, identifiers, salt);
      for (let q = 0; q < queries.length; q += 1) {
        const query = queries[q]!;
        const key = keys[query.series]!;
        if (key === null) {
          results[q] = null;
          continue;
        }
        const spec = series[query.series]!;
        // The distinct count leaves out this event's own value ("other applicants than this one").
        results[q] = store.window(
          key,
          atMs - query.windowMs,
          atMs,
          spec.tokenField === null ? undefined : tokenOf(spec, event, identifiers),
        );
      }
      const context: ReadContext = { store, event, atMs };
      for (let i = 0; i < readers.length; i += 1) into[names[i]!] = readers[i]!(keys, results, context);
    },
    record(store, event, identifiers, atMs, salt) {
      fillKeys(event, identifiers, salt);
      let accepted = true;
      for (let i = 0; i < series.length; i += 1) {
        const key = keys[i]!;
        const spec = series[i]!;
        if (key === null || !passes(spec.where, event)) continue;
        let value = 1;
        if (spec.valueField !== null) {
          const raw = event[spec.valueField];
          if (typeof raw !== 'number') continue;
          value = raw;
        }
        accepted = store.observe(key, atMs, value, tokenOf(spec, event, identifiers)).accepted && accepted;
      }
      return accepted;
    },
  };
}

const DAY_MS = 86_400_000;

/**
 * The engine's own store, sized by the data model: observations kept for its longest window (at least
 * 30 days, which is also how long a decided application is remembered) plus the allowed lateness;
 * first-seen times for the keys a long firstSeen aggregate reads only (90 days of every key is most of
 * the store's memory otherwise); and a full sweep every 40,000 observations (5,000 applications)
 * rather than 10,000: each sweep visits every key, and expired keys wait a little longer.
 */
export function historyStoreOptions(aggregates: CompiledAggregates): MemoryStoreOptionsInput {
  const allowedLatenessMs = 10 * 60_000;
  return {
    allowedLatenessMs,
    retentionMs: Math.max(aggregates.historyMs, 30 * DAY_MS) + allowedLatenessMs,
    firstSeenRetentionMs: Math.max(aggregates.firstSeenMs, 90 * DAY_MS),
    firstSeenKeyPrefixes: [...aggregates.firstSeenKeyPrefixes],
    sweepEvery: 40_000,
  };
}

function readerOf(aggregate: Aggregate, seriesIndex: number, windowMs: number, longestHistory: number, query: number): Reader {
  switch (aggregate.aggregate) {
    case 'count':
      return (_keys, results) => results[query]?.count ?? null;
    case 'distinct':
      return (_keys, results) => results[query]?.distinct ?? null;
    case 'sum':
      return (_keys, results) => results[query]?.sum ?? null;
    case 'mean': {
      const none = aggregate.whenNone ?? null;
      return (_keys, results) => {
        const window = results[query];
        if (window === null || window === undefined) return null;
        return window.count === 0 ? none : window.sum / window.count;
      };
    }
    case 'max': {
      return (keys, results, { store, atMs }) => {
        const window = results[query];
        const key = keys[seriesIndex];
        if (window === null || window === undefined || key === null || key === undefined) return null;
        return window.count === 0 ? null : store.windowMax!(key, atMs - windowMs, atMs);
      };
    }
    case 'ratioToMean': {
      const of = aggregate.of!;
      const none = aggregate.whenNone ?? null;
      return (_keys, results, { event }) => {
        const window = results[query];
        const value = event[of];
        if (window === null || window === undefined || typeof value !== 'number') return null;
        if (window.count === 0) return none;
        const ratio = value / (window.sum / window.count);
        return Number.isFinite(ratio) ? ratio : null;
      };
    }
    case 'timeSince': {
      const unit = unitMs(aggregate.unit ?? 'h');
      const cap = aggregate.cap ?? Number.POSITIVE_INFINITY;
      const none = aggregate.cap ?? aggregate.whenNone ?? null;
      return (keys, _results, { store, atMs }) => {
        const key = keys[seriesIndex];
        if (key === null || key === undefined) return null;
        const previous = store.latestAtOrBefore(key, atMs);
        if (previous === null || atMs - previous > windowMs) return none;
        return Math.min(cap, (atMs - previous) / unit);
      };
    }
    case 'firstSeen':
      return (keys, _results, { store, atMs }) => {
        const key = keys[seriesIndex];
        if (key === null || key === undefined) return null;
        if (windowMs <= longestHistory) {
          // The latest use at or before now is enough (O(log n)); counting a 30-day window of gmail.com is not.
          const latest = store.latestAtOrBefore(key, atMs);
          return latest === null || latest < atMs - windowMs ? 1 : 0;
        }
        // Longer than the history kept: the store's first-seen time, seen at or before this event's time
        // (an out-of-order event must not see the future).
        const firstSeen = store.firstSeenMs(key);
        return (firstSeen === null || firstSeen > atMs) && store.latestAtOrBefore(key, atMs) === null ? 1 : 0;
      };
  }
}

function keyValue(spec: Series, event: EventRecord, identifiers: HashedIdentifiers, salt: string): string | null {
  const field = spec.keyField;
  switch (spec.derive) {
    case undefined:
      return identifiers.byField[field] ?? null;
    case 'ipv4/8':
      return identifiers.ipNetworks[field]?.[0] ?? null;
    case 'ipv4/16':
      return identifiers.ipNetworks[field]?.[1] ?? null;
    case 'ipv4/24':
      return identifiers.ipNetworks[field]?.[2] ?? null;
    case 'email-domain': {
      const domain = identifiers.emailDomains[field];
      return domain === undefined || identifiers.byField[field] === null ? null : hashIdentifier(salt, 'email_domain', domain);
    }
    case 'phone-prefix-4':
    case 'phone-prefix-6': {
      const phone = event[field];
      if (typeof phone !== 'string') return null;
      const digits = phone.replace(/[^0-9]/g, '');
      return hashIdentifier(salt, 'phone_prefix', digits.slice(0, spec.derive === 'phone-prefix-4' ? 4 : 6));
    }
  }
}

function passes(where: readonly Condition[], event: EventRecord): boolean {
  for (let i = 0; i < where.length; i += 1) {
    const { field, op, value } = where[i]!;
    const actual = event[field];
    if (actual === null || actual === undefined) return false;
    switch (op) {
      case 'eq':
        if (actual !== value) return false;
        break;
      case 'ne':
        if (actual === value) return false;
        break;
      case 'in':
        if (!(value as ReadonlyArray<unknown>).includes(actual)) return false;
        break;
      case 'notIn':
        if ((value as ReadonlyArray<unknown>).includes(actual)) return false;
        break;
      case 'gt':
        if (!(typeof actual === 'number' && actual > (value as number))) return false;
        break;
      case 'gte':
        if (!(typeof actual === 'number' && actual >= (value as number))) return false;
        break;
      case 'lt':
        if (!(typeof actual === 'number' && actual < (value as number))) return false;
        break;
      case 'lte':
        if (!(typeof actual === 'number' && actual <= (value as number))) return false;
        break;
    }
  }
  return true;
}
