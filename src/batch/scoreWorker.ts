// A worker thread of `score --workers N` (src/batch/parallel.ts). It loads its own engine from the
// same config, and decides events the main thread prepared: the main thread owns the state (it built
// the facts, recorded the velocity history, and noted whether each applicant was frozen then). Here
// run the stages, the policy, the attributions and reasons, the decision's JSON and its output line.
// Freezes set in the chunk bind the events after them in it, as the engine's own batches do; what
// each application was told, and the freeze it set, go back with its decision: the main thread
// applies the freezes in input order and checks every answer, deciding again wherever a freeze from
// another chunk changed it.
import { workerData } from 'node:worker_threads';
import { ErrorCode, FengkongError } from '../errors.js';
import { createEngine, deciderSteps } from '../engine/createEngine.js';
import type { FreezeSet, Prepared } from '../engine/decide.js';
import type { EngineConfigInput } from '../schema/config.js';
import type { StateStore } from '../state/store.js';
import { decisionProjection } from './fields.js';
import { lineWriter, writtenDecision, type WrittenDecision } from './written.js';

export interface ScoreWorkerData {
  readonly config: EngineConfigInput;
  /** The fields written of each decision (`--fields`, `--compact`); null for the whole decision. */
  readonly fields: readonly string[] | null;
  /** The main engine's audit: a worker that loaded other rules, models or policy refuses to start. */
  readonly audit: unknown;
}

/** What an application was told about its freeze (when the policy asked), and the freeze it set, beside its decision or failure. */
export type WorkerRow = { readonly identityFrozen?: boolean; readonly freeze?: FreezeSet } & (
  | {
      /** The output line, when it is not the decision's JSON itself (a projection). */
      readonly line: string | null;
      readonly json: string;
      readonly written: Omit<WrittenDecision, 'text'>;
    }
  | { readonly error: { readonly code: ErrorCode; readonly message: string } }
);

/** A worker's answer: its chunk's rows, or why it could not load its engine. */
export type WorkerAnswer = { readonly rows: WorkerRow[] } | { readonly loadFailed: { readonly code: ErrorCode; readonly message: string } };

const data = workerData as ScoreWorkerData;
const loaded = await load().then(
  (value) => value,
  (error: unknown) => ({
    loadFailed: {
      code: error instanceof FengkongError ? error.code : ErrorCode.CONFIG_INVALID,
      message: `a scoring worker could not load its engine: ${error instanceof Error ? error.message : String(error)}`,
    },
  }),
);

async function load() {
  const engine = await createEngine(data.config, { store: freezeSink() });
  if (JSON.stringify(engine.audit) !== JSON.stringify(data.audit)) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, 'workers: a worker loaded other rules, models or policy than the main thread');
  }
  const lineOf = lineWriter(data.fields === null ? undefined : decisionProjection(data.fields), true);
  return { steps: deciderSteps(engine)!, lineOf };
}

/** Decides one chunk of prepared events, in input order (or says why this worker cannot). */
export default async function scoreChunk(items: readonly Prepared[]): Promise<WorkerAnswer> {
  if ('loadFailed' in loaded) return loaded;
  const { steps, lineOf } = loaded;
  const decided = await steps.decidePrepared(items);
  // What it was told about its freeze and the freeze it set (`said`) go back as they are.
  const rows = decided.map(({ outcome, json, ...said }): WorkerRow => {
    if (json === null) return { ...said, error: { code: outcome.code, message: outcome.message } };
    const { text, ...written } = writtenDecision(outcome, lineOf);
    return { ...said, line: text === json ? null : text, json, written };
  });
  return { rows };
}

/**
 * The worker's store: it takes the freezes the policy sets (the main thread applies them to its own);
 * anything else a store does belongs to the main thread.
 */
function freezeSink(): StateStore {
  const notHere = (what: string) => (): never => {
    throw new FengkongError(ErrorCode.STATE_INVALID, `${what}: a scoring worker holds no state (the main thread does)`);
  };
  return {
    observe: notHere('observe'),
    window: notHere('window'),
    latestAtOrBefore: notHere('latestAtOrBefore'),
    firstSeenMs: notHere('firstSeenMs'),
    isFrozen: notHere('isFrozen'),
    rememberDecision: notHere('rememberDecision'),
    recallDecision: notHere('recallDecision'),
    snapshot: notHere('snapshot'),
    stats: notHere('stats'),
    freeze: () => undefined,
  };
}
