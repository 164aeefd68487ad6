// Reads a CSV of applications into validated events, for training, evaluation, backtests and drift: the
// same line reader, header check and validation as `score`, with the rows that fail counted (and, for
// readEventLines, named by line and reason) rather than decided. One reader, one rule of which rows are
// valid: a backtest and a drift report over the same file agree on the rows they read.
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import type { EventRecord } from '../schema/event.js';
import { shippedDataModel, type DataModel } from '../features/dataModel.js';
import { checkHeader, MAX_LINE_CHARS, parseLine, readLines, recordToEvent, type HeaderLayout } from './csvRecords.js';

export interface ReadEvents {
  readonly events: EventRecord[];
  /** Data lines that were not valid applications (broken CSV or invalid fields). */
  readonly rejected: number;
}

/** A data line that is not a valid application: its 1-based data-line number, error code and why. */
export interface RejectedLine {
  line: number;
  code: string;
  message: string;
}

export interface ReadEventLines {
  /** Data lines read (header and blank lines excluded): events.length + rejected.length. */
  readonly read: number;
  readonly layout: HeaderLayout;
  /** The valid events in file order, each with its 1-based data-line number (as score and explain count rows). */
  readonly events: Array<{ line: number; event: EventRecord }>;
  /** In line order. */
  readonly rejected: RejectedLine[];
}

export interface ReadEventLinesOptions {
  /** Columns the file must have beyond the schema's required ones (e.g. the labels), and why (for the error). */
  readonly requireColumns?: { readonly names: readonly string[]; readonly why: string };
  /** The data model rows are read with (default: the shipped lending model). */
  readonly dataModel?: DataModel;
}

/** The file's valid events with their data-line numbers, and every other data line with its reason. */
export async function readEventLines(path: string, options: ReadEventLinesOptions = {}): Promise<ReadEventLines> {
  const lines = readLines(path);
  const first = await lines.next();
  if (first.done === true) throw new FengkongError(ErrorCode.CSV_HEADER, `${path}: the file is empty (no header)`);
  const dataModel = options.dataModel ?? shippedDataModel();
  const layout = checkHeader(path, first.value.text, dataModel);
  for (const column of options.requireColumns?.names ?? []) {
    if (!(layout.names as readonly string[]).includes(column)) {
      throw new FengkongError(ErrorCode.CSV_HEADER, `${path}: header: missing column ${column} (${options.requireColumns!.why})`);
    }
  }
  const events: ReadEventLines['events'] = [];
  const rejected: RejectedLine[] = [];
  const nowMs = Date.now();
  let read = 0;
  for await (const physical of lines) {
    if (!physical.overlong && physical.text.trim() === '') continue;
    read += 1;
    const parsed = physical.overlong ? { error: `line longer than ${MAX_LINE_CHARS} characters` } : parseLine(physical.text);
    if ('error' in parsed) {
      rejected.push({ line: read, code: ErrorCode.CSV_RECORD, message: parsed.error });
    } else if (parsed.fields.length !== layout.names.length) {
      rejected.push({
        line: read,
        code: ErrorCode.CSV_RECORD,
        message: `expected ${layout.names.length} fields, found ${parsed.fields.length}`,
      });
    } else {
      try {
        events.push({ line: read, event: dataModel.parseEvent(recordToEvent(layout, parsed.fields), nowMs) });
      } catch (error) {
        if (!isFengkongError(error)) throw error;
        rejected.push({ line: read, code: error.code, message: error.message });
      }
    }
  }
  return { read, layout, events, rejected };
}

/** The valid events in file order and how many data lines were not (readEventLines without the details). */
export async function readEvents(path: string, dataModel?: DataModel): Promise<ReadEvents> {
  const { events, rejected } = await readEventLines(path, dataModel === undefined ? {} : { dataModel });
  return { events: events.map((entry) => entry.event), rejected: rejected.length };
}
