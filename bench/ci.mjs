#!/usr/bin/env node
// The benchmark gates run in CI (`npm run bench:ci`): a short run that computes three ratios and fails
// when one has regressed past its gate. Build first: this imports the library from dist/.
//
//   node bench/ci.mjs [--record-baseline]
//
// - fengkongOverStock: fengkong's single decisions per second (`await engine.decide(event)`, default
//   config) over the stock assembly's rows per second (bench/stock.mjs), on data/applications.csv;
//   after a warm-up pass of each, three rounds of both, each on a fresh engine; the median of the
//   rounds' ratios.
// - compiledOverEngineRun: bench/rules.mjs --quick (three child processes, their JSON written to
//   temporary files), the best `speedup` of the shipped rule packs: Engine.run with the records a
//   decision keeps over the compiled rules with the same records.
// - creditStageOverRawSessionRun: fengkong's credit scoring without attributions over raw
//   InferenceSession.run at batch 1, a time ratio (bench/credit.mjs).
//
// bench/gates.json holds, per ratio, the issue's target, the baseline measured on this machine kind
// (value, date, commit) and which way is better. The gate is 60% of the worse of target and baseline:
// for a ratio where higher is better, 0.6 × min(target, baseline); for a time ratio, where lower is
// better, the same on its inverse, max(target, baseline) / 0.6. So a gate only stops regressions from
// the recorded baseline until a target is met, and then guards the target. `--record-baseline` writes
// this run's values into bench/gates.json as the new baselines (a commit then records them).
// Writes bench/results/ci.json; exits 1 naming every ratio past its gate.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { timeSingleDecisions } from './decide.mjs';
import { createStockAssembly } from './stock.mjs';
import { benchCredit } from './credit.mjs';
import { codeVersion, committedApplications, readDistinctEvents, scratchFolder } from './inputs.mjs';
import { median, round, sinkValue } from './timing.mjs';

const GATES_FILE = 'bench/gates.json';
const RESULTS_FILE = 'bench/results/ci.json';
const ROUNDS = 3;
const WARMUP_EVENTS = 1000;
const recordBaseline = process.argv.includes('--record-baseline');
const log = (message) => console.error(`[bench:ci] ${message}`);

/** The gate of a ratio, from its direction, target and baseline (see the module comment). */
export function gateOf({ better, target, baseline }, fraction) {
  const recorded = baseline?.value ?? target; // no baseline yet: the target alone
  if (better === 'higher') return round(fraction * Math.min(target, recorded), 3);
  return round(Math.max(target, recorded) / fraction, 3);
}

const passes = (better, value, limit) => (better === 'higher' ? value >= limit : value <= limit);

async function fengkongOverStock(events) {
  const stock = await createStockAssembly();
  // A whole untimed pass of each first, so that no round times a colder JIT than the others.
  await timeSingleDecisions(events, {}, { warmupEvents: WARMUP_EVENTS });
  await stock.scoreFile(committedApplications);
  const fengkongRates = [];
  const stockRates = [];
  const ratios = [];
  for (let attempt = 0; attempt < ROUNDS; attempt += 1) {
    fengkongRates.push((await timeSingleDecisions(events, {}, { warmupEvents: WARMUP_EVENTS })).rowsPerSecond);
    stockRates.push((await stock.scoreFile(committedApplications)).rowsPerSecond);
    ratios.push(fengkongRates[attempt] / stockRates[attempt]);
  }
  await stock.release();
  // The median of each round's ratio: a round's two runs are adjacent, so a slow spell of the machine
  // weighs on both.
  return {
    value: round(median(ratios), 3),
    detail: { fengkongRowsPerSecond: fengkongRates, stockRowsPerSecond: stockRates, rounds: ROUNDS, file: committedApplications },
  };
}

/**
 * bench/rules.mjs --quick in RUNS child processes; the run with the best speedup counts. A process's
 * compiled record sometimes runs several times slower than in the next process over the same facts
 * (a JIT outcome, seen for the code before the data model as for the code after it: 3 of 14 runs and
 * about 4 of 10 below 180× on 2026-12-07); the best of three separates a slower build from an unlucky
 * process. Every run's figure is kept in the detail.
 */
function compiledOverEngineRun(folder) {
  const RUNS = 3;
  const runs = [];
  for (let attempt = 0; attempt < RUNS; attempt += 1) {
    const out = join(folder, `rules-${attempt}.json`);
    const run = spawnSync(process.execPath, ['bench/rules.mjs', '--quick', '--out', out], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`bench/rules.mjs --quick failed:\n${run.stderr}`);
    const { cases } = JSON.parse(readFileSync(out, 'utf8'));
    runs.push({
      shipped: cases.find((entry) => entry.pack === 'shipped rule packs'),
      synthetic: cases.find((entry) => entry.pack === 'synthetic 20'),
    });
  }
  const { shipped, synthetic } = runs.reduce((best, run) => (run.shipped.speedup > best.shipped.speedup ? run : best));
  return {
    value: shipped.speedup,
    detail: {
      pack: 'shipped rule packs',
      engineRecordedNs: shipped.engineRecordedNs.medianNs,
      generatedRecordedNs: shipped.generatedRecordedNs.medianNs,
      speedupRunOnly: shipped.speedupRunOnly,
      synthetic20Speedup: synthetic?.speedup,
      speedupsOfEachRun: runs.map((run) => run.shipped.speedup),
    },
  };
}

async function creditStageOverRawSessionRun(events) {
  const credit = await benchCredit(events, { timeMs: 1500, warmupMs: 300, batches: [1] });
  return {
    value: credit.ratios.batch1,
    detail: {
      fengkongPath: credit.fengkongPath,
      rawMedianNs: credit.times['raw session.run, batch 1'].medianNs,
      fengkongMedianNs: credit.times[`${credit.pathTask}, batch 1`].medianNs,
      creditSessionRatio: credit.ratios.batch1CreditSession,
      withAttributionsRatio: credit.ratios.batch1WithAttributions,
    },
  };
}

const started = Date.now();
const gates = JSON.parse(readFileSync(GATES_FILE, 'utf8'));
const scratch = scratchFolder();
const measured = {};
try {
  const events = await readDistinctEvents(committedApplications);
  log(`fengkong vs the stock assembly (${ROUNDS} rounds over ${events.length} applications)`);
  measured.fengkongOverStock = await fengkongOverStock(events);
  log('compiled rules vs Engine.run (bench/rules.mjs --quick)');
  measured.compiledOverEngineRun = compiledOverEngineRun(scratch.path);
  log('credit stage vs raw session.run at batch 1');
  measured.creditStageOverRawSessionRun = await creditStageOverRawSessionRun(events);
} finally {
  scratch.remove();
}

const measuredAt = new Date().toISOString();
const commit = codeVersion();
if (recordBaseline) {
  const loadAverage1m = round(loadavg()[0], 2);
  for (const [name, { value, detail }] of Object.entries(measured)) {
    gates.ratios[name].baseline = { value, measuredAt: measuredAt.slice(0, 10), commit, loadAverage1m, detail };
  }
  writeFileSync(GATES_FILE, `${JSON.stringify(gates, null, 2)}\n`);
  log(`recorded the baselines in ${GATES_FILE}`);
}

const results = [];
for (const [name, spec] of Object.entries(gates.ratios)) {
  const { value, detail } = measured[name];
  const gate = gateOf(spec, gates.fraction);
  results.push({
    ratio: name,
    description: spec.description,
    better: spec.better,
    value,
    gate,
    target: spec.target,
    baseline: spec.baseline,
    targetMet: passes(spec.better, value, spec.target),
    passed: passes(spec.better, value, gate),
    detail,
  });
}
const runtimeSeconds = round((Date.now() - started) / 1000);
const report = {
  node: process.version,
  measuredAt,
  commit,
  loadAverage1m: round(loadavg()[0], 2),
  runtimeSeconds,
  gateRule: gates.rule,
  results,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);

const sign = (better) => (better === 'higher' ? '≥' : '≤');
console.log('ratio                          value     gate       target     target met  result');
for (const r of results) {
  console.log(
    `${r.ratio.padEnd(30)} ${`${r.value}×`.padEnd(9)} ${`${sign(r.better)} ${r.gate}×`.padEnd(10)} ${`${sign(r.better)} ${r.target}×`.padEnd(10)} ${(r.targetMet ? 'yes' : 'no').padEnd(11)} ${r.passed ? 'pass' : 'FAIL'}`,
  );
}
console.log(`bench:ci ran in ${runtimeSeconds} s (load average ${report.loadAverage1m}); wrote ${RESULTS_FILE} (sink ${sinkValue()})`);
const failed = results.filter((r) => !r.passed);
if (failed.length > 0) {
  for (const r of failed) {
    console.error(
      `bench:ci: ${r.ratio} is ${r.value}×, past its gate ${sign(r.better)} ${r.gate}× (target ${sign(r.better)} ${r.target}×)`,
    );
  }
  process.exit(1);
}
