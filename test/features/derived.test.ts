import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { shippedDataModel } from '../../src/features/dataModel.js';
import {
  compileFeatures as compileFeaturesIn,
  defaultDerivedFeaturesPath,
  loadDerivedFeatures as loadDerivedFeaturesIn,
  usableInputFields,
} from '../../src/features/derived.js';
import { DerivedFeatureFile } from '../../src/schema/features.js';
import { thrownBy as caught } from '../fixtures/errors.js';

const SOURCE = 'rules/derived-features.json';
const shippedPath = defaultDerivedFeaturesPath();
/** The features over the shipped lending data model. */
const model = shippedDataModel();
const usableInputColumns = usableInputFields(model);
const compileFeatures = (input: Parameters<typeof compileFeaturesIn>[0], sourceName: string) => compileFeaturesIn(input, sourceName, model);
const loadDerivedFeatures = (path: string) => loadDerivedFeaturesIn(path, model);

const scratch = mkdtempSync(join(tmpdir(), 'derived-features-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeScratch(name: string, content: string | Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

function feature(name: string, expression: string) {
  return { name, expression, description: 'a feature under test' };
}

function file(...features: ReturnType<typeof feature>[]) {
  return { version: 1 as const, features };
}

describe('the shipped file', () => {
  const { compiled, sha256 } = loadDerivedFeatures(shippedPath);

  it('declares its features in file order', () => {
    expect(compiled.names).toEqual([
      'loan_to_income',
      'debt_to_income',
      'installment_utilisation',
      'revolving_utilisation_band',
      'monthly_income',
      'amount_to_monthly_income',
      'inquiries_recent_share',
      'any_delinquency',
    ]);
  });

  it('reports the sha256 of the file bytes', () => {
    expect(sha256).toBe(createHash('sha256').update(readFileSync(shippedPath)).digest('hex'));
  });

  it('reads only numeric feature columns of the event', () => {
    for (const input of compiled.eventInputs) expect(usableInputColumns).toContain(input);
  });

  it('computes the expected values on a hand-built event', () => {
    const event = {
      application_id: 'app-1',
      funded_amnt: 12_000,
      annual_inc: 60_000,
      total_bal_il: 18_000,
      total_il_high_credit_limit: 24_000,
      revol_util: 75,
      inq_last_6mths: 2,
      inq_last_12m: 4,
      delinq_2yrs: 0,
      acc_now_delinq: 1,
      term: 'term_36',
      default: 1,
    };
    expect(compiled.compute(event)).toEqual({
      loan_to_income: 0.2,
      debt_to_income: 0.5,
      installment_utilisation: 0.75,
      revolving_utilisation_band: 3,
      monthly_income: 5_000,
      amount_to_monthly_income: 2.4,
      inquiries_recent_share: 0.5,
      any_delinquency: 1,
    });
  });

  it('bands revolving utilisation at 30, 50, 75 and 90', () => {
    const band = (revol_util: number) => compiled.compute({ revol_util }).revolving_utilisation_band;
    expect([0, 29.9, 30, 49.9, 50, 74.9, 75, 89.9, 90, 144].map(band)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it('gives null, not NaN or Infinity, when annual income is 0', () => {
    const values = compiled.compute({ funded_amnt: 10_000, annual_inc: 0, total_bal_il: 0 });
    expect(values.loan_to_income).toBeNull();
    expect(values.debt_to_income).toBeNull();
    expect(values.amount_to_monthly_income).toBeNull();
    expect(values.monthly_income).toBe(0);
  });

  it('gives null for a feature whose input is missing, and for features built on it', () => {
    const values = compiled.compute({ funded_amnt: 10_000, annual_inc: null, revol_util: 20 });
    expect(values.loan_to_income).toBeNull();
    expect(values.monthly_income).toBeNull();
    expect(values.amount_to_monthly_income).toBeNull();
    expect(values.installment_utilisation).toBeNull();
    expect(values.revolving_utilisation_band).toBe(0);
  });

  it('counts no inquiries at all as a recent share of 0, and keeps the share within 0 to 1', () => {
    expect(compiled.compute({ inq_last_6mths: 0, inq_last_12m: 0 }).inquiries_recent_share).toBe(0);
    expect(compiled.compute({ inq_last_6mths: 3, inq_last_12m: 1 }).inquiries_recent_share).toBe(1);
  });

  it('does not carry values over from the previous row', () => {
    compiled.compute({ funded_amnt: 1, annual_inc: 2, total_bal_il: 3, revol_util: 4 });
    expect(Object.values(compiled.compute({})).filter((value) => value !== null)).toEqual([]);
  });

  it('refuses an event whose numeric input is not a number', () => {
    const error = caught(() => compiled.compute({ funded_amnt: '12000', annual_inc: 1 }));
    expect(error.code).toBe(ErrorCode.EVENT_INVALID);
    expect(error.message).toContain('"funded_amnt"');
  });

  it('treats a non-finite input as missing', () => {
    expect(compiled.compute({ funded_amnt: Number.NaN, annual_inc: 1 }).loan_to_income).toBeNull();
    expect(compiled.compute({ funded_amnt: 1, annual_inc: Number.POSITIVE_INFINITY }).loan_to_income).toBeNull();
  });

  // Independent plain-JavaScript versions of the shipped formulas.
  const reference = (e: Record<string, number | null | undefined>) => {
    const present = (...values: (number | null | undefined)[]) => values.every((v) => typeof v === 'number' && Number.isFinite(v));
    const finite = (value: number) => (Number.isFinite(value) ? (value === 0 ? 0 : value) : null);
    const { funded_amnt: f, annual_inc: a, total_bal_il: b, inq_last_6mths: i6, inq_last_12m: i12 } = e;
    return {
      loan_to_income: present(f, a) ? finite(f! / a!) : null,
      debt_to_income: present(b, f, a) ? finite((b! + f!) / a!) : null,
      inquiries_recent_share: present(i6, i12) ? (Math.max(i6!, i12!) > 0 ? finite(i6! / Math.max(i6!, i12!)) : 0) : null,
    };
  };

  const numberOrMissing = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(null, undefined, 0, -0, 1e-320, Number.MAX_VALUE) },
    { weight: 4, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
  );
  const events = fc.record(Object.fromEntries(usableInputColumns.map((column) => [column, numberOrMissing])), {
    requiredKeys: [],
  }) as fc.Arbitrary<Record<string, number | null | undefined>>;

  it('always computes a finite number or null (never NaN or Infinity) for finite or missing inputs', () => {
    fc.assert(
      fc.property(events, (event) => {
        const values = compiled.compute(event);
        expect(Object.keys(values)).toEqual(compiled.names);
        for (const value of Object.values(values)) {
          expect(value === null || (typeof value === 'number' && Number.isFinite(value))).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees with an independent plain-JavaScript computation of loan_to_income, debt_to_income and inquiries_recent_share', () => {
    fc.assert(
      fc.property(events, (event) => {
        const values = compiled.compute(event);
        const expected = reference(event);
        expect(values.loan_to_income).toBe(expected.loan_to_income);
        expect(values.debt_to_income).toBe(expected.debt_to_income);
        expect(values.inquiries_recent_share).toBe(expected.inquiries_recent_share);
      }),
      { numRuns: 2_000 },
    );
  });

  it('computes a row in a few microseconds', () => {
    const rows = Array.from({ length: 256 }, (_, i) => ({
      funded_amnt: 1_000 + i,
      annual_inc: i % 17 === 0 ? 0 : 40_000 + i,
      total_bal_il: i % 5 === 0 ? null : 10_000,
      total_il_high_credit_limit: 20_000,
      revol_util: i % 100,
      inq_last_6mths: i % 3,
      inq_last_12m: i % 7,
      delinq_2yrs: i % 2,
      acc_now_delinq: 0,
    }));
    for (let i = 0; i < 20_000; i++) compiled.compute(rows[i % rows.length]!);
    const n = 100_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) compiled.compute(rows[i % rows.length]!);
    const microsPerRow = ((performance.now() - started) * 1_000) / n;
    // Generous bound so a loaded machine does not fail the test; typically about 2 µs.
    expect(microsPerRow).toBeLessThan(25);
  });
});

describe('inputs a feature may not read', () => {
  const cases: [string, string][] = [
    ['no_such_field * 2', 'unknown field "no_such_field"'],
    ['default', 'label column "default" is not a usable input (labels are never features)'],
    ['is_fraud + funded_amnt', 'label column "is_fraud" is not a usable input'],
    ['fraud_scenario', 'label column "fraud_scenario"'],
    ['device_id', 'identifier column "device_id" is not a usable input'],
    ['applicant_id', 'identifier column "applicant_id"'],
    ['int_rate / 100', 'metadata column "int_rate" is not a usable input'],
    ['sub_grade', 'metadata column "sub_grade"'],
    ['term', 'column "term" is not numeric'],
    ['channel', 'column "channel" is not numeric'],
    ['application_id', 'column "application_id" (id) is not a usable input'],
    ['applied_at', 'column "applied_at" (time) is not a usable input'],
  ];

  it.each(cases)('refuses %j with FK_EXPRESSION_INVALID naming the feature and the field', (expression, fragment) => {
    const error = caught(() => compileFeatures(file(feature('probe', expression)), SOURCE));
    expect(error.code).toBe(ErrorCode.EXPRESSION_INVALID);
    expect(error.message).toContain(`${SOURCE}: feature "probe": `);
    expect(error.message).toContain(fragment);
  });

  it('lets a feature use a feature declared before it', () => {
    const compiled = compileFeatures(file(feature('half', 'funded_amnt / 2'), feature('quarter', 'half / 2')), SOURCE);
    expect(compiled.compute({ funded_amnt: 100 })).toEqual({ half: 50, quarter: 25 });
    expect(compiled.features[1]?.inputs).toEqual(['half']);
  });

  it('refuses a reference to a feature declared later', () => {
    const error = caught(() => compileFeatures(file(feature('quarter', 'half / 2'), feature('half', 'funded_amnt / 2')), SOURCE));
    expect(error.code).toBe(ErrorCode.EXPRESSION_INVALID);
    expect(error.message).toContain('feature "quarter"');
    expect(error.message).toContain('derived feature "half" is declared later');
  });

  it('refuses a feature that refers to itself, and a cycle between two features', () => {
    const self = caught(() => compileFeatures(file(feature('loop', 'loop + 1')), SOURCE));
    expect(self.code).toBe(ErrorCode.EXPRESSION_INVALID);
    expect(self.message).toContain('feature "loop": feature refers to itself');
    const cycle = caught(() => compileFeatures(file(feature('ping', 'pong + 1'), feature('pong', 'ping + 1')), SOURCE));
    expect(cycle.code).toBe(ErrorCode.EXPRESSION_INVALID);
    expect(cycle.message).toContain('feature "ping"');
  });
});

describe('the file schema', () => {
  const schemaCases: [string, unknown, string][] = [
    ['a wrong version', { version: 2, features: [feature('a', '1')] }, 'version'],
    ['no features', { version: 1, features: [] }, 'features'],
    ['a name that is not snake_case', file(feature('LoanToIncome', '1')), 'features.0.name'],
    ['a name with a double underscore', file(feature('loan__income', '1')), 'features.0.name'],
    ['a reserved name', file(feature('max', '1')), 'features.0.name'],
    ['a duplicate name', file(feature('a', '1'), feature('a', '2')), 'features.1.name'],
    ['an unknown key', { version: 1, features: [{ ...feature('a', '1'), weight: 2 }] }, 'features.0'],
    ['an empty description', { version: 1, features: [{ ...feature('a', '1'), description: '' }] }, 'features.0.description'],
    [
      'a description with a line break',
      { version: 1, features: [{ ...feature('a', '1'), description: 'a\nb' }] },
      'features.0.description',
    ],
    ['an unknown unit', { version: 1, features: [{ ...feature('a', '1'), unit: 'furlongs' }] }, 'features.0.unit'],
    ['an expression that is not a string', { version: 1, features: [{ ...feature('a', '1'), expression: 1 }] }, 'features.0.expression'],
  ];

  it.each(schemaCases)('refuses %s with FK_FEATURE_INVALID naming the file and the field', (_label, content, fieldPath) => {
    const path = writeScratch('schema.json', JSON.stringify(content));
    const error = caught(() => loadDerivedFeatures(path));
    expect(error.code).toBe(ErrorCode.FEATURE_INVALID);
    expect(error.message.startsWith(`${path}: `)).toBe(true);
    expect(error.message).toContain(fieldPath);
  });

  it.each([
    ['a field', 'funded_amnt'],
    ['an aggregate', 'device_apps_1h'],
    ['a signal', 'local_hour'],
  ])('refuses a name colliding with %s of the data model (%s) when compiled against it, not in the schema', (_label, name) => {
    const colliding = file(feature('a', '1'), feature(name, '1'));
    // The file's schema knows no data model: the name is well-formed there.
    expect(DerivedFeatureFile.safeParse(colliding).success).toBe(true);
    const direct = caught(() => compileFeatures(colliding, SOURCE));
    expect(direct.code).toBe(ErrorCode.FEATURE_INVALID);
    expect(direct.message).toBe(`${SOURCE}: features.1.name: ${name} collides with a field, aggregate or signal of the data model`);
    const path = writeScratch('colliding.json', JSON.stringify(colliding));
    const loaded = caught(() => loadDerivedFeatures(path));
    expect(loaded.code).toBe(ErrorCode.FEATURE_INVALID);
    expect(loaded.message.startsWith(`${path}: features.1.name`)).toBe(true);
  });

  it('refuses the same file handed to compileFeatures directly', () => {
    const error = caught(() => compileFeatures(file(feature('a', '1'), feature('a', '2')), SOURCE));
    expect(error.code).toBe(ErrorCode.FEATURE_INVALID);
    expect(error.message).toContain(`${SOURCE}: features.1.name`);
  });

  it('accepts the shipped file and a declared unit', () => {
    const raw: unknown = JSON.parse(readFileSync(shippedPath, 'utf8'));
    expect(DerivedFeatureFile.safeParse(raw).success).toBe(true);
    const parsed = DerivedFeatureFile.parse({ version: 1, features: [{ ...feature('a', '1'), unit: 'ratio' }] });
    expect(parsed.features[0]?.unit).toBe('ratio');
  });
});

describe('the loader', () => {
  it('refuses bad JSON with FK_FEATURE_INVALID naming the file', () => {
    const path = writeScratch('bad.json', '{ "version": 1, ');
    const error = caught(() => loadDerivedFeatures(path));
    expect(error.code).toBe(ErrorCode.FEATURE_INVALID);
    expect(error.message).toContain(`${path}: not valid JSON`);
  });

  it('refuses bytes that are not UTF-8 as bad JSON', () => {
    const path = writeScratch('latin1.json', Buffer.from([0x7b, 0xff, 0x7d]));
    expect(caught(() => loadDerivedFeatures(path)).code).toBe(ErrorCode.FEATURE_INVALID);
  });

  it('refuses a missing file with FK_FILE_READ naming it', () => {
    const path = join(scratch, 'absent.json');
    const error = caught(() => loadDerivedFeatures(path));
    expect(error.code).toBe(ErrorCode.FILE_READ);
    expect(error.message).toContain(path);
  });

  it('names the file in expression errors', () => {
    const path = writeScratch('expr.json', JSON.stringify(file(feature('probe', 'config({number:"BigNumber"})'))));
    const error = caught(() => loadDerivedFeatures(path));
    expect(error.code).toBe(ErrorCode.EXPRESSION_INVALID);
    expect(error.message).toBe(`${path}: feature "probe": function "config" is not allowed`);
  });

  it('accepts a file with a byte-order mark and hashes the bytes as read', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(file(feature('a', 'funded_amnt'))))]);
    const path = writeScratch('bom.json', bytes);
    const loaded = loadDerivedFeatures(path);
    expect(loaded.compiled.compute({ funded_amnt: 5 })).toEqual({ a: 5 });
    expect(loaded.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
