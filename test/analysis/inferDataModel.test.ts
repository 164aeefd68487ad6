// `fengkong data-model infer`: a draft the engine loads, with each guess listed; and the credit
// trainer reading a file through a data model (roles choose the inputs, the split is stated).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataModelTypes } from '../../src/analysis/dataModelTypes.js';
import { inferDataModel } from '../../src/analysis/inferDataModel.js';
import { checkHeader, recordToEvent } from '../../src/batch/csvRecords.js';
import { ErrorCode } from '../../src/errors.js';
import { compileDataModel, loadDataModel } from '../../src/features/dataModel.js';
import { readCreditTable } from '../../src/train/credit/creditData.js';
import { trainCreditModel } from '../../src/train/credit/trainCredit.js';
import { thrownBy } from '../fixtures/errors.js';

const scratch = mkdtempSync(join(tmpdir(), 'fk-infer-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('inferring a data model from a CSV', () => {
  it('drafts credit_data: numbers, enums, the target as the label, protected attributes by name, no id or time', () => {
    const { model, notes } = inferDataModel('data/credit_data.csv', { target: 'Status' });
    const field = (name: string) => model.fields.find((candidate) => candidate.name === name)!;
    expect(model.fields.map((candidate) => candidate.name)).toEqual([
      'Status',
      'Seniority',
      'Home',
      'Time',
      'Age',
      'Marital',
      'Records',
      'Job',
      'Expenses',
      'Income',
      'Assets',
      'Debt',
      'Amount',
      'Price',
    ]);
    expect(field('Status')).toMatchObject({ role: 'label', type: 'enum', values: ['good', 'bad'] });
    expect(field('Income')).toMatchObject({ type: 'integer', min: 0, missing: 'nullable' });
    expect(field('Amount')).toMatchObject({ type: 'integer', missing: 'required' });
    expect(field('Home')).toMatchObject({ type: 'enum', missing: 'nullable' });
    expect(field('Age').protected).toBe(true);
    expect(field('Marital').protected).toBe(true);
    expect(model.fields.some((candidate) => candidate.role === 'id' || candidate.role === 'time')).toBe(false);
    expect(notes.join('\n')).toMatch(/no time field: .* --split random --seed S or --split file-order/);
    expect(notes.join('\n')).toMatch(/Age: PROTECTED/);
  });

  it('finds the id, the time, identifiers by type, and NA cells as missing', () => {
    const csv = [
      'txn_id,created_at,email,ip,amount,channel,note',
      'T1,2026-01-01T10:00:00+02:00,a@example.com,10.0.0.1,12.5,web,first',
      'T2,2026-01-01T11:00:00Z,b@example.com,10.0.0.2,NA,web,second one',
      'T3,2026-01-02T09:30:00Z,a@example.com,10.0.0.1,40,app,x',
      'T4,2026-01-02T09:31:00Z,c@example.com,10.0.0.3,7,web,y',
      'T5,2026-01-03T08:00:00Z,d@example.com,10.0.0.4,3,web,z',
      'T6,2026-01-03T08:10:00Z,d@example.com,10.0.0.4,3,web,zz',
    ].join('\n');
    const path = join(scratch, 'txns.csv');
    writeFileSync(path, `${csv}\n`);
    const { model, notes } = inferDataModel(path);
    const field = (name: string) => model.fields.find((candidate) => candidate.name === name)!;
    expect(field('txn_id')).toMatchObject({ role: 'id', missing: 'required' });
    expect(field('created_at')).toMatchObject({ role: 'time', type: 'timestamp' });
    expect(field('email')).toMatchObject({ role: 'identifier', type: 'email' });
    expect(field('ip')).toMatchObject({ role: 'identifier', type: 'ipv4' });
    expect(field('amount')).toMatchObject({ type: 'number', missing: 'nullable' });
    expect(field('channel')).toMatchObject({ type: 'enum', values: ['web', 'app'] });
    expect(field('note').type).toBe('string');
    expect(model.missingValues).toEqual(['', 'NA']);
    expect(notes.join('\n')).toMatch(/txn_id: guessed the id field/);
    // The draft loads, and its NA cell is read as a missing value by the CSV reader too.
    const draft = compileDataModel(model, 'draft');
    const event = {
      txn_id: 'T9',
      created_at: '2026-01-04T00:00:00Z',
      email: 'e@example.com',
      ip: '10.0.0.9',
      amount: null,
      channel: 'app',
      note: 'n',
    };
    expect(draft.parseEvent(event)).toMatchObject({ amount: null });
    const layout = checkHeader('txns.csv', csv.split('\n')[0]!, draft);
    expect(recordToEvent(layout, ['T9', '2026-01-04T00:00:00Z', 'e@example.com', '10.0.0.9', 'NA', 'app', 'n'])).toMatchObject({
      amount: null,
    });
  });

  it('refuses a column name the data model cannot hold, naming it', () => {
    const path = join(scratch, 'bad-names.csv');
    writeFileSync(path, 'good,has space\n1,2\n');
    const error = thrownBy(() => inferDataModel(path));
    expect(error.code).toBe(ErrorCode.CSV_HEADER);
    expect(error.message).toMatch(/column "has space" is not a field name/);
  });
});

describe('the credit trainer reads a file through a data model', () => {
  const dataModel = loadDataModel('examples/credit-data/data-model.json');
  const base = { inputPath: 'data/credit_data.csv', target: 'Status', positive: 'bad', dataModel } as const;

  it('leaves protected fields and the label out, and takes types from the data model', () => {
    const table = readCreditTable({ ...base, split: 'random', splitSeed: 1 });
    expect(table.excluded).toEqual([
      { column: 'Age', why: expect.stringMatching(/protected attribute/) },
      { column: 'Marital', why: expect.stringMatching(/protected attribute/) },
    ]);
    expect(table.sources.find((source) => source.name === 'Records')).toMatchObject({ kind: 'categorical' });
    expect(table.sources.find((source) => source.name === 'Income')).toMatchObject({ kind: 'numeric' });
    expect(table.records).toHaveLength(4454);
    expect(table.split).toBe('random');
  });

  it('refuses a time split without a time field, a target that is not a label, and a random split without a seed', () => {
    expect(thrownBy(() => readCreditTable(base)).message).toMatch(/no time field, so no time split: choose --split random --seed S/);
    expect(thrownBy(() => readCreditTable({ ...base, target: 'Income', split: 'file-order' })).message).toMatch(
      /the target Income has role feature/,
    );
    expect(thrownBy(() => readCreditTable({ ...base, split: 'random' })).message).toMatch(/a random split needs a seed/);
  });

  it('shuffles the same way for the same seed, another way for another', () => {
    const order = (seed: number) => readCreditTable({ ...base, split: 'random', splitSeed: seed }).records.slice(0, 20);
    expect(order(3)).toEqual(order(3));
    expect(order(3)).not.toEqual(order(4));
  });

  it("trains a model whose reasons are the data model's descriptions and whose card states the split", async () => {
    const training = await trainCreditModel({ ...base, split: 'random', splitSeed: 1, maxEpochs: 3 });
    const texts = training.manifest.groups.map((group) => group.text);
    expect(texts).toContain('Kind of employment');
    expect(texts).toContain('Earlier payment incidents on record');
    expect(training.manifest.training.split).toMatch(/^random split \(seed 1/);
    expect(training.manifest.inputs.some((input) => input.source === 'Age' || input.source === 'Marital')).toBe(false);
  });
});

describe('TypeScript declarations of a data model', () => {
  it("type-check what decide takes: the shipped model's required fields, enum values and nullable fields", async () => {
    const ts = (await import('typescript')).default;
    const model = loadDataModel('data/applications.data-model.json');
    const declarations = join(scratch, 'lending.d.ts');
    writeFileSync(declarations, dataModelTypes(model.file, model.sha256));
    const use = join(scratch, 'use.ts');
    writeFileSync(
      use,
      [
        "import type { LendingApplicationsInput } from './lending.js';",
        "const ok: LendingApplicationsInput = { application_id: 'A1', applied_at: '2026-01-01T00:00:00Z', channel: 'web', addr_state: 'NY', funded_amnt: 1000, term: 'term_36', annual_inc: 5, ip: null };",
        '// @ts-expect-error an unknown channel',
        "const badChannel: LendingApplicationsInput = { ...ok, channel: 'fax' };",
        '// @ts-expect-error a required field left out',
        "const noAmount: LendingApplicationsInput = { application_id: 'A2', applied_at: '2026-01-01T00:00:00Z', channel: 'web', addr_state: 'NY', term: 'term_36', annual_inc: 5 };",
        'export { ok, badChannel, noAmount };',
        '',
      ].join('\n'),
    );
    const program = ts.createProgram([use, declarations], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: [],
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });
});
