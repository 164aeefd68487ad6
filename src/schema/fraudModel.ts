// The fraud model file (models/fraud-lr.json): a logistic regression in raw feature units, with the
// provenance of its training run and the held-out metrics it reached. zod's number rejects NaN and
// ±Infinity, so every number here is finite.
import { z } from 'zod';

/** A metric value: a finite number, or a record of them nested to any depth (per decile, per scenario...). */
export type FraudModelMetric = number | { [name: string]: FraudModelMetric };
const FraudModelMetric: z.ZodType<FraudModelMetric> = z.lazy(() => z.union([z.number(), z.record(z.string(), FraudModelMetric)]));

const isoInstant = z.iso.datetime({ offset: true });

/**
 * What a feature reads and how: a fact the engine provides (an aggregate, a signal, a list hit, a
 * derived feature, a number field), clamped to [floor, ceiling] where given, then transformed:
 * `identity` (a flag reads 1/0), `log1p` (counts), `log` (ratios; needs a positive floor). A missing fact
 * is missing whatever the transform.
 */
export const FraudFeatureInput = z
  .strictObject({
    fact: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a fact name: letters, digits and _'),
    transform: z.enum(['identity', 'log1p', 'log']),
    floor: z.number().optional(),
    ceiling: z.number().optional(),
  })
  .superRefine((input, context) => {
    if (input.floor !== undefined && input.ceiling !== undefined && input.floor > input.ceiling) {
      context.addIssue({ code: 'custom', path: ['ceiling'], message: 'the ceiling is below the floor' });
    }
    if (input.transform === 'log' && !(input.floor !== undefined && input.floor > 0)) {
      context.addIssue({ code: 'custom', path: ['floor'], message: 'log needs a positive floor (the log of 0 or less is not a number)' });
    }
    if (input.transform === 'log1p' && input.floor !== undefined && input.floor <= -1) {
      context.addIssue({ code: 'custom', path: ['floor'], message: 'log1p needs a floor above -1' });
    }
  });
export type FraudFeatureInput = z.infer<typeof FraudFeatureInput>;

/** The reason a feature gives when it pushes an application towards fraud: a code and the applicant-safe words. */
export const FraudFeatureReason = z.strictObject({
  code: z.string().regex(/^F_[A-Z0-9_]{1,60}$/, 'F_ and upper-case letters, digits and _'),
  text: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\p{Cc}]*$/u, 'one line, no control characters'),
});
export type FraudFeatureReason = z.infer<typeof FraudFeatureReason>;

const FeatureName = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/, 'must be snake_case: lower-case letters, digits and single underscores');

/** A feature of a version-1 file: its input and reason were those of a named built-in feature set. */
export const FraudModelFeatureV1 = z.strictObject({
  name: FeatureName,
  /** Training mean, used to standardise during training; kept for provenance. */
  mean: z.number(),
  /** Training population standard deviation (1 for a constant column). */
  scale: z.number().positive(),
  /** Log-odds per raw unit of the feature. */
  coefficient: z.number(),
  /** The value a contribution is measured from: contribution = coefficient * (x - baseline). */
  baseline: z.number(),
});

export type FraudModelFeatureV1 = z.infer<typeof FraudModelFeatureV1>;

export const FraudModelFeature = z.strictObject({ ...FraudModelFeatureV1.shape, input: FraudFeatureInput, reason: FraudFeatureReason });
export type FraudModelFeature = z.infer<typeof FraudModelFeature>;

/** Relative to the size of the terms, so a model with large raw-unit coefficients is not refused for rounding. */
const baselineLogitTolerance = 1e-9;

const fraudModelFields = {
  // l2: the penalty weight: training minimised -loglik + (l2 / 2) * |beta|^2 on standardised features.
  // baselineLogit: the logit at the baseline: intercept + sum of coefficient * baseline.
  format: z.literal('fengkong-fraud-lr'),
  trainedAt: isoInstant,
  trainingDataSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters'),
  split: z.strictObject({
    trainRows: z.number().int().nonnegative(),
    testRows: z.number().int().nonnegative(),
    trainUntil: z.union([isoInstant, z.iso.date()]),
    rule: z.string().min(1),
  }),
  l2: z.number().nonnegative(),
  intercept: z.number(),
  baselineLogit: z.number(),
  metrics: z.record(z.string(), FraudModelMetric),
};

/**
 * A version-1 file: the features named a built-in feature set (`inputs.featureSet`) instead of saying
 * what they read. The loader reads one as version 2 with that set's inputs and reasons.
 */
export const FraudModelFileV1 = z.strictObject({
  ...fraudModelFields,
  version: z.literal(1),
  inputs: z.strictObject({ featureSet: z.string().min(1), derivedFeaturesSha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  features: z.array(FraudModelFeatureV1).min(1),
});
export type FraudModelFileV1 = z.infer<typeof FraudModelFileV1>;

export const FraudModelFile = z
  .strictObject({
    ...fraudModelFields,
    version: z.literal(2),
    /**
     * The derived-features file the inputs were computed with, when a feature reads a derived feature: a
     * model is refused by an engine that loads another. Null when no feature reads one.
     */
    inputs: z.strictObject({
      derivedFeaturesSha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .nullable(),
    }),
    features: z.array(FraudModelFeature).min(1),
  })
  .superRefine((model, context) => {
    const seen = new Set<string>();
    const seenCodes = new Set<string>();
    model.features.forEach((feature, index) => {
      if (seen.has(feature.name))
        context.addIssue({ code: 'custom', path: ['features', index, 'name'], message: 'duplicate feature name' });
      seen.add(feature.name);
      if (seenCodes.has(feature.reason.code))
        context.addIssue({
          code: 'custom',
          path: ['features', index, 'reason', 'code'],
          message: 'a reason code is given to two features',
        });
      seenCodes.add(feature.reason.code);
    });
    let logit = model.intercept;
    let magnitude = Math.abs(model.intercept);
    for (const feature of model.features) {
      logit += feature.coefficient * feature.baseline;
      magnitude += Math.abs(feature.coefficient * feature.baseline);
    }
    if (!(Math.abs(logit - model.baselineLogit) <= baselineLogitTolerance * Math.max(1, magnitude))) {
      context.addIssue({
        code: 'custom',
        path: ['baselineLogit'],
        message: 'baselineLogit must equal intercept + sum of coefficient * baseline over the features (within 1e-9)',
      });
    }
  });
export type FraudModelFile = z.infer<typeof FraudModelFile>;
