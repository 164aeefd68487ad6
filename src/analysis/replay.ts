// Replays a labelled history through the engine in event-time order (the data model's time field, ties by file order),
// so velocity state and identity freezes are as they were, and pairs every decision with its labels and
// the loan's economics. Slices (the held-out 20%) are taken afterwards, on the outcomes: never replay a
// slice alone, or its velocity facts start from nothing.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ErrorCode, FengkongError } from '../errors.js';
import { createEngine, type Engine } from '../engine/createEngine.js';
import { parseEngineConfig } from '../engine/loadInputs.js';
import type { EngineConfigInput } from '../schema/config.js';
import type { Decision } from '../schema/decision.js';
import type { LabelledOutcome } from './labelledOutcome.js';
import type { EventRecord } from '../schema/event.js';
import { inEventTime } from '../features/eventTime.js';
import { outcomeFields, requireOutcomes, type OutcomeReader } from './outcomes.js';
import type { OutcomeFields } from './backtestSchema.js';
import { lentAmount } from './economics.js';
import { readEventLines, type RejectedLine } from '../batch/readEvents.js';

export interface ReplayOptions {
  /** Engine config (e.g. a challenger's); default: the shipped one. Paths resolve as the CLI's `--config` does. */
  config?: EngineConfigInput;
  /** Events decided together (default 1024). */
  chunkSize?: number;
  /** The command replaying, as errors name it (default: a backtest). */
  command?: string;
}

export type { LabelledOutcome } from './labelledOutcome.js';

/**
 * The outcome label every analysis counts: bad when fraud (a stolen or synthetic identity's repayment
 * label means nothing) or defaulted, good when a genuine loan repaid, null when a genuine row has no
 * `default` label (bad rates leave it out).
 */
export function badLabel(row: Pick<LabelledOutcome, 'isFraud' | 'defaulted'>): boolean | null {
  return row.isFraud ? true : row.defaulted;
}

export type { RejectedLine };

export interface Replay {
  inputSha256: string;
  configSha256: string;
  /** Data lines read; read === rows.length + rejected.length. */
  read: number;
  /** In event-time order (the time field's, ties by file order; file order without a time field). */
  rows: LabelledOutcome[];
  rejected: RejectedLine[];
  /** The fields the outcomes were read from, with the bad values (null: not declared by the data model). */
  outcomes: OutcomeFields;
}

export async function replayLabelled(path: string, options: ReplayOptions = {}): Promise<Replay> {
  const config = options.config ?? {};
  const chunkSize = options.chunkSize ?? 1024;
  const inputSha256 = await fileSha256(path);
  const engine = await createEngine(config);
  const outcomes = requireOutcomes(engine.dataModel, options.command ?? 'a backtest');
  const labels = [outcomes.fields.credit, outcomes.fields.fraud].filter((name) => name !== null);
  // The reader drift and the trainers use: the same rows are valid everywhere.
  const { read, events, rejected } = await readEventLines(path, {
    requireColumns: { names: labels, why: `${options.command ?? 'a backtest'} needs labelled rows` },
    dataModel: engine.dataModel,
  });

  // Events come in file order, so ties keep it (a data model without a time field keeps the file's order).
  const timed = events.map((entry) => ({ ...entry, atMs: engine.dataModel.timeMsOf(entry.event) }));
  const ordered = inEventTime(timed, (entry) => entry.atMs);
  const rows: LabelledOutcome[] = [];
  for (let start = 0; start < ordered.length; start += chunkSize) {
    const chunk = ordered.slice(start, start + chunkSize);
    const settled = await engine.decideBatchSettled(chunk.map((entry) => entry.event));
    for (const [index, result] of settled.entries()) {
      const { line, event, atMs } = chunk[index]!;
      if (result instanceof FengkongError) {
        rejected.push({ line, code: result.code, message: result.message });
        continue;
      }
      // Decided first, so the history is what `score` built; a row without its fraud label cannot be scored against it.
      const isFraud = outcomes.isFraud(event);
      if (isFraud === null) {
        rejected.push({ line, code: ErrorCode.EVENT_INVALID, message: `${path}: row ${line}: ${outcomes.fields.fraud} is missing` });
        continue;
      }
      rows.push(labelledOutcome(line, event, atMs, isFraud, result, outcomes));
    }
  }
  rejected.sort((a, b) => a.line - b.line);
  return {
    inputSha256,
    configSha256: configSha256(config, engine),
    read,
    rows,
    rejected,
    outcomes: outcomeFields(outcomes),
  };
}

function labelledOutcome(
  line: number,
  event: EventRecord,
  atMs: number,
  isFraud: boolean,
  decision: Decision,
  outcomes: OutcomeReader,
): LabelledOutcome {
  const amount = outcomes.amount(event);
  return {
    line,
    applicationId: decision.applicationId,
    appliedAt: outcomes.fields.time === null ? '' : String(event[outcomes.fields.time]),
    appliedAtMs: atMs,
    isFraud,
    fraudScenario: outcomes.fraudKind(event),
    defaulted: outcomes.defaulted(event),
    amount,
    approvedAmount: amount === null ? 0 : lentAmount(decision, amount),
    intRatePercent: outcomes.ratePercent(event),
    termMonths: outcomes.termMonths(event),
    decision,
  };
}

/** sha256 of the input's bytes (as stored: a .gz file is hashed compressed). */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new FengkongError(ErrorCode.FILE_READ, `${path}: cannot be read (${code})`, { cause });
  }
  return hash.digest('hex');
}

/**
 * What decides: the content hashes of every file the engine loaded (its audit) and the settings that
 * change a decision. File paths are left out, so the same config gives the same hash from any folder.
 * The identifier salt is not hashed (a published hash of it would let anyone test guesses of a weak salt
 * offline): only whether one is set, other than the public default.
 */
export function configSha256(config: EngineConfigInput, engine: Pick<Engine, 'audit'>): string {
  const settings = parseEngineConfig(config);
  const deciding = {
    audit: engine.audit,
    ruleEvaluator: settings.ruleEvaluator,
    attributions: settings.attributions,
    identifierSaltSet: settings.identifierSalt !== DEFAULT_IDENTIFIER_SALT,
  };
  return createHash('sha256').update(JSON.stringify(deciding)).digest('hex');
}

/** configSha256 for a config, building its engine (to read the hashes of the files it loads). */
export async function engineConfigSha256(config: EngineConfigInput = {}): Promise<string> {
  return configSha256(config, await createEngine(config));
}

/** The schema's default salt: a config that leaves it is "salt set: no". */
const DEFAULT_IDENTIFIER_SALT = parseEngineConfig({}).identifierSalt;

/** The latest `heldOutFraction` of rows by event time (the held-out slice), and the rest. */
export function splitByTime<T extends { appliedAtMs: number }>(rows: readonly T[], heldOutFraction: number): { earlier: T[]; later: T[] } {
  if (!(heldOutFraction >= 0 && heldOutFraction <= 1)) {
    throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `splitByTime: heldOutFraction must be within [0, 1], got ${heldOutFraction}`);
  }
  // Rows at equal times keep their order, so the split is the same on every run.
  const ordered = inEventTime(rows, (row) => row.appliedAtMs);
  // The cut the trainers use: the earliest floor(n × (1 − heldOut)) rows train.
  const cut = Math.floor(ordered.length * (1 - heldOutFraction));
  return { earlier: ordered.slice(0, cut), later: ordered.slice(cut) };
}
