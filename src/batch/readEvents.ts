// Reads a CSV of applications into validated events, for training and evaluation: the same line
// reader, header check and validation as `score`, with the rows that fail counted rather than decided.
import { ErrorCode, FengkongError } from '../errors.js';
import { ApplicationEvent } from '../schema/event.js';
import { checkHeader, parseLine, readLines, recordToEvent } from './csvRecords.js';

export interface ReadEvents {
  readonly events: ApplicationEvent[];
  /** Data lines that were not valid applications (broken CSV or invalid fields). */
  readonly rejected: number;
}

export async function readEvents(path: string): Promise<ReadEvents> {
  const lines = readLines(path);
  const first = await lines.next();
  if (first.done === true) throw new FengkongError(ErrorCode.CSV_HEADER, `${path}: the file is empty (no header)`);
  const layout = checkHeader(path, first.value.text);
  const events: ApplicationEvent[] = [];
  let rejected = 0;
  for await (const line of lines) {
    if (!line.overlong && line.text.trim() === '') continue;
    const parsed = line.overlong ? null : parseLine(line.text);
    if (parsed === null || 'error' in parsed || parsed.fields.length !== layout.names.length) {
      rejected += 1;
      continue;
    }
    const event = ApplicationEvent.safeParse(recordToEvent(layout, parsed.fields));
    if (event.success) events.push(event.data);
    else rejected += 1;
  }
  return { events, rejected };
}
