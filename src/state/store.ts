// The StateStore contract: what velocity features need from memory of earlier events. Keys are
// namespaced hashed identifiers (`device:<hash>`, `ip24:<hash>`, ...); times are event times in epoch
// milliseconds. Implementations: memory (the default); others can plug in behind this interface.

export interface WindowAggregate {
  /** Observations with time in [fromMs, toMs], both bounds inclusive. */
  readonly count: number;
  /** Sum of their values. */
  readonly sum: number;
  /** Distinct tokens among them (less the excluded token, when one is given and present). */
  readonly distinct: number;
}

export interface ObserveResult {
  /** False when the observation was later than the allowed lateness: not inserted, counted as late. */
  readonly accepted: boolean;
}

export interface StoreStats {
  readonly keys: number;
  readonly observations: number;
  readonly lateObservations: number;
  /** The latest event time observed (ms), or null before the first observation. */
  readonly watermarkMs: number | null;
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
  /** Time of the latest observation of a key at or before `atMs`, or null. */
  latestAtOrBefore(key: string, atMs: number): number | null;
  /** When the key was first observed (kept for the first-seen horizon), or null. */
  firstSeenMs(key: string): number | null;
  stats(): StoreStats;
  /** A JSON-serialisable copy of the whole state, to resume a batch or restart a service. */
  snapshot(): unknown;
}
