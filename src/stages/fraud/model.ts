// The fraud model at run time: load and validate the model file once, then score feature vectors with
// per-feature contributions in log-odds, measured from the training means.
// Each feature says what it reads (features.ts): the engine checks the facts exist when it loads the model.
import { createHash } from 'node:crypto';
import { ErrorCode, FengkongError } from '../../errors.js';
import { z } from 'zod';
import { FraudModelFile, FraudModelFileV1 } from '../../schema/fraudModel.js';
import { describeIssues } from '../../schema/issues.js';
import { parseJsonFile, readFileBytes } from '../../schema/jsonFile.js';
import { compileFraudFeature, LEGACY_FRAUD_FEATURE_SETS, type FraudFeature } from './features.js';

export interface LoadedFraudModel {
  readonly path: string;
  /** The model as version 2 (a version-1 file is read with its named feature set's inputs and reasons). */
  readonly model: FraudModelFile;
  /** Its features, compiled: what each reads and how, in the order of the coefficients. */
  readonly features: readonly FraudFeature[];
  /** sha256 of the file's bytes, for the audit trail. */
  readonly sha256: string;
}

export interface FraudScore {
  readonly probability: number;
  readonly logit: number;
  /** contributions[j] = coefficient_j * (x_j - baseline_j); they sum to logit - baselineLogit. */
  readonly contributions: Float64Array;
}

/** A reusable result for `scoreInto`: scoring into it allocates nothing. */
export interface FraudScoreBuffer {
  probability: number;
  logit: number;
  readonly contributions: Float64Array;
}

export interface FraudScorer {
  readonly featureNames: readonly string[];
  readonly baselineLogit: number;
  /** Scores one feature vector, in the order of `featureNames`; contributions go to `contributionsOut` when given. */
  score(x: ArrayLike<number>, contributionsOut?: Float64Array): FraudScore;
  /** Scores into `out` without allocating. */
  scoreInto(x: ArrayLike<number>, out: FraudScoreBuffer): FraudScoreBuffer;
  createScoreBuffer(): FraudScoreBuffer;
}

export interface RankedContribution {
  readonly name: string;
  readonly contribution: number;
}

/**
 * Reads and validates a model file, once. A version-1 file, whose features named a built-in feature set
 * rather than saying what they read, is read as version 2 with that set's inputs and reasons; its
 * feature list must match the set exactly, name for name and in order.
 */
export function loadFraudModel(path: string): LoadedFraudModel {
  const bytes = readFileBytes(path);
  const { version } = parseJsonFile(path, bytes, z.looseObject({ version: z.unknown() }), ErrorCode.MODEL_INVALID);
  const model =
    version === 1
      ? fromVersion1(path, parseJsonFile(path, bytes, FraudModelFileV1, ErrorCode.MODEL_INVALID))
      : parseJsonFile(path, bytes, FraudModelFile, ErrorCode.MODEL_INVALID);
  return { path, model, features: model.features.map(compileFraudFeature), sha256: createHash('sha256').update(bytes).digest('hex') };
}

function fromVersion1(path: string, file: FraudModelFileV1): FraudModelFile {
  const { featureSet, derivedFeaturesSha256 } = file.inputs;
  const specs = Object.hasOwn(LEGACY_FRAUD_FEATURE_SETS, featureSet) ? LEGACY_FRAUD_FEATURE_SETS[featureSet]! : undefined;
  if (specs === undefined) {
    throw new FengkongError(
      ErrorCode.MODEL_INVALID,
      `${path}: inputs.featureSet is ${featureSet}, which this engine does not know (${Object.keys(LEGACY_FRAUD_FEATURE_SETS).join(', ')}): retrain the model, which writes what each feature reads`,
    );
  }
  checkFeatureList(
    path,
    file,
    specs.map((spec) => spec.name),
  );
  const converted = FraudModelFile.safeParse({
    ...file,
    version: 2,
    inputs: { derivedFeaturesSha256 },
    features: file.features.map((feature, index) => ({ ...feature, input: specs[index]!.input, reason: specs[index]!.reason })),
  });
  if (!converted.success) {
    throw new FengkongError(ErrorCode.MODEL_INVALID, `${path}: ${describeIssues(converted.error)}`, { cause: converted.error });
  }
  return converted.data;
}

function checkFeatureList(path: string, model: FraudModelFileV1, expected: readonly string[]): void {
  const count = Math.max(expected.length, model.features.length);
  for (let index = 0; index < count; index++) {
    const found = model.features[index]?.name;
    const wanted = expected[index];
    if (found === wanted) continue;
    const what =
      found === undefined
        ? `missing; expected "${wanted}"`
        : wanted === undefined
          ? `"${found}" is beyond the ${expected.length} expected features`
          : `is "${found}"; expected "${wanted}"`;
    throw new FengkongError(
      ErrorCode.MODEL_INVALID,
      `${path}: features.${index}.name ${what} (the feature list of ${model.inputs.featureSet} must match exactly, in order)`,
    );
  }
}

/** Precomputes the coefficient and baseline arrays; the scorer then runs flat over typed arrays. */
export function createFraudScorer(model: FraudModelFile): FraudScorer {
  const featureNames = Object.freeze(model.features.map((feature) => feature.name));
  const coefficients = Float64Array.from(model.features, (feature) => feature.coefficient);
  const baselines = Float64Array.from(model.features, (feature) => feature.baseline);
  const { intercept, baselineLogit } = model;
  const width = coefficients.length;

  function scoreInto(x: ArrayLike<number>, out: FraudScoreBuffer): FraudScoreBuffer {
    if (x.length !== width) {
      throw new FengkongError(ErrorCode.EVENT_INVALID, `fraud model: expected ${width} feature values, got ${x.length}`);
    }
    const contributions = out.contributions;
    if (contributions.length !== width) {
      throw new FengkongError(ErrorCode.EVENT_INVALID, `fraud model: contributions buffer holds ${contributions.length}, needs ${width}`);
    }
    let logit = intercept;
    for (let j = 0; j < width; j++) {
      const value = x[j]!;
      if (!Number.isFinite(value)) {
        throw new FengkongError(ErrorCode.EVENT_INVALID, `fraud model: feature "${featureNames[j]}" is not a finite number`);
      }
      const coefficient = coefficients[j]!;
      logit += coefficient * value;
      contributions[j] = coefficient * (value - baselines[j]!);
    }
    // Finite inputs can still overflow a product; a probability from an infinite logit would hide it.
    if (!Number.isFinite(logit)) {
      throw new FengkongError(ErrorCode.EVENT_INVALID, 'fraud model: the logit overflowed (a feature value is out of any trained range)');
    }
    out.logit = logit;
    out.probability = sigmoid(logit);
    return out;
  }

  return {
    featureNames,
    baselineLogit,
    score(x, contributionsOut) {
      const out = { probability: 0, logit: 0, contributions: contributionsOut ?? new Float64Array(width) };
      return scoreInto(x, out);
    },
    scoreInto,
    createScoreBuffer: () => ({ probability: 0, logit: 0, contributions: new Float64Array(width) }),
  };
}

const largestBelowOne = 1 - Number.EPSILON / 2;

/**
 * Logistic function without overflow: exp of a large positive argument is never taken. The result is kept
 * strictly inside (0, 1) (beyond |logit| ~ 37 it would round to exactly 1), so odds and log-loss computed
 * from it downstream stay finite.
 */
export function sigmoid(logit: number): number {
  if (logit >= 0) return Math.min(1 / (1 + Math.exp(-logit)), largestBelowOne);
  const odds = Math.exp(logit);
  return Math.max(odds / (1 + odds), Number.MIN_VALUE);
}

/**
 * The k largest contributions, positive meaning towards fraud, largest first; equal contributions keep the
 * model's feature order. Negative contributions are included when fewer than k are positive: filter them if
 * only reasons towards fraud are wanted.
 */
export function rankContributions(names: readonly string[], contributions: ArrayLike<number>, k: number): RankedContribution[] {
  if (names.length !== contributions.length) {
    throw new FengkongError(ErrorCode.EVENT_INVALID, `rankContributions: ${names.length} names but ${contributions.length} contributions`);
  }
  if (!Number.isInteger(k) || k < 0)
    throw new FengkongError(ErrorCode.EVENT_INVALID, 'rankContributions: k must be a non-negative integer');
  const order = Array.from({ length: names.length }, (_, index) => index);
  order.sort((a, b) => {
    const ca = contributions[a]!;
    const cb = contributions[b]!;
    return ca > cb ? -1 : ca < cb ? 1 : a - b;
  });
  return order.slice(0, k).map((index) => ({ name: names[index]!, contribution: contributions[index]! }));
}
