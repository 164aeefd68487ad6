// Three rule engines on the benchmark pack of bench/rules.mjs, the 20 synthetic rules `f<i>
// greaterThan 50` over 64 facts objects: fengkong's compiled rules (`compileRules`, the generated
// evaluator), json-rules-engine's `Engine.run`, and GoRules Zen (`@gorules/zen-engine`) evaluating the
// same rules translated to a JDM decision table (hit policy `collect`: every row that matches, as
// every rule that fires), written to bench/zen/ by `writeZenDecision`. All three must name the same
// rules on every facts object before anything is timed. Each answers which rules fired, nothing more
// (no values read, no rule results): bench/rules.mjs times what a decision records.
//
// Zen's decisions evaluate asynchronously only (`ZenDecision.evaluate`); its synchronous API
// evaluates single expressions (`evaluateUnaryExpressionSync`), timed here as one call per rule for
// reference, which is how a synchronous Zen answer to the same question would be written.
//
// `decision.evaluate` hands each evaluation to Zen's own worker threads (tokio) and back. On this
// 2-core machine that costs far more when the other core is idle (it has to be woken) than when it
// is busy, so Zen is timed both ways: as the other engines are, and again while a worker thread of
// ours spins on the other core (which changes nothing for the other engines: they run on one thread).
import { mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { Engine } from 'json-rules-engine';
import { ZenEngine, evaluateUnaryExpressionSync } from '@gorules/zen-engine';
import { compileRules } from '../dist/stages/rules/compile.js';
import { feed, round, timeTasks } from './timing.mjs';
import { syntheticPack } from './packs.mjs';

/** Compiled runs take a fraction of a microsecond: tinybench times them in batches of this many. */
const COMPILED_CALLS_PER_ITERATION = 256;

const unaryTests = { greaterThan: '>', greaterThanInclusive: '>=', lessThan: '<', lessThanInclusive: '<=' };

/** One rule's conditions as Zen unary tests by fact: only `all` of numeric comparisons, one per fact. */
function unaryCells(rule) {
  const { all } = rule.conditions;
  if (!Array.isArray(all)) throw new Error(`${rule.name}: only "all" conditions translate to a decision table row`);
  const cells = new Map();
  for (const condition of all) {
    const test = unaryTests[condition.operator];
    if (test === undefined || typeof condition.value !== 'number' || condition.path !== undefined || cells.has(condition.fact)) {
      throw new Error(`${rule.name}: only numeric comparisons, one per fact, translate to a decision table row`);
    }
    cells.set(condition.fact, `${test} ${condition.value}`);
  }
  return cells;
}

/**
 * The rules as a JDM decision: request → decision table → response. One input column per fact read,
 * one row per rule (its comparisons in their facts' columns, empty cells match anything), and one
 * output column, the rule's name. Ids are fixed, so the same rules give the same bytes.
 */
export function zenDecision(rules) {
  const facts = [...new Set(rules.flatMap((rule) => rule.conditions.all.map((condition) => condition.fact)))];
  const inputs = facts.map((fact, index) => ({ id: `input-${index}`, name: fact, field: fact }));
  const column = new Map(facts.map((fact, index) => [fact, `input-${index}`]));
  const rows = rules.map((rule, index) => {
    const cells = unaryCells(rule);
    const row = { _id: `rule-${index}` };
    for (const fact of facts) row[column.get(fact)] = cells.get(fact) ?? '';
    row['output-rule'] = JSON.stringify(rule.name);
    return row;
  });
  const position = { x: 0, y: 0 };
  return {
    contentType: 'application/vnd.gorules.decision',
    nodes: [
      { id: 'request', type: 'inputNode', name: 'Request', position },
      {
        id: 'rules',
        type: 'decisionTableNode',
        name: 'Rules',
        position,
        content: {
          hitPolicy: 'collect',
          inputs,
          outputs: [{ id: 'output-rule', name: 'rule', field: 'rule' }],
          rules: rows,
        },
      },
      { id: 'response', type: 'outputNode', name: 'Response', position },
    ],
    edges: [
      { id: 'request-rules', sourceId: 'request', targetId: 'rules', type: 'edge' },
      { id: 'rules-response', sourceId: 'rules', targetId: 'response', type: 'edge' },
    ],
  };
}

/** Writes the decision as bench/zen/<name>.json (under `repo`); answers the file's path. */
export function writeZenDecision(content, name, { repo = '.' } = {}) {
  const folder = join(repo, 'bench/zen');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`);
  return path;
}

const sortedNames = (names) => JSON.stringify([...names].sort());

/** Runs `fn` while a worker thread spins, keeping another core awake, until `fn` settles. */
async function withSpinningThread(fn) {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const spinner = new Worker(
    "const stop = new Int32Array(require('node:worker_threads').workerData); while (Atomics.load(stop, 0) === 0);",
    { eval: true, workerData: stop.buffer },
  );
  await once(spinner, 'online');
  try {
    return await fn();
  } finally {
    Atomics.store(stop, 0, 1);
    await once(spinner, 'exit');
  }
}

/** Compiled rules, Engine.run and Zen on the 20-rule synthetic pack: checked equal, then timed. */
export async function benchRuleEngines({ repo = '.', timeMs, warmupMs }) {
  const { rules, factsList } = syntheticPack(20);
  const outcome = compileRules(rules, { codegen: true });
  if (!outcome.compiled) throw new Error(`not compiled: ${outcome.reason}`);
  const compiled = outcome.rules;
  const engine = new Engine(structuredClone(rules), { allowUndefinedFacts: false });
  const content = zenDecision(rules);
  const zenFile = writeZenDecision(content, 'synthetic-20', { repo });
  const zen = new ZenEngine();
  const decision = zen.createDecision(content);
  const conditions = rules.map((rule) => ({
    name: rule.name,
    fact: rule.conditions.all[0].fact,
    test: unaryCells(rule).values().next().value,
  }));

  for (const [index, facts] of factsList.entries()) {
    const expected = sortedNames(compiled.run(facts).fired.map((rule) => rule.name));
    const engineFired = sortedNames((await engine.run(facts)).results.map((result) => result.name));
    const zenFired = sortedNames((await decision.evaluate(facts)).result.map((row) => row.rule));
    const unaryFired = sortedNames(
      conditions.filter(({ fact, test }) => evaluateUnaryExpressionSync(test, { $: facts[fact] })).map((c) => c.name),
    );
    if (engineFired !== expected) throw new Error(`facts ${index}: Engine.run fired ${engineFired}, compiled ${expected}`);
    if (zenFired !== expected) throw new Error(`facts ${index}: Zen fired ${zenFired}, compiled ${expected}`);
    if (unaryFired !== expected) throw new Error(`facts ${index}: Zen's unary expressions fired ${unaryFired}, compiled ${expected}`);
  }

  let next = 0;
  const pick = () => factsList[next++ & 63];
  const times = await timeTasks(
    [
      {
        name: 'compiled',
        callsPerIteration: COMPILED_CALLS_PER_ITERATION,
        fn: () => {
          let fired = 0;
          for (let i = 0; i < COMPILED_CALLS_PER_ITERATION; i += 1) fired += compiled.run(pick()).fired.length;
          feed(fired);
        },
      },
      { name: 'Engine.run', async: true, fn: async () => feed((await engine.run(pick())).results.length) },
      { name: 'Zen decision.evaluate', async: true, fn: async () => feed((await decision.evaluate(pick())).result.length) },
      {
        name: 'Zen evaluateUnaryExpressionSync per rule',
        fn: () => {
          const facts = pick();
          let fired = 0;
          for (const { fact, test } of conditions) if (evaluateUnaryExpressionSync(test, { $: facts[fact] })) fired += 1;
          feed(fired);
        },
      },
    ],
    { timeMs, warmupMs },
  );
  const zenBusy = await withSpinningThread(() =>
    timeTasks(
      [
        {
          name: 'Zen decision.evaluate, other core busy',
          async: true,
          fn: async () => feed((await decision.evaluate(pick())).result.length),
        },
      ],
      { timeMs, warmupMs },
    ),
  );
  Object.assign(times, zenBusy);
  const compiledNs = times.compiled.medianNs;
  return {
    pack: 'synthetic 20 (bench/rules.mjs): 20 rules "f_i greaterThan 50" over 64 facts objects',
    zenDecision: zenFile,
    checked: `${factsList.length} facts objects, the same rules fired on each by all engines`,
    times,
    speedupOverEngineRun: round(times['Engine.run'].medianNs / compiledNs),
    speedupOverZen: round(times['Zen decision.evaluate'].medianNs / compiledNs),
    speedupOverZenOtherCoreBusy: round(times['Zen decision.evaluate, other core busy'].medianNs / compiledNs),
    speedupOverZenUnarySync: round(times['Zen evaluateUnaryExpressionSync per rule'].medianNs / compiledNs),
  };
}
