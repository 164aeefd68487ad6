// What `drift` measures in one file: every model input, read from the facts the engine's own fact
// builder produces (the fraud inputs through the fraud model's transforms, the credit inputs as the
// manifest's encoder reads them), and the scores the engine gives. The file is replayed in event-time
// order with a fresh history, as `score` would see it, so velocity inputs mean what they mean in serving.
import { readEvents } from '../batch/readEvents.js';
import { createEngine } from '../engine/createEngine.js';
import { dataModelOf, loadDecisionInputs, modelPathsOf, parseEngineConfig } from '../engine/loadInputs.js';
import type { DataModel } from '../features/dataModel.js';
import { shippedPaths } from '../engine/paths.js';
import type { Facts } from '../engine/stage.js';
import { factNumber } from '../schema/facts.js';
import { ErrorCode, FengkongError } from '../errors.js';
import { CreditManifest } from '../schema/creditManifest.js';
import type { EngineConfigInput } from '../schema/config.js';
import type { Decision } from '../schema/decision.js';
import type { EventRecord } from '../schema/event.js';
import { parseJsonFile, readFileBytes } from '../schema/jsonFile.js';
import { loadFraudModel } from '../stages/fraud/model.js';
import { createMemoryStore } from '../state/memory.js';
import { historyStoreOptions } from '../features/aggregates.js';
import { inEventTime } from '../features/eventTime.js';
import { configSha256 } from './replay.js';

export type InputModel = 'fraud' | 'credit' | 'score';

/** A numeric column holds NaN where the value is missing; a categorical one null. */
export type ObservedColumn =
  | { readonly name: string; readonly model: InputModel; readonly kind: 'numeric'; readonly values: Float64Array }
  | { readonly name: string; readonly model: InputModel; readonly kind: 'categorical'; readonly values: (string | null)[] };

export interface ObservedFile {
  /** Applications observed: valid rows, each application id once. */
  readonly rows: number;
  /** Data rows that were not valid applications. */
  readonly rejected: number;
  /** Rows repeating an application id seen earlier in the file (the engine decides an id once). */
  readonly repeated: number;
  /** Applications the engine could not decide (their scores count as missing). */
  readonly undecided: number;
  /** Model inputs first (fraud, then credit, in the models' order), then the scores. */
  readonly columns: ObservedColumn[];
  /** What decided (replay.ts configSha256): the hashes of every file the engine loaded and the deciding settings. */
  readonly configSha256: string;
}

/** The score columns, by the decision field they read. */
export const SCORE_COLUMNS = {
  fraud_probability: (decision: Decision) => decision.stages.fraud?.probability,
  credit_score: (decision: Decision) => decision.stages.credit?.score,
} as const;
export type ScoreColumn = keyof typeof SCORE_COLUMNS;

interface InputReader {
  readonly name: string;
  readonly model: InputModel;
  readonly kind: 'numeric' | 'categorical';
  readonly read: (facts: Facts) => number | string | null;
}

const CHUNK = 1024;

export async function observeFile(path: string, config: EngineConfigInput): Promise<ObservedFile> {
  const dataModel = dataModelOf(parseEngineConfig(config));
  // The reader replay uses too: a backtest and a drift report agree on which rows are valid.
  const { events, rejected } = await readEvents(path, dataModel);
  if (events.length === 0) {
    throw new FengkongError(
      ErrorCode.CSV_RECORD,
      `${path}: no valid application in the file (${rejected} data row${rejected === 1 ? '' : 's'} rejected)`,
    );
  }
  const ordered = inEventTimeOrder(events, dataModel);
  const readers = inputReaders(config);
  const settings = parseEngineConfig(config);
  // The engine's fact builder over a history of its own: the facts the engine builds for these events.
  const { factBuilder } = loadDecisionInputs(settings, (aggregates) => createMemoryStore(historyStoreOptions(aggregates)));
  const inputs = readers.map(() => [] as Array<number | string | null>);
  for (const event of ordered.events) {
    const { facts } = factBuilder.build(event);
    readers.forEach((reader, index) => inputs[index]!.push(reader.read(facts)));
  }
  const engine = await createEngine(config);
  const models = modelPathsOf(settings);
  const scoreNames = (Object.keys(SCORE_COLUMNS) as ScoreColumn[]).filter(
    (name) => (name === 'fraud_probability' ? models.fraudModel : models.creditModel) !== null,
  );
  const scores = scoreNames.map(() => new Float64Array(ordered.events.length).fill(Number.NaN));
  let undecided = 0;
  for (let start = 0; start < ordered.events.length; start += CHUNK) {
    const settled = await engine.decideBatchSettled(ordered.events.slice(start, start + CHUNK));
    settled.forEach((decision, offset) => {
      if (decision instanceof FengkongError) {
        undecided += 1;
        return;
      }
      scoreNames.forEach((name, index) => (scores[index]![start + offset] = SCORE_COLUMNS[name](decision) ?? Number.NaN));
    });
  }
  const columns: ObservedColumn[] = readers.map(({ name, model, kind }, index) =>
    kind === 'numeric'
      ? { name, model, kind, values: Float64Array.from(inputs[index]! as number[]) }
      : { name, model, kind, values: inputs[index]! as (string | null)[] },
  );
  scoreNames.forEach((name, index) => columns.push({ name, model: 'score', kind: 'numeric', values: scores[index]! }));
  return {
    rows: ordered.events.length,
    rejected,
    repeated: ordered.repeated,
    undecided,
    columns,
    configSha256: configSha256(config, engine),
  };
}

/**
 * Each event id once (its first row), in event-time order: the time field, equal times in file order.
 * Without an id field every row is its own event; without a time field the file's order is kept.
 */
function inEventTimeOrder(events: readonly EventRecord[], model: DataModel): { events: EventRecord[]; repeated: number } {
  const seen = new Set<string>();
  const unique: EventRecord[] = [];
  for (const event of events) {
    const id = model.idOf(event);
    if (id !== null && seen.has(id)) continue;
    if (id !== null) seen.add(id);
    unique.push(event);
  }
  return { events: inEventTime(unique, (event) => model.timeMsOf(event)), repeated: events.length - unique.length };
}

/**
 * The models' inputs as the engine's stages read them: the fraud features through their transforms (a
 * missing fact gives NaN), each column the credit manifest reads once, numeric or categorical as its
 * encoder treats it (an empty category is missing, as the encoder's '' level).
 */
function inputReaders(config: EngineConfigInput): InputReader[] {
  const models = modelPathsOf(parseEngineConfig(config));
  const readers: InputReader[] = [];
  if (models.fraudModel !== null) {
    for (const feature of loadFraudModel(models.fraudModel ?? shippedPaths.fraudModel).features) {
      readers.push({ name: feature.name, model: 'fraud', kind: 'numeric', read: feature.transform });
    }
  }
  if (models.creditModel !== null) {
    const manifestPath = models.creditModel ?? shippedPaths.creditManifest;
    const manifest = parseJsonFile(
      manifestPath,
      readFileBytes(manifestPath, ErrorCode.MODEL_INVALID),
      CreditManifest,
      ErrorCode.MODEL_INVALID,
    );
    const sources = new Map<string, 'numeric' | 'categorical'>();
    for (const input of manifest.inputs) sources.set(input.source, input.kind === 'numeric' ? 'numeric' : 'categorical');
    for (const [source, kind] of sources) {
      readers.push({ name: source, model: 'credit', kind, read: kind === 'numeric' ? numericFact(source) : categoryFact(source) });
    }
  }
  return readers;
}

const numericFact =
  (name: string) =>
  (facts: Facts): number =>
    factNumber(facts[name]);

const categoryFact =
  (name: string) =>
  (facts: Facts): string | null => {
    const value = facts[name];
    return value === null || value === undefined || value === '' ? null : String(value);
  };
