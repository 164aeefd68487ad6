// For random data models (types, roles, missing values, aggregates) and random rows, valid under them
// or not: every row ends as a decision or as a coded error, never a crash, no decision holds NaN or an
// infinity anywhere (the aggregates' values included: a rule reads each, so the decision records it),
// and no identifier's raw value reaches a decision, whatever the data model calls its identifiers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, isFengkongError } from '../../src/index.js';
import type { AggregateKind, FieldType } from '../../src/schema/dataModel.js';

const scratch = mkdtempSync(join(tmpdir(), 'fk-random-models-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface FieldSpec {
  name: string;
  type: FieldType;
  role: 'identifier' | 'feature' | 'metadata' | 'label';
  missing: 'required' | 'nullable';
}

const FEATURE_TYPES: FieldType[] = ['number', 'integer', 'boolean', 'string', 'enum', 'country', 'currency'];
const IDENTIFIER_TYPES: FieldType[] = ['string', 'email', 'ipv4', 'phone'];
const VALUE_KINDS: AggregateKind[] = ['sum', 'mean', 'max', 'ratioToMean'];

const fieldSpec = (index: number) =>
  fc
    .record({
      role: fc.constantFrom('identifier', 'feature', 'feature', 'metadata', 'label' as const),
      missing: fc.constantFrom('required', 'nullable' as const),
      featureType: fc.constantFrom(...FEATURE_TYPES),
      identifierType: fc.constantFrom(...IDENTIFIER_TYPES),
    })
    .map(({ role, missing, featureType, identifierType }): FieldSpec => ({
      name: `f${index}`,
      type: role === 'identifier' ? identifierType : featureType,
      role,
      missing,
    }));

const modelSpec = fc.integer({ min: 1, max: 6 }).chain((count) =>
  fc.record({
    fields: fc.tuple(...Array.from({ length: count }, (_, index) => fieldSpec(index))),
    aggregates: fc.array(
      fc.record({
        kind: fc.constantFrom<AggregateKind>('count', 'distinct', 'sum', 'mean', 'max', 'timeSince', 'firstSeen', 'ratioToMean'),
        window: fc.constantFrom('1h', '24h', '7d', '90d'),
        pick: fc.nat(),
      }),
      { maxLength: 6 },
    ),
  }),
);

function valueOf(type: FieldType, pick: number, identifier = false): unknown {
  // An identifier's raw value is distinctive, so a decision that leaked it would be seen.
  if (identifier && type === 'string') return `secret-id-${pick % 3}`;
  switch (type) {
    case 'number':
      return [0, 1.5, -3, 1e6, 42][pick % 5];
    case 'integer':
      return [0, 1, -2, 7, 1000][pick % 5];
    case 'boolean':
      return pick % 2 === 0;
    case 'string':
      return ['a', 'bb', 'x y', 'Ω'][pick % 4];
    case 'enum':
      return ['red', 'green'][pick % 2];
    case 'country':
      return ['DE', 'US', 'CN'][pick % 3];
    case 'currency':
      return ['EUR', 'USD', 'CNY'][pick % 3];
    case 'email':
      return [`u${pick % 3}@secret.example`, `v${pick % 2}@mail.example`][pick % 2];
    case 'ipv4':
      return `203.0.${113 + (pick % 2)}.${pick % 4}`;
    case 'phone':
      return ['+4915112345678', '+12125550143'][pick % 2];
    default:
      return 'x';
  }
}

const row = fc.record({
  picks: fc.array(fc.nat({ max: 50 }), { minLength: 6, maxLength: 6 }),
  missing: fc.array(fc.nat({ max: 7 }), { minLength: 6, maxLength: 6 }).map((draws) => draws.map((draw) => draw === 0)),
  broken: fc.nat({ max: 9 }),
  stepMinutes: fc.integer({ min: 0, max: 3000 }),
});

describe('random data models decide every row or refuse it with a code', () => {
  it('never throws an uncoded error and never yields NaN or an infinity', async () => {
    let run = 0;
    let decided = 0;
    let aggregatesRead = 0;
    await fc.assert(
      fc.asyncProperty(modelSpec, fc.array(row, { minLength: 1, maxLength: 25 }), async (spec, rows) => {
        run += 1;
        const fields = [
          { name: 'event_id', type: 'string', role: 'id', missing: 'required' },
          { name: 'at', type: 'timestamp', role: 'time', missing: 'required' },
          ...spec.fields.map((field) => ({
            ...field,
            ...(field.type === 'enum' ? { values: ['red', 'green'] } : {}),
          })),
        ];
        const identifiers = spec.fields.filter((field) => field.role === 'identifier');
        const numbers = spec.fields.filter((field) => field.role === 'feature' && (field.type === 'number' || field.type === 'integer'));
        const aggregates =
          identifiers.length === 0
            ? []
            : spec.aggregates.flatMap((aggregate, index) => {
                const key = identifiers[aggregate.pick % identifiers.length]!.name;
                const needsNumber = VALUE_KINDS.includes(aggregate.kind);
                if (needsNumber && numbers.length === 0) return [];
                const of = needsNumber
                  ? numbers[aggregate.pick % numbers.length]!.name
                  : aggregate.kind === 'distinct'
                    ? spec.fields.filter((field) => field.role === 'feature' || field.role === 'identifier')[aggregate.pick % 2]?.name
                    : undefined;
                if (aggregate.kind === 'distinct' && of === undefined) return [];
                return [
                  { name: `a${index}`, key, window: aggregate.window, aggregate: aggregate.kind, ...(of === undefined ? {} : { of }) },
                ];
              });
        const dataModel = join(scratch, `dm-${run}.json`);
        writeFileSync(dataModel, JSON.stringify({ format: 'fengkong-data-model', version: 1, name: 'random', fields, aggregates }));
        const pack = join(scratch, `pack-${run}.json`);
        writeFileSync(
          pack,
          JSON.stringify({
            pack: 'reads-every-aggregate',
            version: '1.0.0',
            description: 'One info rule per aggregate, so each decision records every value',
            rules: aggregates.map((aggregate, index) => ({
              name: `R_READ_${index}`,
              priority: 1,
              conditions: { all: [{ fact: aggregate.name, operator: 'greaterThan', value: 0 }] },
              event: { type: `R_READ_${index}`, params: { severity: 'info', category: 'application', reason: 'reads an aggregate' } },
            })),
          }),
        );
        const engine = await createEngine({ dataModel, rulePacks: aggregates.length === 0 ? [] : [pack] }, {});
        let atMs = Date.parse('2026-01-01T00:00:00Z');
        const inputs = rows.map((r, index) => {
          atMs += r.stepMinutes * 60_000;
          const event: Record<string, unknown> = { event_id: `E${index % 20}`, at: new Date(atMs).toISOString() };
          spec.fields.forEach((field, at) => {
            event[field.name] = r.missing[at] ? null : valueOf(field.type, r.picks[at]!, field.role === 'identifier');
          });
          // Now and then a value of the wrong kind, or an unknown field.
          if (r.broken === 0 && spec.fields.length > 0) event[spec.fields[0]!.name] = { nested: true };
          if (r.broken === 1) event.unexpected = 1;
          return event;
        });
        let results = 0;
        for await (const result of engine.decideStream(inputs, { chunkSize: 4 })) {
          results += 1;
          if ('error' in result) {
            expect(result.error.code).toMatch(/^FK_[A-Z_]+$/);
            continue;
          }
          expect(finiteEverywhere(result.decision)).toBe(true);
          // No identifier's raw value reaches a decision (they are hashed before anything reads them).
          const text = JSON.stringify(result.decision);
          for (const field of identifiers) {
            const raw = inputs[result.index]![field.name];
            if (typeof raw === 'string') expect(text.includes(raw), `${field.name} leaked`).toBe(false);
          }
          decided += 1;
          aggregatesRead += Object.keys(result.decision.stages.rules.values ?? {}).length;
        }
        expect(results).toBe(inputs.length);
      }),
      { numRuns: 100 },
    );
    // The property held over real decisions, with aggregate values among what they recorded.
    expect(decided).toBeGreaterThan(150);
    expect(aggregatesRead).toBeGreaterThan(50);
  }, 120_000);

  it('refuses a model that cannot be built with a coded error, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const path = join(scratch, 'any.json');
        writeFileSync(path, JSON.stringify(value));
        try {
          await createEngine({ dataModel: path });
        } catch (error) {
          expect(isFengkongError(error)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});

function finiteEverywhere(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(finiteEverywhere);
  if (value !== null && typeof value === 'object') return Object.values(value).every(finiteEverywhere);
  return true;
}
