#!/usr/bin/env node
// Compiled rules against json-rules-engine's Engine.run, side by side in one process (issue 6).
// Build first (`npm run build`): this imports the library from dist/.
//
//   node bench/rules.mjs [--out bench/results/rules.json] [--quick]
//
// Packs: synthetic packs of 5, 20 and 100 simple rules (`f<i> greaterThan <k>`, one fact each, about
// half of them firing) over 64 facts objects built key by key, as the engine builds its facts (so with
// 20 and 100 keys they are hash tables to V8, "dictionary mode"); the same 20 rules reading through
// `path`; the shipped rule packs (all five, one evaluator, as the rule stage builds it) over the facts
// the engine builds for the first 300 rows of data/applications.csv; and the shipped policy pack over
// policy facts built from those rows.
//
// Each case times, per call, Engine.run and both compiled evaluators (`generated`: code generated from
// the validated rule structure, the default; `closures`: `codegen: false`), three ways:
// - `run`: which rules fired and failed (Engine.run: `await engine.run(facts)` on one engine built
//   once; compiled: `run(facts)` and the lengths of its `fired` and `failed` lists);
// - `recorded`: that, then the one record of every fact value the evaluated conditions read: what a
//   decision records (`stages.rules.fired` and `stages.rules.values`), and the headline `speedup`.
//   Engine.run's side reads the values from all its rule results with `evaluatedFactValues`, merged in
//   evaluation order, as the rule stage does on Engine.run;
// - `explained`: that, and the record of each rule that did not fire, as `fengkong explain` records
//   them (config recordFailedRules);
// - `withReasons` (rule packs): the record, and each fired rule's own values, which the rule stage
//   puts on the rule's reason (reasons.all[].values): everything the rule stage builds per call.
// Also `generatedWithResults`: run, then `toRuleResults()`, Engine.run's result shape (built on request).
// Every timed call returns a number (rules fired, say) that is summed into a sink printed at the end,
// and every record built is kept in a ring the JIT cannot see through, so no work can be dropped.
// Each timing first calls for a while (JIT warm-up), then times samples: a batch of calls (about 20 ms
// worth) with process.hrtime.bigint, divided by the batch size; the reported figure is the median.
// tinybench (in node_modules through vitest) times every call on its own, which at tens of
// nanoseconds a call measures mostly its timer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Engine } from 'json-rules-engine';
import { compileRules } from '../dist/stages/rules/compile.js';
import { evaluatedFactValues, toFactValue } from '../dist/stages/rules/factValues.js';
import { safePathResolver } from '../dist/stages/rules/path.js';
import { loadDecisionInputs, parseEngineConfig } from '../dist/engine/loadInputs.js';
import { loadPolicyPack } from '../dist/policy/load.js';
import { buildPolicyFacts, policyRuleContext } from '../dist/policy/facts.js';
import { readEvents } from '../dist/batch/readEvents.js';
import { createMemoryStore } from '../dist/state/memory.js';
import { syntheticPack } from './packs.mjs';

const args = process.argv.slice(2);
const outPath = args.includes('--out') ? args[args.indexOf('--out') + 1] : 'bench/results/rules.json';
const quick = args.includes('--quick');
const SAMPLES = quick ? 7 : 25;
const SAMPLE_MS = quick ? 5 : 20;
const WARMUP_MS = quick ? 200 : 1000;

let sink = 0;
/** Records built by the timed calls, kept so none can be optimised away. */
const kept = new Array(4096);
let keptAt = 0;
const keep = (record) => {
  kept[keptAt++ & 4095] = record;
  return 1;
};

/**
 * Median nanoseconds per call of fn over SAMPLES batches, each sized to take about SAMPLE_MS, after
 * WARMUP_MS of calls. fn returns a number, summed into `sink`.
 */
async function timeCalls(fn, { async = false } = {}) {
  const batchOf = async (count) => {
    let sum = 0;
    const started = process.hrtime.bigint();
    if (async) for (let i = 0; i < count; i += 1) sum += await fn(i);
    else for (let i = 0; i < count; i += 1) sum += fn(i);
    const elapsed = Number(process.hrtime.bigint() - started);
    sink += sum;
    return elapsed;
  };
  const warmUntil = Date.now() + WARMUP_MS;
  while (Date.now() < warmUntil) await batchOf(64);
  let count = 1;
  while ((await batchOf(count)) < SAMPLE_MS * 1e6 && count < 1e8) count *= 2;
  const perCallNs = [];
  for (let s = 0; s < SAMPLES; s += 1) perCallNs.push((await batchOf(count)) / count);
  perCallNs.sort((a, b) => a - b);
  return {
    medianNs: round(perCallNs[Math.floor(SAMPLES / 2)]),
    minNs: round(perCallNs[0]),
    maxNs: round(perCallNs.at(-1)),
    callsPerSample: count,
    samplesNs: perCallNs.map(round),
  };
}

const round = (ns) => Math.round(ns * 10) / 10;

function compile(rules, codegen) {
  const outcome = compileRules(rules, { codegen });
  if (!outcome.compiled) throw new Error(`not compiled: ${outcome.reason}`);
  const expected = codegen ? 'generated' : 'closures';
  if (outcome.rules.evaluator !== expected) throw new Error(`expected the ${expected} evaluator, got ${outcome.rules.evaluator}`);
  return outcome.rules;
}

const firedAndFailed = (run) => run.fired.length + 2 * run.failed.length;

/**
 * The compiled run's records, as a decision keeps them: the rule stage's one record of the values read
 * (`whole`), or the policy's record per fired rule (`perFired`: stages.policy.fired[].values); and
 * (explained) each failed rule's own.
 */
function recorded(run, explained, records, withReasons = false) {
  let count = 0;
  if (records === 'whole') count += keep(run.evaluatedValues(toFactValue));
  if (records !== 'whole' || withReasons) for (const rule of run.fired) count += keep(run.factValues(rule, toFactValue));
  if (explained) for (const rule of run.failed) count += keep(run.factValues(rule, toFactValue));
  return count;
}

/** The same from Engine.run's rule results, as the stages read them on Engine.run (evaluator.ts). */
function engineRecorded(run, explained, records, evaluationRank, withReasons = false) {
  let count = 0;
  if (records === 'whole') {
    const results = [...run.results, ...run.failureResults].sort((a, b) => evaluationRank.get(a.name) - evaluationRank.get(b.name));
    const values = {};
    for (const result of results) Object.assign(values, evaluatedFactValues(result.conditions));
    count += keep(values);
  }
  if (records !== 'whole' || withReasons) for (const result of run.results) count += keep(evaluatedFactValues(result.conditions));
  if (explained) for (const result of run.failureResults) count += keep(evaluatedFactValues(result.conditions));
  return count;
}

async function benchCase(name, rules, factsList, note, records = 'whole') {
  const engine = new Engine(structuredClone(rules), { allowUndefinedFacts: false, pathResolver: safePathResolver });
  const generated = compile(rules, true);
  const closures = compile(rules, false);
  const pick = (i) => factsList[i % factsList.length];
  // The same verdicts all three ways before timing anything.
  for (const facts of factsList.slice(0, 50)) {
    const expected = JSON.stringify((await engine.run(facts)).results.map((r) => r.name).sort());
    for (const compiled of [generated, closures]) {
      const actual = JSON.stringify(
        compiled
          .run(facts)
          .fired.map((r) => r.name)
          .sort(),
      );
      if (expected !== actual) throw new Error(`${name}: ${compiled.evaluator} and Engine.run disagree`);
    }
  }
  // Evaluation order (priority groups highest first, definition order inside one) by rule name: the packs' names are unique.
  const evaluationRank = new Map(
    rules
      .map((rule, index) => ({ name: rule.name, priority: Number(rule.priority ?? 1) || 1, index }))
      .sort((a, b) => b.priority - a.priority || a.index - b.index)
      .map((rule, rank) => [rule.name, rank]),
  );
  const times = {};
  for (const explained of [false, true]) {
    const way = explained ? 'Explained' : 'Recorded';
    times[`engine${way}Ns`] = await timeCalls(async (i) => engineRecorded(await engine.run(pick(i)), explained, records, evaluationRank), {
      async: true,
    });
    times[`generated${way}Ns`] = await timeCalls((i) => recorded(generated.run(pick(i)), explained, records));
    times[`closures${way}Ns`] = await timeCalls((i) => recorded(closures.run(pick(i)), explained, records));
  }
  if (records === 'whole') {
    // What the rule stage hands on besides the record: each fired rule's own values, for its reason.
    times.engineWithReasonsNs = await timeCalls(
      async (i) => engineRecorded(await engine.run(pick(i)), false, records, evaluationRank, true),
      { async: true },
    );
    times.generatedWithReasonsNs = await timeCalls((i) => recorded(generated.run(pick(i)), false, records, true));
  }
  times.engineRunNs = await timeCalls(async (i) => (await engine.run(pick(i))).results.length, { async: true });
  times.generatedRunNs = await timeCalls((i) => firedAndFailed(generated.run(pick(i))));
  times.closuresRunNs = await timeCalls((i) => firedAndFailed(closures.run(pick(i))));
  times.generatedWithResultsNs = await timeCalls((i) => generated.run(pick(i)).toRuleResults().results.length);
  const ratio = (a, b) => round(times[a].medianNs / times[b].medianNs);
  const result = {
    pack: name,
    rules: rules.length,
    note,
    ...times,
    /** What a decision records: Engine.run and its record of the values read over the generated evaluator's. */
    speedup: ratio('engineRecordedNs', 'generatedRecordedNs'),
    speedupClosures: ratio('engineRecordedNs', 'closuresRecordedNs'),
    speedupRunOnly: ratio('engineRunNs', 'generatedRunNs'),
    speedupRunOnlyClosures: ratio('engineRunNs', 'closuresRunNs'),
    speedupExplained: ratio('engineExplainedNs', 'generatedExplainedNs'),
    speedupWithReasons: records === 'whole' ? ratio('engineWithReasonsNs', 'generatedWithReasonsNs') : undefined,
    speedupWithResults: ratio('engineRunNs', 'generatedWithResultsNs'),
  };
  console.error(
    `${name}: Engine.run + records ${us(times.engineRecordedNs.medianNs)} µs, generated ${times.generatedRecordedNs.medianNs} ns ` +
      `(${result.speedup}×), closures ${times.closuresRecordedNs.medianNs} ns (${result.speedupClosures}×)`,
  );
  return result;
}

const us = (ns) => Math.round(ns / 10) / 100;

async function shippedCases() {
  const inputs = loadDecisionInputs(parseEngineConfig({}), createMemoryStore());
  const { events } = await readEvents('data/applications.csv');
  const ordered = events
    .slice(0, 300)
    .map((event, index) => ({ event, index, at: Date.parse(event.applied_at) }))
    .sort((a, b) => a.at - b.at || a.index - b.index);
  const ruleFacts = ordered.map(({ event }) => inputs.factBuilder.build(event).facts);
  const rules = inputs.packs.rules.map(({ rule }) => rule);
  const compiledRules = compile(rules, true);
  const policy = loadPolicyPack('rules/policy/default.json', new Set(Object.keys(inputs.facts)));
  const { ruleMeta, blockLists } = policyRuleContext(inputs.packs.rules, inputs.lists.lists);
  const policyFacts = ruleFacts.map((facts, i) => {
    const run = compiledRules.run(facts);
    const fired = run.fired.map((rule) => ({ code: rule.name, severity: ruleMeta.get(rule.name).severity }));
    const listHits = inputs.lists.lists.filter((list) => facts[list.factName] === true).map((list) => list.name);
    return buildPolicyFacts(facts, {
      rules: { fired, values: {}, failed: [], listHits, evaluator: 'json-rules-engine' },
      fraud: { probability: ((i * 7919) % 1000) / 1000 },
      credit: { score: 480 + ((i * 104729) % 300), pd: ((i * 31) % 100) / 400 },
      ruleMeta,
      blockLists,
      identityFrozen: i % 97 === 0,
    });
  });
  return [
    {
      name: 'shipped rule packs',
      rules,
      factsList: ruleFacts,
      note: `rules/packs/*.json (${new Set(inputs.packs.rules.map((r) => r.pack)).size} packs, no path), facts of the first ${ruleFacts.length} rows of data/applications.csv`,
    },
    {
      name: 'shipped policy pack',
      rules: policy.pack.rules,
      factsList: policyFacts,
      note: 'rules/policy/default.json (no path), policy facts from those rows with synthetic model scores; records per fired rule, as stages.policy.fired',
      records: 'perFired',
    },
  ];
}

const cases = [];
for (const size of [5, 20, 100]) {
  const { rules, factsList } = syntheticPack(size);
  cases.push(await benchCase(`synthetic ${size}`, rules, factsList, `${size} rules "f_i greaterThan 50", one fact each`));
}
{
  const { rules, factsList } = syntheticPack(20, { path: true });
  cases.push(
    await benchCase(
      'synthetic 20, path',
      rules,
      factsList,
      '20 rules reading "$.f_i" of one object fact (Engine.run through the same safe path walker)',
    ),
  );
}
for (const shipped of await shippedCases()) {
  cases.push(await benchCase(shipped.name, shipped.rules, shipped.factsList, shipped.note, shipped.records));
}

const report = {
  node: process.version,
  jsonRulesEngine: '7.3.1',
  measuredAt: new Date().toISOString(),
  method: `after ${WARMUP_MS} ms of warm-up calls, median of ${SAMPLES} samples, each a batch of calls of about ${SAMPLE_MS} ms timed with process.hrtime.bigint; times in ns per call; every call's result summed into a sink the JIT cannot drop`,
  speedup:
    "what a decision records of the rules (which rules fired, and the values the evaluated conditions read: once for a rule pack, stages.rules; per fired rule for the policy pack, stages.policy.fired): Engine.run's median over the generated evaluator's; speedupRunOnly without the records, speedupExplained with each failed rule's too, speedupWithReasons with each fired rule's own values for its reason",
  cases,
};
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);

const row = (cells) => `| ${cells.join(' | ')} |`;
const columns = [
  ['pack', (c) => c.pack],
  ['rules', (c) => c.rules],
  ['Engine.run µs', (c) => us(c.engineRunNs.medianNs)],
  ['generated ns', (c) => c.generatedRunNs.medianNs],
  ['speedup', (c) => `${c.speedupRunOnly}×`],
  ['Engine.run + records µs', (c) => us(c.engineRecordedNs.medianNs)],
  ['generated + records ns', (c) => c.generatedRecordedNs.medianNs],
  ['speedup', (c) => `${c.speedup}×`],
  ['closures + records ns', (c) => c.closuresRecordedNs.medianNs],
  ['speedup', (c) => `${c.speedupClosures}×`],
  ['explained: Engine.run µs', (c) => us(c.engineExplainedNs.medianNs)],
  ['generated ns', (c) => c.generatedExplainedNs.medianNs],
  ['speedup', (c) => `${c.speedupExplained}×`],
  ['with reasons: generated ns', (c) => c.generatedWithReasonsNs?.medianNs ?? '–'],
  ['speedup', (c) => (c.speedupWithReasons === undefined ? '–' : `${c.speedupWithReasons}×`)],
  ['generated + toRuleResults ns', (c) => c.generatedWithResultsNs.medianNs],
];
console.log(row(columns.map(([title]) => title)));
console.log(row(columns.map((_, i) => (i === 0 ? '---' : '---:'))));
for (const c of cases) console.log(row(columns.map(([, cell]) => cell(c))));
console.error(`(sink ${sink})`);
