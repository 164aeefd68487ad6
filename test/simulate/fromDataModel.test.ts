// gen --config: rows valid under any data model, deterministic, that the engine decides to the last one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../src/batch/readEvents.js';
import { readConfigFile } from '../../src/cli/config.js';
import { createEngine } from '../../src/index.js';
import { loadDataModel } from '../../src/features/dataModel.js';
import { writeModelRows } from '../../src/simulate/fromDataModel.js';
import type { DataModelFileInput } from '../../src/schema/dataModel.js';

const scratch = mkdtempSync(join(tmpdir(), 'fk-gen-model-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const generate = (path: string, rows: number, seed: number): string => {
  let text = '';
  writeModelRows(loadDataModel(path), { rows, seed }, (chunk) => (text += chunk));
  return text;
};

const orders: DataModelFileInput = {
  format: 'fengkong-data-model',
  version: 1,
  name: 'orders',
  fields: [
    { name: 'order_id', type: 'integer', role: 'id', missing: 'required' },
    { name: 'placed_at', type: 'timestamp', role: 'time', missing: 'required' },
    { name: 'customer', type: 'string', role: 'identifier', subject: true, maxLength: 12 },
    { name: 'ip', type: 'ipv4', role: 'identifier' },
    { name: 'email', type: 'email', role: 'identifier' },
    { name: 'phone', type: 'phone', role: 'identifier' },
    { name: 'amount', type: 'number', exclusiveMin: 0, max: 5000, missing: 'required', amount: true },
    { name: 'items', type: 'integer', min: 1, max: 9 },
    { name: 'gift', type: 'boolean' },
    { name: 'country', type: 'country' },
    { name: 'currency', type: 'currency' },
    { name: 'note', type: 'string', minLength: 3, maxLength: 5, role: 'metadata' },
    { name: 'chargeback', type: 'boolean', role: 'label' },
  ],
  aggregates: [{ name: 'customer_orders_24h', key: 'customer', window: '24h', aggregate: 'count' }],
  outcomes: { fraud: { field: 'chargeback', bad: true } },
};

describe('rows drawn from a data model', () => {
  const creditPath = 'examples/credit-data/data-model.json';
  const ordersPath = join(scratch, 'orders.json');
  writeFileSync(ordersPath, JSON.stringify(orders));

  it('are the same bytes for the same seed, and others for another', () => {
    expect(generate(creditPath, 300, 5)).toBe(generate(creditPath, 300, 5));
    expect(generate(creditPath, 300, 6)).not.toBe(generate(creditPath, 300, 5));
  });

  it('are every one valid under the data model, whatever the seed and row count', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.constantFrom(creditPath, ordersPath),
        async (rows, seed, path) => {
          const file = join(scratch, `rows-${seed}.csv`);
          writeFileSync(file, generate(path, rows, seed));
          const read = await readEvents(file, loadDataModel(path));
          expect(read.rejected).toBe(0);
          expect(read.events).toHaveLength(rows);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('draw bad outcomes at their stated rate and identifiers that repeat, and the engine decides them all', async () => {
    const file = join(scratch, 'orders.csv');
    writeFileSync(file, generate(ordersPath, 3000, 1));
    const model = loadDataModel(ordersPath);
    const { events } = await readEvents(file, model);
    const bad = events.filter((event) => event.chargeback === true).length;
    expect(bad / events.length).toBeGreaterThan(0.01);
    expect(bad / events.length).toBeLessThan(0.035);
    expect(new Set(events.map((event) => event.customer)).size).toBeLessThan(events.length / 2);
    const engine = await createEngine({ dataModel: ordersPath, rulePacks: [], creditModel: null, fraudModel: null });
    const settled = await engine.decideBatchSettled(events);
    expect(settled.filter((result) => result instanceof Error)).toEqual([]);

    const credit = join(scratch, 'credit.csv');
    writeFileSync(credit, generate(creditPath, 2000, 1));
    const decided = await (
      await createEngine(readConfigFile('examples/credit-data/config.json'))
    ).decideBatch((await readEvents(credit, loadDataModel(creditPath))).events);
    expect(decided).toHaveLength(2000);
    expect(readFileSync(credit, 'utf8').split('\n')[0]).toBe(loadDataModel(creditPath).fieldNames.join(','));
  });
});
