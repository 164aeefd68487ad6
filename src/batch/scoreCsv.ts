// Batch scoring of a CSV file (gzipped when named .gz; standard input for `-`): stream the lines,
// validate each row at the edge, decide valid rows in chunks, write decisions (JSON lines, input order;
// whole, or only the fields asked for) with back-pressure to a file or standard output (`-`), and
// write every row that cannot be decided to a rejects file with its line number, code and message.
// read = decided + rejected.
// With challengers, each challenger's outcomes are counted against the champion's as decisions are written.
// With `workers`, the chunks are decided on worker threads (parallel.ts), to the same output.
import { createWriteStream, fstatSync, fsyncSync, ftruncateSync, openSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import { decidesAsBuilt, type Engine } from '../engine/createEngine.js';
import type { EventRecord } from '../schema/event.js';
import type { Outcome } from '../schema/decision.js';
import { checkHeader, MAX_LINE_CHARS, parseLine, readLines, recordToEvent, STANDARD_STREAM, type HeaderLayout } from './csvRecords.js';
import type { DecisionProjection } from './fields.js';
import type { EngineConfigInput } from '../schema/config.js';
import { createParallelScorer, type ParallelScorer } from './parallel.js';
import { lineWriter, writtenDecision, type WrittenDecision } from './written.js';
import { CHECKPOINT_FORMAT, inputIdentity, writeCheckpoint, type Checkpoint, type ScoreCounts } from './checkpoint.js';

export interface ScoreOptions {
  readonly inputPath: string;
  readonly outputPath: string;
  readonly rejectsPath: string;
  /** Rows read together, valid or not: a chunk of decisions and rejects (default 1024). */
  readonly chunkSize?: number;
  /** Write only these fields of each decision (fields.ts); default: the whole decision. */
  readonly project?: DecisionProjection;
  /**
   * Decide on worker threads (parallel.ts), each loading its engine from `config` (the one `engine`
   * was made from: checked) and writing `fields` (the paths `project` was made from, null without
   * one). The output is the same as without.
   */
  readonly workers?: { readonly count: number; readonly config: EngineConfigInput; readonly fields: readonly string[] | null };
  /**
   * Write a checkpoint (checkpoint.ts) at the first chunk boundary after every `everyRows` rows read,
   * under `runId` (what decides and formats the output); on failure the outputs are kept beside their
   * names, to resume from. Files only: not with standard input or output.
   */
  readonly checkpoint?: { readonly path: string; readonly everyRows: number; readonly runId: string };
  /** Go on from this checkpoint of the same run; the caller has restored its store into the engine. */
  readonly resumeFrom?: Checkpoint;
  readonly onProgress?: (progress: { bytesRead: number; totalBytes: number; rowsRead: number }) => void;
}

export interface ScoreSummary {
  /** Data lines read (the header and blank lines excluded). */
  read: number;
  decided: number;
  rejected: number;
  blankLines: number;
  /** Decided, but later than the allowed lateness, so not recorded in the velocity history. */
  lateEvents: number;
  /** Decided before (the same application id and input): the first decision written again, not counted twice in velocity. */
  repeated: number;
  rejectedByCode: Record<string, number>;
  outcomes: Record<Outcome, number>;
  tiers: Record<'1' | '2' | '3', number>;
  /** One entry per challenger of the engine, in config order; empty without challengers. */
  shadow: ShadowComparison[];
  /** Worker threads that decided (0: this thread). */
  workers: number;
  /** With workers: applications decided again because a freeze set in an earlier chunk changed what they were told (parallel.ts). */
  redecided: number;
  elapsedMs: number;
  rowsPerSecond: number;
}

/** A challenger's outcomes against the champion's, over the decisions written. */
export interface ShadowComparison {
  readonly challenger: string;
  /** Decisions that carried this challenger's verdict. */
  compared: number;
  /** Decisions whose outcome this challenger would have changed. */
  differ: number;
  /** Decisions on which the challenger failed (the champion decided; the failure's code is in `shadow`). */
  failed: number;
  /** Champion outcome → challenger outcome → decisions; off the diagonal, the outcomes that differ. */
  readonly outcomes: Record<Outcome, Record<Outcome, number>>;
}

export interface RejectedRow {
  line: number;
  code: string;
  message: string;
}

export async function scoreCsvFile(engine: Engine, options: ScoreOptions): Promise<ScoreSummary> {
  const started = performance.now();
  const chunkSize = options.chunkSize ?? 1024;
  const { project, checkpoint, resumeFrom } = options;
  const lineOf = lineWriter(project, decidesAsBuilt(engine));
  refuseOverwritingInput(options);
  const lateBefore = engine.lateEvents();
  const totalBytes = fileSize(options.inputPath);
  const counts: ScoreCounts = resumeFrom?.counts ?? {
    read: 0,
    decided: 0,
    rejected: 0,
    blankLines: 0,
    lateEvents: 0,
    repeated: 0,
    rejectedByCode: {},
    outcomes: { approve: 0, review: 0, decline: 0 },
    tiers: { '1': 0, '2': 0, '3': 0 },
    shadow: engine.challengers.map((challenger) => ({ challenger, compared: 0, differ: 0, failed: 0, outcomes: outcomeTable() })),
  };
  const summary: ScoreSummary = {
    ...structuredClone(counts),
    workers: options.workers?.count ?? 0,
    redecided: 0,
    elapsedMs: 0,
    rowsPerSecond: 0,
  };
  const lateAtStart = summary.lateEvents;
  if ((checkpoint !== undefined || resumeFrom !== undefined) && [options.inputPath, options.outputPath].includes(STANDARD_STREAM)) {
    throw new FengkongError(ErrorCode.CHECKPOINT_INVALID, 'checkpoints need files: standard input and output cannot be resumed');
  }
  if (resumeFrom !== undefined) checkResumable(options, resumeFrom);
  if (options.workers !== undefined && (options.workers.fields === null) !== (project === undefined)) {
    throw new FengkongError(
      ErrorCode.CONFIG_INVALID,
      'workers: name in workers.fields the fields project writes (null for whole decisions)',
    );
  }

  // The header is checked before any output is opened: a wrong file leaves earlier outputs untouched.
  const lines = readLines(options.inputPath);
  const first = await lines.next();
  if (first.done === true) throw new FengkongError(ErrorCode.CSV_HEADER, `${options.inputPath}: the file is empty (no header)`);
  const layout: HeaderLayout = checkHeader(options.inputPath, first.value.text, engine.dataModel);

  // The worker threads, each with its engine loaded, before any output is opened.
  const parallel: ParallelScorer | null =
    options.workers === undefined
      ? null
      : await createParallelScorer(engine, {
          workers: options.workers.count,
          config: options.workers.config,
          fields: options.workers.fields,
          chunkSize,
        });
  // Outputs are written beside their final names and renamed at the end, so a failed run never leaves
  // a truncated decisions file that looks complete; a resumed run goes on from the checkpoint's bytes.
  let decisionsOut: Output;
  let rejectsOut: Output;
  try {
    decisionsOut = openOutput(options.outputPath, resumeFrom?.decisionsBytes);
    try {
      rejectsOut = openOutput(options.rejectsPath, resumeFrom?.rejectsBytes);
    } catch (error) {
      await decisionsOut.finish(false, resumeFrom !== undefined);
      throw error;
    }
  } catch (error) {
    await parallel?.close();
    throw error;
  }
  let lastCheckpointRead = summary.read;
  const writeCheckpointNow = async (linesConsumed: number) => {
    const [decisionsBytes, rejectsBytes] = await Promise.all([decisionsOut.sync(), rejectsOut.sync()]);
    const { elapsedMs: _elapsed, rowsPerSecond: _rate, workers: _workers, redecided: _redecided, ...sofar } = summary;
    writeCheckpoint(checkpoint!.path, {
      format: CHECKPOINT_FORMAT,
      version: 1,
      runId: checkpoint!.runId,
      input: inputIdentity(options.inputPath),
      linesConsumed,
      decisionsBytes,
      rejectsBytes,
      counts: { ...sofar, lateEvents: lateAtStart + engine.lateEvents() - lateBefore },
      store: engine.store.snapshot(),
    });
    lastCheckpointRead = summary.read;
  };
  const comparisons = new Map(summary.shadow.map((comparison) => [comparison.challenger, comparison]));

  // Rows are decided a chunk at a time: on this thread, or on worker threads with several chunks in
  // flight. A chunk is written when it is decided, in input order: its decisions, then its rejects
  // (the lines it could not read as events, and the events it could not decide) in line order.
  const decideChunk = async (events: readonly EventRecord[]): Promise<Array<WrittenDecision | FengkongError>> => {
    if (parallel !== null) return parallel.submit(events);
    const settled = await engine.decideBatchSettled(events);
    return settled.map((outcome) => (outcome instanceof FengkongError ? outcome : writtenDecision(outcome, lineOf)));
  };
  interface Chunk {
    readonly lines: readonly number[];
    readonly answers: Promise<Array<WrittenDecision | FengkongError>>;
    readonly rejects: RejectedRow[];
  }
  const inFlight: Chunk[] = [];
  const inFlightMax = parallel === null ? 0 : 2 * options.workers!.count;
  const write = async (chunk: Chunk) => {
    const answers = await chunk.answers;
    const { rejects } = chunk;
    let text = '';
    for (const [index, answer] of answers.entries()) {
      if (answer instanceof FengkongError) {
        rejects.push({ line: chunk.lines[index]!, code: answer.code, message: answer.message });
        continue;
      }
      summary.decided += 1;
      if (answer.repeated) summary.repeated += 1;
      summary.outcomes[answer.outcome] += 1;
      summary.tiers[String(answer.tier) as '1' | '2' | '3'] += 1;
      for (const verdict of answer.shadow) {
        const comparison = comparisons.get(verdict.challenger);
        // A repeat recalled from a restored store may carry the verdicts of challengers since removed.
        if (comparison === undefined) continue;
        if (verdict.outcome === null) {
          comparison.failed += 1;
          continue;
        }
        comparison.compared += 1;
        if (verdict.outcome !== answer.outcome) comparison.differ += 1;
        comparison.outcomes[answer.outcome][verdict.outcome] += 1;
      }
      text += `${answer.text}\n`;
    }
    await decisionsOut.write(text);
    if (rejects.length === 0) return;
    rejects.sort((a, b) => a.line - b.line);
    let rejected = '';
    for (const row of rejects) {
      summary.rejected += 1;
      summary.rejectedByCode[row.code] = (summary.rejectedByCode[row.code] ?? 0) + 1;
      rejected += `${JSON.stringify(row)}\n`;
    }
    await rejectsOut.write(rejected);
  };
  /** Writes every chunk decided so far, waiting for them. */
  const drain = async () => {
    while (inFlight.length > 0) await write(inFlight.shift()!);
  };

  let pending: Array<{ line: number; event: EventRecord }> = [];
  let pendingRejects: RejectedRow[] = [];
  const reject = (row: RejectedRow) => {
    pendingRejects.push(row);
  };
  const flush = async () => {
    if (pending.length === 0 && pendingRejects.length === 0) return;
    const batch = pending;
    const answers = batch.length === 0 ? Promise.resolve([]) : decideChunk(batch.map((item) => item.event));
    // Awaited in turn below; a failure meanwhile is not unhandled.
    answers.catch(() => undefined);
    inFlight.push({ lines: batch.map((item) => item.line), answers, rejects: pendingRejects });
    pending = [];
    pendingRejects = [];
    while (inFlight.length > inFlightMax) await write(inFlight.shift()!);
  };

  let completed = false;
  const skipThrough = resumeFrom?.linesConsumed ?? 0;
  try {
    for await (const line of lines) {
      if (line.number <= skipThrough) continue;
      if (!line.overlong && line.text.trim() === '') {
        summary.blankLines += 1;
        continue;
      }
      summary.read += 1;
      const parsed = line.overlong ? { error: `line longer than ${MAX_LINE_CHARS} characters` } : parseLine(line.text);
      if ('error' in parsed) {
        reject({ line: line.number, code: ErrorCode.CSV_RECORD, message: parsed.error });
      } else if (parsed.fields.length !== layout.names.length) {
        const message = `expected ${layout.names.length} fields, found ${parsed.fields.length}`;
        reject({ line: line.number, code: ErrorCode.CSV_RECORD, message });
      } else {
        try {
          pending.push({ line: line.number, event: engine.parseEvent(recordToEvent(layout, parsed.fields)) });
        } catch (error) {
          reject({ line: line.number, code: codeOf(error), message: (error as Error).message });
        }
      }
      // Rejected lines count toward a chunk too, so a file of bad lines is written as it is read.
      if (pending.length + pendingRejects.length >= chunkSize) {
        await flush();
        if (checkpoint !== undefined && summary.read - lastCheckpointRead >= checkpoint.everyRows) {
          // A chunk boundary: once the chunks in flight are written, every line so far is a decision or a reject.
          await drain();
          await writeCheckpointNow(line.number);
        }
      }
      if (summary.read % 1000 === 0) options.onProgress?.({ bytesRead: line.bytesRead, totalBytes, rowsRead: summary.read });
    }
    await flush();
    await drain();
    completed = true;
  } finally {
    summary.redecided = parallel?.redecided() ?? 0;
    // A failed run stops deciding at once: no chunk after the failure changes the engine's store.
    if (!completed) parallel?.stop();
    // The checkpoint goes before the outputs are put in place: a crash in between leaves outputs to
    // start again from, never a checkpoint without them. With checkpoints, a failed run keeps its
    // outputs to resume from.
    if (completed && checkpoint !== undefined) rmSync(checkpoint.path, { force: true });
    const keep = completed || checkpoint !== undefined;
    try {
      await Promise.all([decisionsOut.finish(completed, keep), rejectsOut.finish(completed, keep)]);
    } finally {
      // The workers stop after the outputs are in place (or removed); stopping them cannot fail the run.
      await parallel?.close().catch(() => undefined);
    }
  }
  options.onProgress?.({ bytesRead: totalBytes, totalBytes, rowsRead: summary.read });
  summary.lateEvents = lateAtStart + engine.lateEvents() - lateBefore;
  summary.elapsedMs = Math.round(performance.now() - started);
  summary.rowsPerSecond = summary.elapsedMs > 0 ? Math.round((summary.read * 1000) / summary.elapsedMs) : summary.read;
  return summary;
}

/** A checkpoint resumes only the run it was written by, on the input it read, from files. */
function checkResumable(options: ScoreOptions, from: Checkpoint): void {
  const resume = (message: string) => new FengkongError(ErrorCode.CHECKPOINT_INVALID, `cannot resume: ${message}`);
  if (options.checkpoint === undefined || options.checkpoint.runId !== from.runId) {
    throw resume('the checkpoint was written by another run (config, models, rules or output fields differ)');
  }
  const now = inputIdentity(options.inputPath);
  if (now.bytes !== from.input.bytes || now.mtimeMs !== from.input.mtimeMs) {
    throw resume(`${options.inputPath} changed since the checkpoint was written`);
  }
}

function outcomeTable(): Record<Outcome, Record<Outcome, number>> {
  const row = () => ({ approve: 0, review: 0, decline: 0 });
  return { approve: row(), review: row(), decline: row() };
}

function refuseOverwritingInput(options: ScoreOptions): void {
  if (options.rejectsPath === STANDARD_STREAM) {
    throw new FengkongError(ErrorCode.FILE_WRITE, 'rejects: name a file (standard output is for decisions)');
  }
  // Standard input and output are no file: `-` is never resolved against the working directory.
  const input = options.inputPath === STANDARD_STREAM ? undefined : resolve(options.inputPath);
  const output = options.outputPath === STANDARD_STREAM ? null : resolve(options.outputPath);
  const rejects = resolve(options.rejectsPath);
  if (output === input || rejects === input) {
    throw new FengkongError(ErrorCode.FILE_WRITE, `${options.inputPath}: refusing to write decisions or rejects over the input file`);
  }
  if (output === rejects)
    throw new FengkongError(ErrorCode.FILE_WRITE, `${options.outputPath}: decisions and rejects need two different files`);
}

interface Output {
  /** Writes text, waiting when the stream asks to (back-pressure). */
  write(text: string): Promise<void>;
  /** Waits until everything written so far is on disk; returns the bytes written in all. */
  sync(): Promise<number>;
  /** Closes the stream; renames it into place when the run completed, else removes it unless `keep`. */
  finish(completed: boolean, keep?: boolean): Promise<void>;
}

/** An output written beside its name (`.partial`); from `resumeAt` bytes of the partial file when given. */
function openOutput(path: string, resumeAt?: number): Output {
  if (path === STANDARD_STREAM) {
    // Written as decided; nothing to rename or remove (a failed run's output ends where it failed).
    const stream = process.stdout as unknown as WriteStream;
    const guarded = guard(stream, 'standard output');
    return {
      write: guarded.write,
      sync: () => Promise.reject(new Error('standard output cannot be synced')),
      finish: async () => guarded.check(),
    };
  }
  const partial = `${path}.partial`;
  let fd: number;
  try {
    fd = openSync(partial, resumeAt === undefined ? 'w' : 'r+');
    if (resumeAt !== undefined) {
      if (fstatSync(fd).size < resumeAt) {
        throw new FengkongError(ErrorCode.CHECKPOINT_INVALID, `${partial}: shorter than the checkpoint says: it cannot be resumed`);
      }
      ftruncateSync(fd, resumeAt);
    }
  } catch (cause) {
    if (cause instanceof FengkongError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    const what = resumeAt === undefined ? 'cannot be written' : 'cannot be resumed';
    throw new FengkongError(ErrorCode.FILE_WRITE, `${resumeAt === undefined ? path : partial}: ${what} (${code})`, { cause });
  }
  const stream = createWriteStream(partial, { fd, ...(resumeAt === undefined ? {} : { start: resumeAt }) });
  const guarded = guard(stream, path);
  let bytes = resumeAt ?? 0;
  return {
    write(text) {
      // Encoded once: its length counted and the bytes written (the stream would encode it again).
      const encoded = Buffer.from(text);
      bytes += encoded.length;
      return guarded.write(encoded);
    },
    async sync() {
      // A write's callback runs once it and every write before it reached the file.
      await new Promise<void>((done, fail) => stream.write('', (error?: Error | null) => (error ? fail(error) : done())));
      guarded.check();
      fsyncSync(fd);
      return bytes;
    },
    async finish(completed, keep = false) {
      if (!stream.destroyed) await new Promise<void>((done) => stream.end(() => done()));
      else if (!stream.closed) await once(stream, 'close');
      const failed = guarded.failure();
      if (completed && failed === undefined) renameSync(partial, path);
      else if (!keep) rmSync(partial, { force: true });
      guarded.check();
    },
  };
}

/**
 * Writes with back-pressure, and turns the stream's errors (a full disk, a closed pipe) into one
 * FK_FILE_WRITE naming the output and the system's code, thrown by the next write or check.
 */
function guard(stream: WriteStream, name: string) {
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure ??= error;
  });
  const check = (): void => {
    if (failure === undefined) return;
    const code = (failure as NodeJS.ErrnoException).code ?? failure.name;
    const why = code === 'EPIPE' ? 'closed by its reader before every line was written' : `cannot be written (${code})`;
    throw new FengkongError(ErrorCode.FILE_WRITE, `${name}: ${why}`, { cause: failure });
  };
  return {
    check,
    failure: () => failure,
    async write(text: string | Buffer): Promise<void> {
      check();
      if (text.length > 0 && !stream.write(text)) {
        await new Promise<void>((done) => {
          const settle = () => {
            stream.off('drain', settle);
            stream.off('error', settle);
            stream.off('close', settle);
            done();
          };
          stream.on('drain', settle);
          stream.on('error', settle);
          stream.on('close', settle);
        });
      }
      check();
    },
  };
}

function codeOf(error: unknown): string {
  return isFengkongError(error) ? error.code : ErrorCode.EVENT_INVALID;
}

function fileSize(path: string): number {
  if (path === STANDARD_STREAM) return 0;
  try {
    return statSync(path).size;
  } catch (cause) {
    throw new FengkongError(ErrorCode.FILE_READ, `${path}: cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause,
    });
  }
}
