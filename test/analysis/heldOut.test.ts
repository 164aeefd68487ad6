// What the reports may say of the held-out slice: out of sample only when the models record this very
// file as their training data and the slice is within what the trainers held out.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELD_OUT_SHARE, modelsTraining, outOfSample, TRAIN_SHARE } from '../../src/analysis/heldOut.js';
import { fileSha256 } from '../../src/analysis/replay.js';
import { defaultCreditTrainShare } from '../../src/train/credit/trainCredit.js';
import { DEFAULT_TRAIN_SHARE } from '../../src/train/fraud/trainModel.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-heldout-'));

describe('held-out share', () => {
  it('is the trainers’ own: both train on the earliest 80%, so 20% is held out', () => {
    expect(TRAIN_SHARE).toBe(DEFAULT_TRAIN_SHARE);
    expect(defaultCreditTrainShare).toBe(DEFAULT_TRAIN_SHARE);
    expect(HELD_OUT_SHARE).toBe(0.2);
  });
});

describe('modelsTraining and outOfSample', () => {
  it('reads the training data the shipped models record: both data/applications.csv', async () => {
    const models = modelsTraining();
    const sha = await fileSha256('data/applications.csv');
    expect(models.map((model) => [model.model, model.dataSha256])).toEqual([
      ['fraud model', sha],
      ['credit model', sha],
    ]);
    expect(modelsTraining({ fraudModel: null, creditModel: null })).toEqual([]);
  });

  it('calls the latest 20% of the training file out of sample, and a larger slice only partly', async () => {
    const models = modelsTraining();
    const sha = await fileSha256('data/applications.csv');
    const held = outOfSample(models, sha, 0.2);
    expect(held.status).toBe('held-out');
    expect(held.note).toMatch(/^The fraud model and the credit model record this file \(sha256 3fd8f08a62a5…\) as their training data/);
    expect(outOfSample(models.slice(0, 1), sha, 0.2).note).toMatch(
      /^The fraud model records this file .* as its training data, .* trained it, so/,
    );
    expect(held.note).toMatch(/the earliest 80% of rows trained them, so the latest 20% of rows by applied_at is out of sample/);
    const partly = outOfSample(models, sha, 0.3);
    expect(partly.status).toBe('partly');
    expect(partly.note).toMatch(
      /only the latest 20% is out of sample: the latest 30% of rows by applied_at reaches back into the training rows/,
    );
  });

  it('claims nothing for another file or a model that records no training data', async () => {
    const models = modelsTraining();
    const other = outOfSample(models, 'f'.repeat(64), 0.2);
    expect(other.status).toBe('unknown');
    expect(other.note).toMatch(
      /^The latest 20% of rows by applied_at is held out only if these models were trained on the earlier rows of this file/,
    );
    expect(other.note).toContain('the fraud model was trained on other data (sha256 3fd8f08a62a5…)');
    expect(other.note).not.toContain('out of sample');

    const model = JSON.parse(readFileSync('models/fraud-lr.json', 'utf8')) as Record<string, unknown>;
    delete model.trainingDataSha256;
    writeFileSync(join(dir, 'fraud.json'), JSON.stringify(model));
    const unrecorded = modelsTraining({ fraudModel: join(dir, 'fraud.json'), creditModel: null });
    expect(unrecorded).toEqual([
      { model: 'fraud model', path: join(dir, 'fraud.json'), dataSha256: null, split: (model.split as { rule: string }).rule },
    ]);
    const note = outOfSample(unrecorded, await fileSha256('data/applications.csv'), 0.2);
    expect(note.status).toBe('unknown');
    expect(note.note).toContain('held out only if these models were trained on the earlier rows of this file');
    expect(note.note).toContain('the fraud model records no training data');
    expect(outOfSample([], 'f'.repeat(64), 0.2).status).toBe('no-models');
  });
});
