// The model card for the anti-fraud model, written by the trainer from the figures it measured.
import type { FraudModelFile } from '../../schema/fraudModel.js';
import type { FraudEvaluation } from './evaluate.js';

const fixed = (value: number, digits = 3) => value.toFixed(digits);
const percent = (value: number, digits = 1) => `${(value * 100).toFixed(digits)}%`;

export function renderFraudCard(input: {
  model: FraudModelFile;
  heldOut: FraudEvaluation;
  trainAuc: number;
  sourceName: string;
  rejectedRows: number;
  iterations: number;
  /** Where the model file is written. */
  modelPath: string;
  labelField: string;
  /** Whether the label was given by the caller rather than read from the data model's outcomes. */
  labelGiven: boolean;
  featureSource: 'lending' | 'declared';
}): string {
  const { model, heldOut } = input;
  const lines: string[] = [];
  lines.push(`# Anti-fraud model card: \`${input.modelPath}\``, '');
  lines.push(
    'Written by `fengkong train fraud` from the figures it measured; do not edit by hand.',
    '',
    '## What it is',
    '',
    `L2-penalised logistic regression (penalty ${model.l2} on standardised inputs, intercept unpenalised; IRLS, ${input.iterations} iterations) over ${model.features.length} velocity, identity-consistency and application inputs computed by the same fact builder that serves decisions. Every prediction is explained exactly: each input contributes β·(x − training mean) log-odds, and the contributions sum to the logit minus the baseline logit (${fixed(model.baselineLogit, 4)}).`,
    '',
    '## Data and split',
    '',
    `- Source: \`${input.sourceName}\` (sha256 \`${model.trainingDataSha256}\`), ${model.split.trainRows + model.split.testRows} applications${input.rejectedRows > 0 ? `, ${input.rejectedRows} rows rejected as invalid` : ''}.`,
    `- ${model.split.rule}: ${model.split.trainRows} train (until ${model.split.trainUntil}), ${model.split.testRows} held out.`,
    `- Labels: \`${input.labelField}\`${input.labelGiven ? ' (given with --target and --positive)' : ", the data model's fraud outcome"}; ${heldOut.frauds} frauds in the held-out slice, so every held-out figure carries wide uncertainty.`,
    input.featureSource === 'lending'
      ? '- Inputs: the curated lending set (velocity, identity consistency, list hits and loan-to-income), each with its transform and reason.'
      : "- Inputs: one per aggregate, signal and list hit the data model declares (counts, sums and times as log1p, first sightings and flags as 0/1, ratios as a clamped log); the reasons are the declarations' descriptions.",
    '',
    '## Held-out performance',
    '',
    `| metric | value |`,
    `| --- | --- |`,
    `| AUC | ${fixed(heldOut.auc.auc)} (95% DeLong interval ${fixed(heldOut.auc.lower)} – ${fixed(heldOut.auc.upper)}) |`,
    `| KS | ${fixed(heldOut.ks)} |`,
    `| train AUC (in sample) | ${fixed(input.trainAuc)} |`,
    `| best single input: \`${heldOut.bestSingleFeature.name}\` (direction read on the training rows) | AUC ${fixed(heldOut.bestSingleFeature.auc)} |`,
    '',
    'An AUC at or near 1.0 would mean the simulation leaks the label. The generator makes part of each fraud scenario look almost ordinary (see the README), which no input here can separate; recall by scenario below shows where the model misses.',
    '',
    '### Recall at fixed alert rates',
    '',
    '| alert rate | alerts | frauds caught | recall | precision | recall by scenario |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const alert of heldOut.alerts) {
    const byScenario = alert.byScenario.map((group) => `${group.group} ${group.caught}/${group.positives}`).join(', ');
    lines.push(
      `| ${percent(alert.alertRate)} | ${alert.alerts} | ${alert.caught} | ${percent(alert.recall)} | ${percent(alert.precision)} | ${byScenario} |`,
    );
  }
  const velocity = heldOut.velocityRules;
  lines.push(
    '',
    '### Against the velocity rules alone',
    '',
    `The velocity rules (rule-pack rules of category velocity) flag ${velocity.alerts} held-out applications and catch ${velocity.caught} of ${heldOut.frauds} frauds (recall ${percent(velocity.recall)}). The model, alerting on the same number of applications, catches ${velocity.modelCaughtAtSameAlerts}.`,
    '',
    '### Calibration by decile of predicted probability',
    '',
    '| decile | applications | mean predicted | observed fraud rate |',
    '| --- | --- | --- | --- |',
  );
  for (const bin of heldOut.calibration)
    lines.push(`| ${bin.bin} | ${bin.count} | ${fixed(bin.meanPredicted, 4)} | ${fixed(bin.observedRate, 4)} |`);
  lines.push(
    '',
    '## Coefficients',
    '',
    'Per raw unit of the input, and per training standard deviation (comparable across inputs).',
    '',
    '| input | meaning | training mean | coefficient | per standard deviation |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const feature of model.features) {
    const meaning = `${feature.reason.text} (${feature.input.transform === 'identity' ? '' : `${feature.input.transform} of `}\`${feature.input.fact}\`)`;
    lines.push(
      `| \`${feature.name}\` | ${meaning} | ${fixed(feature.mean, 4)} | ${fixed(feature.coefficient, 4)} | ${fixed(feature.coefficient * feature.scale, 4)} |`,
    );
  }
  lines.push(
    '',
    '## Limits',
    '',
    '- Where the fraud labels are simulated (as in the shipped data), the figures measure how well the model finds the simulated scenarios, not fraud in the wild.',
    '- Velocity inputs depend on history: a model scored on a stream that starts cold sees no earlier applications.',
    '',
  );
  return lines.join('\n');
}
