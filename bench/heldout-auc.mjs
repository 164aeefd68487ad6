#!/usr/bin/env node
// Out-of-sample AUC of a stage, from a decisions file: joins each decision's score to the application's
// label and measures the latest 20% of the applications by applied_at (the held-out slice, as the
// trainers split it). The AUC is computed here by ranks (Mann-Whitney, ties averaged), independently of
// the library's metrics.
//
//   node bench/heldout-auc.mjs fraud data/applications.csv decisions.jsonl [--check models/fraud-lr.json]
//   node bench/heldout-auc.mjs credit data/applications.csv decisions.jsonl [--check 0.64]
//
// fraud: stages.fraud.probability against is_fraud, over all held-out rows. With --check it exits 1
// unless the AUC is at least 0.85, below 0.99 (higher would mean the simulation leaks the label) and
// equal to the model file's figure.
// credit: stages.credit.pd against default, over the genuine held-out rows (is_fraud = 0: the credit
// model learns and is judged on genuine applications). With --check it exits 1 below the given AUC.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

const [stage, applicationsPath, decisionsPath, flag, checkArgument] = process.argv.slice(2);
if (
  !['fraud', 'credit'].includes(stage) ||
  !applicationsPath ||
  !decisionsPath ||
  (flag !== undefined && (flag !== '--check' || !checkArgument))
) {
  console.error('usage: node bench/heldout-auc.mjs fraud|credit <applications.csv> <decisions.jsonl> [--check <model.json | minimum AUC>]');
  process.exit(2);
}

const applications = parse(readFileSync(applicationsPath), { columns: true })
  .map((row, index) => ({ row, index, at: Date.parse(row.applied_at) }))
  .sort((a, b) => a.at - b.at || a.index - b.index)
  .map(({ row }) => row);
const scoreById = new Map();
for (const line of readFileSync(decisionsPath, 'utf8').split('\n')) {
  if (line === '') continue;
  const decision = JSON.parse(line);
  const result = decision.stages[stage];
  if (result === undefined) throw new Error(`decision ${decision.applicationId} has no stages.${stage}`);
  scoreById.set(decision.applicationId, stage === 'fraud' ? result.probability : result.pd);
}

// The credit trainer drops fraud rows first, then splits the genuine ones in time: do the same.
const population = stage === 'fraud' ? applications : applications.filter((row) => row.is_fraud !== '1');
const heldOut = population.slice(Math.floor(population.length * 0.8));
const scored = heldOut.map((row) => {
  const score = scoreById.get(row.application_id);
  if (score === undefined) throw new Error(`no decision for ${row.application_id}`);
  return { score, positive: (stage === 'fraud' ? row.is_fraud : row.default) === '1' };
});

// Rank-sum AUC: the probability that a random positive scores above a random negative.
scored.sort((a, b) => a.score - b.score);
let rankSumOfPositives = 0;
for (let start = 0; start < scored.length;) {
  let end = start;
  while (end + 1 < scored.length && scored[end + 1].score === scored[start].score) end += 1;
  const averageRank = (start + end) / 2 + 1;
  for (let index = start; index <= end; index += 1) if (scored[index].positive) rankSumOfPositives += averageRank;
  start = end + 1;
}
const positives = scored.filter((row) => row.positive).length;
const auc = (rankSumOfPositives - (positives * (positives + 1)) / 2) / (positives * (scored.length - positives));
console.log(`${stage}: held-out rows ${scored.length}, positives ${positives}, AUC ${auc.toFixed(4)}`);

if (flag === '--check') {
  const problems = [];
  if (stage === 'fraud') {
    const reported = JSON.parse(readFileSync(checkArgument, 'utf8')).metrics.heldOutAuc;
    if (!(auc >= 0.85)) problems.push(`AUC ${auc} is below 0.85`);
    if (!(auc < 0.99)) problems.push(`AUC ${auc} is implausibly high: the simulation leaks the label`);
    if (!(Math.abs(auc - reported) < 1e-9)) problems.push(`AUC ${auc} differs from the model file's ${reported}`);
  } else if (!(auc >= Number(checkArgument))) {
    problems.push(`AUC ${auc} is below ${checkArgument}`);
  }
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log('check passed');
}
