// The fraud model file (models/fraud-lr.json): a logistic regression in raw feature units, with the
// provenance of its training run and the held-out metrics it reached. zod's number rejects NaN and
// ±Infinity, so every number here is finite.
import { z } from 'zod';

/** A metric value: a finite number, or a record of them nested to any depth (per decile, per scenario...). */
export type FraudModelMetric = number | { [name: string]: FraudModelMetric };
const FraudModelMetric: z.ZodType<FraudModelMetric> = z.lazy(() => z.union([z.number(), z.record(z.string(), FraudModelMetric)]));

const isoInstant = z.iso.datetime({ offset: true });

export const FraudModelFeature = z.strictObject({
  name: z
    .string()
    .max(64)
    .regex(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/, 'must be snake_case: lower-case letters, digits and single underscores'),
  /** Training mean, used to standardise during training; kept for provenance. */
  mean: z.number(),
  /** Training population standard deviation (1 for a constant column). */
  scale: z.number().positive(),
  /** Log-odds per raw unit of the feature. */
  coefficient: z.number(),
  /** The value a contribution is measured from: contribution = coefficient * (x - baseline). */
  baseline: z.number(),
});
export type FraudModelFeature = z.infer<typeof FraudModelFeature>;

/** Relative to the size of the terms, so a model with large raw-unit coefficients is not refused for rounding. */
const baselineLogitTolerance = 1e-9;

export const FraudModelFile = z
  .strictObject({
    format: z.literal('fengkong-fraud-lr'),
    version: z.literal(1),
    trainedAt: isoInstant,
    trainingDataSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters'),
    split: z.strictObject({
      trainRows: z.number().int().nonnegative(),
      testRows: z.number().int().nonnegative(),
      trainUntil: z.union([isoInstant, z.iso.date()]),
      rule: z.string().min(1),
    }),
    /** What the inputs were computed with: a model is refused by an engine that computes them otherwise. */
    inputs: z.strictObject({
      featureSet: z.string().min(1),
      derivedFeaturesSha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
    /** Penalty weight: training minimised -loglik + (l2 / 2) * |beta|^2 on standardised features. */
    l2: z.number().nonnegative(),
    intercept: z.number(),
    features: z.array(FraudModelFeature).min(1),
    /** The logit at the baseline: intercept + sum of coefficient * baseline. */
    baselineLogit: z.number(),
    metrics: z.record(z.string(), FraudModelMetric),
  })
  .superRefine((model, context) => {
    const seen = new Set<string>();
    model.features.forEach((feature, index) => {
      if (seen.has(feature.name))
        context.addIssue({ code: 'custom', path: ['features', index, 'name'], message: 'duplicate feature name' });
      seen.add(feature.name);
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
