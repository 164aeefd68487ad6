// Deciding a batch of validated events. In order:
// 1. each event's facts are built and the event recorded in the velocity history once, in input order;
//    an application id seen before is not recorded again: the same input gets its first decision back
//    (FK_APPLICATION_REPEATED when the store no longer holds it), another input is refused
//    (FK_APPLICATION_CONFLICT);
// 2. the batched stages run over the whole batch; if that fails, one event at a time (the stages are
//    pure once the facts are built, so a retry changes nothing but which event fails);
// 3. per event, in input order, exactly once: the policy's verdict and the challengers'; a verdict
//    that freezes the applicant gets its credit attributions at once, then its freeze is applied, so
//    the events after it see it. An applicant is frozen for an event when a freeze the store held as
//    the event was prepared covers it, or one set by an event decided since (earlier in the batch)
//    that the store would count then (not over before its horizon): the answer deciding each event
//    alone would give, whatever the batch, and whatever the store's sweeps dropped meanwhile;
// 4. the other verdicts' credit attributions, one batch per credit model, for the decisions that
//    state reasons (config `attributions`); then per event, in input order, the reasons, the decision
//    and the remembered decision. A failing event changes no other; one whose attributions fail
//    freezes no one, and one that fails later (assembling its decision) leaves its freeze applied.
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
} from '../schema/decision.js';
import type { EventRecord } from '../schema/event.js';
import type { DataModel } from '../features/dataModel.js';
import type { FactBuilder } from '../features/factBuilder.js';
import type { HashedIdentifiers } from '../features/eventFacts.js';
import { frozenKey, type PolicyInput, type PolicyOutput, type PolicyStage } from '../policy/stage.js';
import type { EngineConfig } from '../schema/config.js';
import type { CreditStage } from '../stages/credit/stage.js';
import type { StateStore } from '../state/store.js';
import { shadowDecide, shadowVerdict, type LoadedChallenger, type ShadowDecided } from './challengers.js';
import { eventId, hashInput } from './inputHash.js';
import { microseconds, runStages, tenths, type StageRun } from './runStages.js';
import type { Facts, Stage, StageOutput } from './stage.js';

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
  readonly audit: Readonly<
    Pick<Decision['audit'], 'version' | 'dataModelSha256' | 'rulePackSha256' | 'listsSha256' | 'derivedFeaturesSha256' | 'policySha256'>
  > &
    Readonly<Partial<Pick<Decision['audit'], 'fraudModelSha256' | 'creditManifestSha256' | 'creditModelSha256'>>>;
}

/** An event with its facts built and its history recorded: what the stages, the policy and the decision read (plain data: it can cross to a worker thread). */
export interface Prepared {
  /** The event's id and time as the data model reads them (without an id field, `h:` and its input hash). */
  readonly id: string;
  readonly atMs: number;
  readonly event: EventRecord;
  readonly facts: Facts;
  readonly identifiers: HashedIdentifiers;
  readonly inputHash: string;
  readonly featuresUs: number;
  /** Whether a freeze the store held when the event was prepared covers its applicant. */
  readonly frozen: boolean;
  /** The store's freeze horizon then: a freeze set since that ended before it does not count either. */
  readonly freezeHorizonMs: number;
}

/** A freeze an application set on its applicant (`key`, frozenKey), for events in [fromMs, untilMs). */
export interface FreezeSet {
  readonly key: string;
  readonly fromMs: number;
  readonly untilMs: number;
  readonly byToken: string;
}

/**
 * Whether a freeze set after an event was prepared binds it, as the store would have answered had it
 * held the freeze then: its applicant, its time, set by another application, not over before the
 * store's horizon.
 */
export function freezeCovers(freeze: FreezeSet, item: Prepared): boolean {
  const applicant = item.identifiers.subject;
  if (applicant === null || freeze.key !== frozenKey(applicant) || freeze.byToken === item.id) return false;
  const { atMs } = item;
  return freeze.fromMs <= atMs && atMs < freeze.untilMs && freeze.untilMs >= item.freezeHorizonMs;
}

/** One event's verdicts, champion and challengers, before credit attributions and reasons. */
interface Verdict {
  readonly item: Prepared;
  readonly run: StageRun;
  readonly input: PolicyInput;
  readonly output: PolicyOutput;
  /** Challengers in config order; a failure to attribute replaces an entry with the failure. */
  readonly shadow: ShadowDecided[];
  /** Microseconds so far: the policy's verdict, the challengers', and this event's share of attribution batches. */
  readonly us: { policy: number; shadow: number; attribution: number };
}

/**
 * Where each event's answer comes from: already known, a repeat of an event prepared earlier in the
 * batch (`of`, its index among the prepared), or a stage run (`index`, likewise).
 */
export type Slot =
  | { readonly kind: 'settled'; readonly value: Decision | FengkongError }
  | { readonly kind: 'repeat'; readonly of: number }
  | { readonly kind: 'prepared'; readonly index: number };

/**
 * A prepared event decided: its decision (or whatever stands for it) and the decision's JSON text, or
 * its failure and null; whether the policy was told its applicant is frozen (when the policy ran), and
 * the freeze it set (when it set one).
 */
export type DecidedItem<T> = { readonly identityFrozen?: boolean; readonly freeze?: FreezeSet } & (
  { readonly outcome: T; readonly json: string } | { readonly outcome: FengkongError; readonly json: null }
);

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
  const { stages, policy, challengers, factBuilder, dataModel, store, salt, audit, attributions } = parts;
  const championCredit = parts.credit;
  let lateEvents = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const prepare = (events: readonly EventRecord[]) => {
    const slots: Slot[] = [];
    const prepared: Prepared[] = [];
    // An application prepared in this batch is remembered at once as pending (its decision follows in
    // `finish`): a repeat later in the batch is judged by the store's own rules, as it would be were
    // the first already decided (held for a day, then refused; past the retention, a new application).
    const preparedHere = new Map<string, number>();
    for (const event of events) {
      const inputHash = hashInput(salt, event, dataModel);
      const id = eventId(dataModel, event, () => inputHash);
      const earlier = store.recallDecision(id);
      if (earlier !== null && earlier.inputHash !== inputHash) {
        const conflict = new FengkongError(
          ErrorCode.APPLICATION_CONFLICT,
          `application ${id}: already decided with a different input; an application id is decided once`,
        );
        slots.push({ kind: 'settled', value: conflict });
      } else if (earlier !== null && earlier.released) {
        slots.push({ kind: 'settled', value: notHeld(id, 'the store holds its decision for a day') });
      } else if (earlier !== null && earlier.decision === PENDING) {
        const first = preparedHere.get(id);
        if (first === undefined) {
          const why = `application ${id}: the store holds it as being decided by a batch not finished`;
          slots.push({ kind: 'settled', value: new FengkongError(ErrorCode.STATE_INVALID, why) });
        } else slots.push({ kind: 'repeat', of: first });
      } else if (earlier !== null && earlier.decision !== null) {
        slots.push({ kind: 'settled', value: recalled(earlier.decision, id) });
      } else {
        // A first attempt that failed was recorded already: decide it again from the history as it
        // stands, without recording it twice.
        const started = performance.now();
        const built = factBuilder.build(event, earlier === null);
        if (!built.recorded && earlier === null) lateEvents += 1;
        const atMs = dataModel.timeMsOf(event);
        const applicant = built.identifiers.subject;
        const frozen = applicant !== null && store.isFrozen(frozenKey(applicant), atMs, id);
        const freezeHorizonMs = store.freezeHorizonMs?.() ?? Number.NEGATIVE_INFINITY;
        preparedHere.set(id, prepared.length);
        store.rememberDecision(id, atMs, inputHash, PENDING);
        slots.push({ kind: 'prepared', index: prepared.length });
        prepared.push({
          id,
          atMs,
          event,
          ...built,
          inputHash,
          featuresUs: microseconds(started, performance.now()),
          frozen,
          freezeHorizonMs,
        });
      }
    }
    return { slots, prepared };
  };

  const decidePrepared = async (
    prepared: readonly Prepared[],
    identityFrozen?: (item: Prepared) => boolean,
  ): Promise<Array<DecidedItem<Decision>>> => {
    const runs = await runStagesSettled(stages, prepared);
    const shadowRuns = await Promise.all(challengers.map((challenger) => runStagesSettled(challenger.stages, prepared)));
    // The verdicts, in input order, each freeze applied before the next event is decided.
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
        const verdict = await decideVerdict(
          item,
          run,
          shadowRuns.map((shadowRun) => shadowRun[index]!),
          frozen,
        );
        const { freeze } = verdict.output;
        if (freeze !== null) {
          // A freeze binds the events after this one, so its decision is completed first: its credit
          // attributions now, not with the batch's. If they fail, the application fails and freezes no one.
          const failed = await attributeNow(verdict);
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
    await attributeWhereNeeded(verdicts);
    return prepared.map((item, index): DecidedItem<Decision> => {
      const frozen = told[index];
      const freeze = froze[index];
      const said = { ...(frozen === undefined ? {} : { identityFrozen: frozen }), ...(freeze === undefined ? {} : { freeze }) };
      const verdict = verdicts[index]!;
      if (verdict instanceof FengkongError) return { ...said, outcome: verdict, json: null };
      let outcome: Decision;
      try {
        outcome = assemble(verdict);
      } catch (error) {
        return { ...said, outcome: asStageError(error, item), json: null };
      }
      // The decision is remembered as its JSON text: a copy the caller cannot change, made once, and
      // the very text `score` writes (decisionJson).
      const json = JSON.stringify(outcome);
      serialized.set(outcome, json);
      return { ...said, outcome, json };
    });
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

  const decideVerdict = async (
    item: Prepared,
    run: StageRun,
    shadowRuns: ReadonlyArray<StageRun | FengkongError>,
    identityFrozen: boolean,
  ): Promise<Verdict> => {
    const rules = run.outputs.rules as StageOutput<RulesStageResult>;
    const fraud = run.outputs.fraud as StageOutput<FraudStageResult> | undefined;
    const credit = run.outputs.credit as StageOutput<CreditStageResult> | undefined;
    const base = {
      id: item.id,
      atMs: item.atMs,
      event: item.event,
      facts: item.facts,
      identifiers: item.identifiers,
      rules,
      identityFrozen,
    };
    const input: PolicyInput = { ...base, fraud, credit };
    const policyStarted = performance.now();
    const output = await policy.decide(input);
    const policyUs = microseconds(policyStarted, performance.now());
    const shadowStarted = performance.now();
    const shadow: ShadowDecided[] = [];
    for (const [index, challenger] of challengers.entries()) {
      shadow.push(await shadowDecide(challenger, shadowRuns[index]!, base, { fraud, credit }));
    }
    return {
      item,
      run,
      input,
      output,
      shadow,
      us: { policy: policyUs, shadow: microseconds(shadowStarted, performance.now()), attribution: 0 },
    };
  };

  /**
   * Adds the credit model's attributions to the stage outputs whose verdicts state reasons (config
   * `attributions`: by default reviews, declines and counter-offers), in one batch per credit model:
   * the champion's outputs in place, for its own verdicts; copies of them for challengers that read
   * the champion's score (so a challenger never changes the champion's decision); a challenger's own
   * model's outputs in place. If a batch fails, its outputs are attributed one by one: an application
   * whose champion attribution fails fails (its freeze, applied with its verdict, stands); a
   * challenger's records the failure's code.
   */
  const attributeWhereNeeded = async (verdicts: Array<Verdict | FengkongError>): Promise<void> => {
    if (attributions !== 'adverse') return;
    const decided = verdicts.flatMap((verdict, index) => (verdict instanceof FengkongError ? [] : [{ verdict, index }]));
    if (championCredit !== null) {
      const needing = decided.filter(({ verdict }) => verdict.input.credit !== undefined && statesReasons(verdict.output));
      await attributeBatch(
        championCredit,
        needing.map(({ verdict }) => verdict.input.credit!),
        false,
        (position, us) => {
          needing[position]!.verdict.us.attribution += us;
        },
        (position, error) => {
          const { index, verdict } = needing[position]!;
          verdicts[index] = asStageError(error, verdict.item);
        },
      );
    }
    for (const [c, challenger] of challengers.entries()) {
      const stage = challenger.credit ?? championCredit;
      if (stage === null) continue;
      const needing = decided.filter(({ verdict }) => {
        const shadow = verdict.shadow[c]!;
        return 'output' in shadow && shadow.input.credit !== undefined && statesReasons(shadow.output);
      });
      const shadowOf = (position: number) => needing[position]!.verdict.shadow[c] as Extract<ShadowDecided, { input: unknown }>;
      const attributed = await attributeBatch(
        stage,
        needing.map((_, position) => shadowOf(position).input.credit!),
        challenger.credit === null,
        (position, us) => {
          needing[position]!.verdict.us.shadow += us;
        },
        (position, error) => {
          needing[position]!.verdict.shadow[c] = { challenger, error: isFengkongError(error) ? error.code : ErrorCode.STAGE_FAILED };
        },
      );
      attributed.forEach((credit, position) => {
        const shadow = shadowOf(position);
        if (credit !== undefined && 'input' in shadow)
          needing[position]!.verdict.shadow[c] = { ...shadow, input: { ...shadow.input, credit } };
      });
    }
  };

  /** Attributes one verdict's credit output ahead of its batch; the error if that fails, else null. */
  const attributeNow = async (verdict: Verdict): Promise<FengkongError | null> => {
    const credit = verdict.input.credit;
    if (attributions !== 'adverse' || championCredit === null || credit === undefined || !statesReasons(verdict.output)) return null;
    let failure: FengkongError | null = null;
    await attributeBatch(
      championCredit,
      [credit],
      false,
      (_, us) => {
        verdict.us.attribution += us;
      },
      (_, error) => {
        failure = asStageError(error, verdict.item);
      },
    );
    return failure;
  };

  const assemble = (verdict: Verdict): Decision => {
    const { item, run, input, output } = verdict;
    const { rules, fraud, credit } = input;
    const reasonsStarted = performance.now();
    const reasons = policy.reasons(input, output);
    const policyUs = tenths(verdict.us.policy + microseconds(reasonsStarted, performance.now()));
    const shadowStarted = performance.now();
    const shadow = verdict.shadow.map(shadowVerdict);
    const shadowUs = tenths(verdict.us.shadow + microseconds(shadowStarted, performance.now()));
    const rulesUs = run.latencyUs.rules ?? 0;
    const fraudUs = run.latencyUs.fraud ?? 0;
    const creditUs = tenths((run.latencyUs.credit ?? 0) + verdict.us.attribution);
    return {
      schemaVersion: DECISION_SCHEMA_VERSION,
      applicationId: item.id,
      outcome: output.outcome,
      tier: output.tier,
      actions: output.actions,
      ...(output.offer === undefined ? {} : { offer: output.offer }),
      reasons,
      stages: {
        rules: rules.result,
        ...(fraud === undefined ? {} : { fraud: fraud.result }),
        ...(credit === undefined ? {} : { credit: credit.result }),
        policy: output.result,
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
        totalUs: tenths(item.featuresUs + rulesUs + fraudUs + creditUs + policyUs),
        decidedAt: new Date().toISOString(),
      },
    };
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

/** Whether a verdict states the credit model's reasons: a review or decline, or an approval for less than asked. */
function statesReasons(output: PolicyOutput): boolean {
  return output.outcome !== 'approve' || output.offer?.counterOffer === true;
}

/**
 * Attributes a batch of credit outputs (in place, or copies); if that fails, one at a time, so one
 * failing output fails alone. `took` gets each output's share of the time, `failed` each output that
 * could not be attributed. Returns the outputs attributed by position (undefined where one failed).
 */
async function attributeBatch(
  stage: CreditStage,
  outputs: ReadonlyArray<StageOutput<CreditStageResult>>,
  copies: boolean,
  took: (position: number, us: number) => void,
  failed: (position: number, error: unknown) => void,
): Promise<Array<StageOutput<CreditStageResult> | undefined>> {
  if (outputs.length === 0) return [];
  const started = performance.now();
  try {
    const attributed = await stage.attribute(outputs, copies);
    const shareUs = microseconds(started, performance.now()) / outputs.length;
    outputs.forEach((_, position) => took(position, shareUs));
    return attributed;
  } catch {
    // One at a time below.
  }
  const attributed: Array<StageOutput<CreditStageResult> | undefined> = [];
  for (const [position, output] of outputs.entries()) {
    const one = performance.now();
    try {
      attributed.push((await stage.attribute([output], copies))[0]);
      took(position, microseconds(one, performance.now()));
    } catch (error) {
      attributed.push(undefined);
      failed(position, error);
    }
  }
  return attributed;
}

/**
 * What the store holds for an application prepared and not yet decided (until `finish` remembers its
 * decision); never written by a finished batch.
 */
const PENDING = '\u0000fengkong: being decided';

/** Each decision's JSON text as it was remembered, while the decision object lives. */
const serialized = new WeakMap<Decision, string>();

/**
 * A decision as one line of JSON: the text made when it was decided (as long as the object is the one
 * handed out and unchanged since — writers such as `score` use this), else JSON.stringify.
 */
export function decisionJson(decision: Decision): string {
  return serialized.get(decision) ?? JSON.stringify(decision);
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
  let value = decision;
  if (typeof decision === 'string') {
    try {
      value = JSON.parse(decision) as unknown;
    } catch {
      value = undefined;
    }
  }
  // Decided by an earlier version, whose decisions this one does not read (a restored store's).
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version !== DECISION_SCHEMA_VERSION) {
    return notHeld(applicationId, `its decision is of schema version ${version}, not ${DECISION_SCHEMA_VERSION}`);
  }
  const parsed = Decision.safeParse(value);
  if (!parsed.success || parsed.data.applicationId !== applicationId) {
    return new FengkongError(
      ErrorCode.STATE_INVALID,
      `application ${applicationId}: the remembered decision in the store is not a valid decision`,
    );
  }
  return markedRepeated(parsed.data);
}

/**
 * A repeat of an application decided before with the same input, whose decision cannot be handed back:
 * refused, never decided again (a second decision would count the application twice in its own
 * velocity history, and could differ from the first).
 */
function notHeld(applicationId: string, why: string): FengkongError {
  return new FengkongError(
    ErrorCode.APPLICATION_REPEATED,
    `application ${applicationId}: decided before with the same input, and ${why}; an application id is decided once`,
  );
}

/** A repeat of an application decided earlier in the batch gets that decision (its JSON text) back, marked as a repeat. */
function repeated(firstJson: string): Decision {
  return markedRepeated(JSON.parse(firstJson) as Decision);
}

function markedRepeated(first: Decision): Decision {
  return { ...first, audit: { ...first.audit, repeated: true, decidedAt: new Date().toISOString() } };
}

function asStageError(error: unknown, item: Prepared): FengkongError {
  return isFengkongError(error)
    ? error
    : new FengkongError(ErrorCode.STAGE_FAILED, `application ${item.id}: a stage failed`, { cause: error });
}
