// createEngine validates and loads everything once (rule packs, lists, derived features, models, the
// policy pack and its challengers), then decides events through the stages in order and assembles the
// decision with its audit. Each application id is decided once: a repeat with the same input gets
// the same decision back and is not counted again in the velocity history; a repeat with another
// input is refused.
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
  type RulesStageResult,
  type ShadowVerdict,
} from '../schema/decision.js';
import type { HashedIdentifiers } from '../features/eventFacts.js';
import type { Facts } from './stage.js';
import { createMemoryStore } from '../state/memory.js';
import type { StateStore } from '../state/store.js';
import { createRulesStage } from '../stages/rules/stage.js';
import { createPolicyStage, type RuleMeta } from '../policy/stage.js';
import { hashInput } from '../features/identity.js';
import { libraryVersion } from './paths.js';
import { loadDecisionInputs, parseEngineConfig } from './loadInputs.js';
import { loadCheckedPolicyPack, loadModelStages } from './loadModels.js';
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
    creditManifestSha256?: string;
    creditModelSha256?: string;
    policySha256: string;
  }>;
  /** The policy pack deciding, and the challengers run beside it, in config order. */
  readonly policy: Readonly<{ name: string; version: string }>;
  readonly challengers: readonly string[];
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
  const models = await loadModelStages(settings.fraudModel, settings.creditModel, derived.sha256, facts);
  const policyPack = loadCheckedPolicyPack(settings.policyPack, facts, models);
  const ruleMeta = new Map<string, RuleMeta>(
    packs.rules.map(({ rule }) => [rule.name, { severity: rule.event.params.severity, category: rule.event.params.category }]),
  );
  const blockLists = new Set(lists.lists.filter((list) => list.kind === 'block').map((list) => list.name));
  const policyStage = createPolicyStage(policyPack, { ruleMeta, blockLists, store, enforce: true });
  const stages = [rulesStage, models.fraud, models.credit].filter((stage) => stage !== null) as ReadonlyArray<Stage<unknown>>;

  const challengers = await Promise.all(
    settings.challengers.map(async (challenger) => {
      const own = await loadModelStages(
        challenger.fraudModel === undefined ? null : challenger.fraudModel,
        challenger.creditModel === undefined ? null : challenger.creditModel,
        derived.sha256,
        facts,
      );
      const ownStages = [
        challenger.fraudModel === undefined ? null : own.fraud,
        challenger.creditModel === undefined ? null : own.credit,
      ].filter((stage) => stage !== null) as ReadonlyArray<Stage<unknown>>;
      const effective = {
        ...models,
        ...(challenger.creditModel === undefined ? {} : { lowestCreditScore: own.lowestCreditScore }),
      };
      const pack = challenger.policyPack === undefined ? policyPack : loadCheckedPolicyPack(challenger.policyPack, facts, effective);
      return {
        name: challenger.name,
        /** Which champion stage outputs the challenger replaces with its own (a model set to null drops the stage). */
        replaces: { fraud: challenger.fraudModel !== undefined, credit: challenger.creditModel !== undefined },
        stages: ownStages,
        policy: createPolicyStage(pack, { ruleMeta, blockLists, store, enforce: false }),
      };
    }),
  );

  const audit = {
    version: libraryVersion,
    rulePackSha256: packs.sha256,
    listsSha256: lists.sha256,
    derivedFeaturesSha256: derived.sha256,
    ...models.sha256,
    policySha256: policyPack.sha256,
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
   * Each new event is recorded in the velocity history exactly once, in event order, before the stages
   * run; a repeated application id is not recorded again. If the batch fails, its events are retried
   * one by one from the facts already built, so one failing event neither changes nor loses the others.
   * The policy runs per event in input order, so a freeze is seen by every later event of the batch.
   */
  const decideSettled = async (events: readonly ApplicationEvent[]): Promise<Array<Decision | FengkongError>> => {
    const settled: Array<Decision | FengkongError | { repeatOf: number } | { prepared: number }> = [];
    const prepared: Prepared[] = [];
    const inBatch = new Map<string, { index: number; inputHash: string }>();
    for (const [index, event] of events.entries()) {
      const inputHash = hashInput(settings.identifierSalt, event);
      const earlier = store.recallDecision(event.application_id);
      const earlierInBatch = inBatch.get(event.application_id);
      const earlierHash = earlier?.inputHash ?? earlierInBatch?.inputHash;
      if (earlierHash !== undefined && earlierHash !== inputHash) {
        settled.push(
          new FengkongError(
            ErrorCode.APPLICATION_CONFLICT,
            `application ${event.application_id}: already decided with a different input; an application id is decided once`,
          ),
        );
      } else if (earlier !== null) {
        settled.push(repeated(earlier.decision as Decision));
      } else if (earlierInBatch !== undefined) {
        settled.push({ repeatOf: earlierInBatch.index });
      } else {
        const started = performance.now();
        const built = factBuilder.build(event);
        if (!built.recorded) lateEvents += 1;
        inBatch.set(event.application_id, { index, inputHash });
        settled.push({ prepared: prepared.length });
        prepared.push({
          event,
          facts: built.facts,
          identifiers: built.identifiers,
          inputHash,
          featuresUs: microseconds(started, performance.now()),
        });
      }
    }
    const decided = await decidePrepared(prepared);
    const results: Array<Decision | FengkongError> = [];
    for (const entry of settled) {
      if ('prepared' in entry) {
        const decision = decided[entry.prepared]!;
        if (!(decision instanceof FengkongError)) {
          const item = prepared[entry.prepared]!;
          store.rememberDecision(item.event.application_id, Date.parse(item.event.applied_at), item.inputHash, decision);
        }
        results.push(decision);
      } else if ('repeatOf' in entry) {
        const first = results[entry.repeatOf]!;
        results.push(first instanceof FengkongError ? first : repeated(first));
      } else {
        results.push(entry);
      }
    }
    return results;
  };

  /** The stages over the batch, then the policy per event in order; on a failure, one event at a time. */
  const decidePrepared = async (prepared: readonly Prepared[]): Promise<Array<Decision | FengkongError>> => {
    if (prepared.length === 0) return [];
    try {
      const runs = await runStages(stages, prepared);
      const shadowRuns = await Promise.all(challengers.map((challenger) => runStages(challenger.stages, prepared)));
      const decisions: Decision[] = [];
      for (const [index, item] of prepared.entries()) {
        decisions.push(
          await assemble(
            item,
            runs[index]!,
            shadowRuns.map((shadowRun) => shadowRun[index]!),
          ),
        );
      }
      return decisions;
    } catch (batchError) {
      if (prepared.length === 1) return [asStageError(batchError, prepared[0]!)];
      const settled: Array<Decision | FengkongError> = [];
      for (const item of prepared) settled.push(...(await decidePrepared([item])));
      return settled;
    }
  };

  const decideParsed = async (events: readonly ApplicationEvent[]): Promise<Decision[]> => {
    const settled = await decideSettled(events);
    const failure = settled.find((entry): entry is FengkongError => entry instanceof FengkongError);
    if (failure !== undefined) throw failure;
    return settled as Decision[];
  };

  const assemble = async (item: Prepared, run: StageRun, shadowRuns: readonly StageRun[]): Promise<Decision> => {
    const rules = run.outputs.rules as StageOutput<RulesStageResult>;
    const fraud = run.outputs.fraud as StageOutput<FraudStageResult> | undefined;
    const credit = run.outputs.credit as StageOutput<CreditStageResult> | undefined;
    const policyStarted = performance.now();
    const base = { event: item.event, facts: item.facts, identifiers: item.identifiers, rules };
    const policy = await policyStage({ ...base, fraud, credit });
    const policyUs = microseconds(policyStarted, performance.now());
    const shadowStarted = performance.now();
    const shadow: ShadowVerdict[] = [];
    for (const [index, challenger] of challengers.entries()) {
      const own = shadowRuns[index]!.outputs;
      const challengerFraud = challenger.replaces.fraud ? (own.fraud as StageOutput<FraudStageResult> | undefined) : fraud;
      const challengerCredit = challenger.replaces.credit ? (own.credit as StageOutput<CreditStageResult> | undefined) : credit;
      const verdict = await challenger.policy({ ...base, fraud: challengerFraud, credit: challengerCredit });
      shadow.push({
        challenger: challenger.name,
        outcome: verdict.outcome,
        tier: verdict.tier,
        actions: verdict.actions,
        ...(challengerFraud === undefined ? {} : { fraudProbability: challengerFraud.result.probability }),
        ...(challengerCredit === undefined ? {} : { creditScore: challengerCredit.result.score }),
        primaryReasonCodes: verdict.reasons.primary.map((reason) => reason.code),
      });
    }
    const shadowUs = microseconds(shadowStarted, performance.now());
    const rulesUs = run.latencyUs.rules ?? 0;
    const fraudUs = run.latencyUs.fraud ?? 0;
    const creditUs = run.latencyUs.credit ?? 0;
    return {
      schemaVersion: DECISION_SCHEMA_VERSION,
      applicationId: item.event.application_id,
      outcome: policy.outcome,
      tier: policy.tier,
      actions: policy.actions,
      ...(policy.offer === undefined ? {} : { offer: policy.offer }),
      reasons: policy.reasons,
      stages: {
        rules: rules.result,
        ...(fraud === undefined ? {} : { fraud: fraud.result }),
        ...(credit === undefined ? {} : { credit: credit.result }),
        policy: policy.result,
      },
      ...(challengers.length === 0 ? {} : { shadow }),
      audit: {
        ...audit,
        inputHash: item.inputHash,
        featuresUs: item.featuresUs,
        rulesUs,
        ...(fraud === undefined ? {} : { fraudUs }),
        ...(credit === undefined ? {} : { creditUs }),
        policyUs,
        ...(challengers.length === 0 ? {} : { shadowUs }),
        totalUs: Math.round((item.featuresUs + rulesUs + fraudUs + creditUs + policyUs) * 10) / 10,
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
    policy: { name: policyPack.pack.policy, version: policyPack.pack.version },
    challengers: challengers.map((challenger) => challenger.name),
  };
}

interface Prepared {
  readonly event: ApplicationEvent;
  readonly facts: Facts;
  readonly identifiers: HashedIdentifiers;
  readonly inputHash: string;
  readonly featuresUs: number;
}

/** A repeated application gets its first decision back, marked as a repeat. */
function repeated(first: Decision): Decision {
  return { ...first, audit: { ...first.audit, repeated: true, decidedAt: new Date().toISOString() } };
}

function asStageError(error: unknown, item: Prepared): FengkongError {
  return isFengkongError(error)
    ? error
    : new FengkongError(ErrorCode.STAGE_FAILED, `application ${item.event.application_id}: a stage failed`, { cause: error });
}
