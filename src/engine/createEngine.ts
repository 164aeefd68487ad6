// createEngine validates and loads everything once (rule packs, lists, derived features), then decides
// events through the stages in order and assembles the decision with its audit.
import { performance } from 'node:perf_hooks';
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import { ApplicationEvent } from '../schema/event.js';
import type { EngineConfigInput } from '../schema/config.js';
import { describeIssues } from '../schema/issues.js';
import {
  DECISION_SCHEMA_VERSION,
  type Decision,
  type FraudStageResult,
  type CreditStageResult,
  type Reason,
  type RuleHit,
  type RulesStageResult,
} from '../schema/decision.js';
import { createMemoryStore } from '../state/memory.js';
import type { StateStore } from '../state/store.js';
import { createRulesStage } from '../stages/rules/stage.js';
import { INTERIM_POLICY, interimVerdict } from '../policy/interim.js';
import { createFraudStage } from '../stages/fraud/stage.js';
import { createCreditStage, loadCreditModel } from '../stages/credit/stage.js';
import { FRAUD_FEATURE_NAMES, FRAUD_FEATURE_SET } from '../stages/fraud/features.js';
import { loadFraudModel, type LoadedFraudModel } from '../stages/fraud/model.js';
import { libraryVersion, shippedPaths } from './paths.js';
import { loadDecisionInputs, parseEngineConfig } from './loadInputs.js';
import type { Stage, StageOutput } from './stage.js';
import { microseconds, runStages, type StageRun } from './runStages.js';

export interface Engine {
  /** Validates one event at the edge; throws FK_EVENT_INVALID naming the field. */
  parseEvent(input: unknown): ApplicationEvent;
  decide(input: unknown): Promise<Decision>;
  /** Decisions in input order; equal to deciding each event alone. */
  decideBatch(inputs: readonly unknown[]): Promise<Decision[]>;
  /**
   * For batch scoring: validated events in, a decision or the coded error of each out, in order. A
   * failing event does not stop or change the others.
   */
  decideBatchSettled(events: readonly ApplicationEvent[]): Promise<Array<Decision | FengkongError>>;
  /** The velocity history (for stats and snapshots). */
  readonly store: StateStore;
  /** Events that arrived later than the allowed lateness: decided, but not recorded in the history. */
  lateEvents(): number;
  /** The facts rules can read, with where each comes from. */
  readonly facts: Readonly<Record<string, string>>;
  readonly audit: Readonly<{
    version: string;
    rulePackSha256: string;
    listsSha256: string;
    derivedFeaturesSha256: string;
    fraudModelSha256?: string;
  }>;
}

export interface EngineOptions {
  /** Where velocity history lives (default: a fresh in-memory store; pass a restored one to resume). */
  readonly store?: StateStore;
}

export async function createEngine(config: EngineConfigInput = {}, options: EngineOptions = {}): Promise<Engine> {
  const settings = parseEngineConfig(config);
  const { derived, lists, packs, facts, factBuilder } = loadDecisionInputs(settings, options.store ?? createMemoryStore());
  const store = factBuilder.store;
  const rulesStage = createRulesStage(packs, lists);

  const fraudModel = loadShippedOrConfigured(settings.fraudModel, derived.sha256);
  const fraudStage = fraudModel === null ? null : createFraudStage(fraudModel, settings.fraudReviewThreshold);
  const creditModel = settings.creditModel === null ? null : await loadCreditModel(settings.creditModel ?? shippedPaths.creditManifest);
  if (
    creditModel !== null &&
    creditModel.manifest.derivedFeaturesSha256 !== null &&
    creditModel.manifest.derivedFeaturesSha256 !== derived.sha256
  ) {
    throw new FengkongError(
      ErrorCode.MODEL_INVALID,
      'credit manifest: derivedFeaturesSha256 does not match the derived features loaded: the model was trained on other inputs',
    );
  }
  if (creditModel !== null) {
    const unknown = creditModel.manifest.inputs.find((input) => !Object.hasOwn(facts, input.source));
    if (unknown !== undefined) {
      throw new FengkongError(
        ErrorCode.MODEL_INVALID,
        `credit manifest: input ${unknown.name} reads ${unknown.source}, which this engine does not provide: the model was trained on other data`,
      );
    }
  }
  const creditStage = creditModel === null ? null : createCreditStage(creditModel);
  const stages: ReadonlyArray<Stage<unknown>> = [
    rulesStage as Stage<unknown>,
    fraudStage as Stage<unknown> | null,
    creditStage as Stage<unknown> | null,
  ].filter((stage): stage is Stage<unknown> => stage !== null);
  const audit = {
    version: libraryVersion,
    rulePackSha256: packs.sha256,
    listsSha256: lists.sha256,
    derivedFeaturesSha256: derived.sha256,
    ...(fraudModel === null ? {} : { fraudModelSha256: fraudModel.sha256 }),
    ...(creditStage === null ? {} : creditStage.sha256),
  };

  const parseEvent = (input: unknown): ApplicationEvent => {
    const parsed = ApplicationEvent.safeParse(input);
    if (parsed.success) {
      // A date far in the future is a typo or a forgery, never an application (a day of clock skew allowed).
      if (Date.parse(parsed.data.applied_at) > Date.now() + 86_400_000) {
        throw new FengkongError(ErrorCode.EVENT_INVALID, 'invalid event: applied_at: more than a day in the future');
      }
      return parsed.data;
    }
    throw new FengkongError(ErrorCode.EVENT_INVALID, `invalid event: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  };

  for (const stage of stages) await stage.init?.();

  let lateEvents = 0;
  /**
   * Each event is recorded in the velocity history exactly once, in event order, before the stages
   * run; if the batch fails, its events are retried one by one from the facts already built, so one
   * failing event neither changes nor loses the others.
   */
  const decideSettled = async (events: readonly ApplicationEvent[]): Promise<Array<Decision | FengkongError>> => {
    const prepared = events.map((event) => {
      const started = performance.now();
      const { facts, identifiers, recorded } = factBuilder.build(event);
      if (!recorded) lateEvents += 1;
      return { event, facts, identifiers, featuresUs: microseconds(started, performance.now()) };
    });
    try {
      const runs = await runStages(stages, prepared);
      return prepared.map((item, index) => assemble(item, runs[index]!));
    } catch {
      const settled: Array<Decision | FengkongError> = [];
      for (const item of prepared) {
        try {
          const [run] = await runStages(stages, [item]);
          settled.push(assemble(item, run!));
        } catch (error) {
          settled.push(
            isFengkongError(error)
              ? error
              : new FengkongError(ErrorCode.STAGE_FAILED, `application ${item.event.application_id}: a stage failed`, { cause: error }),
          );
        }
      }
      return settled;
    }
  };

  const decideParsed = async (events: readonly ApplicationEvent[]): Promise<Decision[]> => {
    const settled = await decideSettled(events);
    const failure = settled.find((entry): entry is FengkongError => entry instanceof FengkongError);
    if (failure !== undefined) throw failure;
    return settled as Decision[];
  };

  const assemble = ({ event, featuresUs }: { event: ApplicationEvent; featuresUs: number }, run: StageRun): Decision => {
    const rules = run.outputs.rules as StageOutput<RulesStageResult>;
    const fraud = run.outputs.fraud as StageOutput<FraudStageResult> | undefined;
    const credit = run.outputs.credit as StageOutput<CreditStageResult> | undefined;
    const policyStarted = performance.now();
    const verdict = interimVerdict(rules.result.fired, fraud?.result.probability ?? null, settings.fraudReviewThreshold);
    // Adverse-action reasons from the credit model explain a review or a decline, not an approval.
    const creditReasons = verdict.outcome === 'approve' ? [] : (credit?.reasons ?? []);
    const reasons = rankReasons(rules.reasons, rules.result.fired, [...(fraud?.reasons ?? []), ...creditReasons]);
    const policyUs = microseconds(policyStarted, performance.now());
    const rulesUs = run.latencyUs.rules ?? 0;
    const fraudUs = run.latencyUs.fraud ?? 0;
    const creditUs = run.latencyUs.credit ?? 0;
    return {
      schemaVersion: DECISION_SCHEMA_VERSION,
      applicationId: event.application_id,
      outcome: verdict.outcome,
      tier: verdict.tier,
      actions: verdict.actions,
      reasons,
      stages: {
        rules: rules.result,
        ...(fraud === undefined ? {} : { fraud: fraud.result }),
        ...(credit === undefined ? {} : { credit: credit.result }),
        policy: { policy: INTERIM_POLICY },
      },
      audit: {
        ...audit,
        featuresUs,
        rulesUs,
        ...(fraud === undefined ? {} : { fraudUs }),
        ...(credit === undefined ? {} : { creditUs }),
        policyUs,
        totalUs: Math.round((featuresUs + rulesUs + fraudUs + creditUs + policyUs) * 10) / 10,
        decidedAt: new Date().toISOString(),
      },
    };
  };

  return {
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
    async decideBatchSettled(events) {
      return decideSettled(events);
    },
    store,
    lateEvents: () => lateEvents,
    facts,
    audit,
  };
}

/** The configured model, or the shipped one; `null` in the config runs without the stage. */
function loadShippedOrConfigured(configured: string | null | undefined, derivedFeaturesSha256: string): LoadedFraudModel | null {
  if (configured === null) return null;
  const path = configured ?? shippedPaths.fraudModel;
  const loaded = loadFraudModel(path, FRAUD_FEATURE_NAMES);
  const { inputs } = loaded.model;
  if (inputs.featureSet !== FRAUD_FEATURE_SET) {
    throw new FengkongError(
      ErrorCode.MODEL_INVALID,
      `${path}: inputs.featureSet is ${inputs.featureSet}; this engine computes ${FRAUD_FEATURE_SET}`,
    );
  }
  if (inputs.derivedFeaturesSha256 !== derivedFeaturesSha256) {
    throw new FengkongError(
      ErrorCode.MODEL_INVALID,
      `${path}: inputs.derivedFeaturesSha256 does not match the derived features loaded: the model was trained on other inputs`,
    );
  }
  return loaded;
}

/** Decline and review rules first, then the fraud model's reasons, then informational rules. */
function rankReasons(ruleReasons: readonly Reason[], fired: readonly RuleHit[], fraudReasons: readonly Reason[]): Reason[] {
  const informational = new Set(fired.filter((hit) => hit.severity === 'info').map((hit) => hit.code));
  return [
    ...ruleReasons.filter((reason) => !informational.has(reason.code)),
    ...fraudReasons,
    ...ruleReasons.filter((reason) => informational.has(reason.code)),
  ];
}
