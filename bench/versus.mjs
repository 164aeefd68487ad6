// This build against another build of fengkong, side by side in one process: `engine.decide` in a loop
// and `scoreCsvFile` over the same applications, the two builds' rounds interleaved so the machine's
// noise falls on both alike. For a change that must not be slower (a data model read where a schema
// was hard-coded, say): build the earlier commit in a worktree, then
//
//   git worktree add /some/dir <commit> && (cd /some/dir && npm ci && npm run build)
//   npm run build && node bench/versus.mjs --baseline /some/dir [--file data/applications.csv] [--rounds 5]
//
// Prints each round's figures, the medians, and this build's over the baseline's (rows/s: above 1 is
// faster: the median of each round's paired ratio, and the ratio of the medians), with the 1-minute
// load average before and after.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : args[at + 1];
};
const baselineDir = option('--baseline');
if (baselineDir === undefined) {
  console.error('usage: node bench/versus.mjs --baseline <folder of another fengkong build> [--file F] [--rounds N]');
  process.exit(2);
}
const file = option('--file', 'data/applications.csv');
const rounds = Number(option('--rounds', '5'));

const builds = {
  this: await import(pathToFileURL(resolve('dist/index.js')).href),
  baseline: await import(pathToFileURL(resolve(baselineDir, 'dist/index.js')).href),
};

/** The file's rows as each build reads them (its own CSV reader and event schema). */
async function eventsOf(build) {
  const engine = await build.createEngine();
  const { readLines, parseLine, checkHeader, recordToEvent } = await import(
    pathToFileURL(resolve(build === builds.this ? '.' : baselineDir, 'dist/batch/csvRecords.js')).href
  );
  const lines = readLines(file);
  const header = await lines.next();
  const layout =
    engine.dataModel === undefined ? checkHeader(file, header.value.text) : checkHeader(file, header.value.text, engine.dataModel);
  const events = [];
  for await (const line of lines) {
    const parsed = parseLine(line.text);
    if ('fields' in parsed) events.push(engine.parseEvent(recordToEvent(layout, parsed.fields)));
  }
  return events;
}

async function decideLoop(build, events) {
  const engine = await build.createEngine();
  const started = process.hrtime.bigint();
  let sink = 0;
  for (const event of events) sink += (await engine.decide(event)).tier;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (sink === 0) throw new Error('no decision');
  return events.length / seconds;
}

async function scoreFile(build) {
  const engine = await build.createEngine();
  // In memory where the machine has a tmpfs: the disk's noise is not what is compared.
  const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'fk-versus-'));
  try {
    const started = process.hrtime.bigint();
    const summary = await build.scoreCsvFile(engine, {
      inputPath: file,
      outputPath: join(scratch, 'd.jsonl'),
      rejectsPath: join(scratch, 'r.jsonl'),
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return summary.read / seconds;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const loadBefore = loadavg()[0];
const events = { this: await eventsOf(builds.this), baseline: await eventsOf(builds.baseline) };
const figures = { decide: { this: [], baseline: [] }, score: { this: [], baseline: [] } };
for (let round = 0; round < rounds; round += 1) {
  // Alternate which build goes first, so neither always runs on a warmer or cooler machine.
  const order = round % 2 === 0 ? ['this', 'baseline'] : ['baseline', 'this'];
  for (const side of order) figures.decide[side].push(await decideLoop(builds[side], events[side]));
  for (const side of order) figures.score[side].push(await scoreFile(builds[side]));
  console.log(
    `round ${round + 1}: decide ${figures.decide.this.at(-1).toFixed(0)} vs ${figures.decide.baseline.at(-1).toFixed(0)} rows/s, ` +
      `score ${figures.score.this.at(-1).toFixed(0)} vs ${figures.score.baseline.at(-1).toFixed(0)} rows/s (this vs baseline)`,
  );
}
const result = {};
for (const what of ['decide', 'score']) {
  const mine = median(figures[what].this);
  const theirs = median(figures[what].baseline);
  // Each round's two runs sat side by side: the median of their ratios is the paired figure.
  const ratios = figures[what].this.map((value, round) => value / figures[what].baseline[round]).sort((a, b) => a - b);
  result[what] = {
    thisRowsPerSecond: Math.round(mine),
    baselineRowsPerSecond: Math.round(theirs),
    ratioOfMedians: Number((mine / theirs).toFixed(3)),
    medianPairedRatio: Number(median(ratios).toFixed(3)),
    pairedRatioRange: [Number(ratios[0].toFixed(3)), Number(ratios.at(-1).toFixed(3))],
  };
}
console.log(JSON.stringify({ file, rounds, events: events.this.length, ...result, loadAverage1m: [loadBefore, loadavg()[0]] }, null, 2));
