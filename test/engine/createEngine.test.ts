// The engine contract: validation at the edge, the decision schema, determinism and batch equality.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, Decision, ErrorCode, type Engine } from '../../src/index.js';
import { stable } from '../fixtures/decisions.js';
import { cleanEvent, freshApplicationId } from '../fixtures/events.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine();
});

const eventArbitrary = fc.record({
  funded_amnt: fc.integer({ min: 500, max: 40000 }),
  annual_inc: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000_000 })),
  revol_util: fc.option(fc.double({ min: 0, max: 150, noNaN: true }), { nil: null }),
  delinq_2yrs: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
  inq_last_6mths: fc.integer({ min: 0, max: 8 }),
  total_bal_il: fc.option(fc.integer({ min: 0, max: 600000 }), { nil: null }),
  hour: fc.integer({ min: 0, max: 23 }),
  ip_region: fc.constantFrom('NY', 'CA', 'TX', null),
});

describe('createEngine', () => {
  it('decisions validate against the Decision schema', async () => {
    const decision = await engine.decide(cleanEvent());
    expect(Decision.parse(decision)).toEqual(decision);
    expect(decision.schemaVersion).toBe(6);
    expect(decision.audit.dataModelSha256).toBe(
      createHash('sha256').update(readFileSync('data/applications.data-model.json')).digest('hex'),
    );
    expect(decision.audit.rulePackSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(decision.audit.totalUs).toBeGreaterThan(0);
  });

  it('never produces NaN and decide(e) equals decideBatch([e]) beyond timings (property)', async () => {
    await fc.assert(
      fc.asyncProperty(eventArbitrary, async (draw) => {
        const event = cleanEvent({
          funded_amnt: draw.funded_amnt,
          annual_inc: draw.annual_inc,
          revol_util: draw.revol_util,
          delinq_2yrs: draw.delinq_2yrs,
          inq_last_6mths: draw.inq_last_6mths,
          total_bal_il: draw.total_bal_il,
          ip_region: draw.ip_region,
          applied_at: `2016-03-0${1 + (draw.hour % 7)}T${String(draw.hour).padStart(2, '0')}:10:00Z`,
        });
        const single = await (await createEngine()).decide(event);
        const [batched] = await (await createEngine()).decideBatch([event]);
        const text = JSON.stringify(single);
        expect(text).not.toMatch(/NaN|Infinity/);
        expect(Decision.safeParse(single).success).toBe(true);
        expect(stable(single)).toEqual(stable(batched!));
      }),
      { numRuns: 40 },
    );
  });

  it('a fresh engine fed the same events gives identical decisions beyond timings', async () => {
    // One applicant: the disposable address declines at tier 3 and freezes the applicant, which the last event meets.
    const events = [
      cleanEvent({ application_id: 'D1' }),
      cleanEvent({ application_id: 'D2', revol_util: 99 }),
      cleanEvent({ application_id: 'D3', email: 'x@yopmail.com' }),
      cleanEvent({ application_id: 'D4', annual_inc: 0 }),
    ];
    const other = await createEngine();
    const first = (await (await createEngine()).decideBatch(events)).map(stable);
    const second = (await other.decideBatch(events)).map(stable);
    expect(second).toEqual(first);
  });

  it('refuses an invalid event with FK_EVENT_INVALID naming the field, without echoing the value', async () => {
    const error = await engine.decide(cleanEvent({ funded_amnt: Number.NaN })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ErrorCode.EVENT_INVALID });
    expect((error as Error).message).toContain('funded_amnt');
    const secret = 'not-an-email-secret-value';
    const emailError = await engine.decide({ ...cleanEvent(), email: secret }).catch((caught: unknown) => caught);
    expect((emailError as Error).message).toContain('email');
    expect((emailError as Error).message).not.toContain(secret);
  });

  it('refuses an unknown field: a misspelt column is an error, not a missing value', async () => {
    await expect(engine.decide({ ...cleanEvent(), anual_inc: 5 })).rejects.toMatchObject({
      code: ErrorCode.EVENT_INVALID,
      message: expect.stringContaining('anual_inc'),
    });
  });

  it('ignores labels: the same application decides alike whatever its labels say', async () => {
    const unlabelled = await (await createEngine()).decide(cleanEvent());
    const labelled = await (await createEngine()).decide({ ...cleanEvent(), default: 1, is_fraud: 1, fraud_scenario: 'device_farm' });
    expect(stable(labelled)).toEqual(stable(unlabelled));
  });

  it('a tier 3 decline freezes the applicant for 180 days: a later application of theirs is declined', async () => {
    const fresh = await createEngine({ fraudModel: null, creditModel: null });
    const fraud = cleanEvent({ application_id: 'Z1', email: 'x@yopmail.com' });
    const [declined, frozen, other] = await fresh.decideBatch([
      fraud,
      // The same applicant ten days later, from another device and address: frozen.
      cleanEvent({ application_id: 'Z2', applied_at: '2016-02-20T17:00:00Z', device_id: 'dv_other_0001', email: 'jd@gmail.com' }),
      // Another applicant on the same day: not frozen.
      cleanEvent({ application_id: 'Z3', applied_at: '2016-02-20T18:00:00Z', applicant_id: 'ap_someone_else', device_id: 'dv_other_0002' }),
    ]);
    expect(declined!.tier).toBe(3);
    expect(declined!.actions).toContain('freeze_identity');
    expect(declined!.stages.policy.identityFrozen).toBe(false);
    expect(frozen!.stages.rules.fired).toEqual([]);
    expect(frozen!.stages.policy.identityFrozen).toBe(true);
    expect(frozen!.stages.policy.fired[0]).toMatchObject({ code: 'P_IDENTITY_FROZEN', outcome: 'decline', tier: 3 });
    expect(frozen!.outcome).toBe('decline');
    expect(frozen!.tier).toBe(3);
    expect(frozen!.reasons.primary[0]).toMatchObject({ code: 'P_IDENTITY_FROZEN', stage: 'policy', severity: 'decline' });
    expect(frozen!.reasons.applicant.map((reason) => reason.code)).toEqual(['A_VERIFICATION_REQUIRED']);
    expect(other!.stages.policy.identityFrozen).toBe(false);
    expect(other!.outcome).toBe('approve');

    // 180 days after the decline, with no application in between, the freeze has ended.
    const later = await createEngine({ fraudModel: null, creditModel: null });
    const [, thawed] = await later.decideBatch([fraud, cleanEvent({ application_id: 'Z4', applied_at: '2016-08-08T17:00:00Z' })]);
    expect(thawed!.stages.policy.identityFrozen).toBe(false);
    expect(thawed!.outcome).toBe('approve');
  });

  it('names the batch position of an invalid event', async () => {
    await expect(engine.decideBatch([cleanEvent(), cleanEvent({ term: 'term_12' as never })])).rejects.toMatchObject({
      code: ErrorCode.EVENT_INVALID,
      message: expect.stringMatching(/event 1 of the batch.*term/),
    });
  });
});

describe('config errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-config-'));
  const writePack = (name: string, pack: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof pack === 'string' ? pack : JSON.stringify(pack));
    return path;
  };
  const rule = (overrides: Record<string, unknown>) => ({
    name: 'R_TEST',
    priority: 1,
    conditions: { all: [{ fact: 'annual_inc', operator: 'lessThan', value: 10 }] },
    event: { type: 'R_TEST', params: { severity: 'review', category: 'application', reason: 'test' } },
    ...overrides,
  });
  const pack = (rules: unknown[]) => ({ pack: 'test-pack', version: '1', description: 'test', rules });

  it('refuses a bad config with FK_CONFIG_INVALID', async () => {
    await expect(createEngine({ identifierSalt: 'short' })).rejects.toMatchObject({
      code: ErrorCode.CONFIG_INVALID,
      message: expect.stringContaining('identifierSalt'),
    });
    await expect(createEngine({ rulePack: [] } as never)).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID });
  });

  it.each([
    [
      'an unknown fact',
      rule({ conditions: { all: [{ fact: 'annual_income', operator: 'lessThan', value: 1 }] } }),
      'unknown fact "annual_income"',
    ],
    ['a label', rule({ conditions: { all: [{ fact: 'is_fraud', operator: 'equal', value: 1 }] } }), 'is a label'],
    ['a raw identifier', rule({ conditions: { all: [{ fact: 'device_id', operator: 'equal', value: 'x' }] } }), 'is an identifier'],
    ['metadata', rule({ conditions: { all: [{ fact: 'int_rate', operator: 'greaterThan', value: 20 }] } }), 'has role "metadata"'],
    ['a custom operator', rule({ conditions: { all: [{ fact: 'annual_inc', operator: 'between', value: 1 }] } }), 'operator'],
    ['a path (jsonpath)', rule({ conditions: { all: [{ fact: 'annual_inc', operator: 'equal', value: 1, path: '$..x' }] } }), 'path'],
    ['a missing severity', rule({ event: { type: 'R_TEST', params: { category: 'application', reason: 'x' } } }), 'severity'],
    [
      'an event type unlike the rule name',
      rule({ event: { type: 'R_OTHER', params: { severity: 'review', category: 'application', reason: 'x' } } }),
      'must equal the rule name',
    ],
    ['an empty all (which would fire on every event)', rule({ conditions: { all: [] } }), 'rules.0 (R_TEST).conditions'],
    [
      'in with a number (json-rules-engine throws on every event)',
      rule({ conditions: { all: [{ fact: 'annual_inc', operator: 'in', value: 5 }] } }),
      'in needs a list',
    ],
  ])('refuses a rule reading %s with FK_RULE_INVALID naming the file', async (_label, badRule, message) => {
    const path = writePack(`bad-${Math.abs(JSON.stringify(badRule).length)}-${String(message).length}.json`, pack([badRule]));
    const error = await createEngine({ rulePacks: [path] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ErrorCode.RULE_INVALID });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain(message);
  });

  it('refuses a duplicated reason code across packs, and invalid JSON, naming the file', async () => {
    const first = writePack('dup-a.json', pack([rule({})]));
    const second = writePack('dup-b.json', { ...pack([rule({})]), pack: 'other-pack' });
    await expect(createEngine({ rulePacks: [first, second] })).rejects.toMatchObject({
      code: ErrorCode.RULE_INVALID,
      message: expect.stringContaining('already used'),
    });
    const broken = writePack('broken.json', '{"pack": ');
    await expect(createEngine({ rulePacks: [broken] })).rejects.toMatchObject({
      code: ErrorCode.RULE_INVALID,
      message: expect.stringContaining('broken.json'),
    });
    await expect(createEngine({ rulePacks: [join(dir, 'absent.json')] })).rejects.toMatchObject({
      code: ErrorCode.RULE_INVALID,
      message: expect.stringContaining('absent.json'),
    });
  });
});

describe('privacy', () => {
  const token = fc.stringMatching(/^[a-z0-9]{14,24}$/).map((text) => `zq${text}`);
  it('raw identifiers never appear in a decision, whatever they are (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        token,
        token,
        token,
        fc.integer({ min: 1, max: 254 }),
        fc.integer({ min: 2_000_000_000, max: 9_999_999_999 }),
        async (applicant, device, local, octet, phone) => {
          const event = cleanEvent({
            applicant_id: applicant,
            device_id: device,
            application_id: freshApplicationId(),
            email: `${local}@mailinator.com`,
            ip: `45.${octet}.${octet}.${octet}`,
            phone: `+1${phone}`,
          });
          const text = JSON.stringify(await engine.decide(event));
          for (const raw of [applicant, device, local, `45.${octet}.${octet}.${octet}`, String(phone)]) expect(text).not.toContain(raw);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('event edge cases', () => {
  it('does not echo an unknown key that is not shaped like a field name', async () => {
    const error = await engine.decide({ ...cleanEvent(), 'john.doe@example.com': 1, colour: 'red' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ErrorCode.EVENT_INVALID });
    expect((error as Error).message).not.toContain('john.doe');
    expect((error as Error).message).toContain('"colour"');
    expect((error as Error).message).toContain('1 unknown field(s) with names that are not field names');
  });

  it('refuses a state code outside the 50 states and DC: an unknown state cannot switch off the local-hour rule', async () => {
    await expect(engine.decide(cleanEvent({ addr_state: 'ZZ' as never }))).rejects.toMatchObject({
      code: ErrorCode.EVENT_INVALID,
      message: expect.stringContaining('addr_state'),
    });
    await expect(engine.decide(cleanEvent({ ip_region: 'PR' as never }))).rejects.toMatchObject({
      code: ErrorCode.EVENT_INVALID,
      message: expect.stringContaining('ip_region'),
    });
  });

  it('reads the local hour from the address when the IP region is unknown', async () => {
    const decision = await (
      await createEngine()
    ).decide(cleanEvent({ applied_at: '2016-02-10T08:30:00Z', funded_amnt: 25000, ip_region: null }));
    expect(decision.stages.rules.fired.map((hit) => hit.code)).toEqual(['R_ODD_HOUR_LARGE']);
  });
});
