// The data model: refused at load with a coded error naming the field when it is wrong, and read
// everywhere when it is right (event parsing, the CSV header, rules, the store it needs).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { compileDataModel, loadDataModel, shippedDataModel } from '../../src/features/dataModel.js';
import { createEngine } from '../../src/index.js';
import type { DataModelFileInput } from '../../src/schema/dataModel.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { checkHeader } from '../../src/batch/csvRecords.js';
import { cleanEvent } from '../fixtures/events.js';
import { rejectionOf, thrownBy } from '../fixtures/errors.js';

const scratch = mkdtempSync(join(tmpdir(), 'fk-data-model-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const base = (): DataModelFileInput => ({
  format: 'fengkong-data-model',
  version: 1,
  name: 'shop-orders',
  fields: [
    { name: 'order_id', type: 'string', role: 'id', missing: 'required' },
    { name: 'placed_at', type: 'timestamp', role: 'time', missing: 'required' },
    { name: 'customer', type: 'string', role: 'identifier', subject: true },
    { name: 'amount', type: 'number', min: 0, missing: 'required', description: 'Order amount' },
    { name: 'country', type: 'country' },
    { name: 'currency', type: 'currency' },
    { name: 'chargeback', type: 'boolean', role: 'label' },
  ],
  aggregates: [{ name: 'customer_orders_24h', key: 'customer', window: '24h', aggregate: 'count' }],
});

function refusal(model: DataModelFileInput): string {
  const error = thrownBy(() => compileDataModel(model, 'dm.json'));
  expect(error.code).toBe(ErrorCode.DATA_MODEL_INVALID);
  expect(error.message.startsWith('dm.json: ')).toBe(true);
  return error.message;
}

function write(name: string, value: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

describe('a data model that is wrong is refused at load, naming the field', () => {
  it('an unknown type', () => {
    const model = base();
    (model.fields[3] as { type: string }).type = 'money';
    expect(refusal(model)).toMatch(/fields\.3\.type/);
  });

  it('two time fields', () => {
    const model = base();
    model.fields.push({ name: 'shipped_at', type: 'timestamp', role: 'time', missing: 'required' });
    expect(refusal(model)).toMatch(/only one field may have role time: placed_at, shipped_at/);
  });

  it('an aggregate over a field that is not an identifier', () => {
    const model = base();
    model.aggregates = [{ name: 'by_amount', key: 'amount', window: '1h', aggregate: 'count' }];
    expect(refusal(model)).toMatch(/aggregate by_amount: key field amount is a feature, not an identifier/);
  });

  it('a sum of a field that is not a number, and a derived key from the wrong type', () => {
    const model = base();
    model.aggregates = [
      { name: 'country_sum', key: 'customer', window: '1h', aggregate: 'sum', of: 'country' },
      { name: 'net_count', key: { field: 'customer', derive: 'ipv4/24' }, window: '1h', aggregate: 'count' },
    ];
    const message = refusal(model);
    expect(message).toMatch(/aggregate country_sum: sum reads a number field; country is country/);
    expect(message).toMatch(/aggregate net_count: ipv4\/24 derives from an ipv4 field; customer is string/);
  });

  it('aggregates without a time field, a name taken twice, an enum without values', () => {
    const model = base();
    model.fields = model.fields.filter((field) => field.role !== 'time');
    model.fields.push({ name: 'tier', type: 'enum' });
    model.aggregates!.push({ name: 'amount', key: 'customer', window: '1h', aggregate: 'count' });
    const message = refusal(model);
    expect(message).toMatch(/customer_orders_24h: the data model has no time field/);
    expect(message).toMatch(/field tier: an enum field lists its values/);
    expect(message).toMatch(/aggregate amount: the name is taken/);
  });

  it('a bound that does not fit the type, and a protected identifier', () => {
    const model = base();
    model.fields.push({ name: 'nickname', type: 'string', min: 3 });
    model.fields.push({ name: 'ssn', type: 'string', role: 'identifier', protected: true });
    const message = refusal(model);
    expect(message).toMatch(/field nickname: min applies to number and integer fields, not string/);
    expect(message).toMatch(/field ssn: a protected attribute is a feature, metadata or label/);
  });

  it('outcomes read from a field that is not a label, a bad value the label cannot hold, a term without its months', () => {
    const model = base();
    model.fields.push({ name: 'plan', type: 'enum', values: ['monthly', 'yearly'] });
    model.fields.push({ name: 'apr', type: 'string' });
    model.outcomes = {
      credit: { field: 'amount', bad: 1 },
      fraud: { field: 'chargeback', bad: 'yes', kind: 'order_id' },
      pricing: { rate: { field: 'apr', unit: 'percent' }, term: { field: 'plan', months: { monthly: 1 } } },
    };
    const message = refusal(model);
    expect(message).toMatch(/outcomes\.credit\.field: the credit outcome's field amount is a feature; an outcome is read from a label/);
    expect(message).toMatch(/outcomes\.fraud\.bad: the fraud outcome's bad value "yes": chargeback is a boolean/);
    expect(message).toMatch(/outcomes\.fraud\.kind: the fraud kind's field order_id is the id field/);
    expect(message).toMatch(/outcomes\.pricing\.rate\.field: the rate apr is a string, not a number/);
    expect(message).toMatch(/outcomes\.pricing\.term\.months: give the months of every value of plan; missing: yearly/);
    model.outcomes = { credit: { field: 'chargeback', bad: true }, fraud: { field: 'chargeback', bad: true } };
    expect(refusal(model)).toMatch(/the credit and fraud outcomes are both read from chargeback/);
    model.outcomes = { credit: { field: 'undeclared', bad: 1 } };
    expect(refusal(model)).toMatch(/the credit outcome's field undeclared is not declared/);
  });

  it('a term enum whose values are named like Object properties still needs their months', () => {
    const model = base();
    model.fields.push({ name: 'plan', type: 'enum', values: ['constructor', 'toString'] });
    model.outcomes = { pricing: { term: { field: 'plan', months: {} } } };
    expect(refusal(model)).toMatch(/give the months of every value of plan; missing: constructor, toString/);
  });

  it('is compiled once per content: the same file loads as the same model, a changed one anew', () => {
    const path = write('cached.json', base());
    const first = loadDataModel(path);
    expect(loadDataModel(path)).toBe(first);
    write('cached.json', { ...base(), description: 'changed' });
    const changed = loadDataModel(path);
    expect(changed).not.toBe(first);
    expect(Object.isFrozen(first.file.fields[0])).toBe(true);
    expect(changed.file.description).toBe('changed');
    expect(changed.sha256).not.toBe(first.sha256);
  });

  it('a file that is not JSON, or not a data model, names the file', () => {
    writeFileSync(join(scratch, 'broken.json'), '{ "format": ');
    expect(thrownBy(() => loadDataModel(join(scratch, 'broken.json'))).message).toMatch(/broken\.json: not valid JSON/);
    const error = thrownBy(() => loadDataModel(write('other.json', { format: 'something-else' })));
    expect(error.code).toBe(ErrorCode.DATA_MODEL_INVALID);
    expect(error.message).toMatch(/other\.json: format/);
  });

  it('a store that keeps less history than the longest window', async () => {
    const model = base();
    model.aggregates = [{ name: 'customer_orders_60d', key: 'customer', window: '60d', aggregate: 'count' }];
    const config = { dataModel: write('long.json', model), rulePacks: [], lists: [], fraudModel: null, creditModel: null };
    const error = await rejectionOf(createEngine(config as never, { store: createMemoryStore() }));
    expect(error.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(error.message).toMatch(/keeps observations for 30\.0 hours|shorter than the data model's longest window of 60 days/);
  });
});

describe('rules read only what the data model lets them', () => {
  const pack = (fact: string) =>
    write(`pack-${fact}.json`, {
      pack: 'probe',
      version: '1.0.0',
      description: 'One rule reading one fact',
      rules: [
        {
          name: 'R_PROBE',
          priority: 1,
          conditions: { all: [{ fact, operator: 'equal', value: 1 }] },
          event: { type: 'R_PROBE', params: { severity: 'review', category: 'application', reason: 'A probe' } },
        },
      ],
    });

  it('refuses a rule reading a label, an undeclared fact, or an identifier, naming the rule and the fact', async () => {
    const label = await rejectionOf(createEngine({ rulePacks: [pack('is_fraud')] }));
    expect(label.code).toBe(ErrorCode.RULE_INVALID);
    expect(label.message).toMatch(/rule R_PROBE: fact "is_fraud" is a label/);
    const unknown = await rejectionOf(createEngine({ rulePacks: [pack('customer_segment')] }));
    expect(unknown.message).toMatch(/rule R_PROBE: unknown fact "customer_segment"/);
    const identifier = await rejectionOf(createEngine({ rulePacks: [pack('device_id')] }));
    expect(identifier.message).toMatch(/rule R_PROBE: fact "device_id" is an identifier/);
  });

  it('refuses a rule reading a protected field, unless the data model states why it may', async () => {
    const shipped = shippedDataModel().file;
    const withAge = (protectedUse?: string) => ({
      ...shipped,
      fields: [
        ...shipped.fields,
        { name: 'age', type: 'integer', min: 18, protected: true, ...(protectedUse === undefined ? {} : { protectedUse }) },
      ],
    });
    const refused = await rejectionOf(createEngine({ dataModel: write('age.json', withAge()), rulePacks: [pack('age')] }));
    expect(refused.message).toMatch(/fact "age" is a protected attribute/);
    const allowed = await createEngine({
      dataModel: write('age-allowed.json', withAge('Applicants under 18 cannot contract: the rule declines them, as the law requires.')),
      rulePacks: [pack('age')],
      lists: [],
    });
    expect(Object.keys(allowed.facts)).toContain('age');
  });
});

describe('events are read as the data model declares them', () => {
  it('accepts a time with any offset and keeps it as given', async () => {
    const engine = await createEngine();
    const event = engine.parseEvent(cleanEvent({ applied_at: '2016-03-01T14:00:00+02:00' }));
    expect(event.applied_at).toBe('2016-03-01T14:00:00+02:00');
    expect(engine.dataModel.timeMsOf(event)).toBe(Date.parse('2016-03-01T12:00:00Z'));
  });

  it('refuses an unknown field by default, and drops it when the model ignores extra fields', () => {
    const strict = compileDataModel(base(), 'dm.json');
    const order = { order_id: 'O1', placed_at: '2026-01-01T10:00:00Z', amount: 10, customer_segment: 'gold' };
    expect(thrownBy(() => strict.parseEvent(order)).message).toMatch(/unknown field\(s\) "customer_segment"/);
    const lenient = compileDataModel({ ...base(), extra: 'ignore' }, 'dm.json');
    expect(lenient.parseEvent(order)).not.toHaveProperty('customer_segment');
    expect(checkHeader('orders.csv', 'order_id,placed_at,customer,amount,country,currency,customer_segment', lenient).kinds).toEqual([
      'text',
      'text',
      'text',
      'number',
      'text',
      'text',
      'skip',
    ]);
  });

  it('checks countries, currencies and constraints', () => {
    const model = compileDataModel(base(), 'dm.json');
    const order = (extra: Record<string, unknown>) => ({ order_id: 'O1', placed_at: '2026-01-01T10:00:00Z', amount: 10, ...extra });
    expect(model.parseEvent(order({ country: 'DE', currency: 'EUR' }))).toMatchObject({ country: 'DE', currency: 'EUR', customer: null });
    expect(thrownBy(() => model.parseEvent(order({ country: 'XX' }))).message).toMatch(/country: expected an ISO 3166-1/);
    expect(thrownBy(() => model.parseEvent(order({ currency: 'EURO' }))).message).toMatch(/currency: expected an ISO 4217/);
    expect(thrownBy(() => model.parseEvent(order({ amount: -1 }))).message).toMatch(/amount/);
    expect(thrownBy(() => model.parseEvent({ order_id: 'O1', placed_at: '2026-01-01T10:00:00Z' })).message).toMatch(/amount/);
  });

  it('decides a model of its own end to end, with its own aggregate, its audit naming the model', async () => {
    const path = write('orders.json', base());
    const engine = await createEngine({ dataModel: path, rulePacks: [], lists: [], fraudModel: null, creditModel: null } as never);
    const order = (id: string, minutes: number) => ({
      order_id: id,
      placed_at: new Date(Date.parse('2026-01-01T10:00:00Z') + minutes * 60_000).toISOString(),
      customer: 'cust-1',
      amount: 25,
    });
    const [first, second] = await engine.decideBatch([order('O1', 0), order('O2', 30)]);
    expect(first!.applicationId).toBe('O1');
    expect(second!.outcome).toMatch(/approve|review|decline/);
    expect(engine.facts).toHaveProperty('customer_orders_24h');
    expect(JSON.stringify(second)).not.toContain('cust-1');
    expect(second!.audit.dataModelSha256).toBe(loadDataModel(path).sha256);
  });
});
