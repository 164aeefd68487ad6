// `score --workers N`: chunks decided on N worker threads (a piscina pool), answers in input order.
//
// The main thread owns the state and keeps it exactly as one thread would:
// 1. prepare (in input order, one chunk after another, without waiting for the workers): validate,
//    build facts, record the velocity history, and note whether each applicant is frozen now;
// 2. a worker decides the chunk (src/batch/scoreWorker.ts): stages, policy, reasons, JSON, output line;
// 3. settle (in input order, one chunk after another): each decision's freeze answer is checked
//    against the store as it stands after every decision before it, then its freeze is applied and
//    the decision remembered.
// Velocity does not depend on decisions, so step 1 can run ahead. Freezes do: a decision in one chunk
// can freeze an applicant whose next application a worker is already deciding in the next chunk. Step 3
// finds that (the application was told "not frozen", the store says frozen) and decides that
// application again on this thread. Both answers are judged as of the latest event when the chunk was
// prepared, as one thread would have: a freeze long over is ignored from the latest event on, and
// this thread reads ahead. An application id still being decided when it comes again waits for its
// first decision, as the engine's own batches would. The output is the single-threaded run's,
// decision for decision (timings aside).
import { Piscina } from 'piscina';
import { ErrorCode, FengkongError } from '../errors.js';
import { deciderSteps, decidesAsBuilt, type Engine } from '../engine/createEngine.js';
import type { DecidedItem, Prepared, Slot } from '../engine/decide.js';
import { frozenKey } from '../policy/stage.js';
import type { ApplicationEvent } from '../schema/event.js';
import type { Decision } from '../schema/decision.js';
import type { EngineConfigInput } from '../schema/config.js';
import type { DecisionProjection } from './fields.js';
import type { ScoreWorkerData, WorkerRequest, WorkerRow } from './scoreWorker.js';
import { lineWriter, writtenDecision, type WrittenDecision } from './written.js';

export interface ParallelScorer {
  /** Decides a chunk of valid events; resolves, in input order, once it and every chunk before it are settled. */
  submit(events: readonly ApplicationEvent[]): Promise<Array<WrittenDecision | FengkongError>>;
  /** Applications decided again (on this thread) because a freeze set in an earlier chunk changed what they were told. */
  redecided(): number;
  close(): Promise<void>;
}

export interface ParallelOptions {
  readonly workers: number;
  /** The config `engine` was made from: each worker loads its own engine from it. */
  readonly config: EngineConfigInput;
  /** The fields written (`--fields`); null for whole decisions. */
  readonly fields: readonly string[] | null;
  readonly project: DecisionProjection | undefined;
}

export async function createParallelScorer(engine: Engine, options: ParallelOptions): Promise<ParallelScorer> {
  const steps = deciderSteps(engine);
  if (steps === null || !decidesAsBuilt(engine)) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, 'workers: the engine must be one createEngine made, unwrapped');
  }
  const { store } = engine;
  const fromSource = import.meta.url.endsWith('.ts');
  const workerData: ScoreWorkerData = { config: options.config, fields: options.fields };
  const pool = new Piscina({
    filename: new URL(fromSource ? './scoreWorkerFromSource.mjs' : './scoreWorker.js', import.meta.url).href,
    minThreads: options.workers,
    maxThreads: options.workers,
    idleTimeout: Number.POSITIVE_INFINITY,
    workerData,
    // A worker keeps no state between chunks: a small old generation, and the main thread's nursery.
    resourceLimits: { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 96 },
  });
  const call = async (request: WorkerRequest): Promise<unknown> => {
    try {
      return await pool.run(request);
    } catch (cause) {
      if (cause instanceof FengkongError) throw cause;
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new FengkongError(ErrorCode.STAGE_FAILED, `a scoring worker failed: ${why}`, { cause });
    }
  };
  try {
    // Every worker loaded the very rules, models and policy the main engine did (a file changed in between would differ).
    const audits = await Promise.all(Array.from({ length: options.workers }, () => call({ kind: 'audit' })));
    const expected = JSON.stringify(engine.audit);
    if (audits.some((audit) => JSON.stringify(audit) !== expected)) {
      throw new FengkongError(ErrorCode.CONFIG_INVALID, 'workers: a worker loaded other rules, models or policy than the main thread');
    }
  } catch (error) {
    await pool.destroy();
    throw error;
  }

  const lineOf = lineWriter(options.project, true);
  /**
   * Whether an application's applicant is frozen, as the store answers after every freeze applied so
   * far, judged as of `watermarkMs`: the latest event when its chunk was prepared, which is when one
   * thread would have decided it (freezes long over are ignored from the latest event on, and this
   * thread has read further ahead since).
   */
  const frozenAsOf = (item: Prepared, watermarkMs: number | undefined): boolean => {
    const applicant = item.identifiers.applicant_id;
    if (applicant === null) return false;
    return store.isFrozen(frozenKey(applicant), Date.parse(item.event.applied_at), item.event.application_id, watermarkMs);
  };
  // Application ids prepared and not settled yet.
  const unsettled = new Set<string>();
  let redecided = 0;

  interface PreparedChunk {
    readonly slots: readonly Slot[];
    readonly prepared: readonly Prepared[];
    readonly watermarkMs: number | undefined;
    readonly rows: Promise<WorkerRow[]>;
  }

  const settle = async ({ slots, prepared, watermarkMs, rows: decidedRows }: PreparedChunk) => {
    const rows = await decidedRows;
    const decided: Array<DecidedItem<WrittenDecision | Decision>> = [];
    for (const [index, item] of prepared.entries()) {
      const row = rows[index]!;
      const frozen = frozenAsOf(item, watermarkMs);
      if (row.frozenSeen !== undefined && row.frozenSeen !== frozen) {
        // Told otherwise than the store says now: a freeze set after the chunk was prepared (or one set
        // earlier in it that no longer stands). Decided again here, told what the store says, which
        // also applies its freeze.
        redecided += 1;
        decided.push(...(await steps.decidePrepared([item], () => frozen)));
        continue;
      }
      if (row.freeze !== undefined) store.freeze(row.freeze.key, row.freeze.fromMs, row.freeze.untilMs, item.event.application_id);
      decided.push(
        'error' in row
          ? { outcome: new FengkongError(row.error.code, row.error.message), json: null }
          : { outcome: row.written, json: row.json },
      );
    }
    const answers = steps.finish(slots, prepared, decided);
    for (const item of prepared) unsettled.delete(item.event.application_id);
    return answers.map((answer) => (answer instanceof FengkongError || 'text' in answer ? answer : writtenDecision(answer, lineOf)));
  };

  let prepared: Promise<unknown> = Promise.resolve();
  let settled: Promise<unknown> = Promise.resolve();
  return {
    submit(events) {
      const before = settled;
      const preparing = prepared.then(async () => {
        // An application id still being decided: its first decision is settled before this chunk is prepared.
        if (events.some((event) => unsettled.has(event.application_id))) await before;
        const { slots, prepared: items } = steps.prepare(events);
        const watermarkMs = store.stats().watermarkMs ?? undefined;
        for (const item of items) unsettled.add(item.event.application_id);
        const frozen = items.map((item) => frozenAsOf(item, watermarkMs));
        const rows = items.length === 0 ? Promise.resolve([]) : (call({ kind: 'decide', items, frozen }) as Promise<WorkerRow[]>);
        // Awaited when the chunks before this one are settled; a failure meanwhile is not unhandled.
        rows.catch(() => undefined);
        return { slots, prepared: items, watermarkMs, rows } satisfies PreparedChunk;
      });
      prepared = preparing.catch(() => undefined);
      const answers = Promise.all([preparing, before]).then(async ([chunk]) => settle(chunk));
      settled = answers.catch(() => undefined);
      return answers;
    },
    redecided: () => redecided,
    close: () => pool.destroy(),
  };
}
