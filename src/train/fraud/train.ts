// Training the fraud model: L2-penalised logistic regression by Newton's method (IRLS) on standardised
// features, and the conversion of its coefficients back to raw units for the model file.
//
// Penalty convention: minimise  -loglik(b0, beta) + (l2 / 2) * |beta|^2  where the intercept b0 is not
// penalised and loglik = sum_i w_i [y_i eta_i - log(1 + e^eta_i)], eta_i = b0 + beta . x_i. The penalty acts
// on whatever inputs are given; the pipeline standardises them first, so l2 is per standardised unit.
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { ErrorCode, FengkongError } from '../../errors.js';
import type { FraudModelFeatureV1 } from '../../schema/fraudModel.js';
import { sigmoid } from '../../stages/fraud/model.js';

export interface LogisticFitOptions {
  readonly l2: number;
  readonly maxIterations?: number;
  /** Stop when the largest Newton step is at most tolerance * (1 + largest |parameter|). */
  readonly tolerance?: number;
  /** Row weights (non-negative), 1 for every row when absent. */
  readonly weights?: ArrayLike<number>;
}

export interface LogisticFit {
  readonly intercept: number;
  readonly coefficients: number[];
  readonly iterations: number;
  readonly converged: boolean;
  /** Unpenalised deviance, -2 loglik, at the returned coefficients. */
  readonly deviance: number;
}

export interface Standardisation {
  readonly means: number[];
  /** Population standard deviations; 1 for a constant column, which then standardises to 0. */
  readonly scales: number[];
  readonly rows: number[][];
}

export interface RawUnitModel {
  readonly intercept: number;
  /** The fitted numbers of each feature; the trainer adds what each reads. */
  readonly features: FraudModelFeatureV1[];
  readonly baselineLogit: number;
}

const defaultMaxIterations = 100;
const defaultTolerance = 1e-10;
/** Step halvings before a Newton step is declared unable to decrease the objective. */
const maxHalvings = 50;

/**
 * Newton's method on the penalised objective, each step solved by Cholesky (the penalised Hessian is
 * positive definite whenever l2 > 0 or the data identify every coefficient), with step halving when a full
 * step does not decrease the objective. Starts from beta = 0 and the intercept of the base rate, and
 * accumulates in row order: two fits of the same input are bit-identical.
 */
export function fitLogisticRegression(
  rows: ArrayLike<ArrayLike<number>>,
  labels: ArrayLike<number>,
  options: LogisticFitOptions,
): LogisticFit {
  const { l2, maxIterations = defaultMaxIterations, tolerance = defaultTolerance } = options;
  if (!(Number.isFinite(l2) && l2 >= 0)) throw trainingError('l2 must be a finite number >= 0');
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) throw trainingError('maxIterations must be a positive integer');
  if (!(tolerance > 0 && Number.isFinite(tolerance))) throw trainingError('tolerance must be a positive finite number');
  const { design, y, w, n, width } = checkTrainingData(rows, labels, options.weights);
  const size = width + 1;

  let positiveWeight = 0;
  let totalWeight = 0;
  for (let i = 0; i < n; i++) {
    positiveWeight += w[i]! * y[i]!;
    totalWeight += w[i]!;
  }
  // The intercept is unpenalised: with one class only it runs to infinity whatever l2 is.
  if (positiveWeight === 0 || positiveWeight === totalWeight) throw trainingError('both labels 0 and 1 need positive weight');
  const baseRate = positiveWeight / totalWeight;

  const theta = new Float64Array(size);
  theta[0] = Math.log(baseRate / (1 - baseRate));
  const candidate = new Float64Array(size);
  const gradient = new Float64Array(size);
  const hessian = new Float64Array(size * size);
  const penalised = (parameters: Float64Array) => objective(parameters, design, y, w, n, width, l2);

  let value = penalised(theta);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    accumulateDerivatives(theta, design, y, w, n, width, l2, gradient, hessian);
    const hessianMatrix = new Matrix(Array.from({ length: size }, (_, a) => Array.from(hessian.subarray(a * size, (a + 1) * size))));
    const cholesky = new CholeskyDecomposition(hessianMatrix);
    if (!cholesky.isPositiveDefinite()) break;
    const step = cholesky.solve(Matrix.columnVector(Array.from(gradient))).getColumn(0);
    iterations++;

    let largestStep = 0;
    let largestParameter = 0;
    for (let a = 0; a < size; a++) {
      largestStep = Math.max(largestStep, Math.abs(step[a]!));
      largestParameter = Math.max(largestParameter, Math.abs(theta[a]!));
    }
    if (largestStep <= tolerance * (1 + largestParameter)) {
      for (let a = 0; a < size; a++) theta[a] = theta[a]! - step[a]!;
      converged = true;
      break;
    }

    // Armijo on the Newton direction; the slack absorbs rounding in an objective that is a long sum.
    let decrease = 0;
    for (let a = 0; a < size; a++) decrease += gradient[a]! * step[a]!;
    let fraction = 1;
    let accepted = false;
    for (let halving = 0; halving <= maxHalvings; halving++) {
      for (let a = 0; a < size; a++) candidate[a] = theta[a]! - fraction * step[a]!;
      const candidateValue = penalised(candidate);
      if (candidateValue <= value - 1e-4 * fraction * decrease + 1e-12 * Math.abs(value)) {
        theta.set(candidate);
        value = candidateValue;
        accepted = true;
        break;
      }
      fraction /= 2;
    }
    if (!accepted) break;
  }

  const coefficients = Array.from(theta.subarray(1));
  return { intercept: theta[0]!, coefficients, iterations, converged, deviance: 2 * objective(theta, design, y, w, n, width, 0) };
}

/** log(1 + e^eta) without overflow. */
function softplus(eta: number): number {
  return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
}

function objective(
  theta: Float64Array,
  design: Float64Array,
  y: Float64Array,
  w: Float64Array,
  n: number,
  width: number,
  l2: number,
): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const eta = linearPredictor(theta, design, i, width);
    total += w[i]! * (softplus(eta) - y[i]! * eta);
  }
  let squaredNorm = 0;
  for (let j = 1; j <= width; j++) squaredNorm += theta[j]! * theta[j]!;
  return total + (l2 / 2) * squaredNorm;
}

/** Gradient X'W(p - y) + l2 [0, beta] and Hessian X'diag(w p (1 - p))X + l2 diag(0, 1, ..., 1), row-major. */
function accumulateDerivatives(
  theta: Float64Array,
  design: Float64Array,
  y: Float64Array,
  w: Float64Array,
  n: number,
  width: number,
  l2: number,
  gradient: Float64Array,
  hessian: Float64Array,
): void {
  const size = width + 1;
  gradient.fill(0);
  hessian.fill(0);
  for (let i = 0; i < n; i++) {
    const eta = linearPredictor(theta, design, i, width);
    const residual = w[i]! * (sigmoid(eta) - y[i]!);
    // p (1 - p) as sigmoid(eta) sigmoid(-eta): 1 - p would cancel to 0 for large eta.
    const curvature = w[i]! * sigmoid(eta) * sigmoid(-eta);
    const offset = i * width;
    for (let a = 0; a < size; a++) {
      const xa = a === 0 ? 1 : design[offset + a - 1]!;
      gradient[a] = gradient[a]! + residual * xa;
      for (let b = a; b < size; b++) {
        const xb = b === 0 ? 1 : design[offset + b - 1]!;
        hessian[a * size + b] = hessian[a * size + b]! + curvature * xa * xb;
      }
    }
  }
  for (let a = 1; a < size; a++) {
    gradient[a] = gradient[a]! + l2 * theta[a]!;
    hessian[a * size + a] = hessian[a * size + a]! + l2;
  }
  for (let a = 0; a < size; a++) for (let b = 0; b < a; b++) hessian[a * size + b] = hessian[b * size + a]!;
}

function linearPredictor(theta: Float64Array, design: Float64Array, row: number, width: number): number {
  let eta = theta[0]!;
  const offset = row * width;
  for (let j = 0; j < width; j++) eta += theta[j + 1]! * design[offset + j]!;
  return eta;
}

function checkTrainingData(
  rows: ArrayLike<ArrayLike<number>>,
  labels: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
): { design: Float64Array; y: Float64Array; w: Float64Array; n: number; width: number } {
  const n = rows.length;
  if (n === 0) throw trainingError('no rows');
  if (labels.length !== n) throw trainingError(`${n} rows but ${labels.length} labels`);
  if (weights !== undefined && weights.length !== n) throw trainingError(`${n} rows but ${weights.length} weights`);
  const width = rows[0]!.length;
  const design = new Float64Array(n * width);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    if (row.length !== width) throw trainingError(`row ${i} has ${row.length} values, row 0 has ${width}`);
    for (let j = 0; j < width; j++) {
      const value = row[j]!;
      if (!Number.isFinite(value)) throw trainingError(`row ${i}, column ${j} is not a finite number`);
      design[i * width + j] = value;
    }
    const label = labels[i]!;
    if (label !== 0 && label !== 1) throw trainingError(`label at row ${i} is not 0 or 1`);
    y[i] = label;
    const weight = weights === undefined ? 1 : weights[i]!;
    if (!(Number.isFinite(weight) && weight >= 0)) throw trainingError(`weight at row ${i} is not a finite number >= 0`);
    w[i] = weight;
  }
  return { design, y, w, n, width };
}

function trainingError(message: string): FengkongError {
  return new FengkongError(ErrorCode.MODEL_INVALID, `training the fraud model: ${message}`);
}

/**
 * Column means and population standard deviations, and the rows standardised by them. A constant column
 * (every value equal) keeps its value as the mean and gets scale 1, so it standardises to exactly 0.
 */
export function standardise(rows: ArrayLike<ArrayLike<number>>): Standardisation {
  const n = rows.length;
  if (n === 0) throw trainingError('no rows to standardise');
  const width = rows[0]!.length;
  const means: number[] = [];
  const scales: number[] = [];
  for (let j = 0; j < width; j++) {
    let sum = 0;
    let constant = true;
    const first = rows[0]![j]!;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      if (row.length !== width) throw trainingError(`row ${i} has ${row.length} values, row 0 has ${width}`);
      const value = row[j]!;
      if (!Number.isFinite(value)) throw trainingError(`row ${i}, column ${j} is not a finite number`);
      sum += value;
      if (value !== first) constant = false;
    }
    if (constant) {
      means.push(first);
      scales.push(1);
      continue;
    }
    const mean = sum / n;
    let squares = 0;
    for (let i = 0; i < n; i++) squares += (rows[i]![j]! - mean) ** 2;
    const deviation = Math.sqrt(squares / n);
    means.push(mean);
    scales.push(deviation > 0 ? deviation : 1);
  }
  const standardised = Array.from({ length: n }, (_, i) =>
    Array.from({ length: width }, (_, j) => (rows[i]![j]! - means[j]!) / scales[j]!),
  );
  return { means, scales, rows: standardised };
}

/**
 * A fit on standardised features, in raw units: beta_raw = beta_std / scale and
 * intercept_raw = intercept_std - sum beta_std * mean / scale, with baseline = mean, so a contribution
 * beta_raw (x - mean) equals beta_std z in the standardised model and baselineLogit is intercept_std.
 */
export function toModelFeatures(
  names: readonly string[],
  standardisation: Pick<Standardisation, 'means' | 'scales'>,
  fit: Pick<LogisticFit, 'intercept' | 'coefficients'>,
): RawUnitModel {
  const { means, scales } = standardisation;
  if (names.length !== fit.coefficients.length || means.length !== names.length || scales.length !== names.length) {
    throw trainingError(
      `${names.length} names, ${means.length} means, ${scales.length} scales and ${fit.coefficients.length} coefficients`,
    );
  }
  let intercept = fit.intercept;
  const features = names.map((name, j) => {
    const coefficient = fit.coefficients[j]! / scales[j]!;
    intercept -= coefficient * means[j]!;
    return { name, mean: means[j]!, scale: scales[j]!, coefficient, baseline: means[j]! };
  });
  // The same sum the model file's schema checks, so the file validates whatever the rounding.
  let baselineLogit = intercept;
  for (const feature of features) baselineLogit += feature.coefficient * feature.baseline;
  return { intercept, features, baselineLogit };
}
