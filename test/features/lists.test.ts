// Block and allow lists: matched on salted hashes, IP ranges by network, email domains by name.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, ErrorCode } from '../../src/index.js';
import { compileList } from '../../src/features/lists.js';
import { ListFile } from '../../src/schema/lists.js';
import { createIdentifierHasher } from '../../src/features/eventFacts.js';
import { hashIdentifier } from '../../src/features/identity.js';
import { shippedDataModel } from '../../src/features/dataModel.js';
import { cleanEvent } from '../fixtures/events.js';

const salt = 'test-salt-0001';
const model = shippedDataModel();
const hasher = createIdentifierHasher(model);
const identifiersOf = (overrides: Parameters<typeof cleanEvent>[0]) => hasher.hash(model.parseEvent(cleanEvent(overrides)), salt);
const list = (fields: Record<string, unknown>) =>
  compileList(ListFile.parse({ name: 'test_list', kind: 'block', description: 'test', ...fields }), salt, model);

describe('list matching', () => {
  it('matches a device listed raw, through its salted hash', () => {
    const devices = list({ field: 'device_id', entries: ['dv_bad_device_0001'] });
    expect(devices.matches(identifiersOf({ device_id: 'dv_bad_device_0001' }))).toBe(true);
    expect(devices.matches(identifiersOf({ device_id: 'dv_bad_device_0002' }))).toBe(false);
    expect(devices.matches(identifiersOf({ device_id: null }))).toBe(false);
  });

  it('matches a device listed as a pre-computed hash under the same salt only', () => {
    const hashed = hashIdentifier(salt, 'device_id', 'dv_bad_device_0001');
    const devices = list({ field: 'device_id', hashedEntries: [hashed] });
    expect(devices.matches(identifiersOf({ device_id: 'dv_bad_device_0001' }))).toBe(true);
    const otherSalt = hasher.hash(model.parseEvent(cleanEvent({ device_id: 'dv_bad_device_0001' })), 'another-salt');
    expect(devices.matches(otherSalt)).toBe(false);
  });

  it('matches emails and phones after normalisation (case, punctuation)', () => {
    const emails = list({ field: 'email', entries: ['Fraud.Ring@Example.com'] });
    expect(emails.matches(identifiersOf({ email: 'fraud.ring@example.COM' }))).toBe(true);
    const phones = list({ field: 'phone', entries: ['+1 (212) 555-0143'] });
    expect(phones.matches(identifiersOf({ phone: '+12125550143' }))).toBe(true);
  });

  it.each([
    ['45.33.0.0/16', '45.33.200.7', true],
    ['45.33.0.0/16', '45.34.0.7', false],
    ['45.33.12.0/24', '45.33.12.250', true],
    ['45.33.12.0/24', '45.33.13.1', false],
    ['45.0.0.0/8', '45.200.1.1', true],
    ['45.33.12.7/32', '45.33.12.7', true],
    ['45.33.12.7/32', '45.33.12.8', false],
  ])('IP range %s contains %s: %s', (range, ip, expected) => {
    const ranges = list({ field: 'ip', entries: [range] });
    expect(ranges.matches(identifiersOf({ ip }))).toBe(expected);
  });

  it('matches email domains by name, case-insensitively', () => {
    const domains = list({ field: 'email_domain', entries: ['Mailinator.com'] });
    expect(domains.matches(identifiersOf({ email: 'someone@mailinator.com' }))).toBe(true);
    expect(domains.matches(identifiersOf({ email: 'someone@MAILINATOR.com' }))).toBe(true);
    expect(domains.matches(identifiersOf({ email: 'someone@gmail.com' }))).toBe(false);
    expect(domains.matches(identifiersOf({ email: null }))).toBe(false);
  });

  it('refuses a malformed IP range, naming the entry', () => {
    // The file's schema cannot know which field is an IPv4 one: compiling it against the data model refuses the range.
    const parsed = ListFile.parse({ name: 'bad', kind: 'block', field: 'ip', description: 'x', entries: ['45.33.0.0/16', '300.1.1.0/24'] });
    expect(() => compileList(parsed, salt, model)).toThrow(
      expect.objectContaining({ code: ErrorCode.LIST_INVALID, message: expect.stringContaining('entries.1: expected an IPv4 range') }),
    );
  });
});

describe('shipped lists through the engine', () => {
  it('declines a disposable email domain at tier 3 and never shows the address', async () => {
    const engine = await createEngine();
    const decision = await engine.decide(cleanEvent({ email: 'someone.secret@mailinator.com' }));
    expect(decision.stages.rules.listHits).toContain('disposable_email_domains');
    expect(decision.stages.rules.fired.map((hit) => hit.code)).toEqual(['L_EMAIL_DOMAIN_BLOCKED']);
    // A block-list hit is a fraud signal: the policy's fraud-rule decline decides, at tier 3.
    expect(decision.stages.policy.fired[0]).toMatchObject({ code: 'P_FRAUD_RULE_DECLINE', outcome: 'decline', tier: 3 });
    expect(decision.outcome).toBe('decline');
    expect(decision.tier).toBe(3);
    expect(decision.actions).toEqual(['decline', 'freeze_identity', 'alert_fraud_team']);
    expect(decision.reasons.primary).toContainEqual(
      expect.objectContaining({ code: 'L_EMAIL_DOMAIN_BLOCKED', stage: 'rules', severity: 'decline' }),
    );
    // The applicant is told that the application needs verifying, never which list it matched.
    expect(decision.reasons.applicant.map((reason) => reason.code)).toEqual(['A_VERIFICATION_REQUIRED']);
    expect(JSON.stringify(decision)).not.toContain('someone.secret');
  });

  it('a trusted device (allow list) suppresses the odd-hour rule but not a block list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fk-lists-'));
    const trusted = join(dir, 'trusted.json');
    writeFileSync(
      trusted,
      JSON.stringify({
        name: 'trusted_devices',
        kind: 'allow',
        field: 'device_id',
        description: 'branch kiosks',
        entries: ['dv_kiosk_0001'],
      }),
    );
    const blocked = join(dir, 'blocked.json');
    for (const [name, field] of [
      ['blocked_devices', 'device_id'],
      ['blocked_applicants', 'applicant_id'],
      ['blocked_ip_ranges', 'ip'],
    ] as const) {
      writeFileSync(
        join(dir, `${name}.json`),
        JSON.stringify({ name, kind: 'block', field, description: name, entries: field === 'device_id' ? ['dv_kiosk_0001'] : [] }),
      );
    }
    writeFileSync(
      blocked,
      JSON.stringify({
        name: 'disposable_email_domains',
        kind: 'block',
        field: 'email_domain',
        description: 'x',
        entries: ['mailinator.com'],
      }),
    );
    const lists = [
      trusted,
      blocked,
      ...['blocked_devices', 'blocked_applicants', 'blocked_ip_ranges'].map((name) => join(dir, `${name}.json`)),
    ];
    const engine = await createEngine({ lists });
    const oddHour = cleanEvent({ applied_at: '2016-02-10T08:30:00Z', funded_amnt: 25000, device_id: 'dv_kiosk_0001' });
    const decision = await engine.decide(oddHour);
    const codes = decision.stages.rules.fired.map((hit) => hit.code);
    expect(codes).not.toContain('R_ODD_HOUR_LARGE');
    expect(codes).toContain('L_DEVICE_BLOCKED');
    expect(decision.outcome).toBe('decline');
    expect(decision.tier).toBe(3);
  });

  it('a rule naming a list that is not loaded is refused at load', async () => {
    await expect(createEngine({ lists: [] })).rejects.toMatchObject({
      code: ErrorCode.RULE_INVALID,
      message: expect.stringContaining('list_blocked_devices'),
    });
  });
});

describe('list semantics enforced at load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-listuse-'));
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const blockList = write('block.json', { name: 'bad_devices', kind: 'block', field: 'device_id', description: 'x', entries: ['dv_1'] });
  const allowList = write('allow.json', { name: 'good_devices', kind: 'allow', field: 'device_id', description: 'x', entries: ['dv_2'] });
  const rule = (name: string, severity: string, conditions: unknown[]) => ({
    name,
    conditions: { all: conditions },
    event: { type: name, params: { severity, category: 'list', reason: 'x' } },
  });
  const pack = (...rules: unknown[]) =>
    write(`pack-${rules.length}-${JSON.stringify(rules).length}.json`, { pack: 'p-lists', version: '1', description: 'x', rules });
  const enforce = rule('L_BAD_DEVICE', 'decline', [{ fact: 'list_bad_devices', operator: 'equal', value: true }]);

  it('refuses a block list that no decline rule enforces', async () => {
    const onlyReview = pack(rule('L_BAD_DEVICE', 'review', [{ fact: 'list_bad_devices', operator: 'equal', value: true }]));
    await expect(createEngine({ rulePacks: [onlyReview], lists: [blockList] })).rejects.toMatchObject({
      code: ErrorCode.RULE_INVALID,
      message: expect.stringContaining('block list "bad_devices" is not enforced'),
    });
  });

  it('refuses an allow list used to select rather than exempt', async () => {
    const selecting = pack(enforce, rule('R_GOOD', 'review', [{ fact: 'list_good_devices', operator: 'equal', value: true }]));
    await expect(createEngine({ rulePacks: [selecting], lists: [blockList, allowList] })).rejects.toMatchObject({
      code: ErrorCode.RULE_INVALID,
      message: expect.stringContaining('may only exempt'),
    });
  });

  it('refuses an allow-list exemption on a block-list rule: block lists cannot be overridden', async () => {
    const overridden = pack(
      rule('L_BAD_DEVICE', 'decline', [
        { fact: 'list_bad_devices', operator: 'equal', value: true },
        { fact: 'list_good_devices', operator: 'equal', value: false },
      ]),
    );
    await expect(createEngine({ rulePacks: [overridden], lists: [blockList, allowList] })).rejects.toMatchObject({
      code: ErrorCode.RULE_INVALID,
      message: expect.stringContaining('cannot be overridden'),
    });
  });

  it('accepts an allow list that exempts a non-list rule', async () => {
    const exempting = pack(
      enforce,
      rule('R_LATE', 'review', [
        { fact: 'local_hour', operator: 'in', value: [2] },
        { fact: 'list_good_devices', operator: 'equal', value: false },
      ]),
    );
    // No fraud model: the shipped one reads the disposable-email list, which these lists leave out.
    await expect(createEngine({ rulePacks: [exempting], lists: [blockList, allowList], fraudModel: null })).resolves.toBeDefined();
  });

  it('normalises IP range entries: 45.79.1.7/16 and 045.079.0.0/16 both block 45.79.200.1', () => {
    for (const entry of ['45.79.1.7/16', '045.079.0.0/16']) {
      const ranges = list({ field: 'ip', entries: [entry] });
      expect(ranges.matches(identifiersOf({ ip: '45.79.200.1' }))).toBe(true);
      expect(ranges.matches(identifiersOf({ ip: '45.80.0.1' }))).toBe(false);
    }
  });
});
