// The credit trainer reading a data model through an engine config: beside the declared fields, the
// facts the engine computes — derived features, aggregates — are candidate inputs; the manifest pins the
// derived-features file, the reasons use the declarations' words, and the engine decides with the model.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { createEngine } from '../../../src/index.js';
import { readEvents } from '../../../src/batch/readEvents.js';
import { dataModelOf, parseEngineConfig } from '../../../src/engine/loadInputs.js';
import { loadDataModel } from '../../../src/features/dataModel.js';
import { readConfigFile } from '../../../src/cli/config.js';
import { trainCreditModel, writeCreditModel } from '../../../src/train/credit/trainCredit.js';
import { computeModelFacts } from '../../../src/train/credit/modelFacts.js';
import { rejectionOf } from '../../fixtures/errors.js';
import { applicationsModel } from '../../fixtures/dataModels.js';

const scratch = mkdtempSync(join(tmpdir(), 'fk-credit-facts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('train credit --config examples/credit-data/config.json', () => {
  const config = readConfigFile('examples/credit-data/config.json');
  const derivedPath = 'examples/credit-data/derived-features.json';

  it('adds the derived features to the inputs, pins their file, and decides with them', async () => {
    const training = await trainCreditModel({
      inputPath: 'data/credit_data.csv',
      dataModel: dataModelOf(parseEngineConfig(config)),
      engineConfig: config,
      split: 'random',
      splitSeed: 1,
      target: 'Status',
      positive: 'bad',
      hidden: [4],
    });
    const { manifest } = training;
    const sources = new Set(manifest.inputs.map((input) => input.source));
    expect(sources.has('expenses_to_income')).toBe(true);
    expect(sources.has('amount_to_price')).toBe(true);
    expect(sources.has('Age')).toBe(false);
    expect(manifest.derivedFeaturesSha256).toBe(createHash('sha256').update(readFileSync(derivedPath)).digest('hex'));
    const group = manifest.groups.find((entry) => entry.code === 'C_EXPENSES_TO_INCOME');
    expect(group?.text).toBe('Monthly expenses over monthly income. Missing when the income is missing or 0.');

    const written = writeCreditModel(training, join(scratch, 'credit'));
    const own = { ...config, creditModel: resolve(written.manifestPath), rulePacks: [] };
    const engine = await createEngine(own);
    const { events } = await readEvents('data/credit_data.csv', engine.dataModel);
    const decisions = await engine.decideBatch(events.slice(0, 200));
    expect(decisions.every((decision) => Number.isFinite(decision.stages.credit!.pd))).toBe(true);
    // Without the derived-features file the model was trained with, the engine refuses it.
    const { derivedFeatures: _, ...withoutDerived } = own;
    const refused = await rejectionOf(createEngine(withoutDerived));
    expect(refused.code).toBe(ErrorCode.MODEL_INVALID);
    expect(refused.message).toMatch(/derivedFeaturesSha256 does not match the derived features loaded/);
  }, 120_000);
});

describe('train credit --data-model with declared aggregates', () => {
  const model = applicationsModel(
    'applications-velocity',
    [
      'application_id',
      'applied_at',
      'applicant_id',
      'device_id',
      'ip_region',
      'addr_state',
      'funded_amnt',
      'annual_inc',
      'default',
      'is_fraud',
    ],
    {
      signals: [
        { name: 'same_state', kind: 'equal', fields: ['ip_region', 'addr_state'], description: 'Applied from the state of the address' },
      ],
      aggregates: [
        { name: 'applicant_apps_30d', key: 'applicant_id', window: '30d', aggregate: 'count', description: 'Applications this month' },
        { name: 'device_amount_24h', key: 'device_id', window: '24h', aggregate: 'sum', of: 'funded_amnt' },
      ],
    },
  );
  const path = join(scratch, 'velocity.json');
  writeFileSync(path, JSON.stringify(model));

  it('computes each aggregate in time order as the engine does, and offers it as an input', async () => {
    const dataModel = loadDataModel(path);
    const { events } = await readEvents('data/applications.csv', dataModel);
    const facts = computeModelFacts(dataModel, events, { dataModel: path });
    expect([...facts.names].sort()).toEqual(['applicant_apps_30d', 'device_amount_24h', 'same_state']);
    // The engine, deciding the same events (the file is in time order), reads the same values: a rule
    // that always fires records the value it read.
    const pack = join(scratch, 'read-velocity.json');
    writeFileSync(
      pack,
      JSON.stringify({
        pack: 'read-velocity',
        version: '1.0.0',
        description: 'Records the velocity the engine computes.',
        rules: [
          {
            name: 'R_READ',
            priority: 1,
            conditions: { all: [{ fact: 'applicant_apps_30d', operator: 'greaterThanInclusive', value: 0 }] },
            event: { type: 'R_READ', params: { severity: 'info', category: 'application', reason: 'Reads the velocity' } },
          },
        ],
      }),
    );
    const engine = await createEngine({ dataModel: path, rulePacks: [pack], creditModel: null, fraudModel: null });
    const decisions = await engine.decideBatch(events.slice(0, 300));
    decisions.forEach((decision, index) =>
      expect(decision.stages.rules.values.applicant_apps_30d).toBe(facts.values[index]!.applicant_apps_30d),
    );
    expect(facts.values.some((record) => (record.applicant_apps_30d ?? 0) > 0)).toBe(true);

    const training = await trainCreditModel({
      inputPath: 'data/applications.csv',
      dataModel,
      engineConfig: { dataModel: path },
      target: 'default',
      positive: '1',
      exclude: ['device_amount_24h', 'ip_region', 'addr_state'],
      hidden: [4],
    });
    const sources = new Set(training.manifest.inputs.map((input) => input.source));
    expect([...sources].sort()).toEqual(['annual_inc', 'applicant_apps_30d', 'funded_amnt', 'same_state']);
    // A flag (the equal signal) is a numeric input read as 1/0: the engine loads the model and decides with it.
    const written = writeCreditModel(training, join(scratch, 'velocity-credit'));
    const served = await createEngine({ dataModel: path, rulePacks: [], fraudModel: null, creditModel: resolve(written.manifestPath) });
    const scored = await served.decideBatch(events.slice(0, 100));
    expect(scored.every((decision) => Number.isFinite(decision.stages.credit!.pd))).toBe(true);
    expect(training.manifest.derivedFeaturesSha256).toBeNull();
    expect(training.manifest.groups.find((group) => group.code === 'C_APPLICANT_APPS_30D')?.text).toBe('Applications this month');
    expect(training.manifest.training.split).toMatch(/^time split on applied_at/);
  }, 120_000);
});
