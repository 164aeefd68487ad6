#!/usr/bin/env node
// Out-of-sample AUC of the anti-fraud stage, from a decisions file: joins each decision's
// stages.fraud.probability to the application's is_fraud label and measures the latest 20% of the
// applications by applied_at (the held-out slice, as the trainer splits it). The AUC is computed here by
// ranks (Mann-Whitney, ties averaged), independently of the library's metrics.
//
//   node bench/fraud-auc.mjs data/applications.csv decisions.jsonl [--check models/fraud-lr.json]
//
// With --check it exits 1 unless the AUC is at least 0.85, below 0.99 (higher would mean the
// simulation leaks the label) and equal to the figure the model file reports.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

const [applicationsPath, decisionsPath, flag, modelPath] = process.argv.slice(2);
if (!applicationsPath || !decisionsPath || (flag !== undefined && (flag !== '--check' || !modelPath))) {
  console.error('usage: node bench/fraud-auc.mjs <applications.csv> <decisions.jsonl> [--check <model.json>]');
  process.exit(2);
}

const applications = parse(readFileSync(applicationsPath), { columns: true })
  .map((row, index) => ({ row, index, at: Date.parse(row.applied_at) }))
  .sort((a, b) => a.at - b.at || a.index - b.index)
  .map(({ row }) => row);
const probabilityById = new Map();
for (const line of readFileSync(decisionsPath, 'utf8').split('\n')) {
  if (line === '') continue;
  const decision = JSON.parse(line);
  if (decision.stages.fraud === undefined) throw new Error(`decision ${decision.applicationId} has no stages.fraud`);
  probabilityById.set(decision.applicationId, decision.stages.fraud.probability);
}

const heldOut = applications.slice(Math.floor(applications.length * 0.8));
const scored = heldOut.map((row) => {
  const probability = probabilityById.get(row.application_id);
  if (probability === undefined) throw new Error(`no decision for ${row.application_id}`);
  return { probability, fraud: row.is_fraud === '1' };
});

// Rank-sum AUC: the probability that a random fraud scores above a random genuine application.
scored.sort((a, b) => a.probability - b.probability);
let rankSumOfFrauds = 0;
for (let start = 0; start < scored.length;) {
  let end = start;
  while (end + 1 < scored.length && scored[end + 1].probability === scored[start].probability) end += 1;
  const averageRank = (start + end) / 2 + 1;
  for (let index = start; index <= end; index += 1) if (scored[index].fraud) rankSumOfFrauds += averageRank;
  start = end + 1;
}
const frauds = scored.filter((row) => row.fraud).length;
const genuine = scored.length - frauds;
const auc = (rankSumOfFrauds - (frauds * (frauds + 1)) / 2) / (frauds * genuine);
console.log(`held-out rows ${scored.length}, frauds ${frauds}, fraud AUC ${auc.toFixed(4)}`);

if (flag === '--check') {
  const reported = JSON.parse(readFileSync(modelPath, 'utf8')).metrics.heldOutAuc;
  const problems = [];
  if (!(auc >= 0.85)) problems.push(`AUC ${auc} is below 0.85`);
  if (!(auc < 0.99)) problems.push(`AUC ${auc} is implausibly high: the simulation leaks the label`);
  if (!(Math.abs(auc - reported) < 1e-9)) problems.push(`AUC ${auc} differs from the model file's ${reported}`);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(`matches the model file (${reported.toFixed(4)})`);
}
