// createEngine validates and loads everything once (rule packs, lists, derived features, models, the
// policy pack and its challengers), then decides events through the stages in order and assembles the
// decision with its audit (src/engine/decide.ts). Each application id is decided once.
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import type { EventRecord } from '../schema/event.js';
import { historyStoreOptions } from '../features/aggregates.js';
import type { DataModel } from '../features/dataModel.js';
import type { EngineConfig, EngineConfigInput } from '../schema/config.js';
import type { Decision } from '../schema/decision.js';
import { policyRuleContext } from '../policy/facts.js';
import { createMemoryStore } from '../state/memory.js';
import type { StateStore } from '../state/store.js';
import { createRulesStage } from '../stages/rules/stage.js';
import { createPolicyStage } from '../policy/stage.js';
import { libraryVersion } from './paths.js';
import { loadDecisionInputs, modelPathsOf, parseEngineConfig } from './loadInputs.js';
import { loadCheckedPolicyPack, loadModelStages, operatorNames } from './loadModels.js';
import { BUILT_IN_OPERATOR_NAMES, OperatorName } from '../schema/rulePack.js';
import type { CustomOperators } from '../stages/rules/evaluator.js';
import { loadChallengers } from './challengers.js';
import { createDecider, type Decider } from './decide.js';
import type { Stage } from './stage.js';

export interface Engine {
  /** Validates one event at the edge; throws FK_EVENT_INVALID naming the field. */
  parseEvent(input: unknown): EventRecord;
  decide(input: unknown): Promise<Decision>;
  /** Decisions in input order; equal to deciding each event alone. */
  decideBatch(inputs: readonly unknown[]): Promise<Decision[]>;
  /**
   * For batch scoring: validated events in, a decision or the coded error of each out, in order. A
   * failing event does not stop or change the others.
   */
  decideBatchSettled(events: readonly EventRecord[]): Promise<Array<Decision | FengkongError>>;
  /**
   * For scripts that score a stream: raw inputs in (any iterable or async iterable: parsed CSV rows,
   * JSON lines, a database cursor), one result per input out, in input order, as the consumer pulls
   * them (nothing is read ahead beyond one chunk). An input that is not a valid event, or fails while
   * decided, yields its coded error and the stream goes on; `index` counts inputs from 0.
   */
  decideStream(inputs: Iterable<unknown> | AsyncIterable<unknown>, options?: { readonly chunkSize?: number }): AsyncGenerator<StreamResult>;
  /** The velocity history (for stats and snapshots). */
  readonly store: StateStore;
  /** Events that arrived later than the allowed lateness: decided, but not recorded in the history. */
  lateEvents(): number;
  /** The facts rules can read, with where each comes from. */
  readonly facts: Readonly<Record<string, string>>;
  /** The data model the engine reads events with. */
  readonly dataModel: DataModel;
  readonly audit: Readonly<{
    version: string;
    dataModelSha256: string;
    rulePackSha256: string;
    listsSha256: string;
    derivedFeaturesSha256: string;
    fraudModelSha256?: string;
    creditManifestSha256?: string;
    creditModelSha256?: string;
    policySha256: string;
  }>;
  /** The policy pack deciding, and the challengers run beside it, in config order. */
  readonly policy: Readonly<{ name: string; version: string }>;
  readonly challengers: readonly string[];
}

/** One input's outcome in decideStream: its decision, or the code and message of why it has none. */
export type StreamResult =
  | { readonly index: number; readonly decision: Decision }
  | { readonly index: number; readonly error: { readonly code: string; readonly message: string } };

export interface EngineOptions {
  /** Where velocity history lives (default: a fresh in-memory store; pass a restored one to resume). */
  readonly store?: StateStore;
  /**
   * Custom rule operators, by name: `(factValue, jsonValue) => boolean`. The only way an operator that
   * json-rules-engine does not build in can exist; packs that use one run on Engine.run (the decision
   * says so), the others stay compiled.
   */
  readonly operators?: CustomOperators;
}

export async function createEngine(config: EngineConfigInput = {}, options: EngineOptions = {}): Promise<Engine> {
  const settings = parseEngineConfig(config);
  const operators = checkCustomOperators(options.operators ?? {});
  const { dataModel, derived, lists, packs, facts, refused, factKinds, factBuilder } = loadDecisionInputs(
    settings,
    options.store ?? ((aggregates) => createMemoryStore(historyStoreOptions(aggregates))),
    operatorNames(operators),
  );
  const store = factBuilder.store;
  const rulesStage = createRulesStage(packs, lists, {
    prefer: settings.ruleEvaluator,
    operators,
    recordFailed: settings.recordFailedRules,
  });
  const attributeAll = settings.attributions === 'all';
  const modelPaths = modelPathsOf(settings);
  const models = await loadModelStages(modelPaths.fraudModel, modelPaths.creditModel, derived.sha256, facts, attributeAll, factKinds);
  const policyPack = await loadCheckedPolicyPack(settings.policyPack, facts, models.lowestCreditScore, operators, refused);
  const { ruleMeta, blockLists } = policyRuleContext(packs.rules, lists.lists);
  const amountFact = dataModel.amountField?.name ?? null;
  const policyOptions = { ruleMeta, blockLists, store, prefer: settings.ruleEvaluator, operators, amountFact };
  const challengers = await loadChallengers(
    settings.challengers,
    { models, pack: policyPack },
    derived.sha256,
    facts,
    policyOptions,
    attributeAll,
    refused,
    factKinds,
  );
  const audit = {
    version: libraryVersion,
    dataModelSha256: dataModel.sha256,
    rulePackSha256: packs.sha256,
    listsSha256: lists.sha256,
    derivedFeaturesSha256: derived.sha256,
    ...models.sha256,
    policySha256: policyPack.sha256,
  };
  const decider = createDecider({
    stages: [rulesStage, models.fraud, models.credit].filter((stage) => stage !== null) as ReadonlyArray<Stage<unknown>>,
    policy: createPolicyStage(policyPack, policyOptions),
    challengers,
    factBuilder,
    dataModel,
    store,
    salt: settings.identifierSalt,
    audit,
    credit: models.credit,
    attributions: settings.attributions,
  });

  const parseEvent = (input: unknown): EventRecord => dataModel.parseEvent(input);

  const decideParsed = async (events: readonly EventRecord[]): Promise<Decision[]> => {
    const settled = await decider.decideSettled(events);
    const failure = settled.find((entry): entry is FengkongError => entry instanceof FengkongError);
    if (failure !== undefined) throw failure;
    return settled as Decision[];
  };

  const engine: Engine = {
    parseEvent,
    async decide(input) {
      const [decision] = await decideParsed([parseEvent(input)]);
      return decision!;
    },
    async decideBatch(inputs) {
      const events = inputs.map((input, index) => {
        try {
          return parseEvent(input);
        } catch (error) {
          const message = (error as Error).message;
          throw new FengkongError(ErrorCode.EVENT_INVALID, `event ${index} of the batch: ${message}`, { cause: error });
        }
      });
      return decideParsed(events);
    },
    decideBatchSettled: (events) => decider.decideSettled(events),
    decideStream: (inputs, options) => decideStream(inputs, parseEvent, decider, options?.chunkSize ?? 1024),
    store,
    lateEvents: decider.lateEvents,
    facts,
    dataModel,
    audit,
    policy: { name: policyPack.pack.policy, version: policyPack.pack.version },
    challengers: challengers.map((challenger) => challenger.name),
  };
  enginesAsBuilt.set(engine, engine.decideBatchSettled);
  internals.set(engine, { decider, settings, customOperators: Object.keys(operators).length > 0 });
  return engine;
}

/** Each engine's decider and settings, for scoring on worker threads (src/batch/parallel.ts); not part of the public API. */
const internals = new WeakMap<Engine, { readonly decider: Decider; readonly settings: EngineConfig; readonly customOperators: boolean }>();

/** The steps of an engine's decisions, for an engine createEngine made (null for any other). */
export function deciderSteps(engine: Engine): Decider['steps'] | null {
  return internals.get(engine)?.decider.steps ?? null;
}

/**
 * The validated config an engine createEngine made was made from, and whether it was given custom
 * operators (functions, which a config cannot carry); undefined for any other engine.
 */
export function engineSettings(engine: Engine): { readonly config: EngineConfig; readonly customOperators: boolean } | undefined {
  const made = internals.get(engine);
  return made === undefined ? undefined : { config: made.settings, customOperators: made.customOperators };
}

/** Each engine createEngine made, with the decideBatchSettled it was made with. */
const enginesAsBuilt = new WeakMap<Engine, Engine['decideBatchSettled']>();

/**
 * Whether decisions from this engine's decideBatchSettled are exactly as it decided them: an engine
 * createEngine made, its method unreplaced. Then their JSON text, made when they were decided, can be
 * written as is (decisionJson); a wrapper may have changed them (redacted, say) and they are
 * serialised anew.
 */
export function decidesAsBuilt(engine: Engine): boolean {
  return enginesAsBuilt.get(engine) === engine.decideBatchSettled;
}

/** engine.decideStream: inputs parsed at the edge, valid ones decided a chunk at a time, results in input order. */
async function* decideStream(
  inputs: Iterable<unknown> | AsyncIterable<unknown>,
  parseEvent: (input: unknown) => EventRecord,
  decider: { decideSettled(events: readonly EventRecord[]): Promise<Array<Decision | FengkongError>> },
  chunkSize: number,
): AsyncGenerator<StreamResult> {
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new FengkongError(ErrorCode.CONFIG_INVALID, 'decideStream: chunkSize must be an integer ≥ 1');
  const failed = (index: number, error: unknown): StreamResult => ({
    index,
    error: isFengkongError(error)
      ? { code: error.code, message: error.message }
      : { code: ErrorCode.STAGE_FAILED, message: 'the input could not be decided' },
  });
  // Each input in order: a parse failure waits in line with the valid events around it.
  let pending: Array<{ index: number; event: EventRecord } | StreamResult> = [];
  let valid = 0;
  const flush = async function* (): AsyncGenerator<StreamResult> {
    const events = pending.flatMap((item) => ('event' in item ? [item.event] : []));
    const settled = events.length === 0 ? [] : await decider.decideSettled(events);
    let next = 0;
    for (const item of pending) {
      if (!('event' in item)) {
        yield item;
        continue;
      }
      const outcome = settled[next++]!;
      yield outcome instanceof FengkongError ? failed(item.index, outcome) : { index: item.index, decision: outcome };
    }
    pending = [];
    valid = 0;
  };
  let index = 0;
  for await (const input of inputs) {
    try {
      pending.push({ index, event: parseEvent(input) });
      valid += 1;
    } catch (error) {
      pending.push(failed(index, error));
    }
    index += 1;
    if (valid >= chunkSize || pending.length >= 4 * chunkSize) yield* flush();
  }
  yield* flush();
}

/** A custom operator has a plain name, is a function, and does not replace a built-in one. */
function checkCustomOperators(operators: CustomOperators): CustomOperators {
  for (const [name, operator] of Object.entries(operators)) {
    if (!OperatorName.safeParse(name).success) {
      throw new FengkongError(ErrorCode.CONFIG_INVALID, `operators: "${name}" is not an operator name (letters, digits, _)`);
    }
    if (BUILT_IN_OPERATOR_NAMES.has(name)) {
      throw new FengkongError(ErrorCode.CONFIG_INVALID, `operators: ${name} is built in and cannot be replaced`);
    }
    if (typeof operator !== 'function') throw new FengkongError(ErrorCode.CONFIG_INVALID, `operators: ${name} is not a function`);
  }
  return operators;
}
