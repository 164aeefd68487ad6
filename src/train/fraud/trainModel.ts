// Trains the anti-fraud model on labelled history with a time split (the earliest share of events
// trains, the latest is held out) and evaluates it on the held-out slice. The model file carries the
// held-out figures; the card explains them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode, FengkongError } from '../../errors.js';
import type { EngineConfigInput } from '../../schema/config.js';
import { FraudModelFile } from '../../schema/fraudModel.js';
import { dataModelOf, parseEngineConfig } from '../../engine/loadInputs.js';
import { readEvents } from '../../batch/readEvents.js';
import { fitLogisticRegression, standardise, toModelFeatures } from './train.js';
import { replayHistory, type ReplayedHistory } from './replay.js';
import { evaluateFraudModel, type FraudEvaluation } from './evaluate.js';

export const DEFAULT_L2 = 1;
export const DEFAULT_TRAIN_SHARE = 0.8;

export interface FraudTrainingOptions {
  readonly inputPath: string;
  readonly l2?: number;
  readonly trainShare?: number;
  readonly config?: EngineConfigInput;
  /** Candidate inputs left out, by feature or fact name. */
  readonly exclude?: readonly string[];
  /** The label and its fraud value (`--target`, `--positive`); default: the data model's fraud outcome. */
  readonly label?: { readonly field: string; readonly positive: string };
  /** When the model was trained (a timestamp: it never changes a coefficient). */
  readonly trainedAt?: Date;
}

export interface FraudTraining {
  readonly model: FraudModelFile;
  readonly heldOut: FraudEvaluation;
  readonly trainAuc: number;
  readonly rejectedRows: number;
  readonly iterations: number;
  /** The fraud label learnt (the data model's fraud outcome, or the one given). */
  readonly labelField: string;
  readonly labelGiven: boolean;
  /** Whether the inputs are the curated lending set or one per declared aggregate, signal and list. */
  readonly featureSource: 'lending' | 'declared';
}

export async function trainFraudModel(options: FraudTrainingOptions): Promise<FraudTraining> {
  const l2 = options.l2 ?? DEFAULT_L2;
  const trainShare = options.trainShare ?? DEFAULT_TRAIN_SHARE;
  const trainingDataSha256 = createHash('sha256').update(readFileSync(options.inputPath)).digest('hex');
  const dataModel = dataModelOf(parseEngineConfig(options.config ?? {}));
  const { events, rejected } = await readEvents(options.inputPath, dataModel);
  const history = await replayHistory(events, options.config ?? {}, {
    ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
    ...(options.label === undefined ? {} : { label: options.label }),
  });
  const trainRows = Math.floor(history.events.length * trainShare);
  if (trainRows < 10 || history.events.length - trainRows < 10) {
    throw new FengkongError(
      ErrorCode.EVENT_INVALID,
      `${options.inputPath}: too few applications to train and hold out (${history.events.length})`,
    );
  }
  // Both classes on both sides of the split, or the fit and the held-out figures mean nothing.
  for (const [slice, from, to] of [
    ['training', 0, trainRows],
    ['held-out', trainRows, history.events.length],
  ] as const) {
    const frauds = history.isFraud.subarray(from, to).reduce((sum, label) => sum + label, 0);
    if (frauds === 0 || frauds === to - from) {
      throw new FengkongError(
        ErrorCode.EVENT_INVALID,
        `${options.inputPath}: the ${slice} rows (${to - from}) are all ${frauds === 0 ? 'genuine' : 'fraud'} by ${history.labelField}: a fraud model needs both classes on both sides of the time split`,
      );
    }
  }
  const train = imputeWithTrainingMeans(history, trainRows);
  const standardised = standardise(train.rows);
  const labels = history.isFraud.subarray(0, trainRows);
  const fit = fitLogisticRegression(standardised.rows, labels, { l2 });
  if (!fit.converged) throw new FengkongError(ErrorCode.MODEL_INVALID, `the fit did not converge in ${fit.iterations} iterations`);
  const raw = toModelFeatures(
    history.specs.map((spec) => spec.name),
    standardised,
    fit,
  );
  const draft: FraudModelFile = {
    format: 'fengkong-fraud-lr',
    version: 2,
    trainedAt: (options.trainedAt ?? new Date()).toISOString(),
    trainingDataSha256,
    split: {
      trainRows,
      testRows: history.events.length - trainRows,
      trainUntil: history.times[trainRows - 1]!,
      rule: `time split: the earliest ${Math.round(trainShare * 100)}% of applications by ${history.timeField} train, the latest ${Math.round((1 - trainShare) * 100)}% are held out`,
    },
    inputs: { derivedFeaturesSha256: history.derivedFeaturesSha256 },
    l2,
    intercept: raw.intercept,
    features: raw.features.map((feature, index) => ({
      ...feature,
      input: history.specs[index]!.input,
      reason: history.specs[index]!.reason,
    })),
    baselineLogit: raw.baselineLogit,
    metrics: {},
  };
  const heldOut = evaluateFraudModel(draft, history, trainRows);
  const trainAuc = evaluateFraudModel(draft, history, 0, trainRows).auc.auc;
  const model = FraudModelFile.parse({
    ...draft,
    metrics: {
      heldOutAuc: heldOut.auc.auc,
      heldOutAucLower95: heldOut.auc.lower,
      heldOutAucUpper95: heldOut.auc.upper,
      heldOutKs: heldOut.ks,
      heldOutRows: heldOut.rows,
      heldOutFrauds: heldOut.frauds,
      trainAuc,
      recallAtAlertRate: Object.fromEntries(heldOut.alerts.map((alert) => [String(alert.alertRate), alert.recall])),
    },
  });
  return {
    model,
    heldOut,
    trainAuc,
    rejectedRows: rejected,
    iterations: fit.iterations,
    labelField: history.labelField,
    labelGiven: options.label !== undefined,
    featureSource: history.specSource,
  };
}

/** Missing inputs take the training mean (the model's baseline), as they do when serving. */
function imputeWithTrainingMeans(history: ReplayedHistory, trainRows: number): { rows: Float64Array[]; means: Float64Array } {
  const width = history.specs.length;
  const sums = new Float64Array(width);
  const counts = new Float64Array(width);
  for (let row = 0; row < trainRows; row += 1) {
    const x = history.features[row]!;
    for (let j = 0; j < width; j += 1) {
      if (!Number.isNaN(x[j]!)) {
        sums[j]! += x[j]!;
        counts[j]! += 1;
      }
    }
  }
  const means = Float64Array.from(sums, (sum, j) => (counts[j]! > 0 ? sum / counts[j]! : 0));
  const rows = history.features
    .slice(0, trainRows)
    .map((x) => Float64Array.from(x, (value, j) => (Number.isNaN(value) ? means[j]! : value)));
  return { rows, means };
}
