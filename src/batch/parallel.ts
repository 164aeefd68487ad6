// `score --workers N`: chunks decided on N worker threads (a piscina pool), answers in input order.
//
// The main thread owns the state and keeps it exactly as one thread would:
// 1. prepare (in input order, one chunk after another, without waiting for the workers): validate,
//    build facts, record the velocity history, and note whether a freeze the store holds covers each
//    applicant (the engine's own steps: src/engine/decide.ts);
// 2. a worker decides the chunk (src/batch/scoreWorker.ts): stages, policy, reasons, JSON, output line;
// 3. settle (in input order, one chunk after another): check what each application was told about
//    its freeze, apply the freeze it set, remember the decision.
// Velocity does not depend on decisions, so step 1 runs ahead. Freezes do: a decision in one chunk can
// freeze an applicant whose next application a worker is already deciding in the next chunk. One
// thread tells an application its applicant is frozen when a freeze the store held as it was prepared
// covers it, or one set since by an application before it; step 3 knows both (the first was noted,
// the second are the freezes it applied since, kept here), finds any application told otherwise, and
// decides it again on this thread. An application id still being decided when it comes again waits
// for its first decision, as the engine's own batches would. The output is the single-threaded run's,
// decision for decision (timings aside).
import { Piscina } from 'piscina';
import { ErrorCode, FengkongError } from '../errors.js';
import { deciderSteps, decidesAsBuilt, engineSettings, type Engine } from '../engine/createEngine.js';
import { freezeCovers, type DecidedItem, type FreezeSet, type Prepared, type Slot } from '../engine/decide.js';
import { eventId, hashInput } from '../engine/inputHash.js';
import { parseEngineConfig } from '../engine/loadInputs.js';
import { frozenKey } from '../policy/stage.js';
import type { EventRecord } from '../schema/event.js';
import type { Decision } from '../schema/decision.js';
import type { EngineConfigInput } from '../schema/config.js';
import { decisionProjection } from './fields.js';
import type { ScoreWorkerData, WorkerAnswer, WorkerRow } from './scoreWorker.js';
import { lineWriter, writtenDecision, type WrittenDecision } from './written.js';

export interface ParallelScorer {
  /** Decides a chunk of valid events; resolves, in input order, once it and every chunk before it are settled. */
  submit(events: readonly EventRecord[]): Promise<Array<WrittenDecision | FengkongError>>;
  /** Applications decided again (on this thread) because a freeze set in an earlier chunk changed what they were told. */
  redecided(): number;
  /** Stops at once, when a run failed: nothing more is prepared or settled (a chunk being settled stops at its next application). */
  stop(): void;
  /** Stops, and waits for the workers to stop. */
  close(): Promise<void>;
}

export interface ParallelOptions {
  readonly workers: number;
  /** The config `engine` was made from: each worker loads its own engine from it. */
  readonly config: EngineConfigInput;
  /** The fields written of each decision (`--fields`); null for whole decisions. */
  readonly fields: readonly string[] | null;
  /** Rows a chunk holds at most: a worker's heap is sized for it. */
  readonly chunkSize: number;
}

export async function createParallelScorer(engine: Engine, options: ParallelOptions): Promise<ParallelScorer> {
  const steps = deciderSteps(engine);
  const settings = engineSettings(engine);
  if (steps === null || settings === undefined || !decidesAsBuilt(engine)) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, 'workers: the engine must be one createEngine made, unwrapped');
  }
  if (settings.customOperators) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, 'workers: the engine has custom operators, which worker threads cannot be given');
  }
  if (JSON.stringify(parseEngineConfig(options.config)) !== JSON.stringify(settings.config)) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, 'workers: the config given for the workers is not the one the engine was made from');
  }
  const { store } = engine;
  const fromSource = import.meta.url.endsWith('.ts');
  const workerData: ScoreWorkerData = { config: options.config, fields: options.fields, audit: engine.audit };
  const pool = new Piscina({
    filename: new URL(fromSource ? './scoreWorkerFromSource.mjs' : './scoreWorker.js', import.meta.url).href,
    minThreads: options.workers,
    maxThreads: options.workers,
    // One chunk at a time per worker: its engine decides a batch as one thread would.
    concurrentTasksPerWorker: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
    workerData,
    // A worker keeps nothing between chunks: an old generation for one chunk (some 100 KB a row at
    // most, with room), and a nursery.
    resourceLimits: { maxOldGenerationSizeMb: Math.max(128, Math.ceil(options.chunkSize / 8)), maxYoungGenerationSizeMb: 48 },
  });
  let closed = false;
  // A worker that died outside a task (it cannot, short of a crash of the runtime): the next call fails with it.
  let crashed: unknown;
  pool.on('error', (error: unknown) => {
    crashed ??= error;
  });
  const decide = async (items: readonly Prepared[]): Promise<WorkerRow[]> => {
    let answer: WorkerAnswer;
    try {
      if (crashed !== undefined) throw crashed;
      answer = (await pool.run(items)) as WorkerAnswer;
    } catch (cause) {
      const why = closed ? 'stopped' : cause instanceof Error ? cause.message : String(cause);
      throw new FengkongError(ErrorCode.STAGE_FAILED, `a scoring worker failed: ${why}`, { cause });
    }
    // Each worker checks its engine (config, audit) when it loads; a chunk it is given says if it failed.
    if ('loadFailed' in answer) throw new FengkongError(answer.loadFailed.code, answer.loadFailed.message);
    return answer.rows;
  };
  // The workers load their engines now: a failure to load stops the run before anything is read.
  const ready = await Promise.allSettled(Array.from({ length: options.workers }, () => decide([])));
  const failed = ready.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed !== undefined) {
    await pool.destroy();
    throw failed.reason;
  }

  const lineOf = lineWriter(options.fields === null ? undefined : decisionProjection(options.fields), true);
  // The freezes applied since the oldest chunk not yet settled was prepared, in order, by applicant.
  const ledger = createFreezeLedger();
  // Application ids prepared and not settled yet.
  const unsettled = new Set<string>();
  let redecided = 0;

  interface PreparedChunk {
    readonly slots: readonly Slot[];
    readonly prepared: readonly Prepared[];
    /** The ledger's position when the chunk was prepared: freezes from there on came after. */
    readonly since: number;
    readonly rows: Promise<WorkerRow[]>;
  }
  const waiting: PreparedChunk[] = [];
  const stopped = () => new FengkongError(ErrorCode.STAGE_FAILED, 'the scoring workers were stopped');

  const settle = async (chunk: PreparedChunk) => {
    const rows = await chunk.rows;
    const decided: Array<DecidedItem<WrittenDecision | Decision>> = [];
    for (const [index, item] of chunk.prepared.entries()) {
      if (closed) throw stopped();
      const row = rows[index]!;
      // What one thread would have told it: the freezes noted when it was prepared, and those set since.
      const frozen = item.frozen || ledger.covers(item, chunk.since);
      if (row.identityFrozen !== undefined && row.identityFrozen !== frozen) {
        redecided += 1;
        const [again] = await steps.decidePrepared([item], () => frozen);
        if (again!.freeze !== undefined) ledger.add(again!.freeze);
        decided.push(again!);
        continue;
      }
      if (row.freeze !== undefined) {
        store.freeze(row.freeze.key, row.freeze.fromMs, row.freeze.untilMs, row.freeze.byToken);
        ledger.add(row.freeze);
      }
      decided.push(
        'error' in row
          ? { outcome: new FengkongError(row.error.code, row.error.message), json: null }
          : { outcome: { ...row.written, text: row.line ?? row.json }, json: row.json },
      );
    }
    const answers = steps.finish(chunk.slots, chunk.prepared, decided);
    for (const item of chunk.prepared) unsettled.delete(item.id);
    waiting.shift();
    ledger.forgetBefore(waiting[0]?.since ?? ledger.end());
    return answers.map((answer) => (answer instanceof FengkongError || 'text' in answer ? answer : writtenDecision(answer, lineOf)));
  };

  const { dataModel } = engine;
  const salt = settings.config.identifierSalt;
  const idOf = (event: EventRecord) => eventId(dataModel, event, () => hashInput(salt, event, dataModel));
  let prepared: Promise<unknown> = Promise.resolve();
  let settled: Promise<unknown> = Promise.resolve();
  return {
    submit(events) {
      const before = settled;
      const preparing = prepared.then(async (): Promise<PreparedChunk> => {
        // An application id still being decided: its first decision is settled before this chunk is prepared.
        if (events.some((event) => unsettled.has(idOf(event)))) await before;
        if (closed) throw stopped();
        const since = ledger.end();
        const { slots, prepared: items } = steps.prepare(events);
        for (const item of items) unsettled.add(item.id);
        const rows = items.length === 0 ? Promise.resolve([]) : decide(items);
        // Awaited when the chunks before this one are settled; a failure meanwhile is not unhandled.
        rows.catch(() => undefined);
        const chunk = { slots, prepared: items, since, rows };
        waiting.push(chunk);
        return chunk;
      });
      prepared = preparing.catch(() => undefined);
      // Settled after every chunk before it, even when this one failed to prepare.
      const answers = before.then(async () => settle(await preparing));
      settled = answers.catch(() => undefined);
      return answers;
    },
    redecided: () => redecided,
    stop() {
      closed = true;
    },
    async close() {
      closed = true;
      await pool.destroy();
      await settled;
    },
  };
}

/** Freezes in the order they were applied, by applicant key, each with its position; the oldest can be forgotten. */
function createFreezeLedger() {
  const byKey = new Map<string, Array<{ readonly at: number; readonly freeze: FreezeSet }>>();
  const order: FreezeSet[] = [];
  let first = 0;
  return {
    /** The position the next freeze will take. */
    end: () => first + order.length,
    add(freeze: FreezeSet) {
      const entries = byKey.get(freeze.key) ?? [];
      entries.push({ at: first + order.length, freeze });
      byKey.set(freeze.key, entries);
      order.push(freeze);
    },
    /** Whether a freeze applied at `since` or later binds the event. */
    covers(item: Prepared, since: number): boolean {
      const applicant = item.identifiers.subject;
      if (applicant === null) return false;
      const entries = byKey.get(frozenKey(applicant));
      return entries !== undefined && entries.some(({ at, freeze }) => at >= since && freezeCovers(freeze, item));
    },
    forgetBefore(position: number) {
      while (first < position && order.length > 0) {
        const freeze = order.shift()!;
        first += 1;
        const entries = byKey.get(freeze.key)!;
        entries.shift();
        if (entries.length === 0) byKey.delete(freeze.key);
      }
    },
  };
}
