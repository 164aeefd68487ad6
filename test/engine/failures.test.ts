// When something fails: a failing event fails alone and leaves no freeze; a failing challenger never
// touches the champion's decision; a retried failure is not counted twice; concurrent calls behave as
// if made one after the other; a pack cannot override a block list.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { InferenceSession } from 'onnxruntime-node';
import { createEngine, ErrorCode, type Decision } from '../../src/index.js';
import { FengkongError } from '../../src/errors.js';
import { jsonFilesIn, shippedPaths } from '../../src/engine/paths.js';
import { rejectionOf } from '../fixtures/errors.js';
import { cleanEvent } from '../fixtures/events.js';
import { stable } from '../fixtures/decisions.js';
import { readEvents } from '../../src/batch/readEvents.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-failures-'));

/** A fraud model whose logit overflows for any income-bearing application with a loan: it fails on every event it scores. */
function overflowingFraudModel(): string {
  const shipped = JSON.parse(readFileSync(shippedPaths.fraudModel, 'utf8')) as {
    intercept: number;
    baselineLogit: number;
    features: Array<{ name: string; coefficient: number; baseline: number; mean: number }>;
  };
  const features = shipped.features.map((feature) =>
    feature.name === 'log_loan_to_income' ? { ...feature, coefficient: 1e308, baseline: 0, mean: 0 } : feature,
  );
  const model = { ...shipped, features, baselineLogit: features.reduce((sum, f) => sum + f.coefficient * f.baseline, shipped.intercept) };
  const path = join(dir, 'overflow.json');
  writeFileSync(path, JSON.stringify(model));
  return path;
}

let serial = 0;
function application(overrides: Parameters<typeof cleanEvent>[0] = {}) {
  serial += 1;
  return cleanEvent({
    application_id: `F${serial}`,
    applicant_id: `ap_failures_${serial}`,
    device_id: `dv_failures_${serial}`,
    email: `user${serial}@gmail.com`,
    ...overrides,
  });
}

describe('a failing challenger', () => {
  it('records its failure in shadow and leaves the champion decision as it would be without it', async () => {
    const events = [application(), application({ funded_amnt: 2000 }), application({ email: 'x@mailinator.com' })];
    const plain = await createEngine();
    const expected = await plain.decideBatch(events);
    const engine = await createEngine({ challengers: [{ name: 'broken-fraud', fraudModel: overflowingFraudModel() }] });
    const decided = await engine.decideBatch(events);
    expect(decided.map(({ shadow: _shadow, ...rest }) => stable(rest as Decision))).toEqual(expected.map(stable));
    // The model refuses to score an overflowing logit (FK_EVENT_INVALID); the champion never saw it.
    for (const decision of decided) expect(decision.shadow).toEqual([{ challenger: 'broken-fraud', error: ErrorCode.EVENT_INVALID }]);
  });
});

describe('a failing event in a batch', () => {
  it('fails alone: the others get the decisions they get without the failure, and it freezes no one', async () => {
    const fraudModel = overflowingFraudModel();
    const engine = await createEngine({ fraudModel });
    // The overflowing model fails on every application with a loan-to-income ratio; without income it is missing.
    const fraudster = 'ap_fraudster_batch';
    const events = [
      application({ applicant_id: fraudster, annual_inc: 0, email: 'y@mailinator.com' }),
      application({ applicant_id: fraudster, applied_at: '2016-02-10T17:01:00Z' }),
      application({ annual_inc: 0, applied_at: '2016-02-10T17:02:00Z' }),
    ];
    const settled = await engine.decideBatchSettled(events.map(engine.parseEvent));
    expect(settled[0]).not.toBeInstanceOf(FengkongError);
    expect((settled[0] as Decision).tier).toBe(3);
    expect(settled[1]).toBeInstanceOf(FengkongError);
    expect(settled[2]).not.toBeInstanceOf(FengkongError);
    const oneByOne = await createEngine({ fraudModel });
    const alone: Array<Decision | FengkongError> = [];
    for (const event of events) alone.push(...(await oneByOne.decideBatchSettled([oneByOne.parseEvent(event)])));
    expect(stable(alone[0] as Decision)).toEqual(stable(settled[0] as Decision));
    expect(stable(alone[2] as Decision)).toEqual(stable(settled[2] as Decision));
    // Only the tier 3 decisions froze their applicants; the failed one added nothing.
    const frozen = settled.filter((entry) => !(entry instanceof FengkongError) && entry.actions.includes('freeze_identity'));
    expect(engine.store.stats().frozenKeys).toBe(frozen.length);
  });

  it('a retry of the failed application is decided from the history without recording it twice', async () => {
    const engine = await createEngine({ fraudModel: overflowingFraudModel() });
    const failing = application();
    await expect(engine.decide(failing)).rejects.toMatchObject({ code: ErrorCode.EVENT_INVALID });
    const observations = engine.store.stats().observations;
    await expect(engine.decide(failing)).rejects.toMatchObject({ code: ErrorCode.EVENT_INVALID });
    expect(engine.store.stats().observations).toBe(observations);
    const conflict = await rejectionOf(engine.decide({ ...failing, funded_amnt: failing.funded_amnt + 1 }));
    expect(conflict.code).toBe(ErrorCode.APPLICATION_CONFLICT);
  });
});

describe('concurrent calls', () => {
  it('behave as if made one after the other: one decision per id, conflicts caught, freezes seen', async () => {
    const engine = await createEngine();
    const event = application();
    const [first, second] = await Promise.all([engine.decide(event), engine.decide(event)]);
    expect([first.audit.repeated, second.audit.repeated]).toEqual([undefined, true]);
    const once = await createEngine();
    await once.decide(event);
    expect(engine.store.stats().observations).toBe(once.store.stats().observations);

    const conflicting = application();
    const results = await Promise.allSettled([engine.decide(conflicting), engine.decide({ ...conflicting, funded_amnt: 30000 })]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);

    const fraudster = 'ap_fraudster_concurrent';
    const [fraud, later] = await Promise.all([
      engine.decide(application({ applicant_id: fraudster, email: 'z@mailinator.com' })),
      engine.decide(application({ applicant_id: fraudster, applied_at: '2016-02-11T17:00:00Z' })),
    ]);
    expect(fraud.tier).toBe(3);
    expect([later.tier, later.stages.policy.identityFrozen]).toEqual([3, true]);
  });
});

describe('challengers never freeze', () => {
  it('a challenger that declines everything at tier 3 freezes no one: the champion sees no freeze', async () => {
    const pack = JSON.parse(readFileSync(shippedPaths.policyPack, 'utf8')) as { rules: Array<{ name: string; conditions: unknown }> };
    pack.rules.find((rule) => rule.name === 'P_FRAUD_SCORE_DECLINE')!.conditions = {
      all: [{ fact: 'fraudProbability', operator: 'greaterThanInclusive', value: 0 }],
    };
    const path = join(dir, 'freeze-all.json');
    writeFileSync(path, JSON.stringify(pack));
    const engine = await createEngine({ challengers: [{ name: 'freeze-all', policyPack: path }] });
    const applicant = 'ap_challenged';
    const first = await engine.decide(application({ applicant_id: applicant }));
    expect(first.shadow![0]).toMatchObject({ challenger: 'freeze-all', outcome: 'decline', tier: 3 });
    const later = await engine.decide(application({ applicant_id: applicant, applied_at: '2016-02-11T17:00:00Z' }));
    expect([later.outcome, later.stages.policy.identityFrozen]).toEqual(['approve', false]);
    expect(engine.store.stats().frozenKeys).toBe(0);
  });
});

describe('block lists cannot be overridden', () => {
  it('refuses a policy pack that does not decline a block-list hit at tier 3', async () => {
    const pack = JSON.parse(readFileSync(shippedPaths.policyPack, 'utf8')) as { rules: Array<{ name: string }> };
    pack.rules = pack.rules.filter((rule) => rule.name !== 'P_FRAUD_RULE_DECLINE');
    const path = join(dir, 'no-block.json');
    writeFileSync(path, JSON.stringify(pack));
    const error = await rejectionOf(createEngine({ policyPack: path }));
    expect(error.code).toBe(ErrorCode.POLICY_INVALID);
    expect(error.message).toMatch(/a block-list hit must be declined at tier 3, but this pack gives approve at tier 1/);
  });

  it('refuses a block-list rule outside the list category (it would be a credit decline, not a fraud one)', async () => {
    const packs = jsonFilesIn(shippedPaths.rulePacksDir);
    const listsPack = JSON.parse(
      readFileSync(
        packs.find((path) => path.endsWith('lists.json'))!,
        'utf8',
      ),
    ) as {
      rules: Array<{ event: { params: { category: string } } }>;
    };
    listsPack.rules[0]!.event.params.category = 'bureau';
    const path = join(dir, 'lists.json');
    writeFileSync(path, JSON.stringify(listsPack));
    const error = await rejectionOf(createEngine({ rulePacks: [...packs.filter((file) => !file.endsWith('lists.json')), path] }));
    expect(error.code).toBe(ErrorCode.RULE_INVALID);
    expect(error.message).toMatch(/L_DEVICE_BLOCKED: a block-list rule must have category list/);
  });
});

describe('a freezing decision whose credit attributions fail', () => {
  it('fails, and freezes no one: the same applicant later is decided as if it had never come', async () => {
    const events = (await readEvents('data/applications.csv')).events.slice(0, 4000);
    const baseline = await (await createEngine()).decideBatch(events);
    // A tier 3 decision that froze its applicant, and that applicant's next application, declined as frozen.
    const later = baseline.findIndex((decision) => decision.stages.policy.identityFrozen);
    const frozenBy = baseline.findIndex(
      (decision, index) => index < later && decision.tier === 3 && events[index]!.applicant_id === events[later]!.applicant_id,
    );
    expect(frozenBy).toBeGreaterThanOrEqual(0);
    const engine = await createEngine();
    await engine.decideBatchSettled(events.slice(0, frozenBy));
    // The runtime fails for coalition batches only (128 rows a decision); scoring one row still works.
    type Run = (feeds: Record<string, { dims: readonly number[] }>, ...rest: unknown[]) => Promise<unknown>;
    const sessions = (InferenceSession as unknown as { prototype: { run: Run } }).prototype;
    const original = sessions.run;
    const run = vi.spyOn(sessions, 'run').mockImplementation(function (this: unknown, feeds, ...rest) {
      if (Object.values(feeds)[0]!.dims[0]! % 128 === 0) return Promise.reject(new Error('simulated runtime failure'));
      return original.call(this, feeds, ...rest);
    });
    let failed: Decision | FengkongError;
    try {
      [failed] = (await engine.decideBatchSettled([events[frozenBy]!])) as [Decision | FengkongError];
    } finally {
      run.mockRestore();
    }
    expect(failed).toBeInstanceOf(FengkongError);
    const rest = await engine.decideBatchSettled(events.slice(frozenBy + 1, later + 1));
    const next = rest.at(-1) as Decision;
    expect(next.stages.policy.identityFrozen).toBe(false);
    expect(next.stages.policy.fired.map((hit) => hit.code)).not.toContain('P_IDENTITY_FROZEN');
  }, 60_000);
});
