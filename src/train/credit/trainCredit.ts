// Trains the credit model on a labelled CSV: encoders fitted on the earliest rows, a seeded network
// exported to ONNX, attribution groups and baseline, cross-validated against a logistic regression on the
// training rows, and measured once on the latest rows held out. The manifest pins the ONNX bytes by
// sha256; the card explains the figures.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { ErrorCode, FengkongError } from '../../errors.js';
import { aucConfidenceInterval } from '../../metrics/auc.js';
import { calibrationByDecile } from '../../metrics/calibration.js';
import { ks } from '../../metrics/ks.js';
import { CreditManifest, type CreditInput } from '../../schema/creditManifest.js';
import { fitLogisticRegression } from '../fraud/train.js';
import { renderCreditCard } from './creditCard.js';
import {
  creditMlpSettings,
  creditOnnxOpset,
  crossValidationFolds,
  defaultCreditHidden,
  defaultCreditSeed,
  defaultCreditTrainShare,
  scoreBandEdges,
  type CreditTraining,
  type CreditTrainingOptions,
  type HeldOutEvaluation,
  type ScoreBand,
} from './settings.js';

export * from './settings.js';
import {
  encodeRows,
  fitCreditEncoding,
  labelsAt,
  missingValuePolicy,
  readCreditTable,
  riskIncreasingInputs,
  rowViews,
  type CreditTable,
} from './creditData.js';
import { crossValidate, logisticL2 } from './crossValidate.js';
import { mlpLogits, trainMlp, type MlpModel, type MlpTrainOptions } from './mlp.js';
import { exportMlpToOnnx } from './onnxExport.js';
import { createScoreScale } from '../../stages/credit/scaling.js';
import { maxShapleyGroups } from '../../stages/credit/shapley.js';

/** Named attribution groups for the application schema: source columns and the derived features built from them. */
export const applicationGroups: ReadonlyArray<{ readonly code: string; readonly text: string; readonly sources: readonly string[] }> = [
  {
    code: 'C_DELINQUENCY',
    text: 'Delinquencies on credit accounts',
    sources: ['delinq_2yrs', 'acc_now_delinq', 'delinq_amnt', 'any_delinquency'],
  },
  {
    code: 'C_INQUIRIES',
    text: 'Recent applications for credit',
    sources: ['inq_last_6mths', 'inq_last_12m', 'inq_fi', 'inquiries_recent_share'],
  },
  {
    code: 'C_UTILISATION',
    text: 'How much of available credit is used',
    sources: ['revol_util', 'all_util', 'revolving_utilisation_band'],
  },
  {
    code: 'C_INSTALMENT_ACCOUNTS',
    text: 'Number of instalment accounts opened recently and in all',
    sources: ['open_il_6m', 'open_il_12m', 'open_il_24m', 'num_il_tl'],
  },
  // Income, the amount asked for and the debt already owed share one group because the ratios between
  // them (loan-to-income, debt-to-income, ...) read all three: split apart, a low income would be
  // reported as "amount" or "debt".
  {
    code: 'C_AFFORDABILITY',
    text: 'Income against the amount asked for and the debt already owed',
    sources: [
      'annual_inc',
      'monthly_income',
      'funded_amnt',
      'term',
      'loan_to_income',
      'amount_to_monthly_income',
      'total_bal_il',
      'total_il_high_credit_limit',
      'installment_utilisation',
      'debt_to_income',
    ],
  },
  { code: 'C_EMPLOYMENT', text: 'Length of employment', sources: ['emp_length'] },
  { code: 'C_VERIFICATION', text: 'Income verification', sources: ['verification_status'] },
];

const otherGroup = { code: 'C_OTHER', text: 'Other attributes' };

export async function trainCreditModel(options: CreditTrainingOptions): Promise<CreditTraining> {
  const seed = options.seed ?? defaultCreditSeed;
  const hidden = [...(options.hidden ?? defaultCreditHidden)];
  const trainShare = options.trainShare ?? defaultCreditTrainShare;
  if (!(trainShare > 0 && trainShare < 1)) throw trainingError('trainShare must lie strictly between 0 and 1');
  const table = readCreditTable(options);
  const total = table.records.length;
  const trainCount = Math.floor(total * trainShare);
  const trainRows = Array.from({ length: trainCount }, (_, i) => i);
  const heldOutRows = Array.from({ length: total - trainCount }, (_, i) => trainCount + i);
  const trainLabels = labelsAt(table.labels, trainRows);
  const heldOutLabels = labelsAt(table.labels, heldOutRows);
  requireBothClasses('training', trainLabels, 2 * crossValidationFolds);
  requireBothClasses('held-out', heldOutLabels, 2);

  const encoding = fitCreditEncoding(table, trainRows);
  if (encoding.inputs.length === 0) throw trainingError(`${table.sourceName}: no column gives the model an input`);
  const width = encoding.inputs.length;
  const trainMatrix = encodeRows(encoding.inputs, table.records, trainRows);
  const mlpSettings: MlpTrainOptions = {
    ...creditMlpSettings,
    hidden,
    seed,
    maxEpochs: options.maxEpochs ?? creditMlpSettings.maxEpochs,
    riskIncreasing: riskIncreasingInputs(encoding.inputs),
  };
  const model = trainMlp(rowViews(trainMatrix, width), trainLabels, mlpSettings);
  const onnx = exportMlpToOnnx(model, { inputName: 'features', outputName: 'logit', pdOutputName: 'pd', opset: creditOnnxOpset });
  const groups = attributionGroups(table.layout, encoding.inputs, trainMatrix, trainLabels, table.descriptions);
  const crossValidation = crossValidate(table, trainRows, { folds: crossValidationFolds, seed, mlp: mlpSettings });
  const heldOut = evaluateHeldOut(model, encodeRows(encoding.inputs, table.records, heldOutRows), heldOutLabels);

  const percent = (share: number) => `${Math.round(share * 100)}%`;
  const split =
    table.split === 'random'
      ? `random split (seed ${options.splitSeed}, chosen by the caller: the data has no time to split by): ${percent(trainShare)} of rows (${trainCount}) train, the other ${percent(1 - trainShare)} (${heldOutRows.length}) are held out`
      : table.split === 'file-order'
        ? `file order (chosen by the caller): the first ${percent(trainShare)} of rows (${trainCount}) train, the last ${percent(1 - trainShare)} (${heldOutRows.length}) are held out`
        : table.timeOrdered
          ? `time split on ${table.timeColumn ?? 'applied_at'}: the earliest ${percent(trainShare)} of rows (${trainCount}, up to ${table.times[trainCount - 1]}) train, the latest ${percent(1 - trainShare)} (${heldOutRows.length}, from ${table.times[trainCount]}) are held out`
          : `file order (no applied_at column): the first ${percent(trainShare)} of rows (${trainCount}) train, the last ${percent(1 - trainShare)} (${heldOutRows.length}) are held out`;
  const manifest = CreditManifest.parse({
    format: 'fengkong-credit-mlp',
    version: 1,
    onnx: {
      file: 'credit-mlp.onnx',
      sha256: createHash('sha256').update(onnx).digest('hex'),
      opset: creditOnnxOpset,
      inputName: 'features',
      logitOutput: 'logit',
      pdOutput: 'pd',
    },
    target: { column: options.target, positive: options.positive },
    inputs: encoding.inputs,
    groups,
    baseline: encoding.baseline,
    scaling: createScoreScale().scaling,
    missingValues: missingValuePolicy,
    derivedFeaturesSha256: table.derivedFeaturesSha256,
    training: {
      dataSha256: table.dataSha256,
      trainedAt: (options.now ?? new Date()).toISOString(),
      rows: trainCount,
      positives: trainLabels.reduce((sum, label) => sum + label, 0),
      split: `${split}; the network's early stopping watches the last ${percent(creditMlpSettings.validationShare)} of the training rows`,
      seed,
      hidden,
      excluded: [...table.excluded, ...encoding.unused],
      ...(table.dropped.length > 0 ? { dropped: table.dropped } : {}),
    },
    metrics: {
      cvAucMlpMean: crossValidation.mlpAuc.mean,
      cvAucMlpSd: crossValidation.mlpAuc.sd,
      cvAucLrMean: crossValidation.lrAuc.mean,
      cvAucLrSd: crossValidation.lrAuc.sd,
      cvAucDiffMean: crossValidation.aucDifference.mean,
      cvAucDiffMin: crossValidation.aucDifference.min,
      cvKsMlpMean: crossValidation.mlpKs.mean,
      cvKsLrMean: crossValidation.lrKs.mean,
      heldOutAuc: heldOut.auc.auc,
      heldOutAucLower95: heldOut.auc.lower,
      heldOutAucUpper95: heldOut.auc.upper,
      heldOutKs: heldOut.ks,
      heldOutRows: heldOut.rows,
      heldOutPositives: heldOut.positives,
    },
  });
  return {
    manifest,
    onnx,
    model,
    mlpSettings,
    data: {
      sourceName: table.sourceName,
      header: table.header,
      layout: table.layout,
      timeOrdered: table.timeOrdered,
      ...(table.split === undefined ? {} : { split: table.split }),
      ...(options.dataModel === undefined ? {} : { dataModel: { name: options.dataModel.file.name, sha256: options.dataModel.sha256 } }),
    },
    crossValidation,
    heldOut,
  };
}

export interface WrittenCreditModel {
  readonly onnxPath: string;
  readonly manifestPath: string;
  readonly cardPath: string;
  /** The manifest as written: its ONNX file is named after the prefix. */
  readonly manifest: CreditManifest;
}

/** Writes `<outPrefix>.onnx`, `<outPrefix>.manifest.json` and `<outPrefix>.card.md`, the ONNX file named in the manifest. */
export function writeCreditModel(training: CreditTraining, outPrefix: string): WrittenCreditModel {
  const onnxFile = `${basename(outPrefix)}.onnx`;
  if (!/^[A-Za-z0-9._-]+\.onnx$/.test(onnxFile)) {
    throw new FengkongError(
      ErrorCode.CONFIG_INVALID,
      `credit model prefix "${basename(outPrefix)}": use letters, digits, '.', '_' and '-' only`,
    );
  }
  const manifest = CreditManifest.parse({ ...training.manifest, onnx: { ...training.manifest.onnx, file: onnxFile } });
  const paths = { onnxPath: `${outPrefix}.onnx`, manifestPath: `${outPrefix}.manifest.json`, cardPath: `${outPrefix}.card.md` };
  const write = (path: string, contents: string | Uint8Array) => {
    try {
      writeFileSync(path, contents);
    } catch (cause) {
      throw new FengkongError(ErrorCode.FILE_WRITE, `${path}: cannot be written (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, {
        cause,
      });
    }
  };
  try {
    mkdirSync(dirname(outPrefix), { recursive: true });
  } catch (cause) {
    throw new FengkongError(ErrorCode.FILE_WRITE, `${dirname(outPrefix)}: cannot be created`, { cause });
  }
  write(paths.onnxPath, training.onnx);
  write(paths.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  write(paths.cardPath, renderCreditCard({ ...training, manifest }));
  return { ...paths, manifest };
}

/**
 * Groups of inputs for the attributions, each input in exactly one. The application schema has named
 * groups; any other file has one group per source column, and when there are more than the exact
 * Shapley limit, the columns with the smallest summed |coefficient| of an L2 logistic regression on the
 * training encoding share one group, C_OTHER.
 */
export function attributionGroups(
  layout: CreditTable['layout'],
  inputs: readonly CreditInput[],
  trainMatrix: Float32Array,
  trainLabels: Uint8Array,
  descriptions: Readonly<Record<string, string>> = {},
): CreditManifest['groups'] {
  if (layout === 'application') {
    const groupOf = new Map(applicationGroups.flatMap((group, g) => group.sources.map((source) => [source, g] as const)));
    const members: number[][] = Array.from({ length: applicationGroups.length + 1 }, () => []);
    inputs.forEach((input, index) => members[groupOf.get(input.source) ?? applicationGroups.length]!.push(index));
    return [...applicationGroups, otherGroup]
      .map((group, g) => ({ code: group.code, text: group.text, inputs: members[g]! }))
      .filter((group) => group.inputs.length > 0);
  }
  const sources = [...new Set(inputs.map((input) => input.source))];
  const membersOf = new Map(sources.map((source) => [source, [] as number[]]));
  inputs.forEach((input, index) => membersOf.get(input.source)!.push(index));
  let kept = sources;
  if (sources.length > maxShapleyGroups) {
    const fit = fitLogisticRegression(rowViews(trainMatrix, inputs.length), trainLabels, { l2: logisticL2 });
    const weight = new Map(sources.map((source) => [source, 0]));
    inputs.forEach((input, index) => weight.set(input.source, weight.get(input.source)! + Math.abs(fit.coefficients[index]!)));
    const strongest = new Set(
      [...sources]
        .sort((a, b) => weight.get(b)! - weight.get(a)! || sources.indexOf(a) - sources.indexOf(b))
        .slice(0, maxShapleyGroups - 1),
    );
    kept = sources.filter((source) => strongest.has(source));
  }
  const usedCodes = new Set<string>([otherGroup.code]);
  const groups: CreditManifest['groups'] = kept.map((source) => {
    const base = `C_${source.toUpperCase()}`;
    let code = base;
    for (let suffix = 2; usedCodes.has(code); suffix++) code = `${base}_${suffix}`;
    usedCodes.add(code);
    // The data model's own words for the field, when it has them.
    return { code, text: (descriptions[source] || `Column ${source}`).slice(0, 200), inputs: membersOf.get(source)! };
  });
  const rest = sources.filter((source) => !kept.includes(source)).flatMap((source) => membersOf.get(source)!);
  if (rest.length > 0) groups.push({ ...otherGroup, inputs: rest.sort((a, b) => a - b) });
  return groups;
}

function evaluateHeldOut(model: MlpModel, inputs: Float32Array, labels: Uint8Array): HeldOutEvaluation {
  const rows = labels.length;
  const logits = mlpLogits(model, inputs, rows);
  const pds = Float64Array.from(logits, sigmoid);
  const scale = createScoreScale();
  const scores = Array.from(logits, (logit) => scale.score(logit));
  const scoreBands = [null, ...scoreBandEdges].map((from, band): ScoreBand => {
    const next = scoreBandEdges[band];
    const to = next === undefined ? null : next - 1;
    let count = 0;
    let bads = 0;
    scores.forEach((score, row) => {
      if ((from === null || score >= from) && (to === null || score <= to)) {
        count++;
        bads += labels[row]!;
      }
    });
    const label = from === null ? `< ${next}` : to === null ? `≥ ${from}` : `${from}–${to}`;
    return { label, from, to, rows: count, bads, badRate: count > 0 ? bads / count : null };
  });
  return {
    rows,
    positives: labels.reduce((sum, label) => sum + label, 0),
    auc: aucConfidenceInterval(logits, labels),
    ks: ks(logits, labels),
    calibration: calibrationByDecile(pds, labels),
    scoreBands,
    inputs,
    labels,
  };
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function requireBothClasses(part: string, labels: Uint8Array, minimum: number): void {
  const positives = labels.reduce((sum, label) => sum + label, 0);
  const negatives = labels.length - positives;
  if (positives < minimum || negatives < minimum) {
    throw trainingError(`the ${part} rows hold ${positives} positives and ${negatives} negatives; each needs at least ${minimum}`);
  }
}

function trainingError(message: string): FengkongError {
  return new FengkongError(ErrorCode.MODEL_INVALID, `training the credit model: ${message}`);
}
