// Declared aggregates and signals, held to two references: the lending model's 18 facts against the
// hand-written code they replace (lendingVelocityReference.ts), and every aggregate kind against a
// brute-force pass over the earlier events.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAggregates, historyStoreOptions } from '../../src/features/aggregates.js';
import { compileDataModel, shippedDataModel, type DataModel } from '../../src/features/dataModel.js';
import { createIdentifierHasher } from '../../src/features/eventFacts.js';
import { compileSignals } from '../../src/features/signals.js';
import type { DataModelFileInput } from '../../src/schema/dataModel.js';
import type { EventRecord } from '../../src/schema/event.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { readVelocity, recordVelocity, VELOCITY_FACTS } from './lendingVelocityReference.js';

const SALT = 'aggregates-test-salt';
const DAY = 86_400_000;
const START = Date.parse('2016-03-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const lendingEvent = fc.record({
  applicant: fc.option(fc.integer({ min: 0, max: 5 }), { freq: 8 }),
  device: fc.option(fc.integer({ min: 0, max: 4 }), { freq: 8 }),
  ip: fc.option(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 4 })), { freq: 8 }),
  email: fc.option(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom('gmail.com', 'mailinator.com', 'corp.example')), { freq: 8 }),
  phone: fc.option(fc.constantFrom('+15125550101', '+12125550102', '+19995550103', '+15125550104'), { freq: 8 }),
  ipRegion: fc.option(fc.constantFrom('TX', 'NY', 'CA'), { freq: 4 }),
  addrState: fc.constantFrom('TX', 'NY'),
  amount: fc.integer({ min: 1000, max: 40000 }),
  // Mostly forward in time (minutes to weeks), now and then a little or a lot earlier than the last event.
  stepMs: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 6 * 3_600_000 }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 40 * DAY }) },
    { weight: 1, arbitrary: fc.integer({ min: -30 * 60_000, max: 0 }) },
  ),
});

type LendingRow = typeof lendingEvent extends fc.Arbitrary<infer T> ? T : never;

function toLendingInput(index: number, atMs: number, row: LendingRow): unknown {
  const n = (value: number | null, text: (v: number) => string) => (value === null ? null : text(value));
  return {
    application_id: `T${index}`,
    applied_at: iso(atMs),
    applicant_id: n(row.applicant, (v) => `ap_${v}`),
    device_id: n(row.device, (v) => `dv_${v}`),
    ip: row.ip === null ? null : `10.0.${row.ip[0]}.${row.ip[1]}`,
    email: row.email === null ? null : `user${row.email[0]}${row.email[0] * 7}@${row.email[1]}`,
    phone: row.phone,
    ip_region: row.ipRegion,
    channel: 'web',
    addr_state: row.addrState,
    funded_amnt: row.amount,
    term: 'term_36',
    annual_inc: 50000,
  };
}

describe('the lending model declares the 18 velocity and identity facts the engine computed by hand', () => {
  it('gives every fact of the hand-written reference, and records the same events, on random histories', () => {
    const model = shippedDataModel();
    fc.assert(
      fc.property(fc.array(lendingEvent, { minLength: 1, maxLength: 60 }), (rows) => {
        const aggregates = compileAggregates(model);
        const signals = compileSignals(model.file.signals);
        const hasher = createIdentifierHasher(model);
        const declaredStore = createMemoryStore(historyStoreOptions(aggregates));
        const referenceStore = createMemoryStore({ firstSeenKeyPrefixes: ['device:'] });
        let atMs = START;
        rows.forEach((row, index) => {
          atMs += row.stepMs;
          const event = model.parseEvent(toLendingInput(index, atMs, row), Date.parse('2030-01-01T00:00:00Z'));
          const identifiers = hasher.hash(event, SALT);
          const declared: Record<string, number | boolean | string | null> = {};
          signals.compute(event, declared);
          aggregates.read(declaredStore, event, identifiers, atMs, SALT, declared as Record<string, number | null>);
          const expected = readVelocity(referenceStore, event, identifiers, atMs, SALT);
          for (const name of Object.keys(VELOCITY_FACTS))
            expect(declared[name], `${name} at event ${index}`).toBe(expected[name as keyof typeof expected]);
          expect(aggregates.record(declaredStore, event, identifiers, atMs, SALT)).toBe(
            recordVelocity(referenceStore, event, identifiers, atMs, SALT),
          );
        });
      }),
      { numRuns: 150 },
    );
  });

  it('keeps eight histories per application, as the hand-written code did, and first-seen times of devices only', () => {
    const aggregates = compileAggregates(shippedDataModel());
    expect(aggregates.firstSeenKeyPrefixes).toEqual(['device_id:']);
    expect(aggregates.historyMs).toBe(30 * DAY);
    expect(aggregates.firstSeenMs).toBe(90 * DAY);
    expect(aggregates.names).toHaveLength(15);
  });
});

// A payments model: every aggregate kind, filters, a derived key.
const payments: DataModelFileInput = {
  format: 'fengkong-data-model',
  version: 1,
  name: 'payments',
  fields: [
    { name: 'txn_id', type: 'string', role: 'id', missing: 'required' },
    { name: 'at', type: 'timestamp', role: 'time', missing: 'required' },
    { name: 'card', type: 'string', role: 'identifier' },
    { name: 'ip', type: 'ipv4', role: 'identifier' },
    { name: 'direction', type: 'enum', values: ['in', 'out'], missing: 'required' },
    { name: 'amount', type: 'number', min: 0, missing: 'required' },
    { name: 'merchant', type: 'string' },
    { name: 'fee', type: 'number', min: 0 },
  ],
  aggregates: [
    { name: 'card_txns_24h', key: 'card', window: '24h', aggregate: 'count' },
    {
      name: 'card_inflow_sum_7d',
      key: 'card',
      window: '7d',
      aggregate: 'sum',
      of: 'amount',
      where: [{ field: 'direction', op: 'eq', value: 'in' }],
    },
    { name: 'card_mean_7d', key: 'card', window: '7d', aggregate: 'mean', of: 'amount' },
    { name: 'card_max_7d', key: 'card', window: '7d', aggregate: 'max', of: 'amount' },
    {
      name: 'card_near_threshold_30d',
      key: 'card',
      window: '30d',
      aggregate: 'count',
      where: [
        { field: 'amount', op: 'gte', value: 8000 },
        { field: 'amount', op: 'lt', value: 10000 },
      ],
    },
    { name: 'card_merchants_7d', key: 'card', window: '7d', aggregate: 'distinct', of: 'merchant' },
    { name: 'card_minutes_since', key: 'card', window: '24h', aggregate: 'timeSince', unit: 'm', whenNone: -1 },
    { name: 'card_amount_ratio_7d', key: 'card', window: '7d', aggregate: 'ratioToMean', of: 'amount' },
    { name: 'card_fee_mean_7d', key: 'card', window: '7d', aggregate: 'mean', of: 'fee', whenNone: 0 },
    { name: 'network_txns_1h', key: { field: 'ip', derive: 'ipv4/24' }, window: '1h', aggregate: 'count' },
    { name: 'card_new_7d', key: 'card', window: '7d', aggregate: 'firstSeen' },
  ],
};

interface Earlier {
  readonly atMs: number;
  readonly event: EventRecord;
}

/** Each aggregate of `payments` by definition: a pass over every earlier recorded event. */
function bruteForce(earlier: readonly Earlier[], event: EventRecord, atMs: number): Record<string, number | null> {
  const card = event.card;
  const net = typeof event.ip === 'string' ? event.ip.split('.').slice(0, 3).join('.') : null;
  const within = (windowMs: number, same: (e: EventRecord) => boolean) =>
    earlier.filter((entry) => entry.atMs >= atMs - windowMs && entry.atMs <= atMs && same(entry.event)).map((entry) => entry.event);
  const sameCard = (e: EventRecord) => e.card === card;
  if (card === null) {
    return {
      card_txns_24h: null,
      card_inflow_sum_7d: null,
      card_mean_7d: null,
      card_max_7d: null,
      card_near_threshold_30d: null,
      card_merchants_7d: null,
      card_minutes_since: null,
      card_amount_ratio_7d: null,
      card_fee_mean_7d: null,
      network_txns_1h: net === null ? null : within(3_600_000, (e) => typeof e.ip === 'string' && e.ip.startsWith(`${net}.`)).length,
      card_new_7d: null,
    };
  }
  const week = within(7 * DAY, sameCard);
  const amounts = week.map((e) => e.amount as number);
  const fees = week.filter((e) => e.fee !== null).map((e) => e.fee as number);
  const merchants = new Set(week.map((e) => (e.merchant === null ? '' : String(e.merchant))));
  merchants.delete(event.merchant === null ? '' : String(event.merchant));
  const previous = earlier.filter((entry) => entry.atMs <= atMs && sameCard(entry.event)).map((entry) => entry.atMs);
  const latest = previous.length === 0 ? null : Math.max(...previous);
  const mean = amounts.length === 0 ? null : amounts.reduce((a, b) => a + b, 0) / amounts.length;
  return {
    card_txns_24h: within(DAY, sameCard).length,
    card_inflow_sum_7d: week.filter((e) => e.direction === 'in').reduce((sum, e) => sum + (e.amount as number), 0),
    card_mean_7d: mean,
    card_max_7d: amounts.length === 0 ? null : Math.max(...amounts),
    card_near_threshold_30d: within(30 * DAY, (e) => sameCard(e) && (e.amount as number) >= 8000 && (e.amount as number) < 10000).length,
    card_merchants_7d: merchants.size,
    card_minutes_since: latest === null || atMs - latest > DAY ? -1 : (atMs - latest) / 60_000,
    card_amount_ratio_7d: mean === null ? null : mean === 0 ? null : (event.amount as number) / mean,
    card_fee_mean_7d: fees.length === 0 ? 0 : fees.reduce((a, b) => a + b, 0) / fees.length,
    network_txns_1h: net === null ? null : within(3_600_000, (e) => typeof e.ip === 'string' && e.ip.startsWith(`${net}.`)).length,
    card_new_7d: week.length === 0 ? 1 : 0,
  };
}

const paymentEvent = fc.record({
  card: fc.option(fc.constantFrom('c1', 'c2', 'c3'), { freq: 6 }),
  ip: fc.option(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 3 })), { freq: 5 }),
  direction: fc.constantFrom('in', 'out'),
  amount: fc.oneof(fc.integer({ min: 0, max: 12000 }), fc.constantFrom(8000, 9999.5, 10000)),
  merchant: fc.option(fc.constantFrom('m1', 'm2', 'm3', 'm4'), { freq: 4 }),
  fee: fc.option(fc.integer({ min: 0, max: 30 }), { freq: 2 }),
  stepMs: fc.oneof(fc.integer({ min: 0, max: 3 * 3_600_000 }), fc.integer({ min: 0, max: 5 * DAY })),
});

function paymentsModel(): DataModel {
  return compileDataModel(payments, 'payments');
}

describe('every aggregate kind equals its definition computed by brute force', () => {
  it('count, sum, mean, max, distinct, timeSince, ratioToMean, firstSeen, filters and a derived key', () => {
    const model = paymentsModel();
    fc.assert(
      fc.property(fc.array(paymentEvent, { minLength: 1, maxLength: 50 }), (rows) => {
        const aggregates = compileAggregates(model);
        const hasher = createIdentifierHasher(model);
        const store = createMemoryStore(historyStoreOptions(aggregates));
        const earlier: Earlier[] = [];
        let atMs = START;
        rows.forEach((row, index) => {
          atMs += row.stepMs;
          const event = model.parseEvent(
            {
              txn_id: `P${index}`,
              at: iso(atMs),
              card: row.card,
              ip: row.ip === null ? null : `192.168.${row.ip[0]}.${row.ip[1]}`,
              direction: row.direction,
              amount: row.amount,
              merchant: row.merchant,
              fee: row.fee,
            },
            Date.parse('2030-01-01T00:00:00Z'),
          );
          const identifiers = hasher.hash(event, SALT);
          const facts: Record<string, number | null> = {};
          aggregates.read(store, event, identifiers, atMs, SALT, facts);
          const expected = bruteForce(earlier, event, atMs);
          for (const [name, value] of Object.entries(expected)) {
            if (typeof value === 'number' && typeof facts[name] === 'number') expect(facts[name], name).toBeCloseTo(value, 9);
            else expect(facts[name], name).toBe(value);
          }
          expect(aggregates.record(store, event, identifiers, atMs, SALT)).toBe(true);
          earlier.push({ atMs, event });
        });
      }),
      { numRuns: 150 },
    );
  });

  it('shares histories where it can: one per key and payload, a filter or a nullable value on its own', () => {
    const aggregates = compileAggregates(paymentsModel());
    // card (count, mean, max, timeSince, ratio, firstSeen, distinct merchants: amount is required),
    // card with direction = in, card with the amount band, card's fees (nullable), the /24 network.
    expect(aggregates.historyMs).toBe(30 * DAY);
    expect(aggregates.firstSeenKeyPrefixes).toEqual([]);
  });
});
