// Checkpoints of a `score` run, so that a run killed at any point can resume: at a chunk boundary,
// where every input line so far is written as a decision or a reject, the decisions and rejects
// written are flushed to disk, then one file records how far the run got (input lines, output
// bytes), its counts, and the velocity store's snapshot, written beside its name and renamed over
// the last one. Resuming truncates the outputs to the recorded bytes, restores the store and reads
// on from the next line: the result equals an uninterrupted run's, nothing lost or written twice.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { ErrorCode } from '../errors.js';
import { parseJsonFile, readFileBytes } from '../schema/jsonFile.js';

export const CHECKPOINT_FORMAT = 'fengkong-score-checkpoint';

const count = z.number().int().nonnegative();
const OutcomeCounts = z.strictObject({ approve: count, review: count, decline: count });

export const ScoreCounts = z.strictObject({
  read: count,
  decided: count,
  rejected: count,
  blankLines: count,
  lateEvents: count,
  repeated: count,
  rejectedByCode: z.record(z.string(), count),
  outcomes: OutcomeCounts,
  tiers: z.strictObject({ '1': count, '2': count, '3': count }),
  shadow: z.array(
    z.strictObject({
      challenger: z.string(),
      compared: count,
      differ: count,
      failed: count,
      outcomes: z.strictObject({ approve: OutcomeCounts, review: OutcomeCounts, decline: OutcomeCounts }),
    }),
  ),
});
export type ScoreCounts = z.infer<typeof ScoreCounts>;

export const Checkpoint = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(1),
  /** What was run (runIdentity): a checkpoint of another config, engine or output format is refused. */
  runId: z.string(),
  /** The input as it was: a file changed since cannot be resumed. */
  input: z.strictObject({ bytes: count, mtimeMs: z.number() }),
  /** Every physical line up to this one (the header included) is written as a decision or a reject. */
  linesConsumed: count,
  decisionsBytes: count,
  rejectsBytes: count,
  counts: ScoreCounts,
  /** The velocity store's snapshot (restoreMemoryStore checks it in full). */
  store: z.unknown(),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

/** Where a run writing `outputPath` keeps its checkpoint. */
export function checkpointPathFor(outputPath: string): string {
  return `${outputPath}.checkpoint.json`;
}

/** A hash of what decides and formats the output: two runs with the same identity write the same lines. */
export function runIdentity(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The checkpoint at `path`, checked in full; FK_CHECKPOINT_INVALID naming the file and field otherwise. */
export function readCheckpoint(path: string): Checkpoint {
  return parseJsonFile(path, readFileBytes(path, ErrorCode.CHECKPOINT_INVALID), Checkpoint, ErrorCode.CHECKPOINT_INVALID);
}

/** Writes the checkpoint durably: beside its name, synced, then renamed over the last one. */
export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  try {
    writeSync(fd, JSON.stringify(checkpoint));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, path);
}

/** The input's size and modification time, which a resumed run requires unchanged. */
export function inputIdentity(path: string): Checkpoint['input'] {
  const stats = statSync(path);
  return { bytes: stats.size, mtimeMs: stats.mtimeMs };
}
