// The I/O floor: what reading a CSV and writing one JSON line per row costs with no decision at all.
// The file is read line by line and each line split into fields as `fengkong score` does (readLines
// and parseLine of dist/batch/csvRecords.js), and a fixed JSON line of about 1 KB (a decision's order
// of size) is written per row to a temporary file through a write stream, waiting for 'drain' when it
// pushes back. No decision can go faster than this on the same file.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { checkHeader, parseLine, readLines } from '../dist/batch/csvRecords.js';
import { feed, round } from './timing.mjs';

/** A fixed decision-shaped JSON line of about 1 KB. */
export function fixedJsonLine() {
  const reasons = Array.from({ length: 6 }, (_, i) => ({ code: `R_REASON_${i}`, stage: 'rules', severity: 'info', text: 'x'.repeat(60) }));
  const line = JSON.stringify({ schemaVersion: 5, applicationId: 'A0000000', outcome: 'approve', tier: 1, reasons, padding: '' });
  return `${JSON.stringify({ ...JSON.parse(line), padding: 'p'.repeat(Math.max(0, 1023 - line.length)) })}\n`;
}

/** Reads and splits `path`, writing the fixed line per data row into `folder`; answers rows/s. */
export async function timeIoFloor(path, folder) {
  const jsonLine = fixedJsonLine();
  const out = createWriteStream(join(folder, 'io-floor.jsonl'));
  const started = process.hrtime.bigint();
  const lines = readLines(path);
  const header = await lines.next();
  const layout = checkHeader(path, header.value.text);
  let rows = 0;
  for await (const line of lines) {
    const parsed = parseLine(line.text);
    if ('error' in parsed || parsed.fields.length !== layout.names.length) throw new Error(`${path}: line ${line.number} does not parse`);
    feed(parsed.fields.length);
    rows += 1;
    if (!out.write(jsonLine)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const elapsedNs = Number(process.hrtime.bigint() - started);
  return {
    rows,
    lineBytes: Buffer.byteLength(jsonLine),
    elapsedMs: round(elapsedNs / 1e6),
    rowsPerSecond: round(rows / (elapsedNs / 1e9)),
  };
}
