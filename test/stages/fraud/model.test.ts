// The fraud model at run time: contributions add up to the logit's distance from the baseline for any
// model and input, and a model file that is malformed in any field is refused naming that field.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import type { FraudModelFile, FraudModelFileV1 } from '../../../src/schema/fraudModel.js';
import { LENDING_FRAUD_FEATURES } from '../../../src/stages/fraud/features.js';
import { createFraudScorer, loadFraudModel, rankContributions, sigmoid } from '../../../src/stages/fraud/model.js';
import { thrownBy } from '../../fixtures/errors.js';

const directory = mkdtempSync(join(tmpdir(), 'fraud-model-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function modelWith(features: Array<{ name: string; coefficient: number; baseline: number }>, intercept: number): FraudModelFile {
  const baselineLogit = features.reduce((sum, feature) => sum + feature.coefficient * feature.baseline, intercept);
  return {
    format: 'fengkong-fraud-lr',
    version: 2,
    trainedAt: '2024-06-01T12:00:00Z',
    trainingDataSha256: '0'.repeat(64),
    split: { trainRows: 800, testRows: 200, trainUntil: '2024-05-01T00:00:00Z', rule: 'application_date before trainUntil' },
    inputs: { derivedFeaturesSha256: '1'.repeat(64) },
    l2: 1,
    intercept,
    features: features.map((feature) => ({
      ...feature,
      input: { fact: feature.name, transform: 'identity' as const },
      reason: { code: `F_${feature.name.toUpperCase()}`, text: `${feature.name} is high` },
      mean: feature.baseline,
      scale: 1,
    })),
    baselineLogit,
    metrics: { auc: 0.81, byScenario: { synthetic_identity: { recall: 0.6 } } },
  };
}

const validModel = modelWith(
  [
    { name: 'applications_per_device_24h', coefficient: 0.9, baseline: 1.1 },
    { name: 'email_age_days', coefficient: -0.004, baseline: 900 },
    { name: 'loan_to_income', coefficient: 2.5, baseline: 0.2 },
  ],
  -3,
);

function writeModel(name: string, content: unknown): string {
  const path = join(directory, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const finite = (limit: number) => fc.double({ min: -limit, max: limit, noNaN: true, noDefaultInfinity: true });
const randomModelAndInput = fc.integer({ min: 1, max: 12 }).chain((width) =>
  fc.record({
    intercept: finite(10),
    coefficients: fc.array(finite(20), { minLength: width, maxLength: width }),
    baselines: fc.array(finite(1e4), { minLength: width, maxLength: width }),
    x: fc.array(finite(1e4), { minLength: width, maxLength: width }),
  }),
);

describe('createFraudScorer', () => {
  it('contributions sum to logit - baselineLogit, and the probability is in (0, 1), for any model and input', () => {
    fc.assert(
      fc.property(randomModelAndInput, ({ intercept, coefficients, baselines, x }) => {
        const model = modelWith(
          coefficients.map((coefficient, j) => ({ name: `feature_${j}`, coefficient, baseline: baselines[j]! })),
          intercept,
        );
        const { probability, logit, contributions } = createFraudScorer(model).score(x);
        const sum = contributions.reduce((total, contribution) => total + contribution, 0);
        const scale = Math.max(1, Math.abs(logit - model.baselineLogit), ...Array.from(contributions, Math.abs));
        expect(Math.abs(sum - (logit - model.baselineLogit))).toBeLessThanOrEqual(1e-9 * scale);
        expect(probability).toBeGreaterThan(0);
        expect(probability).toBeLessThan(1);
        expect(Number.isNaN(probability)).toBe(false);
        const expectedLogit = coefficients.reduce((total, coefficient, j) => total + coefficient * x[j]!, intercept);
        expect(Math.abs(logit - expectedLogit)).toBeLessThanOrEqual(1e-9 * scale);
      }),
      { numRuns: 500 },
    );
  });

  it('scores into a reusable buffer with results identical to score()', () => {
    const scorer = createFraudScorer(validModel);
    const buffer = scorer.createScoreBuffer();
    const x = [4, 12, 0.6];
    const fresh = scorer.score(x);
    const reused = scorer.scoreInto(x, buffer);
    expect(reused).toBe(buffer);
    expect(reused.logit).toBe(fresh.logit);
    expect(reused.probability).toBe(fresh.probability);
    expect(Array.from(reused.contributions)).toEqual(Array.from(fresh.contributions));
    const out = new Float64Array(3);
    expect(scorer.score(x, out).contributions).toBe(out);
  });

  it('scores a hand-checked example: logit, probability and contributions from the baseline', () => {
    const { logit, probability, contributions } = createFraudScorer(validModel).score([4, 12, 0.6]);
    expect(logit).toBeCloseTo(-3 + 0.9 * 4 - 0.004 * 12 + 2.5 * 0.6, 12);
    expect(probability).toBeCloseTo(1 / (1 + Math.exp(-logit)), 15);
    expect(contributions[0]).toBeCloseTo(0.9 * 2.9, 12);
    expect(contributions[1]).toBeCloseTo(-0.004 * -888, 12);
    expect(contributions[2]).toBeCloseTo(2.5 * 0.4, 12);
  });

  it('refuses a non-finite feature value naming the feature, and a vector of the wrong length', () => {
    const scorer = createFraudScorer(validModel);
    const error = thrownBy(() => scorer.score([1, NaN, 0.1]));
    expect(error.code).toBe(ErrorCode.EVENT_INVALID);
    expect(error.message).toContain('email_age_days');
    expect(thrownBy(() => scorer.score([1, 2, Infinity])).message).toContain('loan_to_income');
    expect(thrownBy(() => scorer.score([1, 2])).code).toBe(ErrorCode.EVENT_INVALID);
  });
});

describe('sigmoid', () => {
  it('is stable at the extremes and never reaches 0 or 1', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(800)).toBeLessThan(1);
    expect(sigmoid(-800)).toBeGreaterThan(0);
    expect(sigmoid(-30)).toBeCloseTo(Math.exp(-30), 25);
    expect(sigmoid(2) + sigmoid(-2)).toBeCloseTo(1, 15);
  });
});

describe('rankContributions', () => {
  it('returns the k largest, towards fraud first, ties in feature order', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    expect(rankContributions(names, [0.5, 2, -1, 2, 0.5], 3)).toEqual([
      { name: 'b', contribution: 2 },
      { name: 'd', contribution: 2 },
      { name: 'a', contribution: 0.5 },
    ]);
    expect(rankContributions(names, [0.5, 2, -1, 2, 0.5], 10)).toHaveLength(5);
    expect(rankContributions(names, [0.5, 2, -1, 2, 0.5], 0)).toEqual([]);
    expect(thrownBy(() => rankContributions(names, [1, 2], 1)).code).toBe(ErrorCode.EVENT_INVALID);
  });
});

describe('loadFraudModel', () => {
  it('loads a valid file with the sha256 of its bytes', () => {
    const path = writeModel('valid.json', validModel);
    const loaded = loadFraudModel(path);
    expect(loaded.model).toEqual(validModel);
    expect(loaded.features.map((feature) => [feature.name, feature.fact, feature.code])).toEqual([
      ['applications_per_device_24h', 'applications_per_device_24h', 'F_APPLICATIONS_PER_DEVICE_24H'],
      ['email_age_days', 'email_age_days', 'F_EMAIL_AGE_DAYS'],
      ['loan_to_income', 'loan_to_income', 'F_LOAN_TO_INCOME'],
    ]);
    expect(loaded.sha256).toBe(
      createHash('sha256')
        .update(JSON.stringify(validModel, null, 2))
        .digest('hex'),
    );
  });

  const features = validModel.features;
  const malformed: Array<{ name: string; content: unknown; field: string }> = [
    {
      name: 'a missing coefficient',
      content: { ...validModel, features: [features[0], { ...features[1], coefficient: undefined }, features[2]] },
      field: 'features.1.coefficient',
    },
    {
      name: 'a scale of 0',
      content: { ...validModel, features: [{ ...features[0], scale: 0 }, features[1], features[2]] },
      field: 'features.0.scale',
    },
    {
      name: 'NaN given as a string',
      content: { ...validModel, features: [features[0], features[1], { ...features[2], baseline: 'NaN' }] },
      field: 'features.2.baseline',
    },
    {
      name: 'an inconsistent baselineLogit',
      content: { ...validModel, baselineLogit: validModel.baselineLogit + 1e-6 },
      field: 'baselineLogit',
    },
    {
      name: 'a duplicate feature name',
      content: { ...validModel, features: [features[0], features[1], { ...features[2], name: features[0]!.name }] },
      field: 'features.2.name',
    },
    { name: 'a wrong format', content: { ...validModel, format: 'fengkong-credit-onnx' }, field: 'format' },
    {
      name: 'a feature name not in snake_case',
      content: { ...validModel, features: [{ ...features[0], name: 'DeviceCount' }, features[1], features[2]] },
      field: 'features.0.name',
    },
    { name: 'a bad training hash', content: { ...validModel, trainingDataSha256: 'xyz' }, field: 'trainingDataSha256' },
    { name: 'a trainedAt that is not ISO', content: { ...validModel, trainedAt: 'June 1st' }, field: 'trainedAt' },
    { name: 'a negative l2', content: { ...validModel, l2: -1 }, field: 'l2' },
    {
      name: 'an infinite nested metric',
      content: JSON.stringify(validModel).replace('"recall":0.6', '"recall":1e999'),
      field: 'metrics.byScenario',
    },
  ];
  malformed.forEach(({ name, content, field }, index) => {
    it(`refuses ${name} with FK_MODEL_INVALID naming ${field}`, () => {
      const path = writeModel(`malformed-${index}.json`, content);
      const error = thrownBy(() => loadFraudModel(path));
      expect(error.code).toBe(ErrorCode.MODEL_INVALID);
      expect(error.message).toContain(path);
      expect(error.message).toContain(`: ${field}`);
    });
  });

  it('reads a version-1 file with the inputs and reasons of the feature set it names, and refuses a list that differs', () => {
    const shipped = JSON.parse(readFileSync('models/fraud-lr.json', 'utf8')) as FraudModelFileV1;
    const version1 = {
      ...shipped,
      version: 1,
      inputs: { featureSet: 'fengkong-fraud-features/2', derivedFeaturesSha256: shipped.inputs.derivedFeaturesSha256 },
      features: shipped.features.map(({ name, mean, scale, coefficient, baseline }) => ({ name, mean, scale, coefficient, baseline })),
    };
    const loaded = loadFraudModel(writeModel('version1.json', version1));
    expect(loaded.model.version).toBe(2);
    expect(loaded.model.features.map((feature) => [feature.name, feature.input, feature.reason])).toEqual(
      LENDING_FRAUD_FEATURES.map((spec) => [spec.name, spec.input, spec.reason]),
    );
    expect(loaded.model.features.map((feature) => feature.coefficient)).toEqual(version1.features.map((feature) => feature.coefficient));

    const [first, second, ...rest] = version1.features;
    const reordered = thrownBy(() => loadFraudModel(writeModel('reordered.json', { ...version1, features: [second, first, ...rest] })));
    expect(reordered.code).toBe(ErrorCode.MODEL_INVALID);
    expect(reordered.message).toContain('features.0.name is "log_device_apps_24h"; expected "log_device_apps_1h"');
    const shorter = thrownBy(() => loadFraudModel(writeModel('shorter.json', { ...version1, features: version1.features.slice(0, -1) })));
    expect(shorter.message).toContain('features.16.name missing');
    const unknown = thrownBy(() =>
      loadFraudModel(writeModel('unknown-set.json', { ...version1, inputs: { ...version1.inputs, featureSet: 'someone-elses/1' } })),
    );
    expect(unknown.message).toMatch(/inputs\.featureSet is someone-elses\/1, which this engine does not know .*retrain the model/);
  });

  it('refuses an input or a reason that cannot be read, naming the field', () => {
    const [first, ...rest] = validModel.features;
    const bad = (feature: unknown) =>
      thrownBy(() => loadFraudModel(writeModel('bad-input.json', { ...validModel, features: [feature, ...rest] })));
    expect(bad({ ...first, input: { fact: 'x', transform: 'log' } }).message).toMatch(
      /features\.0\.input\.floor: log needs a positive floor/,
    );
    expect(bad({ ...first, input: { fact: 'x', transform: 'sqrt' } }).message).toMatch(/features\.0\.input\.transform/);
    expect(bad({ ...first, reason: { code: 'R_NOT_FRAUD', text: 'x' } }).message).toMatch(/features\.0\.reason\.code/);
    expect(bad({ ...first, reason: { code: 'F_X', text: 'two\nlines' } }).message).toMatch(/features\.0\.reason\.text/);
    expect(bad({ ...first, reason: { ...first!.reason, code: rest[0]!.reason.code } }).message).toMatch(
      /features\.1\.reason\.code: a reason code is given to two features/,
    );
  });

  it('refuses a truncated file as bad JSON naming the file', () => {
    const path = writeModel('truncated.json', JSON.stringify(validModel).slice(0, 120));
    const error = thrownBy(() => loadFraudModel(path));
    expect(error.code).toBe(ErrorCode.MODEL_INVALID);
    expect(error.message).toContain(path);
    expect(error.message).toContain('not valid JSON');
  });

  it('reports a missing file as unreadable', () => {
    expect(thrownBy(() => loadFraudModel(join(directory, 'absent.json'))).code).toBe(ErrorCode.FILE_READ);
  });
});
