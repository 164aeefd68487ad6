// A worker thread of `score --workers N` (src/batch/parallel.ts). It loads its own engine from the
// same config, and decides events the main thread prepared: the main thread owns the state (it built
// the facts, recorded the velocity history, and says which applicants were frozen when it did). Here
// run the stages, the policy, the attributions and reasons, the decision's JSON and its output line.
//
// Freezes: the policy reads whether the applicant is frozen from this worker's store, which answers
// what the main thread said, or a freeze set earlier in the same chunk (kept here, in input order, as
// the engine would). What each application was told, and the freeze it set, go back with its
// decision: the main thread applies the freezes in input order and checks every answer against its
// own store, deciding again wherever a freeze from another chunk changed it.
import { workerData } from 'node:worker_threads';
import { ErrorCode, FengkongError } from '../errors.js';
import { createEngine, deciderSteps } from '../engine/createEngine.js';
import type { Prepared } from '../engine/decide.js';
import type { EngineConfigInput } from '../schema/config.js';
import { createMemoryStore } from '../state/memory.js';
import type { StateStore } from '../state/store.js';
import { decisionProjection } from './fields.js';
import { lineWriter, writtenDecision, type WrittenDecision } from './written.js';

export interface ScoreWorkerData {
  readonly config: EngineConfigInput;
  /** The fields written of each decision (`--fields`, `--compact`); null for the whole decision. */
  readonly fields: readonly string[] | null;
}

/** Prepared events of one chunk, in input order, each with whether its applicant was frozen when it was prepared. */
export interface ScoreTask {
  readonly items: readonly Prepared[];
  readonly frozen: readonly boolean[];
}

export interface FreezeSet {
  readonly key: string;
  readonly fromMs: number;
  readonly untilMs: number;
}

/** What an application was told about its freeze (when the policy asked), and the freeze it set, beside its decision or failure. */
export type WorkerRow = { readonly frozenSeen?: boolean; readonly freeze?: FreezeSet } & (
  { readonly written: WrittenDecision; readonly json: string } | { readonly error: { readonly code: ErrorCode; readonly message: string } }
);

export type WorkerRequest = { readonly kind: 'audit' } | ({ readonly kind: 'decide' } & ScoreTask);

const data = workerData as ScoreWorkerData;
const overlay = freezeOverlay();
const engine = await createEngine(data.config, { store: overlay.store });
const steps = deciderSteps(engine)!;
const lineOf = lineWriter(data.fields === null ? undefined : decisionProjection(data.fields), true);

export default async function scoreChunk(request: WorkerRequest): Promise<WorkerRow[] | typeof engine.audit> {
  if (request.kind === 'audit') return engine.audit;
  overlay.begin(request.items, request.frozen);
  const decided = await steps.decidePrepared(request.items);
  return decided.map(({ outcome, json }, index): WorkerRow => {
    const token = request.items[index]!.event.application_id;
    const told = { frozenSeen: overlay.seen.get(token), freeze: overlay.froze.get(token) };
    if (json === null) return { ...told, error: { code: outcome.code, message: outcome.message } };
    return { ...told, written: writtenDecision(outcome, lineOf), json };
  });
}

/**
 * The worker's store: freezes only. `isFrozen` answers true when the main thread said the application's
 * applicant was frozen, or a freeze set earlier in this chunk covers it; it records each answer, and
 * `freeze` each freeze, by application. Anything else a store does belongs to the main thread.
 */
function freezeOverlay() {
  let local = createMemoryStore();
  let hints = new Map<string, boolean>();
  const seen = new Map<string, boolean>();
  const froze = new Map<string, FreezeSet>();
  const notHere = (what: string) => (): never => {
    throw new FengkongError(ErrorCode.STATE_INVALID, `${what}: a scoring worker holds no history (the main thread does)`);
  };
  const store: StateStore = {
    observe: notHere('observe'),
    window: notHere('window'),
    latestAtOrBefore: notHere('latestAtOrBefore'),
    firstSeenMs: notHere('firstSeenMs'),
    rememberDecision: notHere('rememberDecision'),
    recallDecision: notHere('recallDecision'),
    snapshot: notHere('snapshot'),
    stats: () => local.stats(),
    freeze(key, fromMs, untilMs, byToken) {
      local.freeze(key, fromMs, untilMs, byToken);
      froze.set(byToken, { key, fromMs, untilMs });
    },
    isFrozen(key, atMs, excludeToken) {
      const frozen = (excludeToken !== undefined && hints.get(excludeToken) === true) || local.isFrozen(key, atMs, excludeToken);
      if (excludeToken !== undefined) seen.set(excludeToken, frozen);
      return frozen;
    },
  };
  return {
    store,
    seen,
    froze,
    /** A new chunk: only the main thread's answers for it, and no freeze yet. */
    begin(items: readonly Prepared[], frozen: readonly boolean[]) {
      local = createMemoryStore();
      hints = new Map(items.map((item, index) => [item.event.application_id, frozen[index] === true]));
      seen.clear();
      froze.clear();
    },
  };
}
