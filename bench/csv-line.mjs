#!/usr/bin/env node
// The hand-written line parser (parseCsvLine) against csv-parse as parseLineWithCsvParse calls it,
// side by side in one process. Build first (`npm run build`): this imports the library from dist/.
//
//   node bench/csv-line.mjs [--quick]
//
// Lines: every line of data/applications.csv (no quotes: parseCsvLine's split path) and of
// data/credit_data.csv (every text field quoted: its character-by-character path), split as readLines
// splits them. Each timing first calls for a while (JIT warm-up), then times samples: a batch of calls
// (about 20 ms worth) with process.hrtime.bigint, divided by the batch size; the reported figure is the
// median. Every call's field count is summed into a sink printed at the end, so no call can be dropped.
import { readFileSync } from 'node:fs';
import { parseLineWithCsvParse } from '../dist/batch/csvRecords.js';
import { parseCsvLine } from '../dist/batch/csvLine.js';

const quick = process.argv.includes('--quick');
const SAMPLES = quick ? 7 : 25;
const SAMPLE_MS = quick ? 5 : 20;
const WARMUP_MS = quick ? 200 : 1000;

let sink = 0;

/** Median nanoseconds per call of fn over SAMPLES batches of about SAMPLE_MS each, after WARMUP_MS of calls. */
function timeCalls(fn) {
  const batchOf = (count) => {
    let sum = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i += 1) sum += fn(i);
    const elapsed = Number(process.hrtime.bigint() - started);
    sink += sum;
    return elapsed;
  };
  const warmUntil = Date.now() + WARMUP_MS;
  while (Date.now() < warmUntil) batchOf(64);
  let count = 1;
  while (batchOf(count) < SAMPLE_MS * 1e6 && count < 1e8) count *= 2;
  const perCallNs = [];
  for (let s = 0; s < SAMPLES; s += 1) perCallNs.push(batchOf(count) / count);
  perCallNs.sort((a, b) => a - b);
  return { medianNs: round(perCallNs[Math.floor(SAMPLES / 2)]), minNs: round(perCallNs[0]), maxNs: round(perCallNs.at(-1)) };
}

const round = (ns) => Math.round(ns * 10) / 10;

/** Fields parsed, or -1 for a rejected line: what the sink adds up. */
const fieldCount = (parsed) => ('fields' in parsed ? parsed.fields.length : -1);

function linesOf(path) {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

const rows = [];
for (const path of ['data/applications.csv', 'data/credit_data.csv']) {
  const lines = linesOf(path);
  // The same result both ways before timing anything.
  for (const line of lines) {
    if (JSON.stringify(parseLineWithCsvParse(line)) !== JSON.stringify(parseCsvLine(line)))
      throw new Error(`${path}: the parsers disagree on a line`);
  }
  const pick = (i) => lines[i % lines.length];
  const csvParse = timeCalls((i) => fieldCount(parseLineWithCsvParse(pick(i))));
  const handWritten = timeCalls((i) => fieldCount(parseCsvLine(pick(i))));
  const meanChars = Math.round(lines.reduce((sum, line) => sum + line.length, 0) / lines.length);
  rows.push({ path, lines: lines.length, meanChars, csvParse, handWritten, speedup: round(csvParse.medianNs / handWritten.medianNs) });
}

console.log(`node ${process.version}; median of ${SAMPLES} batches of about ${SAMPLE_MS} ms after ${WARMUP_MS} ms of warm-up`);
console.log('| lines | count | mean chars | parseLineWithCsvParse (csv-parse) ns/line | parseCsvLine ns/line | speedup |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(
    `| ${row.path} | ${row.lines} | ${row.meanChars} | ${row.csvParse.medianNs} (${row.csvParse.minNs}-${row.csvParse.maxNs}) | ` +
      `${row.handWritten.medianNs} (${row.handWritten.minNs}-${row.handWritten.maxNs}) | ${row.speedup}× |`,
  );
}
console.error(`(sink ${sink})`);
