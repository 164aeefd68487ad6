// The IRLS fit against an independent reference: plain gradient descent on the same penalised objective,
// written here from the formula and sharing no code with train.ts, run until its gradient vanishes.
import { describe, expect, it } from 'vitest';
import { fitLogisticRegression, standardise, toModelFeatures } from '../../../src/train/fraud/train.js';
import { FraudModelFile } from '../../../src/schema/fraudModel.js';

/** mulberry32, uniform on [0, 1). */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 200 rows of three correlated normal features, labels drawn from known coefficients. */
function simulated(seed: number, rows = 200): { x: number[][]; y: number[] } {
  const uniform = seededUniform(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const truth = { intercept: -0.7, coefficients: [1.2, -0.8, 0.4] };
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const a = normal();
    const b = 0.5 * a + normal();
    const c = normal();
    const eta = truth.intercept + truth.coefficients[0]! * a + truth.coefficients[1]! * b + truth.coefficients[2]! * c;
    x.push([a, b, c]);
    y.push(uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0);
  }
  return { x, y };
}

/** Gradient of sum_i [log(1 + e^eta_i) - y_i eta_i] + (l2/2) |beta|^2 over (intercept, beta). */
function penalisedGradient(x: number[][], y: number[], l2: number, parameters: number[]): number[] {
  const gradient = parameters.map((value, index) => (index === 0 ? 0 : l2 * value));
  x.forEach((row, i) => {
    const eta = row.reduce((sum, value, j) => sum + value * parameters[j + 1]!, parameters[0]!);
    const error = 1 / (1 + Math.exp(-eta)) - y[i]!;
    gradient[0] = gradient[0]! + error;
    row.forEach((value, j) => (gradient[j + 1] = gradient[j + 1]! + error * value));
  });
  return gradient;
}

/**
 * Reference optimiser: gradient descent with the fixed step 1/L, L = (1/4) sum_i |(1, x_i)|^2 + l2, an upper
 * bound on the Hessian's largest eigenvalue, so every step decreases this convex objective.
 */
function gradientDescent(x: number[][], y: number[], l2: number): number[] {
  const lipschitz = x.reduce((sum, row) => sum + 0.25 * (1 + row.reduce((s, value) => s + value * value, 0)), 0) + l2;
  let parameters = Array<number>(x[0]!.length + 1).fill(0);
  for (let iteration = 0; iteration < 1_000_000; iteration++) {
    const gradient = penalisedGradient(x, y, l2, parameters);
    if (Math.max(...gradient.map(Math.abs)) < 1e-11) return parameters;
    parameters = parameters.map((value, index) => value - gradient[index]! / lipschitz);
  }
  throw new Error('reference gradient descent did not converge');
}

describe('fitLogisticRegression', () => {
  for (const l2 of [0, 1]) {
    it(`matches gradient descent on the same objective within 1e-6 on every coefficient (l2 = ${l2})`, () => {
      const { x, y } = simulated(20240601);
      const fit = fitLogisticRegression(x, y, { l2 });
      const reference = gradientDescent(x, y, l2);
      expect(fit.converged).toBe(true);
      expect(Math.abs(fit.intercept - reference[0]!)).toBeLessThan(1e-6);
      fit.coefficients.forEach((coefficient, j) => expect(Math.abs(coefficient - reference[j + 1]!)).toBeLessThan(1e-6));
    });

    it(`leaves the penalised gradient below 1e-8 at its solution (l2 = ${l2})`, () => {
      const { x, y } = simulated(7);
      const fit = fitLogisticRegression(x, y, { l2 });
      const gradient = penalisedGradient(x, y, l2, [fit.intercept, ...fit.coefficients]);
      for (const component of gradient) expect(Math.abs(component)).toBeLessThan(1e-8);
    });
  }

  it('reports the deviance -2 loglik at its solution', () => {
    const { x, y } = simulated(3);
    const fit = fitLogisticRegression(x, y, { l2: 0.5 });
    const deviance = x.reduce((sum, row, i) => {
      const p = 1 / (1 + Math.exp(-row.reduce((s, value, j) => s + value * fit.coefficients[j]!, fit.intercept)));
      return sum - 2 * (y[i] === 1 ? Math.log(p) : Math.log(1 - p));
    }, 0);
    expect(fit.deviance).toBeCloseTo(deviance, 9);
  });

  it('treats a row weight of 2 like the row given twice', () => {
    const { x, y } = simulated(5, 60);
    const weights = x.map((_, i) => (i % 3 === 0 ? 2 : 1));
    const weighted = fitLogisticRegression(x, y, { l2: 1, weights });
    const repeatedRows = x.flatMap((row, i) => (i % 3 === 0 ? [row, row] : [row]));
    const repeatedLabels = y.flatMap((label, i) => (i % 3 === 0 ? [label, label] : [label]));
    const repeated = fitLogisticRegression(repeatedRows, repeatedLabels, { l2: 1 });
    expect(weighted.intercept).toBeCloseTo(repeated.intercept, 9);
    weighted.coefficients.forEach((coefficient, j) => expect(coefficient).toBeCloseTo(repeated.coefficients[j]!, 9));
  });

  it('is deterministic: two fits of the same data are bit-identical', () => {
    const { x, y } = simulated(11);
    const first = fitLogisticRegression(x, y, { l2: 1 });
    const second = fitLogisticRegression(x, y, { l2: 1 });
    expect(Object.is(first.intercept, second.intercept)).toBe(true);
    first.coefficients.forEach((coefficient, j) => expect(Object.is(coefficient, second.coefficients[j])).toBe(true));
    expect(second.iterations).toBe(first.iterations);
    expect(Object.is(first.deviance, second.deviance)).toBe(true);
  });

  it('converges to finite coefficients on separable data when l2 > 0, and does not claim convergence without it', () => {
    const x = [[-2], [-1.5], [-1], [-0.5], [0.5], [1], [1.5], [2]];
    const y = [0, 0, 0, 0, 1, 1, 1, 1];
    const penalised = fitLogisticRegression(x, y, { l2: 1 });
    expect(penalised.converged).toBe(true);
    expect(Number.isFinite(penalised.coefficients[0]!)).toBe(true);
    expect(penalised.coefficients[0]).toBeGreaterThan(0);
    for (const component of penalisedGradient(x, y, 1, [penalised.intercept, ...penalised.coefficients])) {
      expect(Math.abs(component)).toBeLessThan(1e-8);
    }
    const unpenalised = fitLogisticRegression(x, y, { l2: 0, maxIterations: 50 });
    expect(unpenalised.converged).toBe(false);
    expect(Number.isFinite(unpenalised.coefficients[0]!)).toBe(true);
  });

  it('refuses one-class labels, non-finite values, ragged rows and a negative l2', () => {
    expect(() => fitLogisticRegression([[1], [2]], [1, 1], { l2: 1 })).toThrow(/both labels/);
    expect(() => fitLogisticRegression([[1], [NaN]], [0, 1], { l2: 1 })).toThrow(/row 1, column 0/);
    expect(() => fitLogisticRegression([[1], [2, 3]], [0, 1], { l2: 1 })).toThrow(/row 1 has 2 values/);
    expect(() => fitLogisticRegression([[1], [2]], [0, 1], { l2: -1 })).toThrow(/l2/);
  });
});

describe('standardise and toModelFeatures', () => {
  /** Raw features of very different scales, and one constant column. */
  function rawRows(): { x: number[][]; y: number[] } {
    const { x, y } = simulated(99);
    return { x: x.map(([a, b, c]) => [50_000 + 20_000 * a!, 3 + 0.01 * b!, 7, 1e-3 * c!]), y };
  }

  it('gives column means and population standard deviations, scale 1 and value 0 for a constant column', () => {
    const { means, scales, rows } = standardise([
      [1, 5],
      [3, 5],
    ]);
    expect(means).toEqual([2, 5]);
    expect(scales).toEqual([1, 1]);
    expect(rows).toEqual([
      [-1, 0],
      [1, 0],
    ]);
    const spread = standardise([[0], [0], [3], [5]]);
    expect(spread.scales[0]).toBeCloseTo(Math.sqrt((4 + 4 + 1 + 9) / 4), 14);
  });

  it('converts to raw units with logits identical to the standardised model on every row (1e-9)', () => {
    const { x, y } = rawRows();
    const standardisation = standardise(x);
    const fit = fitLogisticRegression(standardisation.rows, y, { l2: 1 });
    const names = ['annual_inc', 'dti_ratio', 'constant_seven', 'tiny_signal'];
    const raw = toModelFeatures(names, standardisation, fit);
    x.forEach((row, i) => {
      const standardisedLogit = standardisation.rows[i]!.reduce((sum, z, j) => sum + fit.coefficients[j]! * z, fit.intercept);
      const rawLogit = row.reduce((sum, value, j) => sum + raw.features[j]!.coefficient * value, raw.intercept);
      expect(Math.abs(rawLogit - standardisedLogit)).toBeLessThan(1e-9);
    });
    expect(raw.baselineLogit).toBeCloseTo(fit.intercept, 9);
    expect(raw.features.map((feature) => feature.baseline)).toEqual(standardisation.means);
    expect(raw.features[2]!.coefficient).toBe(0);
  });

  it('produces features that a model file accepts', () => {
    const { x, y } = rawRows();
    const standardisation = standardise(x);
    const fit = fitLogisticRegression(standardisation.rows, y, { l2: 1 });
    const raw = toModelFeatures(['annual_inc', 'dti_ratio', 'constant_seven', 'tiny_signal'], standardisation, fit);
    const file = {
      format: 'fengkong-fraud-lr',
      version: 2,
      trainedAt: '2024-06-01T00:00:00Z',
      trainingDataSha256: 'a'.repeat(64),
      split: { trainRows: 200, testRows: 0, trainUntil: '2024-05-01', rule: 'all rows' },
      inputs: { derivedFeaturesSha256: 'b'.repeat(64) },
      l2: 1,
      ...raw,
      features: raw.features.map((feature) => ({
        ...feature,
        input: { fact: feature.name, transform: 'identity' },
        reason: { code: `F_${feature.name.toUpperCase()}`, text: feature.name },
      })),
      metrics: { deviance: fit.deviance },
    };
    expect(FraudModelFile.safeParse(file).success).toBe(true);
  });
});
