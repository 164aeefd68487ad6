#!/usr/bin/env node
// The benchmark harness (issue 7): fengkong and what it is compared with, side by side in one process,
// over the same applications. Build first (`npm run build`): this imports the library from dist/.
//
//   node bench/harness.mjs [--rows N | --file F] [--quick]      (npm run bench)
//
// Input: N applications (default 50,000) from the deterministic generator (`fengkong gen --rows N`,
// default seed) in a temporary folder, or the CSV given with --file; time-ordered, no application id
// twice (checked). Rows measured, in order:
// 1. fengkong's single decision, `await engine.decide(event)` per event, default config, and with
//    `{ attributions: 'none' }` when the library accepts that key (skipped with a note otherwise);
//    beside them `scoreCsvFile` (what `fengkong score` runs: read, validate, decide in chunks, write),
//    on this thread and on 1 and 2 worker threads (`score --workers N`, their decisions checked
//    equal to this thread's, timings aside);
// 2. the stock assembly (bench/stock.mjs) over the same file;
// 3. fengkong's credit scoring against raw `InferenceSession.run` at batch 1 and 1024 (bench/credit.mjs);
// 4. compiled rules, `Engine.run` and GoRules Zen on the 20-rule synthetic pack (bench/ruleEngines.mjs);
// 5. the I/O floor: the CSV read and split as `score` does, a fixed 1 KB line written per row
//    (bench/ioFloor.mjs).
// Writes bench/results/harness.json and bench/results/harness.md (the table, also printed).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createEngine, scoreCsvFile } from '../dist/index.js';
import { configAccepted, timeSingleDecisions } from './decide.mjs';
import { createStockAssembly } from './stock.mjs';
import { benchCredit, CREDIT_BATCH } from './credit.mjs';
import { benchRuleEngines } from './ruleEngines.mjs';
import { timeIoFloor } from './ioFloor.mjs';
import { codeVersion, generateApplications, readDistinctEvents, scratchFolder } from './inputs.mjs';
import { count, duration, markdownTable, round, sinkValue } from './timing.mjs';

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const quick = args.includes('--quick');
const rows = Number(option('--rows') ?? (quick ? 10_000 : 50_000));
const tinybenchTime = quick ? { timeMs: 500, warmupMs: 200 } : { timeMs: 2000, warmupMs: 500 };
const warmupEvents = quick ? 500 : 2000;
const resultsDir = 'bench/results';
const log = (message) => console.error(`[bench] ${message}`);

const scratch = scratchFolder();
try {
  const started = Date.now();
  const loadAtStart = round(loadavg()[0], 2);
  const file = option('--file') ?? generateApplications(rows, scratch.path);
  const inputName = option('--file') ?? `fengkong gen --rows ${rows} (default seed)`;
  const events = await readDistinctEvents(file);
  log(`${events.length} applications from ${inputName}`);

  log('1. fengkong engine.decide, default config');
  const decideDefault = await timeSingleDecisions(events, {}, { warmupEvents });
  const noAttributionsConfig = { attributions: 'none' };
  const noAttributionsAccepted = configAccepted(noAttributionsConfig);
  let decideNoAttributions = { skipped: `the config key is refused: ${noAttributionsAccepted.reason}` };
  if (noAttributionsAccepted.accepted) {
    log("1. fengkong engine.decide, { attributions: 'none' }");
    decideNoAttributions = await timeSingleDecisions(events, noAttributionsConfig, { warmupEvents });
  }
  log('1. fengkong scoreCsvFile');
  const scored = await scoreCsvFile(await createEngine(), {
    inputPath: file,
    outputPath: join(scratch.path, 'decisions.jsonl'),
    rejectsPath: join(scratch.path, 'decisions.rejects.jsonl'),
  });
  if (scored.decided !== events.length || scored.repeated !== 0)
    throw new Error(`scoreCsvFile decided ${scored.decided} of ${events.length}`);
  const withWorkers = {};
  for (const workers of [1, 2]) {
    log(`1. fengkong scoreCsvFile, ${workers} worker thread${workers === 1 ? '' : 's'}`);
    const summary = await scoreCsvFile(await createEngine(), {
      inputPath: file,
      outputPath: join(scratch.path, `decisions-${workers}.jsonl`),
      rejectsPath: join(scratch.path, `decisions-${workers}.rejects.jsonl`),
      workers: { count: workers, config: {}, fields: null },
    });
    if (summary.decided !== events.length)
      throw new Error(`scoreCsvFile with ${workers} workers decided ${summary.decided} of ${events.length}`);
    const differing = differingDecisions(join(scratch.path, 'decisions.jsonl'), join(scratch.path, `decisions-${workers}.jsonl`));
    if (differing > 0)
      throw new Error(`scoreCsvFile with ${workers} workers wrote ${differing} decisions unlike the single-threaded run's`);
    withWorkers[workers] = { ...scoreSummary(summary), redecided: summary.redecided };
  }

  log('2. the stock assembly');
  const stock = await createStockAssembly();
  await stock.scoreFile(file, { limitRows: warmupEvents }); // warm-up, not counted
  const stockRun = await stock.scoreFile(file);
  await stock.release();

  log('3. credit stage against raw session.run');
  const credit = await benchCredit(events, tinybenchTime);

  log('4. compiled rules, Engine.run and Zen');
  const ruleEngines = await benchRuleEngines(tinybenchTime);

  log('5. the I/O floor');
  const ioFloor = await timeIoFloor(file, scratch.path);

  const report = {
    node: process.version,
    measuredAt: new Date().toISOString(),
    commit: codeVersion(),
    cpus: `${cpus().length} cores`,
    loadAverage1m: { start: loadAtStart, end: round(loadavg()[0], 2) },
    input: { source: inputName, rows: events.length },
    method: {
      decide: `one engine per row, the first ${warmupEvents} events decided untimed (warm-up), then each await engine.decide(event) timed with process.hrtime.bigint; rows/s = timed events over the timed loop's wall clock`,
      stock: `wall clock of one pass over the file after a warm-up pass over its first ${warmupEvents} rows; CSV parse and JSON.stringify included, loading excluded`,
      tinybench: `tinybench ${tinybenchTime.timeMs} ms per task after ${tinybenchTime.warmupMs} ms of warm-up, hrtime timestamps; medians; sub-microsecond calls timed in batches and divided`,
      sink: 'every timed call feeds a sink printed at the end',
    },
    decide: { default: decideDefault, attributionsNone: decideNoAttributions, scoreCsvFile: scoreSummary(scored), withWorkers },
    stock: stockRun,
    fengkongOverStock: round(decideDefault.rowsPerSecond / stockRun.rowsPerSecond, 3),
    scoreCsvFileOverStock: round(scored.rowsPerSecond / stockRun.rowsPerSecond, 3),
    credit,
    ruleEngines,
    ioFloor,
    runtimeSeconds: round((Date.now() - started) / 1000),
  };
  const table = harnessTable(report);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'harness.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(
    join(resultsDir, 'harness.md'),
    `Measured ${report.measuredAt.slice(0, 10)} at ${report.commit}, Node ${report.node}, ${report.cpus} (load average ${report.loadAverage1m.start} at the start, ${report.loadAverage1m.end} at the end); ${report.input.rows} applications from ${inputName}, ${report.runtimeSeconds} s.\n\n${table}\n`,
  );
  console.log(table);
  log(`done in ${report.runtimeSeconds} s; wrote ${resultsDir}/harness.json and ${resultsDir}/harness.md (sink ${sinkValue()})`);
} finally {
  scratch.remove();
}

/** Decisions that differ between two decision files, timings aside (the `audit` keys ending in Us, and decidedAt). */
function differingDecisions(expectedPath, actualPath) {
  const withoutTimings = (line) => {
    const decision = JSON.parse(line);
    for (const key of Object.keys(decision.audit)) if (key.endsWith('Us') || key === 'decidedAt') delete decision.audit[key];
    return JSON.stringify(decision);
  };
  const expected = readFileSync(expectedPath, 'utf8').split('\n');
  const actual = readFileSync(actualPath, 'utf8').split('\n');
  let differing = Math.abs(expected.length - actual.length);
  for (let index = 0; index < Math.min(expected.length, actual.length); index += 1) {
    if (expected[index] !== actual[index] && withoutTimings(expected[index]) !== withoutTimings(actual[index])) differing += 1;
  }
  return differing;
}

function scoreSummary(summary) {
  return {
    decided: summary.decided,
    elapsedMs: round(summary.elapsedMs),
    rowsPerSecond: round(summary.rowsPerSecond),
    outcomes: summary.outcomes,
  };
}

function harnessTable(report) {
  const { decide, stock, credit, ruleEngines: rules, ioFloor } = report;
  const perSecond = (rowsPerCall, ns) => count((rowsPerCall * 1e9) / ns);
  const times = (value) => `${value}×`;
  const rows = [
    [
      '1. fengkong `engine.decide`, default config',
      duration(decide.default.p50Ns),
      duration(decide.default.p99Ns),
      count(decide.default.rowsPerSecond),
      '',
    ],
    decide.attributionsNone.skipped
      ? ["1. fengkong `engine.decide`, `{ attributions: 'none' }`", 'skipped', '', '', decide.attributionsNone.skipped]
      : [
          "1. fengkong `engine.decide`, `{ attributions: 'none' }`",
          duration(decide.attributionsNone.p50Ns),
          duration(decide.attributionsNone.p99Ns),
          count(decide.attributionsNone.rowsPerSecond),
          `${round(decide.attributionsNone.rowsPerSecond / decide.default.rowsPerSecond, 2)}× default`,
        ],
    [
      '1. fengkong `scoreCsvFile` (read, validate, decide by 1024, write)',
      '',
      '',
      count(decide.scoreCsvFile.rowsPerSecond),
      `÷ stock: ${times(report.scoreCsvFileOverStock)}`,
    ],
    ...Object.entries(decide.withWorkers).map(([workers, run]) => [
      `1. fengkong \`scoreCsvFile\`, ${workers} worker thread${workers === '1' ? '' : 's'} (\`score --workers ${workers}\`)`,
      '',
      '',
      count(run.rowsPerSecond),
      `${round(run.rowsPerSecond / decide.scoreCsvFile.rowsPerSecond, 2)}× on this thread; ${run.redecided} decided again`,
    ]),
    [
      '2. stock assembly (csv-parse, zod, Engine.run, JS LR, ort batch 1024, stringify)',
      '',
      '',
      count(stock.rowsPerSecond),
      `fengkong decide ÷ stock: ${times(report.fengkongOverStock)}`,
    ],
  ];
  for (const batch of [1, CREDIT_BATCH]) {
    const task = (name) => credit.times[`${name}, batch ${batch}`];
    const row = (label, name, ratio) => [
      `3. ${label}, batch ${batch}`,
      duration(task(name).medianNs),
      duration(task(name).p99Ns),
      perSecond(batch, task(name).medianNs),
      ratio === undefined ? '' : `${times(ratio)} raw`,
    ];
    rows.push(
      row('raw `InferenceSession.run`', 'raw session.run'),
      row(
        'fengkong `CreditSession.run` (dist/stages/credit/session.js)',
        'fengkong CreditSession.run',
        credit.ratios[`batch${batch}CreditSession`],
      ),
    );
    if (credit.pathTask !== 'fengkong CreditSession.run') {
      rows.push(row(`fengkong ${credit.fengkongPath} (encoding included)`, credit.pathTask, credit.ratios[`batch${batch}`]));
    }
    rows.push(
      row(
        'fengkong `createCreditPredictor` with Shapley attributions',
        'fengkong predictor with attributions',
        credit.ratios[`batch${batch}WithAttributions`],
      ),
    );
  }
  const ruleRow = (label, name, note) => {
    const { medianNs, p99Ns } = rules.times[name];
    return [`4. ${label}`, duration(medianNs), duration(p99Ns), perSecond(1, medianNs), note];
  };
  rows.push(
    ruleRow('compiled rules (`compileRules`), synthetic 20', 'compiled', 'timed in batches of 256 calls (p99 of batch means)'),
    ruleRow('json-rules-engine `Engine.run`, synthetic 20', 'Engine.run', `compiled is ${times(rules.speedupOverEngineRun)} faster`),
    ruleRow('GoRules Zen `decision.evaluate`, synthetic 20', 'Zen decision.evaluate', `compiled is ${times(rules.speedupOverZen)} faster`),
    ruleRow(
      'GoRules Zen `decision.evaluate`, synthetic 20, the other core kept busy',
      'Zen decision.evaluate, other core busy',
      `compiled is ${times(rules.speedupOverZenOtherCoreBusy)} faster`,
    ),
    ruleRow(
      'GoRules Zen `evaluateUnaryExpressionSync` × 20, synthetic 20',
      'Zen evaluateUnaryExpressionSync per rule',
      `compiled is ${times(rules.speedupOverZenUnarySync)} faster`,
    ),
    ['5. I/O floor (read and split as `score` does, 1 KB line written per row)', '', '', count(ioFloor.rowsPerSecond), ''],
  );
  return markdownTable(['measurement', 'p50 per call', 'p99 per call', 'rows/s', 'note'], rows);
}
