// Deciding a batch of validated events, as named steps. In order:
// 1. prepare (prepareEvents.ts): each event's facts are built and the event recorded in the velocity
//    history once, in input order; an application id seen before is not recorded again: the same input
//    gets its first decision back (FK_APPLICATION_REPEATED when the store no longer holds it), another
//    input is refused (FK_APPLICATION_CONFLICT);
// 2. run the stages (runStages.ts): over the whole batch; if that fails, one event at a time (the stages
//    are pure once the facts are built, so a retry changes nothing but which event fails);
// 3. verdicts (verdict.ts): per event, in input order, exactly once: the policy's verdict and the
//    challengers'; a verdict that freezes the applicant gets its credit attributions at once, then its
//    freeze is applied, so the events after it see it. An applicant is frozen for an event when a
//    freeze the store held as the event was prepared covers it, or one set by an event decided since
//    (earlier in the batch) that the store would count then (not over before its horizon): the answer
//    deciding each event alone would give, whatever the batch, and whatever the store's sweeps dropped;
// 4. attributions (attribute.ts): the other verdicts' credit attributions, one batch per credit model,
//    for the decisions that state reasons (config `attributions`);
// 5. assemble (assemble.ts), then finish: per event, in input order, the reasons, the decision and the
//    remembered decision. A failing event changes no other; one whose attributions fail freezes no one,
//    and one that fails later (assembling its decision) leaves its freeze applied.
// Calls are serialised: concurrent `decide` calls see each other's history, freezes and decisions as
// if made one after the other.
import { FengkongError } from '../errors.js';
import type { Decision } from '../schema/decision.js';
import type { EventRecord } from '../schema/event.js';
import type { DataModel } from '../features/dataModel.js';
import type { FactBuilder } from '../features/factBuilder.js';
import type { PolicyStage } from '../policy/stage.js';
import type { EngineConfig } from '../schema/config.js';
import type { CreditStage } from '../stages/credit/stage.js';
import type { StateStore } from '../state/store.js';
import { assembleDecision, type AuditBase } from './assemble.js';
import { attributeNow, attributeWhereNeeded, type AttributionParts } from './attribute.js';
import type { LoadedChallenger } from './challengers.js';
import { prepareEvents } from './prepareEvents.js';
import { freezeCovers, type DecidedItem, type FreezeSet, type Prepared, type Slot } from './prepared.js';
import { repeated, serializeDecision } from './remembered.js';
import { runStages, type StageRun } from './runStages.js';
import type { Stage } from './stage.js';
import { asStageError, decideVerdict, type Verdict } from './verdict.js';

export { freezeCovers, type DecidedItem, type FreezeSet, type Prepared, type Slot } from './prepared.js';
export { decisionJson } from './remembered.js';

export interface DeciderParts {
  readonly stages: ReadonlyArray<Stage<unknown>>;
  readonly policy: PolicyStage;
  readonly challengers: readonly LoadedChallenger[];
  readonly factBuilder: FactBuilder;
  readonly dataModel: DataModel;
  readonly store: StateStore;
  readonly salt: string;
  /** The champion's credit stage, which attributes the outputs whose verdicts need reasons (null without one). */
  readonly credit: CreditStage | null;
  /** Which decisions get credit attributions (config `attributions`); with `all` the stage attributes as it scores. */
  readonly attributions: EngineConfig['attributions'];
  /** The audit fields every decision carries (versions and hashes). */
  readonly audit: AuditBase;
}

export interface Decider {
  decideSettled(events: readonly EventRecord[]): Promise<Array<Decision | FengkongError>>;
  lateEvents(): number;
  /**
   * The three steps of decideSettled, for scoring on worker threads (src/batch/parallel.ts), which
   * runs the middle one elsewhere: `prepare` builds facts and records the history (the state's owner
   * only, in input order); `decidePrepared` runs the stages and the policy, freezing in this
   * decider's store as it goes (`identityFrozen`, when given, says whether each applicant is frozen
   * instead); `finish` remembers the decisions and puts the answers in input order.
   * The caller serialises them; decideSettled must not run meanwhile.
   */
  readonly steps: {
    prepare(events: readonly EventRecord[]): { slots: Slot[]; prepared: Prepared[] };
    decidePrepared(prepared: readonly Prepared[], identityFrozen?: (item: Prepared) => boolean): Promise<Array<DecidedItem<Decision>>>;
    finish<T>(
      slots: readonly Slot[],
      prepared: readonly Prepared[],
      decided: ReadonlyArray<DecidedItem<T>>,
    ): Array<T | Decision | FengkongError>;
  };
}

export function createDecider(parts: DeciderParts): Decider {
  const { stages, policy, challengers, store } = parts;
  const attribution: AttributionParts = { credit: parts.credit, challengers, attributions: parts.attributions };
  let lateEvents = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const preparing = { ...parts, onLate: () => (lateEvents += 1) };

  const prepare = (events: readonly EventRecord[]) => prepareEvents(preparing, events);

  const decidePrepared = async (
    prepared: readonly Prepared[],
    identityFrozen?: (item: Prepared) => boolean,
  ): Promise<Array<DecidedItem<Decision>>> => {
    const runs = await runStagesSettled(stages, prepared);
    const shadowRuns = await Promise.all(challengers.map((challenger) => runStagesSettled(challenger.stages, prepared)));
    const { verdicts, told, froze } = await verdictsInOrder(prepared, runs, shadowRuns, identityFrozen);
    await attributeWhereNeeded(attribution, verdicts);
    return prepared.map((item, index) => assembled(item, verdicts[index]!, told[index], froze[index]));
  };

  /** The verdicts, in input order, each freeze applied before the next event is decided. */
  const verdictsInOrder = async (
    prepared: readonly Prepared[],
    runs: ReadonlyArray<StageRun | FengkongError>,
    shadowRuns: ReadonlyArray<ReadonlyArray<StageRun | FengkongError>>,
    identityFrozen?: (item: Prepared) => boolean,
  ) => {
    const verdicts: Array<Verdict | FengkongError> = [];
    const setHere: FreezeSet[] = [];
    const told: Array<boolean | undefined> = [];
    const froze: Array<FreezeSet | undefined> = [];
    for (const [index, item] of prepared.entries()) {
      const run = runs[index]!;
      if (run instanceof FengkongError) {
        verdicts.push(run);
        continue;
      }
      try {
        const frozen = identityFrozen?.(item) ?? (item.frozen || setHere.some((freeze) => freezeCovers(freeze, item)));
        told[index] = frozen;
        const shadow = shadowRuns.map((shadowRun) => shadowRun[index]!);
        const verdict = await decideVerdict(policy, challengers, item, run, shadow, frozen);
        const { freeze } = verdict.output;
        if (freeze !== null) {
          // A freeze binds the events after this one, so its decision is completed first: its credit
          // attributions now, not with the batch's. If they fail, the application fails and freezes no one.
          const failed = await attributeNow(attribution, verdict);
          if (failed !== null) {
            verdicts.push(failed);
            continue;
          }
          const set = { ...freeze, byToken: item.id };
          store.freeze(set.key, set.fromMs, set.untilMs, set.byToken);
          setHere.push(set);
          froze[index] = set;
        }
        verdicts.push(verdict);
      } catch (error) {
        verdicts.push(asStageError(error, item));
      }
    }
    return { verdicts, told, froze };
  };

  const assembled = (
    item: Prepared,
    verdict: Verdict | FengkongError,
    frozen: boolean | undefined,
    freeze: FreezeSet | undefined,
  ): DecidedItem<Decision> => {
    const said = { ...(frozen === undefined ? {} : { identityFrozen: frozen }), ...(freeze === undefined ? {} : { freeze }) };
    if (verdict instanceof FengkongError) return { ...said, outcome: verdict, json: null };
    let outcome: Decision;
    try {
      outcome = assembleDecision(policy, challengers.length > 0, parts.audit, verdict);
    } catch (error) {
      return { ...said, outcome: asStageError(error, item), json: null };
    }
    // The decision is remembered as its JSON text: a copy the caller cannot change, made once, and the
    // very text `score` writes (decisionJson).
    return { ...said, outcome, json: serializeDecision(outcome) };
  };

  /** A prepared event's decision as the store keeps it: its JSON text, or null for a failed attempt. */
  const remember = (item: Prepared, json: string | null): void => store.rememberDecision(item.id, item.atMs, item.inputHash, json);

  const finish = <T>(
    slots: readonly Slot[],
    prepared: readonly Prepared[],
    decided: ReadonlyArray<DecidedItem<T>>,
  ): Array<T | Decision | FengkongError> => {
    // A failed attempt is remembered without a decision: a retry is not recorded in the history again.
    for (const [index, item] of prepared.entries()) remember(item, decided[index]!.json);
    return slots.map((slot) => {
      if (slot.kind === 'settled') return slot.value;
      if (slot.kind === 'prepared') return decided[slot.index]!.outcome;
      const first = decided[slot.of]!;
      return first.json === null ? first.outcome : repeated(first.json);
    });
  };

  const decideOnce = async (events: readonly EventRecord[]): Promise<Array<Decision | FengkongError>> => {
    const { slots, prepared } = prepare(events);
    let decided: Array<DecidedItem<Decision>>;
    try {
      decided = await decidePrepared(prepared);
    } catch (error) {
      // Not one decision (a fault, not an event's failure): each is remembered as a failed attempt, so
      // a retry decides it again without recording it twice.
      for (const item of prepared) remember(item, null);
      throw error;
    }
    return finish(slots, prepared, decided);
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
    steps: { prepare, decidePrepared, finish },
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
