// The credit MLP's trainer: seeded determinism, early stopping that keeps the best epoch, learning a
// nonlinear boundary, and a forward pass that does not depend on how rows are batched.
import { describe, expect, it } from 'vitest';
import { ErrorCode, FengkongError } from '../../../src/errors.js';
import { Random } from '../../../src/simulate/prng.js';
import { mlpLogit, mlpLogits, trainMlp, type MlpModel } from '../../../src/train/credit/mlp.js';

/** Standard normal inputs; the label's log-odds mix a linear part, an interaction and a bump. */
function synthetic(seed: number, rows: number, width: number, sharpness = 1): { x: Float64Array[]; y: Uint8Array } {
  const random = Random.fromSeed(seed);
  const x: Float64Array[] = [];
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const row = new Float64Array(width);
    for (let j = 0; j < width; j++) row[j] = random.normal();
    const eta = sharpness * (1.5 * row[0]! - row[1]! + 1.2 * row[2]! * row[3]! + 1.5 * (Math.abs(row[4]!) - 0.8) - 0.5);
    y[i] = random.chance(1 / (1 + Math.exp(-eta))) ? 1 : 0;
    x.push(row);
  }
  return { x, y };
}

function rowMajor(rows: readonly Float64Array[]): Float32Array {
  const width = rows[0]!.length;
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => out.set(row, i * width));
  return out;
}

/** Mean binary cross-entropy from the definition: -[y log p + (1 - y) log(1 - p)], p = sigmoid(z). */
function crossEntropy(logits: ArrayLike<number>, labels: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const p = 1 / (1 + Math.exp(-logits[i]!));
    total -= labels[i]! === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return total / logits.length;
}

/** AUC as the share of (positive, negative) pairs ranked correctly, ties counting one half. */
function pairwiseAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let correct = 0;
  let pairs = 0;
  for (let a = 0; a < scores.length; a++) {
    if (labels[a] !== 1) continue;
    for (let b = 0; b < scores.length; b++) {
      if (labels[b] !== 0) continue;
      pairs++;
      if (scores[a]! > scores[b]!) correct++;
      else if (scores[a] === scores[b]) correct += 0.5;
    }
  }
  return correct / pairs;
}

function thrownCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof FengkongError ? error.code : 'not a FengkongError';
  }
  return undefined;
}

function expectSameWeights(a: MlpModel, b: MlpModel): void {
  expect(a.layers.length).toBe(b.layers.length);
  a.layers.forEach((layer, l) => {
    expect(Buffer.from(layer.weights.buffer).equals(Buffer.from(b.layers[l]!.weights.buffer))).toBe(true);
    expect(Buffer.from(layer.bias.buffer).equals(Buffer.from(b.layers[l]!.bias.buffer))).toBe(true);
  });
}

describe('trainMlp', () => {
  const data = synthetic(11, 1500, 8);
  const quick = { hidden: [16, 8], seed: 3, learningRate: 3e-3, batchSize: 64, maxEpochs: 40, patience: 5 };

  it('builds ReLU hidden layers and one identity logit layer of the requested widths', () => {
    const model = trainMlp(data.x, data.y, { ...quick, maxEpochs: 2 });
    expect(model.layers.map((layer) => [layer.inputs, layer.outputs, layer.activation])).toEqual([
      [8, 16, 'relu'],
      [16, 8, 'relu'],
      [8, 1, 'identity'],
    ]);
    for (const layer of model.layers) {
      expect(layer.weights).toBeInstanceOf(Float32Array);
      expect(layer.weights.length).toBe(layer.inputs * layer.outputs);
      expect(layer.bias.length).toBe(layer.outputs);
    }
  });

  it('gives bit-identical weights for the same data and seed, and different weights for another seed', () => {
    const first = trainMlp(data.x, data.y, quick);
    const second = trainMlp(data.x, data.y, quick);
    expectSameWeights(first, second);
    expect(second.epochs).toBe(first.epochs);
    expect(second.bestValidationLoss).toBe(first.bestValidationLoss);
    const other = trainMlp(data.x, data.y, { ...quick, seed: 4 });
    expect(Buffer.from(other.layers[0]!.weights.buffer).equals(Buffer.from(first.layers[0]!.weights.buffer))).toBe(false);
  });

  it('keeps the weights of the best validation epoch, not the last, and reports their validation loss', () => {
    const model = trainMlp(data.x, data.y, { ...quick, learningRate: 2e-2, maxEpochs: 200 });
    expect(model.epochs).toBeLessThan(200);
    expect(model.epochs - model.bestEpoch).toBe(quick.patience);
    // The validation rows are the last 20 %; their loss under the returned weights is the reported one.
    const validationStart = data.x.length - Math.round(data.x.length * 0.2);
    const validation = data.x.slice(validationStart);
    const logits = mlpLogits(model, rowMajor(validation), validation.length);
    expect(crossEntropy(logits, data.y.subarray(validationStart))).toBeCloseTo(model.bestValidationLoss, 12);
    // Training is deterministic, so stopping at the best epoch replays the same trajectory to the same weights.
    const stoppedAtBest = trainMlp(data.x, data.y, { ...quick, learningRate: 2e-2, maxEpochs: model.bestEpoch, patience: 1000 });
    expect(stoppedAtBest.epochs).toBe(model.bestEpoch);
    expectSameWeights(stoppedAtBest, model);
    expect(stoppedAtBest.bestValidationLoss).toBe(model.bestValidationLoss);
  });

  it('learns a nonlinear boundary: validation AUC above 0.9 on well-separated data', () => {
    const separable = synthetic(21, 3000, 10, 3);
    const model = trainMlp(separable.x, separable.y, { hidden: [32, 16], seed: 5, learningRate: 3e-3 });
    const validationStart = 3000 - 600;
    const validation = separable.x.slice(validationStart);
    const auc = pairwiseAuc(mlpLogits(model, rowMajor(validation), validation.length), separable.y.subarray(validationStart));
    expect(auc).toBeGreaterThan(0.9);
  });

  it('gives each row the same logit alone, in a batch of one and in a batch of 1,000', () => {
    const model = trainMlp(data.x, data.y, { ...quick, maxEpochs: 3 });
    const rows = data.x.slice(0, 1000);
    const batch = mlpLogits(model, rowMajor(rows), 1000);
    rows.forEach((row, i) => {
      expect(mlpLogits(model, rowMajor([row]), 1)[0]).toBe(batch[i]);
      expect(mlpLogit(model, Float32Array.from(row))).toBe(batch[i]);
    });
  });

  it('trains a model without hidden layers (logistic regression)', () => {
    const model = trainMlp(data.x, data.y, { ...quick, hidden: [] });
    expect(model.layers).toHaveLength(1);
    expect(model.layers[0]!.activation).toBe('identity');
  });

  it('refuses labels that are not 0 or 1, a non-finite input, ragged rows and bad options with FK_MODEL_INVALID', () => {
    const x = data.x.slice(0, 100);
    const y = data.y.slice(0, 100);
    const refusals: Array<() => unknown> = [
      () =>
        trainMlp(
          x,
          Uint8Array.from(y, (label, i) => (i === 7 ? 2 : label)),
          quick,
        ),
      () => trainMlp([...x.slice(0, 5), Float64Array.of(NaN, ...x[5]!.subarray(1)), ...x.slice(6)], y, quick),
      () => trainMlp([...x.slice(0, 5), x[5]!.subarray(1), ...x.slice(6)], y, quick),
      () => trainMlp(x, y.slice(1), quick),
      () => trainMlp(x, new Uint8Array(100), quick),
      () => trainMlp(x, y, { ...quick, hidden: [0] }),
      () => trainMlp(x, y, { ...quick, learningRate: -1 }),
      () => trainMlp(x, y, { ...quick, validationShare: 1 }),
      () => trainMlp(x, y, { ...quick, seed: 0.5 }),
    ];
    for (const refuse of refusals) expect(thrownCode(refuse)).toBe(ErrorCode.MODEL_INVALID);
  });
});

describe('risk-increasing inputs', () => {
  it.each([[[]], [[8]], [[16, 8]]])('keep the logit non-decreasing in them for hidden %j (finite differences)', (hidden) => {
    // Labels that fall as input 0 rises: unconstrained, the network would learn a decreasing logit.
    const rows: number[][] = [];
    const labels: number[] = [];
    let state = 12345;
    const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    for (let i = 0; i < 1500; i += 1) {
      const row = [uniform(), uniform(), uniform()];
      rows.push(row);
      labels.push(row[0]! + 0.5 * row[1]! < 0 ? 1 : 0);
    }
    const model = trainMlp(rows, labels, { hidden, seed: 3, maxEpochs: 30, riskIncreasing: [0] });
    // Without the constraint the same data teaches the opposite: the test would catch a broken projection.
    const free = trainMlp(rows, labels, { hidden, seed: 3, maxEpochs: 30 });
    expect(mlpLogit(free, [2, 0, 0])).toBeLessThan(mlpLogit(free, [-2, 0, 0]));
    for (let i = 0; i < 200; i += 1) {
      const base = [uniform(), uniform(), uniform()];
      let previous = -Infinity;
      for (let step = -3; step <= 3; step += 0.5) {
        const logit = mlpLogit(model, [step, base[1]!, base[2]!]);
        expect(logit).toBeGreaterThanOrEqual(previous - 1e-6);
        previous = logit;
      }
    }
  });
});
