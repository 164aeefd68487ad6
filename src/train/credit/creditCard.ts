// The credit model card, written by the trainer from the figures it measured: what the model is, what it
// learnt from and without, how it compares with a logistic regression on the same folds, how it did on
// the latest rows, and how its output becomes a score and reasons.
import { riskIncreasingSources } from './creditData.js';
import { crossValidationFolds, scoreBandEdges, type CreditTraining } from './settings.js';
import { logisticL2 } from './crossValidate.js';
import { createScoreScale } from '../../stages/credit/scaling.js';

/** Below this paired AUC difference (network − regression) the card says plainly that the network falls short. */
export const shortfallMargin = -0.01;

/**
 * Reference figures measured in R (glm binomial, ranger random forest with 500 trees), 5-fold
 * cross-validation with one fixed fold assignment over the whole file; a data set is recognised by its columns.
 */
const referenceAucs = [
  {
    dataSet: 'lending_club',
    columns: [
      'funded_amnt',
      'term',
      'verification_status',
      'annual_inc',
      'emp_length',
      'delinq_2yrs',
      'inq_last_6mths',
      'revol_util',
      'acc_now_delinq',
      'open_il_6m',
      'open_il_12m',
      'open_il_24m',
      'total_bal_il',
      'all_util',
      'inq_fi',
      'inq_last_12m',
      'delinq_amnt',
      'num_il_tl',
      'total_il_high_credit_limit',
    ],
    features: 'all but `addr_state`, `sub_grade`, `int_rate`',
    logistic: '0.680 (sd 0.040)',
    forest: '0.660',
  },
  {
    dataSet: 'credit_data',
    columns: ['Seniority', 'Home', 'Time', 'Age', 'Marital', 'Records', 'Job', 'Expenses', 'Income', 'Assets', 'Debt', 'Amount', 'Price'],
    features: 'complete cases',
    logistic: '0.833',
    forest: '0.837',
  },
] as const;

const fixed = (value: number, digits = 3) => value.toFixed(digits);
/** A difference with its sign; one that rounds to zero shows none. */
const signed = (value: number, digits = 3) => {
  const magnitude = Math.abs(value).toFixed(digits);
  return Number(magnitude) === 0 ? magnitude : `${value > 0 ? '+' : '−'}${magnitude}`;
};
const percent = (value: number, digits = 1) => `${(value * 100).toFixed(digits)}%`;

export function renderCreditCard(training: CreditTraining): string {
  const { manifest, crossValidation: cv, heldOut, model, mlpSettings, data } = training;
  const scale = createScoreScale(manifest.scaling);
  const lines: string[] = [];
  const architecture = [manifest.inputs.length, ...manifest.training.hidden, 1].join(' → ');
  lines.push(
    `# Credit model card: \`${manifest.onnx.file}\``,
    '',
    'Written by the credit trainer from the figures it measured; do not edit by hand.',
    '',
    '## What it is',
    '',
    `- A multilayer perceptron, ${architecture} (ReLU hidden layers, one logit out); the probability of default is sigmoid(logit).`,
    `- ONNX opset ${manifest.onnx.opset}: input \`${manifest.onnx.inputName}\` float32 [N, ${manifest.inputs.length}], outputs \`${manifest.onnx.logitOutput}\` and \`${manifest.onnx.pdOutput}\`; sha256 \`${manifest.onnx.sha256}\`, checked before the runtime reads a byte.`,
    `- Training: AdamW (learning rate ${mlpSettings.learningRate}, weight decay ${mlpSettings.weightDecay} on weights), binary cross-entropy with both classes weighted 1, batches of ${mlpSettings.batchSize}, at most ${mlpSettings.maxEpochs} epochs, early stopping after ${mlpSettings.patience} epochs without a better loss on the last ${percent(mlpSettings.validationShare ?? 0.2, 0)} of the training rows${data.timeOrdered ? ' in time order' : ' in split order'} (never the held-out rows). Seed ${manifest.training.seed}: the same command on the same data gives the same bytes.`,
    `- This model ran ${model.epochs} epochs and kept epoch ${model.bestEpoch} (validation cross-entropy ${fixed(model.bestValidationLoss, 4)}).`,
    '',
    '## Data and split',
    '',
    `- Source: \`${data.sourceName}\` (sha256 \`${manifest.training.dataSha256}\`), read as ${data.dataModel !== undefined ? `the data model \`${data.dataModel.name}\` (sha256 \`${data.dataModel.sha256}\`: inputs chosen by its roles and types)` : data.layout === 'application' ? 'the application schema (column roles from the schema)' : 'a generic CSV (every column but the target a candidate)'}.`,
    `- Target: \`${manifest.target.column}\` = \`${manifest.target.positive}\` means bad.`,
  );
  for (const dropped of manifest.training.dropped ?? []) lines.push(`- ${dropped.rows} rows dropped: ${dropped.why}.`);
  lines.push(
    `- Split: ${manifest.training.split}.`,
    `- Training rows: ${manifest.training.rows} (${manifest.training.positives} bad, ${percent(manifest.training.positives / manifest.training.rows)}); held out: ${heldOut.rows} (${heldOut.positives} bad, ${percent(heldOut.positives / heldOut.rows)}).`,
    `- Derived features: ${manifest.derivedFeaturesSha256 === null ? 'none apply to these columns' : `the derived-features file with sha256 \`${manifest.derivedFeaturesSha256}\` (the engine refuses the model with another)`}.`,
    '',
    '## Columns left out, and why',
    '',
  );
  if (manifest.training.excluded.length === 0) lines.push('None: every column but the target is a candidate input.');
  else {
    lines.push('| column | why |', '| --- | --- |');
    for (const exclusion of manifest.training.excluded) lines.push(`| \`${exclusion.column}\` | ${exclusion.why} |`);
  }

  lines.push(
    '',
    '## Honest quality: cross-validation on the training rows',
    '',
    `${crossValidationFolds}-fold cross-validation over the training rows only, with folds fixed by the seed (a seeded shuffle of the row indices). In each fold the encoders are refitted on the other ${crossValidationFolds - 1} folds, and the network (same settings) and an L2 logistic regression (penalty ${logisticL2} per standardised unit, on the same one-hot and standardised encoding) are trained on them and measured on the fold.`,
    '',
    '| fold | rows | bad | network AUC | regression AUC | difference | network KS | regression KS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const fold of cv.folds) {
    lines.push(
      `| ${fold.fold} | ${fold.rows} | ${fold.positives} | ${fixed(fold.mlpAuc)} | ${fixed(fold.lrAuc)} | ${signed(fold.aucDifference)} | ${fixed(fold.mlpKs)} | ${fixed(fold.lrKs)} |`,
    );
  }
  lines.push(
    `| mean ± sd | | | ${fixed(cv.mlpAuc.mean)} ± ${fixed(cv.mlpAuc.sd)} | ${fixed(cv.lrAuc.mean)} ± ${fixed(cv.lrAuc.sd)} | ${signed(cv.aucDifference.mean)} (worst ${signed(cv.aucDifference.min)}) | ${fixed(cv.mlpKs.mean)} ± ${fixed(cv.mlpKs.sd)} | ${fixed(cv.lrKs.mean)} ± ${fixed(cv.lrKs.sd)} |`,
    '',
    verdict(cv),
    '',
  );
  const reference = referenceAucs.find((candidate) => candidate.columns.every((column) => data.header.includes(column)));
  if (reference !== undefined) {
    lines.push(
      '### Reference figures measured in R',
      '',
      `The same data set (\`${reference.dataSet}\`), measured in R by 5-fold cross-validation over the whole file with one fixed fold assignment (mean ROC AUC of the held-out folds). They are a yardstick, not the same experiment: the folds, the rows (the whole file there, the training rows here) and the treatment of missing values differ.`,
      '',
      '| data set, features | logistic regression | random forest |',
      '| --- | --- | --- |',
      `| ${reference.dataSet}, ${reference.features} | ${reference.logistic} | ${reference.forest} |`,
      '',
    );
  }

  lines.push(
    `## Held-out performance (${data.split === 'random' ? 'the rows the random split held out' : data.split === 'file-order' ? 'the last rows of the file' : 'the latest rows'})`,
    '',
    `Measured once, on rows no part of training saw. ${heldOut.positives} bad rows: the interval is wide.`,
    '',
    '| metric | value |',
    '| --- | --- |',
    `| AUC | ${fixed(heldOut.auc.auc)} (95% DeLong interval ${fixed(heldOut.auc.lower)} – ${fixed(heldOut.auc.upper)}) |`,
    `| KS | ${fixed(heldOut.ks)} |`,
    '',
    '### Calibration by decile of predicted probability of default',
    '',
    '| decile | rows | mean predicted | observed bad rate |',
    '| --- | --- | --- | --- |',
  );
  for (const bin of heldOut.calibration)
    lines.push(`| ${bin.bin} | ${bin.count} | ${fixed(bin.meanPredicted, 4)} | ${fixed(bin.observedRate, 4)} |`);
  lines.push('', '### Observed bad rate by score band', '', '| score | rows | bad | observed bad rate |', '| --- | --- | --- | --- |');
  for (const band of heldOut.scoreBands) {
    lines.push(`| ${band.label} | ${band.rows} | ${band.bads} | ${band.badRate === null ? '–' : percent(band.badRate)} |`);
  }

  lines.push('', '## Missing values', '', manifest.missingValues, '', '## Inputs and attribution groups', '');
  lines.push(
    `${manifest.inputs.length} inputs from ${describeSources(manifest.inputs, data.header)}. Each input belongs to exactly one group; a decision's reasons are the groups that cost it the most points.`,
    '',
    '| group | meaning | inputs |',
    '| --- | --- | --- |',
  );
  for (const group of manifest.groups) {
    const names = group.inputs.map((index) => `\`${manifest.inputs[index]!.name}\``).join(', ');
    lines.push(`| ${group.code} | ${group.text} | ${names} |`);
  }
  const k = manifest.groups.length;
  const monotoneInputs = [
    ...new Set(
      manifest.inputs.filter((input) => input.kind === 'numeric' && riskIncreasingSources.has(input.source)).map((input) => input.source),
    ),
  ];
  lines.push(
    '',
    `Attributions are exact Shapley values over the groups, measured from a baseline input vector: every numeric input at its training mean (0 once standardised) and each one-hot column at its most frequent training level. Cost: exact Shapley over k groups needs 2^k rows per decision, one batched session.run; here k = ${k}, so ${2 ** k} rows per decision. The engine computes them for the decisions that state reasons (reviews, declines, counter-offers) by default, for every decision with config \`attributions: "all"\` (as \`fengkong explain\` does), after the policy has decided.`,
    '',
    '## Monotonicity',
    '',
    monotoneInputs.length === 0
      ? 'No input is constrained: the data has none of the delinquency or inquiry columns.'
      : `The score never rises when one of these inputs rises: ${monotoneInputs.map((name) => `\`${name}\``).join(', ')}. The network is trained under that constraint (after every step, a hidden unit's weight on such an input may not have the opposite sign to the unit's output weight; with ReLU units the logit is then non-decreasing in it), whatever a sample of funded loans says; a test checks it on held-out applications. Derived features that move both ways with these inputs are left out (see above).`,
    '',
    '## Score scaling',
    '',
    `score = clamp(round(offset − factor · logit), ${manifest.scaling.min}, ${manifest.scaling.max}), where logit is the log-odds of bad: ${manifest.scaling.baseScore} points at good:bad odds of ${manifest.scaling.baseOdds}:1, and every ${manifest.scaling.pointsToDoubleOdds} points double the odds (factor = ${manifest.scaling.pointsToDoubleOdds} / ln 2 = ${fixed(scale.factor)}, offset = ${manifest.scaling.baseScore} − factor · ln ${manifest.scaling.baseOdds} = ${fixed(scale.offset)}). Score bands above: below ${scoreBandEdges[0]}, then steps of 40 points up to ${scoreBandEdges[scoreBandEdges.length - 1]} and above.`,
    '',
    '## Limits',
    '',
    '- The held-out figures come from one slice of time; a later period may differ (drift).',
    '- Cross-validation folds mix time within the training rows; only the held-out slice measures the model forward in time.',
    '- The training rows are funded loans: applicants the lender declined are missing (reject inference is not attempted), which is why unconstrained, more delinquencies can look safer.',
    "- Review the inputs for protected characteristics before use: a column such as marital status or age may be a prohibited basis for credit decisions where the lender operates (exclude it with --exclude). In applications.csv, funded_amnt is Lending Club's funded amount, the closest the data has to the amount asked for.",
    '',
  );
  return lines.join('\n');
}

function describeSources(inputs: CreditTraining['manifest']['inputs'], header: readonly string[]): string {
  const sources = new Set(inputs.map((input) => input.source));
  const derived = [...sources].filter((source) => !header.includes(source)).length;
  const columns = `${sources.size - derived} column${sources.size - derived === 1 ? '' : 's'}`;
  return derived === 0 ? columns : `${columns} and ${derived} derived feature${derived === 1 ? '' : 's'}`;
}

function verdict(cv: CreditTraining['crossValidation']): string {
  const figures = `network ${fixed(cv.mlpAuc.mean)} (sd ${fixed(cv.mlpAuc.sd)}) against regression ${fixed(cv.lrAuc.mean)} (sd ${fixed(cv.lrAuc.sd)}); paired per-fold difference ${signed(cv.aucDifference.mean)} on average, ${signed(cv.aucDifference.min)} on the worst fold`;
  if (cv.aucDifference.mean < shortfallMargin) {
    return `**The network does not match the logistic regression.** Cross-validated AUC: ${figures}. On this data the simpler, fully transparent regression ranks applicants better than the network. The comparison is not like for like in one respect: the network is constrained to be monotone in delinquencies and inquiries (below), the regression is not.`;
  }
  if (cv.aucDifference.mean <= -shortfallMargin) {
    return `The network matches the logistic regression within ${fixed(-shortfallMargin, 2)} AUC, and no more: ${figures}.`;
  }
  return `The network ranks better than the logistic regression: ${figures}.`;
}
