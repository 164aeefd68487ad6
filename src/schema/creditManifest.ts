// The credit model's manifest (models/<name>.manifest.json): the ONNX file it pins by sha256, how a
// record becomes the model's input vector (encoders, missing-value policy), the attribution groups and
// baseline, the score scaling, and the provenance and metrics of the training run.
import { z } from 'zod';
import { ScoreScaling } from '../stages/credit/scaling.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters');
const snake = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a column or feature name');

export const CreditInput = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('numeric'),
    name: snake,
    /** The record column (or derived feature) it reads. */
    source: snake,
    mean: z.number(),
    scale: z.number().positive(),
    /** What a missing value becomes before standardising (the training mean). */
    fill: z.number(),
  }),
  z.strictObject({
    kind: z.literal('category'),
    name: z.string().min(1),
    source: snake,
    /** 1 when the record's value equals this level ('' stands for missing), else 0. */
    level: z.string(),
  }),
]);
export type CreditInput = z.infer<typeof CreditInput>;

export const CreditGroup = z.strictObject({
  code: z.string().regex(/^C_[A-Z0-9_]+$/),
  text: z.string().min(1).max(200),
  /** Indices into `inputs`. */
  inputs: z.array(z.number().int().nonnegative()).min(1),
});

export const CreditManifest = z
  .strictObject({
    format: z.literal('fengkong-credit-mlp'),
    version: z.literal(1),
    onnx: z.strictObject({
      file: z.string().regex(/^[A-Za-z0-9._-]+\.onnx$/, 'a file name beside the manifest'),
      sha256,
      opset: z.number().int().min(13),
      inputName: z.string().min(1),
      logitOutput: z.string().min(1),
      pdOutput: z.string().min(1),
    }),
    target: z.strictObject({ column: z.string().min(1), positive: z.string().min(1) }),
    inputs: z.array(CreditInput).min(1),
    groups: z.array(CreditGroup).min(1).max(10),
    /** The input vector attributions are measured from: training means (0 once standardised), modes for one-hot groups. */
    baseline: z.array(z.number()),
    scaling: ScoreScaling,
    missingValues: z.string().min(1),
    derivedFeaturesSha256: sha256.nullable(),
    training: z.strictObject({
      dataSha256: sha256,
      trainedAt: z.iso.datetime({ offset: true }),
      rows: z.number().int().positive(),
      positives: z.number().int().nonnegative(),
      split: z.string().min(1),
      seed: z.number().int(),
      hidden: z.array(z.number().int().positive()),
      excluded: z.array(z.strictObject({ column: z.string(), why: z.string() })),
      /** Rows left out before the split (an empty target, a fraud label), with why; absent when none were. */
      dropped: z.array(z.strictObject({ rows: z.number().int().positive(), why: z.string().min(1) })).optional(),
    }),
    metrics: z.record(z.string(), z.number()),
  })
  .superRefine((manifest, context) => {
    if (manifest.baseline.length !== manifest.inputs.length) {
      context.addIssue({ code: 'custom', path: ['baseline'], message: `must have one value per input (${manifest.inputs.length})` });
    }
    const covered = new Set<number>();
    manifest.groups.forEach((group, g) =>
      group.inputs.forEach((index, i) => {
        if (index >= manifest.inputs.length)
          context.addIssue({ code: 'custom', path: ['groups', g, 'inputs', i], message: 'no such input' });
        if (covered.has(index))
          context.addIssue({ code: 'custom', path: ['groups', g, 'inputs', i], message: 'input already in another group' });
        covered.add(index);
      }),
    );
    // An input in no group would sit in every coalition and break additivity against the baseline.
    if (covered.size !== manifest.inputs.length) {
      context.addIssue({
        code: 'custom',
        path: ['groups'],
        message: `must cover every input: ${manifest.inputs.length - covered.size} left out`,
      });
    }
  });
export type CreditManifest = z.infer<typeof CreditManifest>;
