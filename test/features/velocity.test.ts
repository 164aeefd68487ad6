// Velocity facts over event-time windows: exact bounds, the current event excluded, out-of-order
// events, and the velocity rules on hand-built sequences.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/index.js';
import { shippedDataModel } from '../../src/features/dataModel.js';
import { loadDecisionInputs, parseEngineConfig } from '../../src/engine/loadInputs.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { cleanEvent, type ApplicationEventInput } from '../fixtures/events.js';

const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.parse('2016-02-10T12:00:00Z') + ms).toISOString().replace('.000Z', 'Z');
const builder = () => loadDecisionInputs(parseEngineConfig({}), createMemoryStore()).factBuilder;
const event = (id: number, offsetMs: number, overrides: Partial<ApplicationEventInput> = {}) =>
  shippedDataModel().parseEvent(
    cleanEvent({
      application_id: `V${id}`,
      applicant_id: `ap_${id}`,
      email: `person${id}@gmail.com`,
      applied_at: at(offsetMs),
      ...overrides,
    }),
  );

describe('velocity windows', () => {
  it('counts an earlier event exactly one hour before in the 1 h window, and not one a millisecond earlier', () => {
    const onBoundary = builder();
    onBoundary.build(event(1, 0, { device_id: 'dv_shared' }));
    expect(onBoundary.build(event(2, HOUR, { device_id: 'dv_shared' })).facts.device_apps_1h).toBe(1);

    const pastBoundary = builder();
    pastBoundary.build(event(1, 0, { device_id: 'dv_shared' }));
    const facts = pastBoundary.build(event(2, HOUR + 1000, { device_id: 'dv_shared' })).facts;
    expect(facts.device_apps_1h).toBe(0);
    expect(facts.device_apps_24h).toBe(1);
  });

  it('never counts the current event in its own features, and counts it for the next one', () => {
    const facts = builder();
    const first = facts.build(event(1, 0, { device_id: 'dv_one' })).facts;
    expect(first).toMatchObject({ device_apps_1h: 0, device_apps_24h: 0, device_distinct_applicants_24h: 0, device_new: 1 });
    const second = facts.build(event(2, 60_000, { device_id: 'dv_one' })).facts;
    expect(second).toMatchObject({ device_apps_1h: 1, device_distinct_applicants_24h: 1, device_new: 0 });
  });

  it('inserts an out-of-order event within the allowed lateness in event-time order', () => {
    const facts = builder();
    facts.build(event(1, 10 * 60_000, { device_id: 'dv_late' }));
    // Five minutes earlier than the last event: within the 10-minute lateness, so it is recorded.
    expect(facts.build(event(2, 5 * 60_000, { device_id: 'dv_late' })).recorded).toBe(true);
    expect(facts.build(event(3, 11 * 60_000, { device_id: 'dv_late' })).facts.device_apps_1h).toBe(2);
    // Thirty minutes late: its features are computed, but it is not recorded.
    expect(facts.build(event(4, -20 * 60_000, { device_id: 'dv_late' })).recorded).toBe(false);
    expect(facts.build(event(5, 12 * 60_000, { device_id: 'dv_late' })).facts.device_apps_1h).toBe(3);
  });

  it("measures a returning applicant's history: devices, regions, hours since, amount ratio", () => {
    const facts = builder();
    facts.build(event(1, 0, { applicant_id: 'ap_same', device_id: 'dv_home', funded_amnt: 10000 }));
    const again = facts.build(
      event(2, 5 * HOUR, { applicant_id: 'ap_same', device_id: 'dv_new', ip_region: 'NJ', funded_amnt: 25000 }),
    ).facts;
    expect(again).toMatchObject({
      applicant_apps_30d: 1,
      applicant_distinct_devices_30d: 1,
      applicant_hours_since_previous: 5,
      applicant_amount_ratio: 2.5,
      device_new: 1,
      ip_region_mismatch: 1,
    });
  });

  it('reads identity consistency from the raw values without keeping them', () => {
    const facts = builder().build(event(1, 0, { phone: '+13105550143', email: 'abc12345@gmail.com' })).facts;
    expect(facts).toMatchObject({ phone_area_mismatch: 1, email_local_digits: 5 });
    expect(JSON.stringify(facts)).not.toContain('abc12345');
  });
});

describe('velocity rules', () => {
  const codes = (entries: ReadonlyArray<{ code: string }>) => entries.map((entry) => entry.code);
  /** The rules alone: without the models, neither a fraud probability nor a credit score can add a review or decline. */
  const rulesOnly = () => createEngine({ fraudModel: null, creditModel: null });

  it('V_DEVICE_MANY_APPLICANTS declines the fourth identity on one device within a day, at tier 3', async () => {
    const engine = await rulesOnly();
    const decisions = await engine.decideBatch([0, 1, 2, 3].map((id) => event(id, id * 10 * 60_000, { device_id: 'dv_farm' })));
    expect(codes(decisions[2]!.stages.rules.fired)).not.toContain('V_DEVICE_MANY_APPLICANTS');
    const fourth = decisions[3]!;
    expect(codes(fourth.stages.rules.fired)).toContain('V_DEVICE_MANY_APPLICANTS');
    // A velocity decline is a fraud signal: the policy's fraud-rule decline decides.
    expect(fourth.stages.policy.fired[0]).toMatchObject({ code: 'P_FRAUD_RULE_DECLINE', outcome: 'decline', tier: 3 });
    expect(fourth.outcome).toBe('decline');
    expect(fourth.tier).toBe(3);
    expect(fourth.actions).toEqual(['decline', 'freeze_identity', 'alert_fraud_team']);
    expect(fourth.reasons.primary[0]).toMatchObject({
      code: 'V_DEVICE_MANY_APPLICANTS',
      stage: 'rules',
      severity: 'decline',
      values: { device_distinct_applicants_24h: 3 },
    });
  });

  it('V_IDENTITY_HOPPING reviews a returning applicant on a new device from another state', async () => {
    const engine = await rulesOnly();
    const [first, second] = await engine.decideBatch([
      event(1, 0, { applicant_id: 'ap_victim', device_id: 'dv_victim' }),
      event(2, 48 * HOUR, { applicant_id: 'ap_victim', device_id: 'dv_thief', ip_region: 'TX' }),
    ]);
    expect(codes(first!.stages.rules.fired)).toEqual([]);
    expect(codes(second!.stages.rules.fired)).toContain('V_IDENTITY_HOPPING');
    expect(second!.stages.policy.fired[0]).toMatchObject({ code: 'P_FRAUD_RULE_REVIEW', outcome: 'review', tier: 2 });
    expect(second!.outcome).toBe('review');
    expect(second!.tier).toBe(2);
    expect(second!.actions).toEqual(['step_up_verification']);
    expect(second!.reasons.primary[0]).toMatchObject({ code: 'V_IDENTITY_HOPPING', severity: 'review' });
  });

  it('V_PHONE_SHARED reviews the third identity giving one phone', async () => {
    const engine = await rulesOnly();
    const decisions = await engine.decideBatch(
      [0, 1, 2].map((id) => event(id, id * HOUR * 30, { phone: '+12125550111', device_id: `dv_${id}` })),
    );
    expect(codes(decisions[1]!.stages.rules.fired)).not.toContain('V_PHONE_SHARED');
    expect(codes(decisions[2]!.stages.rules.fired)).toContain('V_PHONE_SHARED');
    expect(decisions[2]!.outcome).toBe('review');
    expect(decisions[2]!.tier).toBe(2);
    expect(decisions[2]!.actions).toEqual(['step_up_verification']);
    expect(decisions[2]!.reasons.primary[0]).toMatchObject({ code: 'V_PHONE_SHARED', severity: 'review' });
  });
});
