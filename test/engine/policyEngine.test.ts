// The policy through the engine, on the committed applications: freezes give the same decisions in
// any batch size and across a snapshot and restore; a repeated application id is decided once; shadow
// challengers never change an outcome; allow lists cannot override block lists.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, ErrorCode, restoreMemoryStore, type Decision } from '../../src/index.js';
import { readEvents } from '../../src/batch/readEvents.js';
import { jsonFilesIn, shippedPaths } from '../../src/engine/paths.js';
import type { EventRecord } from '../../src/schema/event.js';
import { FengkongError } from '../../src/errors.js';
import { rejectionOf } from '../fixtures/errors.js';
import { cleanEvent } from '../fixtures/events.js';
import { shadowOutcome, stable } from '../fixtures/decisions.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-policy-engine-'));
/** Up to and past the first application declined because its applicant was frozen (row 1517). */
const ROWS = 1600;
let events: EventRecord[];

beforeAll(async () => {
  events = (await readEvents('data/applications.csv')).events.slice(0, ROWS);
});

async function decideInChunks(chunk: number, engineEvents = events): Promise<Decision[]> {
  const engine = await createEngine();
  const decisions: Decision[] = [];
  for (let start = 0; start < engineEvents.length; start += chunk) {
    decisions.push(...(await engine.decideBatch(engineEvents.slice(start, start + chunk))));
  }
  return decisions;
}

function verdictOf(decision: Decision, challenger: string) {
  return shadowOutcome(decision.shadow!.find((verdict) => verdict.challenger === challenger)!);
}

function withoutShadow(decision: Decision): unknown {
  const { shadow: _shadow, ...rest } = decision;
  return stable(rest as Decision);
}

describe('freezes', () => {
  it('a tier 3 decision freezes its applicant: a later application of the same applicant is declined, in any batch size', async () => {
    const whole = await decideInChunks(1024);
    const frozen = whole.filter((decision) => decision.stages.policy.identityFrozen);
    expect(frozen.length).toBeGreaterThan(0);
    for (const decision of frozen) {
      expect([decision.outcome, decision.tier, decision.stages.policy.fired[0]!.code]).toEqual(['decline', 3, 'P_IDENTITY_FROZEN']);
    }
    const oneByOne = await decideInChunks(1);
    const sevens = await decideInChunks(7);
    expect(oneByOne.map(stable)).toEqual(whole.map(stable));
    expect(sevens.map(stable)).toEqual(whole.map(stable));
  }, 60_000);

  it('a run stopped, snapshotted and restored gives the decisions of one uninterrupted run', async () => {
    const whole = await decideInChunks(256);
    const first = await createEngine();
    const cut = 1400;
    const before = await first.decideBatch(events.slice(0, cut));
    const snapshot = JSON.parse(JSON.stringify(first.store.snapshot())) as unknown;
    const resumed = await createEngine({}, { store: restoreMemoryStore(snapshot) });
    const after = await resumed.decideBatch(events.slice(cut));
    expect([...before, ...after].map(stable)).toEqual(whole.map(stable));
    // The restored store carries the freezes: the frozen applications after the cut are still declined.
    expect(after.some((decision) => decision.stages.policy.identityFrozen)).toBe(true);
  }, 60_000);
});

describe('a repeated application id', () => {
  it('is decided once: the same decision comes back, marked, and velocity does not count it twice', async () => {
    const engine = await createEngine({ recordFailedRules: true });
    const event = cleanEvent({ application_id: 'REPEAT1' });
    const first = await engine.decide(event);
    const observations = engine.store.stats().observations;
    const again = await engine.decide(event);
    expect(engine.store.stats().observations).toBe(observations);
    expect(again.audit.repeated).toBe(true);
    expect(first.audit.repeated).toBeUndefined();
    const { repeated: _repeated, ...againAudit } = again.audit;
    expect(stable({ ...again, audit: againAudit } as Decision)).toEqual(stable(first));
    // The next application from the same device sees one earlier application, not two.
    const next = await engine.decide(
      cleanEvent({ application_id: 'NEXT1', applied_at: '2016-02-10T17:05:00Z', applicant_id: 'ap_other_01' }),
    );
    const burst = next.stages.rules.failed!.find((hit) => hit.code === 'V_DEVICE_BURST')!;
    expect(burst.values.device_apps_1h).toBe(1);
  });

  it('comes back as decided, whatever the caller did to the decision it was handed', async () => {
    const engine = await createEngine();
    const event = cleanEvent({ application_id: 'REPEAT3' });
    const first = await engine.decide(event);
    const asDecided = JSON.stringify(first);
    first.outcome = first.outcome === 'approve' ? 'decline' : 'approve';
    first.reasons.all.length = 0;
    const again = await engine.decide(event);
    const { repeated: _repeated, decidedAt: _at, ...againAudit } = again.audit;
    const { decidedAt: _firstAt, ...firstAudit } = (JSON.parse(asDecided) as Decision).audit;
    expect({ ...again, audit: againAudit }).toEqual({ ...(JSON.parse(asDecided) as Decision), audit: firstAudit });
  });

  it('a day later, when the store holds only its hash, is refused: decided once, never twice', async () => {
    const engine = await createEngine();
    const event = cleanEvent({ application_id: 'REPEAT5', applied_at: '2016-02-10T17:00:00Z' });
    await engine.decide(event);
    // The stream moves on a day and a minute: the decision itself is released, its hash kept.
    await engine.decide(cleanEvent({ application_id: 'LATER1', applicant_id: 'ap_later', applied_at: '2016-02-11T17:01:00Z' }));
    expect(engine.store.recallDecision('REPEAT5')).toMatchObject({ decision: null, released: true });
    const observations = engine.store.stats().observations;
    await expect(engine.decide(event)).rejects.toMatchObject({
      code: ErrorCode.APPLICATION_REPEATED,
      message: expect.stringContaining('application REPEAT5: decided before with the same input'),
    });
    expect(engine.store.stats().observations).toBe(observations);
    // Another input under the same id is still a conflict.
    await expect(engine.decide({ ...event, annual_inc: 1 })).rejects.toMatchObject({ code: ErrorCode.APPLICATION_CONFLICT });
  });

  it('is refused, not decided again, when the store holds a decision of an earlier schema version', async () => {
    const engine = await createEngine();
    const event = cleanEvent({ application_id: 'REPEAT6' });
    const first = await engine.decide(event);
    const remembered = engine.store.recallDecision('REPEAT6')!;
    engine.store.rememberDecision(
      'REPEAT6',
      Date.parse(event.applied_at),
      remembered.inputHash,
      JSON.stringify({ ...first, schemaVersion: 3 }),
    );
    await expect(engine.decide(event)).rejects.toMatchObject({
      code: ErrorCode.APPLICATION_REPEATED,
      message: expect.stringContaining('schema version 3'),
    });
  });

  it('is refused when the store holds something that is not a decision for it', async () => {
    const engine = await createEngine();
    const event = cleanEvent({ application_id: 'REPEAT4' });
    const first = await engine.decide(event);
    const remembered = engine.store.recallDecision('REPEAT4')!;
    for (const corrupt of ['{"not": "a decision"', JSON.stringify({ ...first, applicationId: 'OTHER' })]) {
      engine.store.rememberDecision('REPEAT4', Date.parse(event.applied_at), remembered.inputHash, corrupt);
      await expect(engine.decide(event)).rejects.toMatchObject({ code: ErrorCode.STATE_INVALID });
    }
  });

  it('within one batch too', async () => {
    const engine = await createEngine();
    const event = cleanEvent({ application_id: 'REPEAT2' });
    const [first, second] = await engine.decideBatch([event, event]);
    expect(second!.audit.repeated).toBe(true);
    expect(second!.outcome).toBe(first!.outcome);
    const once = await createEngine();
    await once.decide(event);
    expect(engine.store.stats().observations).toBe(once.store.stats().observations);
  });

  it('with a different input is refused with FK_APPLICATION_CONFLICT, in a later call or the same batch', async () => {
    const engine = await createEngine();
    await engine.decide(cleanEvent({ application_id: 'CONFLICT1' }));
    const later = await rejectionOf(engine.decide(cleanEvent({ application_id: 'CONFLICT1', funded_amnt: 30000 })));
    expect(later.code).toBe(ErrorCode.APPLICATION_CONFLICT);
    expect(later.message).toMatch(/application CONFLICT1: already decided with a different input/);
    const settled = await engine.decideBatchSettled([
      engine.parseEvent(cleanEvent({ application_id: 'CONFLICT2' })),
      engine.parseEvent(cleanEvent({ application_id: 'CONFLICT2', annual_inc: 90000 })),
    ]);
    expect(settled[0]).not.toBeInstanceOf(FengkongError);
    expect((settled[1] as FengkongError).code).toBe(ErrorCode.APPLICATION_CONFLICT);
  });
});

describe('shadow challengers', () => {
  const shipped = JSON.parse(readFileSync(shippedPaths.policyPack, 'utf8')) as {
    policy: string;
    rules: Array<{ name: string; conditions: { all: Array<{ value: unknown }> } }>;
  };

  function challengerPack(name: string, scoreCutOff: number, fraudReview: number): string {
    const pack = structuredClone(shipped);
    pack.policy = name;
    pack.rules.find((rule) => rule.name === 'P_CREDIT_SCORE_LOW')!.conditions.all[0]!.value = scoreCutOff;
    pack.rules.find((rule) => rule.name === 'P_FRAUD_SCORE_REVIEW')!.conditions.all[0]!.value = fraudReview;
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(pack));
    return path;
  }

  it('record their verdicts and never change the champion decision, nor its freezes', async () => {
    const sample = events.slice(0, 600);
    const champion = await decideInChunks(128, sample);
    const engine = await createEngine({
      challengers: [
        { name: 'strict', policyPack: challengerPack('strict', 570, 0.1) },
        { name: 'lenient', policyPack: challengerPack('lenient', 500, 0.8) },
        { name: 'no-credit-model', creditModel: null },
      ],
    });
    expect(engine.challengers).toEqual(['strict', 'lenient', 'no-credit-model']);
    const shadowed = await engine.decideBatch(sample);
    expect(shadowed.map(withoutShadow)).toEqual(champion.map(stable));
    const count = (name: string, outcome: string) => shadowed.filter((decision) => verdictOf(decision, name).outcome === outcome).length;
    const championDeclines = champion.filter((decision) => decision.outcome === 'decline').length;
    expect(count('strict', 'decline')).toBeGreaterThan(championDeclines);
    expect(count('lenient', 'decline')).toBeLessThan(championDeclines);
    for (const decision of shadowed) {
      const noCredit = verdictOf(decision, 'no-credit-model');
      expect(noCredit.creditScore).toBeUndefined();
      expect(noCredit.fraudProbability).toBe(decision.stages.fraud!.probability);
      const strict = verdictOf(decision, 'strict');
      expect(strict.creditScore).toBe(decision.stages.credit!.score);
    }
    // Where the strict challenger declines on the champion's score and the champion approves, the
    // challenger states the credit model's reasons, from attributions the champion's decision does
    // not get (it was compared whole above).
    const strictOnScore = shadowed.filter(
      (decision) =>
        decision.outcome === 'approve' &&
        decision.offer?.counterOffer !== true &&
        verdictOf(decision, 'strict').outcome === 'decline' &&
        decision.stages.credit!.score < 570,
    );
    expect(strictOnScore.length).toBeGreaterThan(0);
    for (const decision of strictOnScore) {
      expect(decision.stages.credit!.attributions).toBeUndefined();
      expect(verdictOf(decision, 'strict').primaryReasonCodes.some((code) => code.startsWith('C_'))).toBe(true);
    }
  }, 60_000);
});

describe('allow and block lists', () => {
  const device = 'dv_kiosk_and_blocked';
  function listsWith(allow: boolean, block: boolean): string[] {
    const paths = jsonFilesIn(shippedPaths.listsDir).filter((path) => !/trusted_devices|blocked_devices/.test(path));
    const write = (name: string, kind: string, entries: string[]) => {
      const path = join(dir, `${name}-${allow}-${block}.json`);
      writeFileSync(path, JSON.stringify({ name, kind, field: 'device_id', description: 'test list', entries }));
      return path;
    };
    return [
      ...paths,
      write('trusted_devices', 'allow', allow ? [device] : ['dv_someone_else']),
      write('blocked_devices', 'block', block ? [device] : ['dv_someone_else']),
    ];
  }
  // A large loan at 3 am in New York: R_ODD_HOUR_LARGE fires unless the device is on the allow list.
  const nightEvent = cleanEvent({ device_id: device, applied_at: '2016-02-10T08:00:00Z', funded_amnt: 30000, annual_inc: 150000 });

  it('an allow list exempts the rule it names', async () => {
    const fired = async (allow: boolean) =>
      (await (await createEngine({ lists: listsWith(allow, false) })).decide(nightEvent)).stages.rules.fired.map((hit) => hit.code);
    expect(await fired(false)).toContain('R_ODD_HOUR_LARGE');
    expect(await fired(true)).not.toContain('R_ODD_HOUR_LARGE');
  });

  it('a block list wins over an allow list: decline at tier 3', async () => {
    const decision = await (await createEngine({ lists: listsWith(true, true) })).decide(nightEvent);
    expect(decision.stages.rules.listHits).toEqual(expect.arrayContaining(['trusted_devices', 'blocked_devices']));
    expect([decision.outcome, decision.tier]).toEqual(['decline', 3]);
    expect(decision.actions).toEqual(['decline', 'freeze_identity', 'alert_fraud_team']);
    expect(decision.reasons.primary.map((reason) => reason.code)).toContain('L_DEVICE_BLOCKED');
  });
});
