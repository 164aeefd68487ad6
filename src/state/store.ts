// The StateStore contract: what velocity features need from memory of earlier events, and what the
// decision policy must remember (identity freezes, decided applications). Keys are namespaced hashed
// identifiers (`device_id:<hash>`, `ip/ipv4/24:<hash>`, ...: src/features/aggregates.ts); times are event times in epoch milliseconds.
// Implementations: memory (the default); others can plug in behind this interface.

export interface WindowAggregate {
  /** Observations with time in [fromMs, toMs], both bounds inclusive. */
  readonly count: number;
  /** Sum of their values. */
  readonly sum: number;
  /** Distinct tokens among them (less the excluded token, when one is given and present). */
  readonly distinct: number;
}

export interface StoreLimits {
  /** Observations are kept this long behind the latest event time. */
  readonly retentionMs: number;
  /** First-seen times are kept this long, for keys with these prefixes (null: every key). */
  readonly firstSeenRetentionMs: number;
  readonly firstSeenKeyPrefixes: readonly string[] | null;
}

export interface ObserveResult {
  /** False when the observation was later than the allowed lateness: not inserted, counted as late. */
  readonly accepted: boolean;
}

export interface RememberedDecision {
  /** A hash of the decided input, to tell a true repeat from a reused application id. */
  readonly inputHash: string;
  /**
   * The decision as given to rememberDecision (JSON-serialisable); null for an attempt that failed
   * (remembered without one), or once the decision is no longer held (released).
   */
  readonly decision: unknown;
  /**
   * The application was decided, but the store no longer holds the decision, only its hash (a store
   * may let go of decisions sooner than of their hashes: the memory store after decisionRetentionMs).
   */
  readonly released: boolean;
}

export interface StoreStats {
  readonly keys: number;
  readonly observations: number;
  readonly lateObservations: number;
  /** Observations dropped because their key held more than its cap (the store's maxObservationsPerKey), if the store caps keys. */
  readonly truncatedObservations?: number;
  /** The latest event time observed (ms), or null before the first observation. */
  readonly watermarkMs: number | null;
  /** Keys holding at least one freeze (expired ones included until they are evicted). */
  readonly frozenKeys: number;
  /** Remembered decisions held (expired ones included until they are evicted). */
  readonly decisions: number;
}

export interface StateStore {
  /**
   * Records one observation under a key: a value (summed by `window`) and a token (counted distinct).
   * Out-of-order observations within the allowed lateness are inserted in event-time order.
   */
  observe(key: string, atMs: number, value: number, token: string): ObserveResult;
  /**
   * Aggregates the observations of a key with time in [fromMs, toMs]. With `excludeToken`, the
   * distinct count leaves that token out ("other applicants than this one").
   */
  window(key: string, fromMs: number, toMs: number, excludeToken?: string): WindowAggregate;
  /** The largest value among the observations of a key with time in [fromMs, toMs], or null when there are none. */
  windowMax?(key: string, fromMs: number, toMs: number): number | null;
  /**
   * How much history the store keeps, for the engine to check at load against the data model's
   * windows; a store without it is trusted to keep enough.
   */
  limits?(): StoreLimits;
  /** Time of the latest observation of a key at or before `atMs`, or null. */
  latestAtOrBefore(key: string, atMs: number): number | null;
  /** When the key was first observed (kept for the first-seen horizon), or null. */
  firstSeenMs(key: string): number | null;
  /** Freezes a key (a hashed identity) for events with time in [fromMs, untilMs); `byToken` names the application that froze it. */
  freeze(key: string, fromMs: number, untilMs: number, byToken: string): void;
  /** True when a freeze of the key covers atMs and was set by another token than `excludeToken`. */
  isFrozen(key: string, atMs: number, excludeToken?: string): boolean;
  /**
   * The time before which a freeze that ended no longer counts (isFrozen ignores it): the latest event
   * less the retention. Optional; a store without it keeps every freeze (-Infinity). The engine notes
   * it for each event, so freezes it sets within a batch count exactly as the store would count them.
   */
  freezeHorizonMs?(): number;
  /** Remembers a decided application with a hash of its input; kept as long as observations are (the retention window behind the watermark). */
  rememberDecision(applicationId: string, atMs: number, inputHash: string, decision: unknown): void;
  /** The remembered decision of an application id, or null (never decided, or past the retention horizon). */
  recallDecision(applicationId: string): RememberedDecision | null;
  stats(): StoreStats;
  /** A JSON-serialisable copy of the whole state, to resume a batch or restart a service. */
  snapshot(): unknown;
}
