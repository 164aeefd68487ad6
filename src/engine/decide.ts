// Deciding a batch of validated events. In order:
// 1. each event's facts are built and the event recorded in the velocity history once, in input order;
//    an application id seen before is not recorded again: the same input gets its first decision back,
//    another input is refused (FK_APPLICATION_CONFLICT);
// 2. the batched stages run over the whole batch; if that fails, one event at a time (the stages are
//    pure once the facts are built, so a retry changes nothing but which event fails);
// 3. per event, in input order, exactly once: the policy, the challengers, the decision; then its
//    freeze and the remembered decision. A failing event leaves no freeze and changes no other.
// Calls are serialised: concurrent `decide` calls see each other's history, freezes and decisions as
// if made one after the other.
import { performance } from 'node:perf_hooks';
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import {
  DECISION_SCHEMA_VERSION,
  Decision,
  type CreditStageResult,
  type FraudStageResult,
  type RulesStageResult,
  type ShadowVerdict,
} from '../schema/decision.js';
import type { ApplicationEvent } from '../schema/event.js';
import type { FactBuilder } from '../features/factBuilder.js';
import type { HashedIdentifiers } from '../features/eventFacts.js';
import type { PolicyStage } from '../policy/stage.js';
import type { StateStore } from '../state/store.js';
import { shadowVerdict, type LoadedChallenger } from './challengers.js';
import { hashInput } from './inputHash.js';
import { microseconds, runStages, type StageRun } from './runStages.js';
import type { Facts, Stage, StageOutput } from './stage.js';

export interface DeciderParts {
  readonly stages: ReadonlyArray<Stage<unknown>>;
  readonly policy: PolicyStage;
  readonly challengers: readonly LoadedChallenger[];
  readonly factBuilder: FactBuilder;
  readonly store: StateStore;
  readonly salt: string;
  /** The audit fields every decision carries (versions and hashes). */
  readonly audit: Readonly<
    Pick<Decision['audit'], 'version' | 'rulePackSha256' | 'listsSha256' | 'derivedFeaturesSha256' | 'policySha256'>
  > &
    Readonly<Partial<Pick<Decision['audit'], 'fraudModelSha256' | 'creditManifestSha256' | 'creditModelSha256'>>>;
}

interface Prepared {
  readonly event: ApplicationEvent;
  readonly facts: Facts;
  readonly identifiers: HashedIdentifiers;
  readonly inputHash: string;
  readonly featuresUs: number;
}

/** Where each event's answer comes from: already known, the first occurrence in the batch, or a stage run. */
type Slot =
  | { readonly kind: 'settled'; readonly value: Decision | FengkongError }
  | { readonly kind: 'repeat'; readonly of: number }
  | { readonly kind: 'prepared'; readonly index: number };

export interface Decider {
  decideSettled(events: readonly ApplicationEvent[]): Promise<Array<Decision | FengkongError>>;
  lateEvents(): number;
}

export function createDecider(parts: DeciderParts): Decider {
  const { stages, policy, challengers, factBuilder, store, salt, audit } = parts;
  let lateEvents = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const prepare = (events: readonly ApplicationEvent[]) => {
    const slots: Slot[] = [];
    const prepared: Prepared[] = [];
    const inBatch = new Map<string, { index: number; inputHash: string }>();
    for (const [index, event] of events.entries()) {
      const inputHash = hashInput(salt, event);
      const earlier = store.recallDecision(event.application_id);
      const earlierInBatch = inBatch.get(event.application_id);
      const earlierHash = earlierInBatch?.inputHash ?? earlier?.inputHash;
      if (earlierHash !== undefined && earlierHash !== inputHash) {
        const conflict = new FengkongError(
          ErrorCode.APPLICATION_CONFLICT,
          `application ${event.application_id}: already decided with a different input; an application id is decided once`,
        );
        slots.push({ kind: 'settled', value: conflict });
      } else if (earlierInBatch !== undefined) {
        slots.push({ kind: 'repeat', of: earlierInBatch.index });
      } else if (earlier !== null && earlier.decision !== null) {
        slots.push({ kind: 'settled', value: recalled(earlier.decision, event.application_id) });
      } else {
        // A first attempt that failed was recorded already: decide it again from the history as it
        // stands, without recording it twice.
        const started = performance.now();
        const built = factBuilder.build(event, earlier === null);
        if (!built.recorded && earlier === null) lateEvents += 1;
        inBatch.set(event.application_id, { index, inputHash });
        slots.push({ kind: 'prepared', index: prepared.length });
        prepared.push({ event, ...built, inputHash, featuresUs: microseconds(started, performance.now()) });
      }
    }
    return { slots, prepared };
  };

  const decideOnce = async (events: readonly ApplicationEvent[]): Promise<Array<Decision | FengkongError>> => {
    const { slots, prepared } = prepare(events);
    const runs = await runStagesSettled(stages, prepared);
    const shadowRuns = await Promise.all(challengers.map((challenger) => runStagesSettled(challenger.stages, prepared)));
    const decided: Array<Decision | FengkongError> = [];
    for (const [index, item] of prepared.entries()) {
      const run = runs[index]!;
      let outcome: Decision | FengkongError;
      if (run instanceof FengkongError) {
        outcome = run;
      } else {
        try {
          const { decision, freeze } = await assemble(
            item,
            run,
            shadowRuns.map((shadowRun) => shadowRun[index]!),
          );
          if (freeze !== null) store.freeze(freeze.key, freeze.fromMs, freeze.untilMs, item.event.application_id);
          outcome = decision;
        } catch (error) {
          outcome = asStageError(error, item);
        }
      }
      const atMs = Date.parse(item.event.applied_at);
      // A failed attempt is remembered without a decision: a retry is not recorded in the history again.
      store.rememberDecision(
        item.event.application_id,
        atMs,
        item.inputHash,
        outcome instanceof FengkongError ? null : structuredClone(outcome),
      );
      decided.push(outcome);
    }
    const results: Array<Decision | FengkongError> = [];
    for (const slot of slots) {
      if (slot.kind === 'settled') results.push(slot.value);
      else if (slot.kind === 'prepared') results.push(decided[slot.index]!);
      else {
        const first = results[slot.of]!;
        results.push(first instanceof FengkongError ? first : repeated(first));
      }
    }
    return results;
  };

  const assemble = async (item: Prepared, run: StageRun, shadowRuns: ReadonlyArray<StageRun | FengkongError>) => {
    const rules = run.outputs.rules as StageOutput<RulesStageResult>;
    const fraud = run.outputs.fraud as StageOutput<FraudStageResult> | undefined;
    const credit = run.outputs.credit as StageOutput<CreditStageResult> | undefined;
    const base = { event: item.event, facts: item.facts, identifiers: item.identifiers, rules };
    const policyStarted = performance.now();
    const verdict = await policy({ ...base, fraud, credit });
    const policyUs = microseconds(policyStarted, performance.now());
    const shadowStarted = performance.now();
    const shadow: ShadowVerdict[] = [];
    for (const [index, challenger] of challengers.entries()) {
      shadow.push(await shadowVerdict(challenger, shadowRuns[index]!, base, { fraud, credit }));
    }
    const shadowUs = microseconds(shadowStarted, performance.now());
    const rulesUs = run.latencyUs.rules ?? 0;
    const fraudUs = run.latencyUs.fraud ?? 0;
    const creditUs = run.latencyUs.credit ?? 0;
    const decision: Decision = {
      schemaVersion: DECISION_SCHEMA_VERSION,
      applicationId: item.event.application_id,
      outcome: verdict.outcome,
      tier: verdict.tier,
      actions: verdict.actions,
      ...(verdict.offer === undefined ? {} : { offer: verdict.offer }),
      reasons: verdict.reasons,
      stages: {
        rules: rules.result,
        ...(fraud === undefined ? {} : { fraud: fraud.result }),
        ...(credit === undefined ? {} : { credit: credit.result }),
        policy: verdict.result,
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
    return { decision, freeze: verdict.freeze };
  };

  return {
    decideSettled(events) {
      const next = queue.then(
        () => decideOnce(events),
        () => decideOnce(events),
      );
      queue = next.catch(() => undefined);
      return next;
    },
    lateEvents: () => lateEvents,
  };
}

/** The stages over the batch; if that fails, one event at a time, so one failing event fails alone. */
async function runStagesSettled(
  stages: ReadonlyArray<Stage<unknown>>,
  prepared: readonly Prepared[],
): Promise<Array<StageRun | FengkongError>> {
  if (prepared.length === 0) return [];
  try {
    return await runStages(stages, prepared);
  } catch (error) {
    if (prepared.length === 1) return [asStageError(error, prepared[0]!)];
    const settled: Array<StageRun | FengkongError> = [];
    for (const item of prepared) settled.push(...(await runStagesSettled(stages, [item])));
    return settled;
  }
}

/**
 * A remembered decision, checked before it is handed out again (a store, or its snapshot, is input
 * too), marked as a repeat.
 */
function recalled(decision: unknown, applicationId: string): Decision | FengkongError {
  const parsed = Decision.safeParse(decision);
  if (!parsed.success || parsed.data.applicationId !== applicationId) {
    return new FengkongError(
      ErrorCode.STATE_INVALID,
      `application ${applicationId}: the remembered decision in the store is not a valid decision`,
    );
  }
  return repeated(parsed.data);
}

/** A repeated application gets its first decision back, marked as a repeat. */
function repeated(first: Decision): Decision {
  return { ...structuredClone(first), audit: { ...first.audit, repeated: true, decidedAt: new Date().toISOString() } };
}

function asStageError(error: unknown, item: Prepared): FengkongError {
  return isFengkongError(error)
    ? error
    : new FengkongError(ErrorCode.STAGE_FAILED, `application ${item.event.application_id}: a stage failed`, { cause: error });
}
