// Honest quality for the credit network: k-fold cross-validation over the training rows with folds fixed
// by the seed, the network and an L2 logistic regression fitted on the same encoding of the same folds, so
// each fold gives a paired comparison. The encoders are refitted on each fold's training part: nothing of
// a fold's own rows reaches its model.
import { ErrorCode, FengkongError } from '../../errors.js';
import { auc } from '../../metrics/auc.js';
import { ks } from '../../metrics/ks.js';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { fitLogisticRegression } from '../fraud/train.js';
import { encodeRows, fitCreditEncoding, labelsAt, riskIncreasingInputs, rowViews, type CreditTable } from './creditData.js';
import { mlpLogits, trainMlp, type MlpTrainOptions } from './mlp.js';

/** The penalty of the comparison model, per standardised unit (the fraud model's default). */
export const logisticL2 = 1;

export interface FoldResult {
  /** 1-based. */
  readonly fold: number;
  readonly rows: number;
  readonly positives: number;
  readonly mlpAuc: number;
  readonly lrAuc: number;
  readonly mlpKs: number;
  readonly lrKs: number;
  /** mlpAuc − lrAuc. */
  readonly aucDifference: number;
  readonly mlpBestEpoch: number;
  readonly lrConverged: boolean;
}

export interface MeanAndSd {
  readonly mean: number;
  /** Sample standard deviation (n − 1), as R's sd() reports it. */
  readonly sd: number;
}

export interface CrossValidation {
  readonly folds: readonly FoldResult[];
  readonly mlpAuc: MeanAndSd;
  readonly lrAuc: MeanAndSd;
  readonly mlpKs: MeanAndSd;
  readonly lrKs: MeanAndSd;
  /** The paired per-fold difference mlpAuc − lrAuc: its mean and its worst (smallest) fold. */
  readonly aucDifference: { readonly mean: number; readonly min: number };
}

/**
 * fold[i] for each of `rowCount` rows: a seeded Fisher-Yates shuffle of the row indices, dealt round the
 * folds, so fold sizes differ by at most one and the assignment depends on the seed alone.
 */
export function assignFolds(rowCount: number, folds: number, seed: number): Uint8Array {
  if (!(Number.isInteger(folds) && folds >= 2 && folds <= 255)) throw foldError('the number of folds must be an integer from 2 to 255');
  if (!Number.isSafeInteger(seed)) throw foldError('seed must be a safe integer');
  const low = seed | 0;
  const high = Math.floor(seed / 0x1_0000_0000) | 0;
  // A different state from the network's initialisation stream for the same seed, never all zero.
  const rng = xoroshiro128plusFromState([low ^ 0x5eed_f01d, high ^ 0x7f4a_7c15, ~low, ~high]);
  for (let i = 0; i < 32; i++) rng.next();
  const order = Uint32Array.from({ length: rowCount }, (_, i) => i);
  for (let i = rowCount - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  const assignment = new Uint8Array(rowCount);
  for (let position = 0; position < rowCount; position++) assignment[order[position]!] = position % folds;
  return assignment;
}

/**
 * Cross-validates over `rows` (table indices in time order). Each fold's models train on the other folds'
 * rows kept in time order, so the network's early stopping watches the latest of them, as in the final fit.
 */
export function crossValidate(
  table: Pick<CreditTable, 'sources' | 'records' | 'labels'>,
  rows: readonly number[],
  options: { readonly folds: number; readonly seed: number; readonly mlp: MlpTrainOptions },
): CrossValidation {
  const assignment = assignFolds(rows.length, options.folds, options.seed);
  const results: FoldResult[] = [];
  for (let fold = 0; fold < options.folds; fold++) {
    const fitRows = rows.filter((_, position) => assignment[position] !== fold);
    const testRows = rows.filter((_, position) => assignment[position] === fold);
    const testLabels = labelsAt(table.labels, testRows);
    const positives = testLabels.reduce((sum, label) => sum + label, 0);
    if (positives === 0 || positives === testRows.length) {
      throw foldError(`fold ${fold + 1} holds only one class (${positives} positives in ${testRows.length} rows); there are too few rows`);
    }
    const { inputs } = fitCreditEncoding(table, fitRows);
    const width = inputs.length;
    const fitMatrix = encodeRows(inputs, table.records, fitRows);
    const testMatrix = encodeRows(inputs, table.records, testRows);
    const fitLabels = labelsAt(table.labels, fitRows);
    const network = trainMlp(rowViews(fitMatrix, width), fitLabels, { ...options.mlp, riskIncreasing: riskIncreasingInputs(inputs) });
    const networkLogits = mlpLogits(network, testMatrix, testRows.length);
    const regression = fitLogisticRegression(rowViews(fitMatrix, width), fitLabels, { l2: logisticL2 });
    const regressionLogits = new Float64Array(testRows.length);
    for (let i = 0; i < testRows.length; i++) {
      let eta = regression.intercept;
      for (let j = 0; j < width; j++) eta += regression.coefficients[j]! * testMatrix[i * width + j]!;
      regressionLogits[i] = eta;
    }
    const mlpAuc = auc(networkLogits, testLabels);
    const lrAuc = auc(regressionLogits, testLabels);
    results.push({
      fold: fold + 1,
      rows: testRows.length,
      positives,
      mlpAuc,
      lrAuc,
      mlpKs: ks(networkLogits, testLabels),
      lrKs: ks(regressionLogits, testLabels),
      aucDifference: mlpAuc - lrAuc,
      mlpBestEpoch: network.bestEpoch,
      lrConverged: regression.converged,
    });
  }
  const differences = results.map((result) => result.aucDifference);
  return {
    folds: results,
    mlpAuc: meanAndSd(results.map((result) => result.mlpAuc)),
    lrAuc: meanAndSd(results.map((result) => result.lrAuc)),
    mlpKs: meanAndSd(results.map((result) => result.mlpKs)),
    lrKs: meanAndSd(results.map((result) => result.lrKs)),
    aucDifference: { mean: meanAndSd(differences).mean, min: Math.min(...differences) },
  };
}

export function meanAndSd(values: readonly number[]): MeanAndSd {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const squares = values.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  return { mean, sd: values.length > 1 ? Math.sqrt(squares / (values.length - 1)) : 0 };
}

function foldError(message: string): FengkongError {
  return new FengkongError(ErrorCode.MODEL_INVALID, `cross-validating the credit model: ${message}`);
}
