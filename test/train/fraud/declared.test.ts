// The fraud trainer on a data model of the user's own: the inputs are its declared aggregates (not the
// shipped 17), the label its declared fraud outcome; the model file says what each input reads, and an
// engine built on that data model decides with it, computing the same inputs the trainer fitted on.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { createEngine } from '../../../src/index.js';
import { readEvents } from '../../../src/batch/readEvents.js';
import { loadDataModel } from '../../../src/features/dataModel.js';
import type { DataModelFileInput } from '../../../src/schema/dataModel.js';
import { FraudModelFile } from '../../../src/schema/fraudModel.js';
import { trainFraudModel, type FraudTraining } from '../../../src/train/fraud/trainModel.js';
import { replayHistory } from '../../../src/train/fraud/replay.js';
import { evaluateFraudModelOnFile } from '../../../src/train/fraud/evaluateFile.js';
import { rejectionOf } from '../../fixtures/errors.js';
import { applicationsModel } from '../../fixtures/dataModels.js';
import { chooseFraudFeatures } from '../../../src/train/fraud/features.js';
import { compileDataModel } from '../../../src/features/dataModel.js';

const scratch = mkdtempSync(join(tmpdir(), 'fk-fraud-declared-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const dataModel = (outcomes: DataModelFileInput['outcomes']): DataModelFileInput =>
  applicationsModel(
    'device-checks',
    ['application_id', 'applied_at', 'applicant_id', 'device_id', 'ip', 'email', 'funded_amnt', 'is_fraud', 'fraud_scenario'],
    {
      aggregates: [
        {
          name: 'device_apps_24h',
          key: 'device_id',
          window: '24h',
          aggregate: 'count',
          description: 'Many applications from this device today',
        },
        { name: 'device_people_24h', key: 'device_id', window: '24h', aggregate: 'distinct', of: 'applicant_id' },
        { name: 'network_apps_1h', key: { field: 'ip', derive: 'ipv4/24' }, window: '1h', aggregate: 'count' },
        { name: 'domain_apps_24h', key: { field: 'email', derive: 'email-domain' }, window: '24h', aggregate: 'count' },
        { name: 'device_seen_30d', key: 'device_id', window: '30d', aggregate: 'firstSeen' },
        { name: 'amount_vs_usual', key: 'applicant_id', window: '30d', aggregate: 'ratioToMean', of: 'funded_amnt' },
      ],
      ...(outcomes === undefined ? {} : { outcomes }),
    },
  );

function write(name: string, value: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

const configFor = (path: string) => ({ dataModel: path, rulePacks: [], lists: [], creditModel: null, fraudModel: null });

describe('train fraud on a declared data model', () => {
  const path = write('device-checks.json', dataModel({ fraud: { field: 'is_fraud', bad: 1, kind: 'fraud_scenario' } }));
  const config = configFor(path);
  let training: FraudTraining;
  beforeAll(async () => {
    training = await trainFraudModel({ inputPath: 'data/applications.csv', config, trainedAt: new Date('2026-12-07T00:00:00Z') });
  }, 120_000);

  it('reads one input per declared aggregate, each saying what it reads and how', () => {
    expect(training.featureSource).toBe('declared');
    expect(training.labelField).toBe('is_fraud');
    expect(FraudModelFile.parse(training.model)).toEqual(training.model);
    expect(training.model.features.map((feature) => [feature.name, feature.input])).toEqual([
      ['log_device_apps_24h', { fact: 'device_apps_24h', transform: 'log1p', floor: 0 }],
      ['log_device_people_24h', { fact: 'device_people_24h', transform: 'log1p', floor: 0 }],
      ['log_network_apps_1h', { fact: 'network_apps_1h', transform: 'log1p', floor: 0 }],
      ['log_domain_apps_24h', { fact: 'domain_apps_24h', transform: 'log1p', floor: 0 }],
      ['device_seen_30d', { fact: 'device_seen_30d', transform: 'identity' }],
      ['log_amount_vs_usual', { fact: 'amount_vs_usual', transform: 'log', floor: 1e-3, ceiling: 1e3 }],
    ]);
    expect(training.model.features[0]!.reason).toEqual({ code: 'F_DEVICE_APPS_24H', text: 'Many applications from this device today' });
    expect(training.model.split.rule).toMatch(/^time split: the earliest 80% of applications by applied_at train/);
  });

  it('learns something from the velocity it was given, measured on the later 20%', () => {
    expect(training.heldOut.rows).toBe(training.model.split.testRows);
    expect(training.heldOut.frauds).toBeGreaterThan(20);
    expect(training.heldOut.auc.auc).toBeGreaterThan(0.6);
    expect(training.heldOut.auc.lower).toBeLessThan(training.heldOut.auc.auc);
  });

  it('decides with that model on that data model, from the same inputs the trainer replayed', async () => {
    const modelPath = write('fraud.json', training.model);
    const engine = await createEngine({ ...config, fraudModel: modelPath });
    const { events } = await readEvents('data/applications.csv', loadDataModel(path));
    const slice = events.slice(0, 400);
    const history = await replayHistory(slice, config, { specs: training.model.features });
    const decisions = await engine.decideBatch(slice);
    const baselines = training.model.features.map((feature) => feature.baseline);
    decisions.forEach((decision, row) => {
      const served = new Map(decision.stages.fraud!.contributions.map((entry) => [entry.feature, entry.value]));
      training.model.features.forEach((feature, j) => {
        const replayed = history.features[row]![j]!;
        expect(served.get(feature.name)).toBe(Number.isNaN(replayed) ? baselines[j] : replayed);
      });
      const logit = decision.stages.fraud!.contributions.reduce(
        (sum, entry) => sum + entry.contribution,
        decision.stages.fraud!.baselineLogit,
      );
      expect(decision.stages.fraud!.logit).toBeCloseTo(logit, 9);
    });
    // evaluate --config, replaying the file on its own, measures the held-out slice as the trainer did.
    const evaluation = await evaluateFraudModelOnFile('data/applications.csv', modelPath, 0.2, config);
    expect(evaluation.rows).toBe(training.heldOut.rows);
    expect(evaluation.auc.auc).toBe(training.heldOut.auc.auc);
    // No input reads a derived feature, so none is pinned: a config that adds a derived-features file still loads the model.
    expect(training.model.inputs.derivedFeaturesSha256).toBeNull();
    const derived = write('derived.json', {
      version: 1,
      features: [{ name: 'amount_thousands', expression: 'funded_amnt / 1000', description: 'Amount in thousands', unit: 'ratio' }],
    });
    await expect(createEngine({ ...config, derivedFeatures: derived, fraudModel: modelPath })).resolves.toBeDefined();
    const codes = new Set(training.model.features.map((feature) => feature.reason.code));
    const fraudReasons = decisions.flatMap((decision) => decision.reasons.all.filter((reason) => reason.stage === 'fraud'));
    expect(fraudReasons.every((reason) => codes.has(reason.code))).toBe(true);
  });
});

describe('train fraud with --target, --positive and --exclude', () => {
  it('learns the label it is given on a data model that declares no outcome, without the inputs left out', async () => {
    const config = configFor(write('no-outcome-given.json', dataModel(undefined)));
    const training = await trainFraudModel({
      inputPath: 'data/applications.csv',
      config,
      label: { field: 'is_fraud', positive: '1' },
      exclude: ['amount_vs_usual', 'log_domain_apps_24h'],
    });
    expect(training.labelField).toBe('is_fraud');
    expect(training.model.features.map((feature) => feature.input.fact)).toEqual([
      'device_apps_24h',
      'device_people_24h',
      'network_apps_1h',
      'device_seen_30d',
    ]);
    expect(training.heldOut.frauds).toBeGreaterThan(20);
    const unknown = await rejectionOf(
      trainFraudModel({
        inputPath: 'data/applications.csv',
        config,
        exclude: ['device_apps_2h'],
        label: { field: 'is_fraud', positive: '1' },
      }),
    );
    expect(unknown.message).toMatch(/--exclude: device_apps_2h is not among the candidate inputs/);
    const notLabel = await rejectionOf(
      trainFraudModel({ inputPath: 'data/applications.csv', config, label: { field: 'funded_amnt', positive: '1' } }),
    );
    expect(notLabel.message).toMatch(/--target funded_amnt: has role feature in the data model device-checks; a target is a label/);
    const never = await rejectionOf(
      trainFraudModel({ inputPath: 'data/applications.csv', config, label: { field: 'is_fraud', positive: '7' } }),
    );
    expect(never.message).toMatch(/the training rows \(7885\) are all genuine by is_fraud: a fraud model needs both classes/);
  }, 120_000);
});

describe('train fraud refuses what it cannot learn from', () => {
  it('a data model without a fraud outcome, saying what to add', async () => {
    const config = configFor(write('no-outcome.json', dataModel(undefined)));
    const error = await rejectionOf(trainFraudModel({ inputPath: 'data/applications.csv', config }));
    expect(error.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(error.message).toMatch(/the fraud trainer learns a fraud label, and the data model device-checks declares none: add "outcomes"/);
  });
});

describe('the inputs the fraud trainer chooses', () => {
  it("takes list hits from the config's lists, never a field whose name starts with list_", () => {
    const model = compileDataModel(
      {
        ...applicationsModel('listed', ['application_id', 'applied_at', 'device_id', 'is_fraud']),
        fields: [
          ...applicationsModel('listed', ['application_id', 'applied_at', 'device_id', 'is_fraud']).fields,
          { name: 'list_price', type: 'number' },
        ],
        aggregates: [{ name: 'device_apps_24h', key: 'device_id', window: '24h', aggregate: 'count' }],
      },
      'listed.json',
    );
    const facts = { list_price: 'number', device_apps_24h: 'number', list_bad_devices: 'boolean' };
    const choice = chooseFraudFeatures(model, facts, [{ name: 'bad_devices', factName: 'list_bad_devices' }]);
    expect(choice.specs.map((spec) => spec.input.fact)).toEqual(['device_apps_24h', 'list_bad_devices']);
    expect(choice.specs[1]!.reason.text).toBe('Listed in bad devices');
  });
});
