#!/usr/bin/env node
// Compiled rules against json-rules-engine's Engine.run, side by side in one process (issue 6).
// Build first (`npm run build`): this imports the library from dist/.
//
//   node bench/rules.mjs [--out bench/results/rules.json] [--quick]
//
// Packs: synthetic packs of 5, 20 and 100 simple rules (`f<i> greaterThan <k>`, one fact each, about
// half of them firing), the same 20 rules reading through `path`, the shipped rule packs (all five,
// one evaluator, as the rule stage builds it) over the facts the engine builds for the first 300 rows
// of data/applications.csv, and the shipped policy pack over policy facts built from those rows.
//
// Each case times, per call:
// - `engine`: `await engine.run(facts)` on one engine built once;
// - `engineWithValues`: the same, then `evaluatedFactValues` of every result: what the rule stage does
//   today to record each rule's values;
// - `compiled`: `compiled.run(facts)`, the synchronous evaluator: which rules fired or failed, with the
//   value each evaluated condition read kept in the run;
// - `compiledWithValues`: run, then `factValues(rule)` for every rule: the fired and failed lists with
//   their values, which is what a decision records (`stages.rules`);
// - `compiledWithResults`: run, then `toRuleResults()`, Engine.run's result shape (built on request).
// Each timing first calls for a second (JIT warm-up), then times samples: a batch of calls (about 20 ms
// worth) with process.hrtime.bigint, divided by the batch size; the reported figure is the median. tinybench (in node_modules through vitest) times
// every call on its own, which at a few hundred nanoseconds a call measures mostly its timer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Engine } from 'json-rules-engine';
import { compileRules } from '../dist/stages/rules/compile.js';
import { evaluatedFactValues } from '../dist/engine/conditionValues.js';
import { safePathResolver } from '../dist/stages/rules/path.js';
import { loadDecisionInputs, parseEngineConfig } from '../dist/engine/loadInputs.js';
import { loadPolicyPack } from '../dist/policy/load.js';
import { buildPolicyFacts } from '../dist/policy/facts.js';
import { readEvents } from '../dist/batch/readEvents.js';
import { createMemoryStore } from '../dist/state/memory.js';

const args = process.argv.slice(2);
const outPath = args.includes('--out') ? args[args.indexOf('--out') + 1] : 'bench/results/rules.json';
const quick = args.includes('--quick');
const SAMPLES = quick ? 7 : 25;
const SAMPLE_MS = quick ? 5 : 20;
const WARMUP_MS = quick ? 200 : 1000;

/** Median nanoseconds per call of fn over SAMPLES batches, each sized to take about SAMPLE_MS, after WARMUP_MS of calls. */
async function timeCalls(fn, { async = false } = {}) {
  const batchOf = async (count) => {
    const started = process.hrtime.bigint();
    if (async) for (let i = 0; i < count; i += 1) await fn(i);
    else for (let i = 0; i < count; i += 1) fn(i);
    return Number(process.hrtime.bigint() - started);
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

function compile(rules) {
  const outcome = compileRules(rules);
  if (!outcome.compiled) throw new Error(`not compiled: ${outcome.reason}`);
  return outcome.rules;
}

async function benchCase(name, rules, factsList, note) {
  const engine = new Engine(structuredClone(rules), { allowUndefinedFacts: false, pathResolver: safePathResolver });
  const compiled = compile(rules);
  const pick = (i) => factsList[i % factsList.length];
  // The same verdicts both ways before timing anything.
  for (const facts of factsList.slice(0, 50)) {
    const expected = (await engine.run(facts)).results.map((r) => r.name).sort();
    const actual = compiled
      .run(facts)
      .fired.map((r) => r.name)
      .sort();
    if (JSON.stringify(expected) !== JSON.stringify(actual)) throw new Error(`${name}: compiled and Engine.run disagree`);
  }
  const engineRun = await timeCalls((i) => engine.run(pick(i)), { async: true });
  const engineWithValues = await timeCalls(
    async (i) => {
      const run = await engine.run(pick(i));
      for (const result of run.results) evaluatedFactValues(result.conditions);
      for (const result of run.failureResults) evaluatedFactValues(result.conditions);
      return run;
    },
    { async: true },
  );
  const compiledRun = await timeCalls((i) => compiled.run(pick(i)));
  const compiledWithValues = await timeCalls((i) => {
    const run = compiled.run(pick(i));
    for (const rule of run.fired) run.factValues(rule);
    for (const rule of run.failed) run.factValues(rule);
    return run;
  });
  const compiledWithResults = await timeCalls((i) => compiled.run(pick(i)).toRuleResults());
  const result = {
    pack: name,
    rules: rules.length,
    note,
    engineRunNs: engineRun,
    engineWithValuesNs: engineWithValues,
    compiledRunNs: compiledRun,
    compiledWithValuesNs: compiledWithValues,
    compiledWithResultsNs: compiledWithResults,
    speedup: round(engineRun.medianNs / compiledRun.medianNs),
    speedupWithValues: round(engineWithValues.medianNs / compiledWithValues.medianNs),
    speedupWithResults: round(engineRun.medianNs / compiledWithResults.medianNs),
  };
  console.error(`${name}: Engine.run ${us(engineRun.medianNs)} µs, compiled ${compiledRun.medianNs} ns (${result.speedup}×)`);
  return result;
}

const us = (ns) => Math.round(ns / 10) / 100;

function syntheticPack(size, { path = false } = {}) {
  const rules = [];
  for (let i = 0; i < size; i += 1) {
    const condition = path
      ? { fact: 'applicant', path: `$.f${i}`, operator: 'greaterThan', value: 50 }
      : { fact: `f${i}`, operator: 'greaterThan', value: 50 };
    rules.push({ name: `R${i}`, priority: 1, conditions: { all: [condition] }, event: { type: `R${i}`, params: { severity: 'review' } } });
  }
  const factsList = [];
  for (let j = 0; j < 64; j += 1) {
    const values = {};
    for (let i = 0; i < size; i += 1) values[`f${i}`] = (i * 37 + j * 11) % 100; // about half above 50
    factsList.push(path ? { applicant: values } : values);
  }
  return { rules, factsList };
}

async function shippedCases() {
  const inputs = loadDecisionInputs(parseEngineConfig({}), createMemoryStore());
  const { events } = await readEvents('data/applications.csv');
  const ordered = events
    .slice(0, 300)
    .map((event, index) => ({ event, index, at: Date.parse(event.applied_at) }))
    .sort((a, b) => a.at - b.at || a.index - b.index);
  const ruleFacts = ordered.map(({ event }) => inputs.factBuilder.build(event).facts);
  const rules = inputs.packs.rules.map(({ rule }) => rule);
  const compiledRules = compile(rules);
  const policy = loadPolicyPack('rules/policy/default.json', new Set(Object.keys(inputs.facts)));
  const meta = new Map(rules.map((rule) => [rule.name, { category: rule.event.params.category }]));
  const severity = new Map(rules.map((rule) => [rule.name, rule.event.params.severity]));
  const blockLists = new Set(inputs.lists.lists.filter((list) => list.kind === 'block').map((list) => list.name));
  const policyFacts = ruleFacts.map((facts, i) => {
    const run = compiledRules.run(facts);
    const fired = run.fired.map((rule) => ({ code: rule.name, severity: severity.get(rule.name), values: {} }));
    const listHits = inputs.lists.lists.filter((list) => facts[list.factName] === true).map((list) => list.name);
    return buildPolicyFacts(facts, {
      rules: { fired, failed: [], listHits, evaluator: 'json-rules-engine' },
      fraud: { probability: ((i * 7919) % 1000) / 1000 },
      credit: { score: 480 + ((i * 104729) % 300), pd: ((i * 31) % 100) / 400 },
      ruleMeta: meta,
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
      note: 'rules/policy/default.json (no path), policy facts from those rows with synthetic model scores',
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
for (const shipped of await shippedCases()) cases.push(await benchCase(shipped.name, shipped.rules, shipped.factsList, shipped.note));

const report = {
  node: process.version,
  jsonRulesEngine: '7.3.1',
  measuredAt: new Date().toISOString(),
  method: `after ${WARMUP_MS} ms of warm-up calls, median of ${SAMPLES} samples, each a batch of calls of about ${SAMPLE_MS} ms timed with process.hrtime.bigint; times in ns per call`,
  cases,
};
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);

const row = (cells) => `| ${cells.join(' | ')} |`;
console.log(
  row([
    'pack',
    'rules',
    'Engine.run µs',
    'compiled ns',
    'speedup',
    'Engine.run + values µs',
    'compiled + values ns',
    'speedup',
    'compiled + toRuleResults ns',
  ]),
);
console.log(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
for (const c of cases) {
  console.log(
    row([
      c.pack,
      c.rules,
      us(c.engineRunNs.medianNs),
      c.compiledRunNs.medianNs,
      `${c.speedup}×`,
      us(c.engineWithValuesNs.medianNs),
      c.compiledWithValuesNs.medianNs,
      `${c.speedupWithValues}×`,
      c.compiledWithResultsNs.medianNs,
    ]),
  );
}
