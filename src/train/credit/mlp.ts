// The credit model's network: a small multilayer perceptron (ReLU hidden layers, one logit out) trained by
// AdamW on binary cross-entropy with early stopping on a held-out tail, and its forward pass.
//
// Precision: weights are stored as float32 (what the exported ONNX graph holds) and inputs are rounded to
// float32 once (what the runtime is fed), but sums and activations are computed in float64. Rounding after
// every multiply-add (Math.fround) would make training several times slower and still would not reproduce
// the runtime's summation order, so the forward pass agrees with the runtime to float32 rounding (~1e-6
// relative), not bit for bit. Training updates float64 master weights; each epoch's float32 copy is the
// one validated, so the returned model's validation loss is exactly the loss it was chosen on.
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { ErrorCode, FengkongError } from '../../errors.js';

export type MlpActivation = 'relu' | 'identity';

export interface MlpLayer {
  /** outputs × inputs, row-major: weights[k * inputs + j] connects input j to output k (ONNX Gemm with transB = 1). */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly inputs: number;
  readonly outputs: number;
  readonly activation: MlpActivation;
}

export interface MlpModel {
  /** Hidden layers (ReLU), then one identity layer with a single output: the logit. */
  readonly layers: readonly MlpLayer[];
  /** Epochs run, including those after the best one that early stopping waited through. */
  readonly epochs: number;
  /** The epoch (1-based) whose weights were kept. */
  readonly bestEpoch: number;
  /** Weighted mean binary cross-entropy of the kept weights on the validation rows. */
  readonly bestValidationLoss: number;
}

export interface MlpTrainOptions {
  /** Widths of the hidden layers, e.g. [32, 16]; may be empty (logistic regression). */
  readonly hidden: readonly number[];
  readonly seed: number;
  /** Adam step size; 1e-3 when absent. */
  readonly learningRate?: number;
  /** Decoupled weight decay (AdamW) on the weights, not the biases; 1e-4 when absent. */
  readonly weightDecay?: number;
  /** 256 when absent. */
  readonly batchSize?: number;
  /** 200 when absent. */
  readonly maxEpochs?: number;
  /** Epochs without a new best validation loss before stopping; 15 when absent. */
  readonly patience?: number;
  /** The LAST share of the rows, held out for early stopping (callers pass rows in time order); 0.2 when absent. */
  readonly validationShare?: number;
  /** Loss weight of each class; 1 and 1 when absent. Applies to training and validation loss alike. */
  readonly classWeight?: { readonly negative: number; readonly positive: number };
  /**
   * Input indices whose rise may never lower the logit (more delinquencies never make an applicant
   * look safer). Enforced by projection after every step: see projectMonotone.
   */
  readonly riskIncreasing?: readonly number[];
}

const adamBeta1 = 0.9;
const adamBeta2 = 0.999;
const adamEpsilon = 1e-8;

/**
 * Trains on standardised inputs `x` (one row per application, time-ordered) and 0/1 labels `y`. Same inputs
 * and seed give bit-identical weights: the only randomness is a seeded xoroshiro128+ stream (He
 * initialisation, then one shuffle of the training rows per epoch) and every sum runs in a fixed order.
 */
export function trainMlp(x: ReadonlyArray<ArrayLike<number>>, y: ArrayLike<number>, options: MlpTrainOptions): MlpModel {
  const settings = checkOptions(options);
  const { design, labels, rowWeights, n, width } = checkTrainingData(x, y, settings.classWeight);
  if (settings.riskIncreasing.some((j) => !Number.isInteger(j) || j < 0 || j >= width)) {
    throw trainingError(`riskIncreasing holds an input index outside 0..${width - 1}`);
  }
  const validationRows = Math.round(n * settings.validationShare);
  const trainRows = n - validationRows;
  if (validationRows < 1 || trainRows < 1)
    throw trainingError(`${n} rows leave no training or no validation rows at share ${settings.validationShare}`);
  let positives = 0;
  for (let i = 0; i < trainRows; i++) positives += labels[i]!;
  if (positives === 0 || positives === trainRows) throw trainingError('the training rows need both labels 0 and 1');

  const widths = [width, ...settings.hidden, 1];
  const depth = widths.length - 1;
  const rng = seededGenerator(settings.seed);
  const master = initialiseLayers(widths, rng);
  // Start the output bias at the weighted base rate's log-odds, so early epochs fit structure, not the mean.
  let positiveWeight = 0;
  let totalWeight = 0;
  for (let i = 0; i < trainRows; i++) {
    totalWeight += rowWeights[i]!;
    positiveWeight += rowWeights[i]! * labels[i]!;
  }
  master[depth - 1]!.bias[0] = Math.log(positiveWeight / (totalWeight - positiveWeight));
  projectMonotone(master, width, settings.riskIncreasing);

  const gradients = master.map((layer) => ({ weights: new Float64Array(layer.weights.length), bias: new Float64Array(layer.bias.length) }));
  const firstMoments = master.map((layer) => ({
    weights: new Float64Array(layer.weights.length),
    bias: new Float64Array(layer.bias.length),
  }));
  const secondMoments = master.map((layer) => ({
    weights: new Float64Array(layer.weights.length),
    bias: new Float64Array(layer.bias.length),
  }));
  const batchSize = Math.min(settings.batchSize, trainRows);
  const activations = widths.map((w) => new Float64Array(batchSize * w));
  const deltas = widths.map((w) => new Float64Array(batchSize * w));
  const order = new Uint32Array(trainRows);
  for (let i = 0; i < trainRows; i++) order[i] = i;

  const current = toFloat32Layers(master, depth);
  const best = toFloat32Layers(master, depth);
  const validationDesign = design.subarray(trainRows * width);
  const validationLabels = labels.subarray(trainRows);
  const validationWeights = rowWeights.subarray(trainRows);
  const scratch = forwardScratch(current);
  const validationLogits = new Float64Array(validationRows);
  let bestValidationLoss = Infinity;
  let bestEpoch = 0;
  let epochs = 0;
  let step = 0;

  while (epochs < settings.maxEpochs && epochs - bestEpoch < settings.patience) {
    epochs++;
    for (let i = trainRows - 1; i > 0; i--) {
      const j = uniformInt(rng, 0, i);
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    for (let start = 0; start < trainRows; start += batchSize) {
      const size = Math.min(batchSize, trainRows - start);
      const input = activations[0]!;
      let batchWeight = 0;
      for (let b = 0; b < size; b++) {
        const row = order[start + b]!;
        input.set(design.subarray(row * width, (row + 1) * width), b * width);
        batchWeight += rowWeights[row]!;
      }
      for (let l = 0; l < depth; l++) forwardBatch(master[l]!, activations[l]!, activations[l + 1]!, size, l < depth - 1);
      // d(loss)/d(logit) for the weighted mean cross-entropy: w_i (sigmoid(z_i) - y_i) / sum w.
      const output = activations[depth]!;
      const outputDelta = deltas[depth]!;
      for (let b = 0; b < size; b++) {
        const row = order[start + b]!;
        outputDelta[b] = batchWeight > 0 ? (rowWeights[row]! * (sigmoid(output[b]!) - labels[row]!)) / batchWeight : 0;
      }
      for (let l = depth - 1; l >= 0; l--) {
        backwardBatch(master[l]!, gradients[l]!, activations[l]!, deltas[l + 1]!, l > 0 ? deltas[l]! : undefined, size);
      }
      step++;
      const stepSize = (settings.learningRate * Math.sqrt(1 - adamBeta2 ** step)) / (1 - adamBeta1 ** step);
      const decay = settings.learningRate * settings.weightDecay;
      for (let l = 0; l < depth; l++) {
        adamUpdate(master[l]!.weights, gradients[l]!.weights, firstMoments[l]!.weights, secondMoments[l]!.weights, stepSize, decay);
        adamUpdate(master[l]!.bias, gradients[l]!.bias, firstMoments[l]!.bias, secondMoments[l]!.bias, stepSize, 0);
      }
      projectMonotone(master, width, settings.riskIncreasing);
    }

    for (let l = 0; l < depth; l++) {
      current[l]!.weights.set(master[l]!.weights);
      current[l]!.bias.set(master[l]!.bias);
    }
    forwardLogits(current, validationDesign, validationRows, validationLogits, scratch);
    const loss = meanCrossEntropy(validationLogits, validationLabels, validationWeights);
    if (!Number.isFinite(loss)) throw trainingError(`the validation loss is not finite at epoch ${epochs}; lower the learning rate`);
    if (loss < bestValidationLoss) {
      bestValidationLoss = loss;
      bestEpoch = epochs;
      for (let l = 0; l < depth; l++) {
        best[l]!.weights.set(current[l]!.weights);
        best[l]!.bias.set(current[l]!.bias);
      }
    }
  }
  return { layers: best, epochs, bestEpoch, bestValidationLoss };
}

/** The logit of one standardised input row. */
export function mlpLogit(model: MlpModel, x: ArrayLike<number>): number {
  const width = model.layers[0]!.inputs;
  if (x.length !== width)
    throw new FengkongError(ErrorCode.EVENT_INVALID, `credit model input has ${x.length} values, the model takes ${width}`);
  const out = new Float64Array(1);
  forwardLogits(model.layers, Float32Array.from(x), 1, out, forwardScratch(model.layers));
  return out[0]!;
}

/** The logits of `n` rows stored row-major in `rows` (n × inputs). */
export function mlpLogits(model: MlpModel, rows: Float32Array, n: number): Float64Array {
  const width = model.layers[0]!.inputs;
  if (!Number.isInteger(n) || n < 0 || rows.length !== n * width) {
    throw new FengkongError(ErrorCode.EVENT_INVALID, `credit model input holds ${rows.length} values, not ${n} rows of ${width}`);
  }
  const out = new Float64Array(n);
  forwardLogits(model.layers, rows, n, out, forwardScratch(model.layers));
  return out;
}

/** Weighted mean of softplus(z) - y z, the cross-entropy of logit z against label y, computed without overflow. */
export function meanCrossEntropy(logits: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let total = 0;
  let weightSum = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i]!;
    const w = weights === undefined ? 1 : weights[i]!;
    const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    total += w * (softplus - labels[i]! * z);
    weightSum += w;
  }
  return total / weightSum;
}

interface MasterLayer {
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly inputs: number;
  readonly outputs: number;
}

interface Gradient {
  readonly weights: Float64Array;
  readonly bias: Float64Array;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Two buffers as wide as the widest layer, reused row after row. */
function forwardScratch(layers: readonly MlpLayer[]): [Float64Array, Float64Array] {
  let widest = layers[0]!.inputs;
  for (const layer of layers) widest = Math.max(widest, layer.outputs);
  return [new Float64Array(widest), new Float64Array(widest)];
}

function forwardLogits(
  layers: readonly MlpLayer[],
  rows: Float32Array,
  n: number,
  out: Float64Array,
  [first, second]: [Float64Array, Float64Array],
): void {
  const width = layers[0]!.inputs;
  for (let i = 0; i < n; i++) {
    let input = first;
    let output = second;
    for (let j = 0; j < width; j++) input[j] = rows[i * width + j]!;
    for (const layer of layers) {
      const { weights, bias, inputs, outputs } = layer;
      const relu = layer.activation === 'relu';
      for (let k = 0; k < outputs; k++) {
        let sum = bias[k]!;
        const offset = k * inputs;
        for (let j = 0; j < inputs; j++) sum += weights[offset + j]! * input[j]!;
        output[k] = relu && sum < 0 ? 0 : sum;
      }
      const swap = input;
      input = output;
      output = swap;
    }
    out[i] = input[0]!;
  }
}

function forwardBatch(layer: MasterLayer, input: Float64Array, output: Float64Array, size: number, relu: boolean): void {
  const { weights, bias, inputs, outputs } = layer;
  for (let b = 0; b < size; b++) {
    const inputOffset = b * inputs;
    const outputOffset = b * outputs;
    for (let k = 0; k < outputs; k++) {
      let sum = bias[k]!;
      const offset = k * inputs;
      for (let j = 0; j < inputs; j++) sum += weights[offset + j]! * input[inputOffset + j]!;
      output[outputOffset + k] = relu && sum < 0 ? 0 : sum;
    }
  }
}

/**
 * Gradients of one layer from the deltas at its output, and (when `inputDelta` is given) the deltas at its
 * input, masked by the previous ReLU: an input activation of exactly 0 is a ReLU that was off.
 */
function backwardBatch(
  layer: MasterLayer,
  gradient: Gradient,
  input: Float64Array,
  outputDelta: Float64Array,
  inputDelta: Float64Array | undefined,
  size: number,
): void {
  const { weights, inputs, outputs } = layer;
  const weightGradient = gradient.weights;
  const biasGradient = gradient.bias;
  weightGradient.fill(0);
  biasGradient.fill(0);
  if (inputDelta !== undefined) inputDelta.fill(0, 0, size * inputs);
  for (let b = 0; b < size; b++) {
    const inputOffset = b * inputs;
    for (let k = 0; k < outputs; k++) {
      const delta = outputDelta[b * outputs + k]!;
      if (delta === 0) continue;
      biasGradient[k] = biasGradient[k]! + delta;
      const offset = k * inputs;
      for (let j = 0; j < inputs; j++) weightGradient[offset + j] = weightGradient[offset + j]! + delta * input[inputOffset + j]!;
      if (inputDelta !== undefined) {
        for (let j = 0; j < inputs; j++) inputDelta[inputOffset + j] = inputDelta[inputOffset + j]! + delta * weights[offset + j]!;
      }
    }
    if (inputDelta !== undefined) {
      for (let j = 0; j < inputs; j++) if (input[inputOffset + j]! <= 0) inputDelta[inputOffset + j] = 0;
    }
  }
}

/**
 * AdamW (Loshchilov & Hutter): theta -= stepSize m / (sqrt(v) + eps) + lr wd theta, with the bias corrections folded
 * into stepSize as in Kingma & Ba's efficient form (section 2 of the Adam paper).
 */
function adamUpdate(
  parameters: Float64Array,
  gradient: Float64Array,
  first: Float64Array,
  second: Float64Array,
  stepSize: number,
  decay: number,
): void {
  for (let p = 0; p < parameters.length; p++) {
    const g = gradient[p]!;
    const m = adamBeta1 * first[p]! + (1 - adamBeta1) * g;
    const v = adamBeta2 * second[p]! + (1 - adamBeta2) * g * g;
    first[p] = m;
    second[p] = v;
    parameters[p] = parameters[p]! - stepSize * (m / (Math.sqrt(v) + adamEpsilon)) - decay * parameters[p]!;
  }
}

/** He initialisation (normal, sd sqrt(2 / fan-in)) for ReLU layers, LeCun (sd sqrt(1 / fan-in)) for the logit layer; zero biases. */
function initialiseLayers(widths: readonly number[], rng: RandomGenerator): MasterLayer[] {
  const layers: MasterLayer[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const inputs = widths[l]!;
    const outputs = widths[l + 1]!;
    const sd = Math.sqrt((l + 2 < widths.length ? 2 : 1) / inputs);
    const weights = new Float64Array(outputs * inputs);
    for (let p = 0; p < weights.length; p++) weights[p] = sd * standardNormal(rng);
    layers.push({ weights, bias: new Float64Array(outputs), inputs, outputs });
  }
  return layers;
}

function toFloat32Layers(master: readonly MasterLayer[], depth: number): MlpLayer[] {
  return master.map((layer, l) => ({
    weights: Float32Array.from(layer.weights),
    bias: Float32Array.from(layer.bias),
    inputs: layer.inputs,
    outputs: layer.outputs,
    activation: l < depth - 1 ? 'relu' : 'identity',
  }));
}

/** Box-Muller; 1 - u keeps the logarithm's argument in (0, 1]. */
function standardNormal(rng: RandomGenerator): number {
  const u = 1 - uniformFloat64(rng);
  const v = uniformFloat64(rng);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * xoroshiro128+ seeded from both 32-bit halves of a safe integer. The first word is the complement of the
 * high half and the middle two are complements of each other, so the state is never all zero; the first
 * outputs of nearby seeds are correlated, hence the discarded warm-up.
 */
function seededGenerator(seed: number): RandomGenerator {
  const low = seed | 0;
  const high = Math.floor(seed / 0x1_0000_0000) | 0;
  const rng = xoroshiro128plusFromState([~high, ~low, low, high]);
  for (let i = 0; i < 32; i++) rng.next();
  return rng;
}

/**
 * Keeps the logit non-decreasing in each risk-increasing input. With ReLU (non-decreasing) units,
 * d logit / d x_j is a sum over paths of products of weights, so it is ≥ 0 when every path's product is:
 * - no hidden layer: w_j ≥ 0;
 * - one hidden layer: for each unit h, w_hj and the unit's output weight v_h never have opposite signs
 *   (w_hj is set to 0 when they do), so a unit may still read other inputs either way;
 * - deeper: the first layer's weights on those inputs are ≥ 0 and every later weight is ≥ 0.
 * Weights are stored out × in, row-major.
 */
function projectMonotone(layers: ReadonlyArray<{ weights: Float64Array }>, width: number, inputs: readonly number[]): void {
  if (inputs.length === 0) return;
  const first = layers[0]!.weights;
  const units = first.length / width;
  if (layers.length === 1) {
    for (const j of inputs) if (first[j]! < 0) first[j] = 0;
    return;
  }
  if (layers.length === 2) {
    const output = layers[1]!.weights;
    for (let h = 0; h < units; h++) {
      for (const j of inputs) if (first[h * width + j]! * output[h]! < 0) first[h * width + j] = 0;
    }
    return;
  }
  for (let h = 0; h < units; h++) for (const j of inputs) if (first[h * width + j]! < 0) first[h * width + j] = 0;
  for (let l = 1; l < layers.length; l++) {
    const weights = layers[l]!.weights;
    for (let p = 0; p < weights.length; p++) if (weights[p]! < 0) weights[p] = 0;
  }
}

interface Settings {
  readonly hidden: readonly number[];
  readonly seed: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly batchSize: number;
  readonly maxEpochs: number;
  readonly patience: number;
  readonly validationShare: number;
  readonly classWeight: { readonly negative: number; readonly positive: number };
  readonly riskIncreasing: readonly number[];
}

function checkOptions(options: MlpTrainOptions): Settings {
  const {
    hidden,
    seed,
    learningRate = 1e-3,
    weightDecay = 1e-4,
    batchSize = 256,
    maxEpochs = 200,
    patience = 15,
    validationShare = 0.2,
    classWeight = { negative: 1, positive: 1 },
    riskIncreasing = [],
  } = options;
  if (!hidden.every((w) => Number.isInteger(w) && w >= 1)) throw trainingError('hidden widths must be positive integers');
  if (!Number.isSafeInteger(seed)) throw trainingError('seed must be a safe integer');
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw trainingError('learningRate must be a positive finite number');
  if (!(weightDecay >= 0 && learningRate * weightDecay < 1))
    throw trainingError('weightDecay must be >= 0 and learningRate * weightDecay < 1');
  for (const [name, value] of [
    ['batchSize', batchSize],
    ['maxEpochs', maxEpochs],
    ['patience', patience],
  ] as const) {
    if (!(Number.isInteger(value) && value >= 1)) throw trainingError(`${name} must be a positive integer`);
  }
  if (!(validationShare > 0 && validationShare < 1)) throw trainingError('validationShare must be between 0 and 1, both excluded');
  const { negative, positive } = classWeight;
  if (!(negative > 0 && positive > 0 && Number.isFinite(negative) && Number.isFinite(positive))) {
    throw trainingError('class weights must be positive finite numbers');
  }
  return { hidden, seed, learningRate, weightDecay, batchSize, maxEpochs, patience, validationShare, classWeight, riskIncreasing };
}

/** Inputs rounded to float32 once, as the runtime will see them, in one row-major array. */
function checkTrainingData(
  x: ReadonlyArray<ArrayLike<number>>,
  y: ArrayLike<number>,
  classWeight: Settings['classWeight'],
): { design: Float32Array; labels: Uint8Array; rowWeights: Float64Array; n: number; width: number } {
  const n = x.length;
  if (n === 0) throw trainingError('no rows');
  if (y.length !== n) throw trainingError(`${n} rows but ${y.length} labels`);
  const width = x[0]!.length;
  if (width === 0) throw trainingError('rows have no inputs');
  const design = new Float32Array(n * width);
  const labels = new Uint8Array(n);
  const rowWeights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = x[i]!;
    if (row.length !== width) throw trainingError(`row ${i} has ${row.length} values, row 0 has ${width}`);
    for (let j = 0; j < width; j++) {
      const value = row[j]!;
      if (!Number.isFinite(value) || !Number.isFinite(Math.fround(value)))
        throw trainingError(`row ${i}, column ${j} is not a finite float32`);
      design[i * width + j] = value;
    }
    const label = y[i]!;
    if (label !== 0 && label !== 1) throw trainingError(`label at row ${i} is not 0 or 1`);
    labels[i] = label;
    rowWeights[i] = label === 1 ? classWeight.positive : classWeight.negative;
  }
  return { design, labels, rowWeights, n, width };
}

function trainingError(message: string): FengkongError {
  return new FengkongError(ErrorCode.MODEL_INVALID, `training the credit model: ${message}`);
}
