// Training the credit model end to end on the shipped data sets: the written ONNX file scores as the
// reference forward pass does, the manifest reproduces the training encoding, the inputs are the columns
// a lender may use (never identifiers, labels, metadata or an earlier model's pricing), training is
// reproducible, and a target that is not a binary column is refused.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { loadDerivedFeatures } from '../../../src/features/derived.js';
import { CreditManifest } from '../../../src/schema/creditManifest.js';
import { shippedDataModel } from '../../../src/features/dataModel.js';
import { readCreditTable } from '../../../src/train/credit/creditData.js';
import { encodeRecord } from '../../../src/stages/credit/encode.js';
import { mlpLogits } from '../../../src/train/credit/mlp.js';
import { predictCsvFile } from '../../../src/stages/credit/predictFile.js';
import { auc } from '../../../src/metrics/auc.js';
import { loadCreditSession } from '../../../src/stages/credit/session.js';
import { trainCreditModel, writeCreditModel, type CreditTraining, type WrittenCreditModel } from '../../../src/train/credit/trainCredit.js';
import { rejectionOf as refusal } from '../../fixtures/errors.js';

const directory = mkdtempSync(join(tmpdir(), 'credit-train-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const trainedAt = new Date('2026-01-01T00:00:00Z');

/** A CSV's rows as the model serves them: '' is missing, a decimal number is a number, anything else text. */
function readRows(path: string): Record<string, number | string | null>[] {
  const raw = parse(readFileSync(path), { columns: true, bom: true }) as Record<string, string>[];
  return raw.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([column, text]) => [
        column,
        text === '' ? null : /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : text,
      ]),
    ),
  );
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

describe('training on credit_data.csv (any CSV: target Status, "bad" is bad)', () => {
  let training: CreditTraining;
  let written: WrittenCreditModel;
  let manifest: CreditManifest;

  beforeAll(async () => {
    training = await trainCreditModel({ inputPath: 'data/credit_data.csv', target: 'Status', positive: 'bad', now: trainedAt });
    written = writeCreditModel(training, join(directory, 'credit-data'));
    manifest = CreditManifest.parse(JSON.parse(readFileSync(written.manifestPath, 'utf8')));
  });

  it("fengkong predict serves the written model with the trainer's reading of the file: its held-out AUC is the manifest's", async () => {
    const out = join(directory, 'credit-data.predictions.jsonl');
    const summary = await predictCsvFile('data/credit_data.csv', written.manifestPath, out);
    expect(summary).toMatchObject({ rows: 4454, scored: 4454, failed: 0 });
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { row: number; pd: number });
    const statuses = (parse(readFileSync('data/credit_data.csv'), { columns: true }) as Array<{ Status: string }>).map((row) => row.Status);
    // credit_data has no applied_at: the held-out rows are the last 20% of the file (rows without a status are none here).
    const heldOut = lines.slice(Math.floor(lines.length * 0.8));
    expect(
      auc(
        Float64Array.from(heldOut, (line) => line.pd),
        Uint8Array.from(heldOut, (line) => (statuses[line.row - 1] === 'bad' ? 1 : 0)),
      ),
    ).toBeCloseTo(manifest.metrics.heldOutAuc!, 9);
  });

  it("refuses to predict over a file that lacks the model's columns", async () => {
    await expect(predictCsvFile('data/applications.csv', written.manifestPath, join(directory, 'wrong.jsonl'))).rejects.toMatchObject({
      code: ErrorCode.CSV_HEADER,
    });
  });

  it('writes an ONNX file, pinned by the manifest, whose PD on every held-out row is sigmoid of the reference forward pass', async () => {
    expect(manifest.onnx.file).toBe('credit-data.onnx');
    const session = await loadCreditSession(join(dirname(written.manifestPath), manifest.onnx.file), manifest.onnx.sha256, {
      inputName: manifest.onnx.inputName,
      inputWidth: manifest.inputs.length,
      outputNames: [manifest.onnx.logitOutput, manifest.onnx.pdOutput],
    });
    try {
      const { inputs, rows } = training.heldOut;
      const scored = await session.run(inputs, rows);
      const reference = mlpLogits(training.model, inputs, rows);
      expect(scored.pds.length).toBe(rows);
      for (let row = 0; row < rows; row++) expect(Math.abs(scored.pds[row]! - sigmoid(reference[row]!))).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });

  it('encodes the held-out rows exactly as the manifest does when it serves the raw CSV rows', () => {
    const rows = readRows('data/credit_data.csv');
    const heldOut = rows.slice(rows.length - training.heldOut.rows);
    const width = manifest.inputs.length;
    const encoded = new Float32Array(heldOut.length * width);
    heldOut.forEach((record, i) => encodeRecord(manifest.inputs, record, encoded, i * width));
    expect(encoded).toEqual(training.heldOut.inputs);
  });

  it('holds out the last rows in file order and ranks them with an AUC above 0.75', () => {
    expect(training.heldOut.rows).toBe(4454 - Math.floor(4454 * 0.8));
    expect(training.heldOut.auc.auc).toBeGreaterThan(0.75);
    expect(manifest.metrics.heldOutAuc).toBe(training.heldOut.auc.auc);
    expect(manifest.metrics.heldOutAucLower95).toBeLessThan(manifest.metrics.heldOutAuc!);
    for (const name of [
      'cvAucMlpMean',
      'cvAucMlpSd',
      'cvAucLrMean',
      'cvAucLrSd',
      'cvAucDiffMean',
      'cvAucDiffMin',
      'cvKsMlpMean',
      'cvKsLrMean',
    ]) {
      expect(Number.isFinite(manifest.metrics[name])).toBe(true);
    }
    expect(training.crossValidation.folds.map((fold) => fold.rows).reduce((a, b) => a + b, 0)).toBe(manifest.training.rows);
  });

  it('one-hot encodes the text columns Home, Marital, Records and Job, and standardises the numeric ones', () => {
    const kindsBySource = new Map<string, Set<string>>();
    for (const input of manifest.inputs) kindsBySource.set(input.source, (kindsBySource.get(input.source) ?? new Set()).add(input.kind));
    for (const source of ['Home', 'Marital', 'Records', 'Job']) expect([...kindsBySource.get(source)!]).toEqual(['category']);
    for (const source of ['Seniority', 'Time', 'Age', 'Expenses', 'Income', 'Assets', 'Debt', 'Amount', 'Price']) {
      expect([...kindsBySource.get(source)!]).toEqual(['numeric']);
    }
    expect(kindsBySource.has('Status')).toBe(false);
    // Six missing Home values are fewer than ten: no input of their own.
    expect(manifest.inputs.filter((input) => input.source === 'Home').map((input) => input.kind === 'category' && input.level)).toEqual([
      'ignore',
      'other',
      'owner',
      'parents',
      'priv',
      'rent',
    ]);
  });

  it('fills a missing number with the training mean, so it encodes to 0', () => {
    const trainingRows = readRows('data/credit_data.csv').slice(0, manifest.training.rows);
    const incomes = trainingRows.map((row) => row.Income).filter((value): value is number => typeof value === 'number');
    expect(incomes.length).toBeLessThan(manifest.training.rows);
    const income = manifest.inputs.find((input) => input.source === 'Income')!;
    if (income.kind !== 'numeric') throw new Error('Income must be numeric');
    expect(income.fill).toBe(income.mean);
    expect(income.mean).toBeCloseTo(incomes.reduce((a, b) => a + b, 0) / incomes.length, 9);
    const out = new Float32Array(manifest.inputs.length);
    encodeRecord(manifest.inputs, { Income: null }, out);
    expect(out[manifest.inputs.indexOf(income)]).toBe(0);
    expect(training.heldOut.inputs.every(Number.isFinite)).toBe(true);
  });

  it('puts every input in exactly one of at most 10 groups, the weakest columns merged into C_OTHER', () => {
    expect(manifest.groups.length).toBe(10);
    const covered = manifest.groups.flatMap((group) => group.inputs).sort((a, b) => a - b);
    expect(covered).toEqual(manifest.inputs.map((_, index) => index));
    expect(manifest.groups.at(-1)!.code).toBe('C_OTHER');
    for (const group of manifest.groups.slice(0, -1)) {
      const sources = new Set(group.inputs.map((index) => manifest.inputs[index]!.source));
      expect(sources.size).toBe(1);
      expect(group.text).toBe(`Column ${[...sources][0]}`);
    }
  });

  it('measures attributions from the training means and each one-hot column at its most frequent level', () => {
    const ones = manifest.inputs.filter((_, index) => manifest.baseline[index] === 1).map((input) => input.name);
    expect(ones).toEqual(['Home=owner', 'Marital=married', 'Records=no', 'Job=fixed']);
    manifest.inputs.forEach((input, index) => {
      if (input.kind === 'numeric') expect(manifest.baseline[index]).toBe(0);
    });
  });

  it("writes a card with the cross-validation table, credit_data's reference AUCs only and the attribution cost", () => {
    const card = readFileSync(written.cardPath, 'utf8');
    expect(card).toContain('| credit_data, complete cases | 0.833 | 0.837 |');
    expect(card).not.toContain('0.680');
    expect(card).toContain('exact Shapley over k groups needs 2^k rows per decision, one batched session.run');
    expect(card).toContain('| mean ± sd |');
    expect(card).toContain(manifest.missingValues);
  });
});

describe('training on applications.csv (the application schema: target default, 1 is bad)', () => {
  const quick = { inputPath: 'data/applications.csv', target: 'default', positive: '1', now: trainedAt, maxEpochs: 20 } as const;
  let training: CreditTraining;

  beforeAll(async () => {
    training = await trainCreditModel(quick);
  });

  it('records why int_rate, sub_grade, addr_state, ip_region and channel are left out', () => {
    const excluded = new Map(training.manifest.training.excluded.map((exclusion) => [exclusion.column, exclusion.why]));
    for (const column of ['int_rate', 'sub_grade']) expect(excluded.get(column)).toMatch(/earlier credit model/);
    for (const column of ['addr_state', 'ip_region', 'channel']) expect(excluded.get(column)).toMatch(/not credit information/);
  });

  it('never takes an input from an identifier, label, metadata or left-out column', () => {
    const left = new Set(['int_rate', 'sub_grade', 'addr_state', 'ip_region', 'channel']);
    const derived = new Set(JSON.parse(readFileSync('rules/derived-features.json', 'utf8')).features.map((f: { name: string }) => f.name));
    for (const input of training.manifest.inputs) {
      expect(left.has(input.source)).toBe(false);
      if (derived.has(input.source)) continue;
      expect(shippedDataModel().field(input.source)).toBeDefined();
      expect(shippedDataModel().field(input.source)!.role).toBe('feature');
    }
  });

  it('drops the fraudulent applications before training and says so', () => {
    const rows = readRows('data/applications.csv');
    const frauds = rows.filter((row) => row.is_fraud === 1).length;
    expect(frauds).toBeGreaterThan(0);
    expect(training.manifest.training.dropped).toEqual([{ rows: frauds, why: expect.stringMatching(/is_fraud = 1/) }]);
    expect(training.manifest.training.rows + training.heldOut.rows).toBe(rows.length - frauds);
    expect(training.data.timeOrdered).toBe(true);
  });

  it('adds the shipped derived features and pins the file they come from', () => {
    const sources = new Set(training.manifest.inputs.map((input) => input.source));
    for (const name of ['loan_to_income', 'debt_to_income', 'installment_utilisation', 'monthly_income', 'any_delinquency']) {
      expect(sources.has(name)).toBe(true);
    }
    expect(training.manifest.derivedFeaturesSha256).toBe(
      createHash('sha256').update(readFileSync('rules/derived-features.json')).digest('hex'),
    );
  });

  it('groups the inputs into the 7 named credit groups', () => {
    expect(training.manifest.groups.map((group) => group.code)).toEqual([
      'C_DELINQUENCY',
      'C_INQUIRIES',
      'C_UTILISATION',
      'C_INSTALMENT_ACCOUNTS',
      'C_AFFORDABILITY',
      'C_EMPLOYMENT',
      'C_VERIFICATION',
    ]);
    const covered = training.manifest.groups.flatMap((group) => group.inputs).sort((a, b) => a - b);
    expect(covered).toEqual(training.manifest.inputs.map((_, index) => index));
  });

  it('keeps each derived feature in the group of every column it reads, so a reason names the right factor', () => {
    const derived = loadDerivedFeatures('rules/derived-features.json', shippedDataModel()).compiled.features;
    const groupOfSource = new Map<string, string>();
    for (const group of training.manifest.groups)
      for (const index of group.inputs) groupOfSource.set(training.manifest.inputs[index]!.source, group.code);
    const used = derived.filter((feature) => groupOfSource.has(feature.name));
    expect(used.length).toBeGreaterThan(0);
    const columnsOf = (name: string): string[] => {
      const feature = derived.find((candidate) => candidate.name === name);
      return feature === undefined ? [name] : feature.inputs.flatMap(columnsOf);
    };
    for (const feature of used) {
      for (const column of columnsOf(feature.name))
        expect([feature.name, groupOfSource.get(column)]).toEqual([feature.name, groupOfSource.get(feature.name)]);
    }
  });

  it('gives identical ONNX bytes and manifest when trained twice with the same seed', async () => {
    const again = await trainCreditModel(quick);
    expect(Buffer.from(again.onnx).equals(Buffer.from(training.onnx))).toBe(true);
    expect(again.manifest).toEqual(training.manifest);
  });
});

describe('refusing a target that is not a two-valued column', () => {
  const csv = (name: string, text: string) => {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  };

  it('refuses a target column the file does not have, naming it', async () => {
    const error = await refusal(trainCreditModel({ inputPath: 'data/credit_data.csv', target: 'Outcome', positive: 'bad' }));
    expect(error.code).toBe(ErrorCode.CSV_HEADER);
    expect(error.message).toContain('"Outcome"');
  });

  it('refuses a target with three values', async () => {
    const path = csv('three.csv', 'x,status\n1,good\n2,bad\n3,unknown\n4,good\n');
    const error = await refusal(trainCreditModel({ inputPath: path, target: 'status', positive: 'bad' }));
    expect(error.code).toBe(ErrorCode.CSV_RECORD);
    expect(error.message).toContain('"status" has 3 distinct values');
  });

  it('refuses a target whose two values do not include the positive one', async () => {
    const path = csv('no-positive.csv', 'x,status\n1,good\n2,poor\n');
    const error = await refusal(trainCreditModel({ inputPath: path, target: 'status', positive: 'bad' }));
    expect(error.code).toBe(ErrorCode.CSV_RECORD);
  });

  it('drops and counts rows whose target is empty, and reads a column as numeric only when every value is a number', () => {
    const path = csv('gaps.csv', 'amount,code,grade,status\n100,7,A,bad\n,8,B,good\n300,x9,A,\n250,10,,good\n');
    const table = readCreditTable({ inputPath: path, target: 'status', positive: 'bad', categorical: ['grade'] });
    expect(table.dropped).toEqual([{ rows: 1, why: 'the target status is empty' }]);
    expect(table.sources.map((source) => `${source.name}:${source.kind}`)).toEqual(['amount:numeric', 'code:numeric', 'grade:categorical']);
    expect(Array.from(table.labels)).toEqual([1, 0, 0]);
    expect(table.records[1]).toEqual({ amount: null, code: 8, grade: 'B' });
  });

  it('refuses an exclusion naming a column the file does not have', async () => {
    const error = await refusal(
      trainCreditModel({ inputPath: 'data/credit_data.csv', target: 'Status', positive: 'bad', exclude: ['Salary'] }),
    );
    expect(error.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(error.message).toContain('"Salary"');
  });
});
