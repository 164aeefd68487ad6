// The memory store's options and the shape of its snapshot. The snapshot is checked in full at restore,
// so the store can trust every array it is handed: sorted times, matching lengths, finite numbers.
import { z } from 'zod';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Observations one key may hold by default: some 50,000 events within the retention (a month of a busy email domain). */
const MAX_OBSERVATIONS_PER_KEY = 50_000;

/** The longest velocity window the features read (30 days); retention defaults to it plus the lateness. */
const LONGEST_WINDOW_MS = 30 * DAY_MS;

const optionFields = {
  /** How far behind the watermark an observation may arrive and still be inserted. */
  allowedLatenessMs: z.number().int().nonnegative(),
  /** How long observations are kept behind the watermark; queries must stay within it. */
  retentionMs: z.number().int().positive(),
  /** How long a key's first-seen time is remembered behind the watermark. */
  firstSeenRetentionMs: z.number().int().nonnegative(),
  /** Accepted observations between two full sweeps of every key. */
  sweepEvery: z.number().int().positive(),
  /**
   * How long a remembered decision itself is held behind the watermark (a repeat gets it back); past
   * it, until retentionMs, only its input hash and time are (a repeat is decided again from the
   * history, not recorded twice; a reused id with another input is still refused).
   */
  decisionRetentionMs: z.number().int().nonnegative(),
  /**
   * The keys whose first-seen time is kept, by prefix (`device:`); null: every key. The engine reads
   * first-seen times of devices only, and keeps only theirs (90 days of every key is most of the
   * store's memory otherwise).
   */
  firstSeenKeyPrefixes: z.array(z.string()).nullable(),
  /**
   * At most this many observations per key: a key past it keeps its newest (a window reaching further
   * back is then a lower bound, counted in stats().truncatedObservations). Bounds the memory one hot
   * key (an email domain, a shared IP) can take, whatever the traffic.
   */
  maxObservationsPerKey: z.number().int().positive(),
};

// An accepted observation can lie allowedLatenessMs behind the watermark; a shorter retention would
// evict it on arrival, so an accepted observation could never be counted.
const retentionCoversLateness = {
  check: (options: { allowedLatenessMs: number; retentionMs?: number | undefined }) =>
    options.retentionMs === undefined || options.retentionMs >= options.allowedLatenessMs,
  issue: { path: ['retentionMs'], message: 'must be at least allowedLatenessMs' },
};

export const MemoryStoreOptions = z
  .strictObject({
    allowedLatenessMs: optionFields.allowedLatenessMs.default(10 * MINUTE_MS),
    retentionMs: optionFields.retentionMs.optional(),
    firstSeenRetentionMs: optionFields.firstSeenRetentionMs.default(90 * DAY_MS),
    sweepEvery: optionFields.sweepEvery.default(10_000),
    decisionRetentionMs: optionFields.decisionRetentionMs.default(DAY_MS),
    firstSeenKeyPrefixes: optionFields.firstSeenKeyPrefixes.default(null),
    maxObservationsPerKey: optionFields.maxObservationsPerKey.default(MAX_OBSERVATIONS_PER_KEY),
  })
  .refine(retentionCoversLateness.check, retentionCoversLateness.issue)
  .transform(({ retentionMs, ...rest }) => ({ ...rest, retentionMs: retentionMs ?? LONGEST_WINDOW_MS + rest.allowedLatenessMs }));
export type MemoryStoreOptions = z.infer<typeof MemoryStoreOptions>;
export type MemoryStoreOptionsInput = z.input<typeof MemoryStoreOptions>;

const finiteMs = z.number();

export const MEMORY_SNAPSHOT_FORMAT = 'fengkong-memory-store';

export const MemoryStoreSnapshot = z
  .strictObject({
    format: z.literal(MEMORY_SNAPSHOT_FORMAT),
    version: z.literal(1),
    // decisionRetentionMs defaults for snapshots written before it existed (they held decisions for retentionMs).
    options: z
      .strictObject({
        ...optionFields,
        decisionRetentionMs: optionFields.decisionRetentionMs.optional(),
        firstSeenKeyPrefixes: optionFields.firstSeenKeyPrefixes.default(null),
        maxObservationsPerKey: optionFields.maxObservationsPerKey.default(MAX_OBSERVATIONS_PER_KEY),
      })
      .refine(retentionCoversLateness.check, retentionCoversLateness.issue)
      .transform(({ decisionRetentionMs, ...rest }) => ({ ...rest, decisionRetentionMs: decisionRetentionMs ?? rest.retentionMs })),
    watermarkMs: finiteMs.nullable(),
    lateObservations: z.number().int().nonnegative(),
    /** Absent from snapshots written before keys were capped. */
    truncatedObservations: z.number().int().nonnegative().default(0),
    observationsSinceSweep: z.number().int().nonnegative(),
    /** Per key: [key, times (ascending), values, tokens], the three arrays of equal length. */
    keys: z.array(z.tuple([z.string(), z.array(finiteMs).min(1), z.array(z.number()), z.array(z.string())])),
    firstSeen: z.array(z.tuple([z.string(), finiteMs])),
    // Absent from snapshots written before freezes and decisions existed: those restore with none.
    /** One entry per freeze: [key, fromMs, untilMs, byToken]. */
    frozen: z.array(z.tuple([z.string(), finiteMs, finiteMs, z.string()])).default([]),
    /** One entry per application: [id, atMs, inputHash, decision]. */
    decisions: z.array(z.tuple([z.string(), finiteMs, z.string(), z.unknown()])).default([]),
    /** Applications whose decisions were released (past decisionRetentionMs): [id, atMs, inputHash]. */
    releasedDecisions: z.array(z.tuple([z.string(), finiteMs, z.string()])).default([]),
  })
  .superRefine((snapshot, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const watermark = snapshot.watermarkMs ?? -Infinity;
    if (snapshot.observationsSinceSweep >= snapshot.options.sweepEvery) {
      issue(['observationsSinceSweep'], 'must be less than options.sweepEvery');
    }
    if (snapshot.watermarkMs === null && (snapshot.keys.length > 0 || snapshot.firstSeen.length > 0)) {
      issue(['watermarkMs'], 'must be set when observations are held');
    }
    const seenKeys = new Set<string>();
    snapshot.keys.forEach(([key, times, values, tokens], index) => {
      if (seenKeys.has(key)) issue(['keys', index, 0], 'key appears twice');
      seenKeys.add(key);
      if (values.length !== times.length) issue(['keys', index, 2], 'values must have as many entries as times');
      if (tokens.length !== times.length) issue(['keys', index, 3], 'tokens must have as many entries as times');
      const unsorted = times.findIndex((time, at) => at > 0 && time < times[at - 1]!);
      if (unsorted > 0) issue(['keys', index, 1, unsorted], 'times must be in ascending order');
      if (times[times.length - 1]! > watermark) issue(['keys', index, 1, times.length - 1], 'must not be later than watermarkMs');
    });
    const firstSeenKeys = new Set<string>();
    snapshot.firstSeen.forEach(([key, time], index) => {
      if (firstSeenKeys.has(key)) issue(['firstSeen', index, 0], 'key appears twice');
      firstSeenKeys.add(key);
      if (time > watermark) issue(['firstSeen', index, 1], 'must not be later than watermarkMs');
    });
    // Freezes and decisions may lie after the watermark: neither advances it.
    const freezes = new Set<string>();
    snapshot.frozen.forEach((freeze, index) => {
      const [, fromMs, untilMs] = freeze;
      if (fromMs >= untilMs) issue(['frozen', index, 2], 'must be later than fromMs');
      const identity = JSON.stringify(freeze);
      if (freezes.has(identity)) issue(['frozen', index], 'freeze appears twice');
      freezes.add(identity);
    });
    const applicationIds = new Set<string>();
    snapshot.decisions.forEach(([applicationId], index) => {
      if (applicationIds.has(applicationId)) issue(['decisions', index, 0], 'application id appears twice');
      applicationIds.add(applicationId);
    });
    snapshot.releasedDecisions.forEach(([applicationId], index) => {
      if (applicationIds.has(applicationId)) issue(['releasedDecisions', index, 0], 'application id appears twice');
      applicationIds.add(applicationId);
    });
  });
export type MemoryStoreSnapshot = z.infer<typeof MemoryStoreSnapshot>;
