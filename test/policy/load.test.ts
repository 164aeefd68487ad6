// Policy packs are input too: every combination the outcome × tier × actions table forbids, every fact
// the engine does not provide and every band table with a gap is refused at load, naming file and rule.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, ErrorCode } from '../../src/index.js';
import { shippedPaths } from '../../src/engine/paths.js';
import { refusedFields } from '../../src/engine/loadInputs.js';
import { shippedDataModel } from '../../src/features/dataModel.js';
import { loadPolicyPack } from '../../src/policy/load.js';
import { rejectionOf, thrownBy } from '../fixtures/errors.js';
import { cleanEvent } from '../fixtures/events.js';

const shipped = JSON.parse(readFileSync(shippedPaths.policyPack, 'utf8')) as {
  rules: Array<{ name: string; conditions: unknown; event: { type: string; params: Record<string, unknown> } }>;
  offers: Array<{ band: string; minScore: number }>;
};
const dir = mkdtempSync(join(tmpdir(), 'fk-policy-'));

function writePack(edit: (pack: typeof shipped) => void, name = 'pack.json'): string {
  const pack = structuredClone(shipped);
  edit(pack);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(pack));
  return path;
}

const facts = new Set(['funded_amnt', 'annual_inc']);
const rule = (pack: typeof shipped, name: string) => pack.rules.find((candidate) => candidate.name === name)!;

describe('loading a policy pack', () => {
  it('loads the shipped pack and hashes its bytes', () => {
    const loaded = loadPolicyPack(shippedPaths.policyPack, facts);
    expect(loaded.pack.rules.length).toBeGreaterThan(5);
    expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    [
      'a credit rule at tier 3',
      (pack: typeof shipped) => Object.assign(rule(pack, 'P_CREDIT_SCORE_LOW').event.params, { tier: 3 }),
      /P_CREDIT_SCORE_LOW.*tier 3 .*reserved for fraud/,
    ],
    [
      'an approval at tier 2',
      (pack: typeof shipped) => Object.assign(rule(pack, 'P_MONITOR').event.params, { tier: 2 }),
      /P_MONITOR.*approve is tier 1/,
    ],
    [
      'a tier 3 decline without the alert',
      (pack: typeof shipped) =>
        Object.assign(rule(pack, 'P_FRAUD_SCORE_DECLINE').event.params, { actions: ['decline', 'freeze_identity'] }),
      /P_FRAUD_SCORE_DECLINE.*alert_fraud_team/,
    ],
    [
      'a freeze on a credit decline',
      (pack: typeof shipped) =>
        Object.assign(rule(pack, 'P_CREDIT_SCORE_LOW').event.params, { actions: ['decline', 'adverse_action_notice', 'freeze_identity'] }),
      /P_CREDIT_SCORE_LOW.*tier 2 decline carries/,
    ],
    [
      'a rule naming counter_offer',
      (pack: typeof shipped) => Object.assign(rule(pack, 'P_MONITOR').event.params, { actions: ['approve', 'counter_offer'] }),
      /counter_offer is added by the offer table/,
    ],
    [
      'a review without a review action',
      (pack: typeof shipped) => Object.assign(rule(pack, 'P_CREDIT_RULE_REVIEW').event.params, { actions: ['monitor'] }),
      /P_CREDIT_RULE_REVIEW.*manual_review/,
    ],
    ['bands not best first', (pack: typeof shipped) => pack.offers.reverse(), /offers.*falling minScore/],
    [
      'an event type other than the rule name',
      (pack: typeof shipped) => (rule(pack, 'P_MONITOR').event.type = 'P_OTHER'),
      /must equal the rule name P_MONITOR/,
    ],
  ])('refuses %s', (_what, edit, message) => {
    const path = writePack(edit);
    const error = thrownBy(() => loadPolicyPack(path, facts));
    expect(error.code).toBe(ErrorCode.POLICY_INVALID);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(message);
  });

  it.each([
    ['an unknown fact', 'no_such_fact', /rule P_MONITOR: unknown fact "no_such_fact"/],
    ['a label', 'is_fraud', /rule P_MONITOR: fact "is_fraud" is a label/],
    ['a raw identifier', 'device_id', /rule P_MONITOR: fact "device_id" is an identifier/],
  ])('refuses a condition on %s', (_what, fact, message) => {
    const path = writePack((pack) => {
      rule(pack, 'P_MONITOR').conditions = { all: [{ fact, operator: 'equal', value: 1 }] };
    });
    // Why a field of the data model is not a fact comes from the data model (the engine passes it as it loads).
    const error = thrownBy(() => loadPolicyPack(path, facts, undefined, refusedFields(shippedDataModel())));
    expect(error.code).toBe(ErrorCode.POLICY_INVALID);
    expect(error.message).toMatch(message);
  });

  it('refuses a reason code used twice', () => {
    const path = writePack((pack) => pack.rules.push(structuredClone(rule(pack, 'P_MONITOR'))));
    expect(thrownBy(() => loadPolicyPack(path, facts)).message).toMatch(/P_MONITOR: reason code used twice/);
  });

  it('refuses a band table that leaves some credit scores without a band', async () => {
    const path = writePack((pack) => (pack.offers.at(-1)!.minScore = 500));
    const error = await rejectionOf(createEngine({ policyPack: path }));
    expect(error.code).toBe(ErrorCode.POLICY_INVALID);
    expect(error.message).toMatch(/the last band \(E\) starts at 500, above the credit scale's lowest score 300/);
  });

  it('reads the event facts and stage outputs the engine documents', async () => {
    const path = writePack((pack) => {
      rule(pack, 'P_MONITOR').conditions = {
        all: [
          { fact: 'firedRuleCodes', operator: 'contains', value: 'R_TOTAL_UTIL_HIGH' },
          { fact: 'listHits', operator: 'doesNotContain', value: 'trusted_devices' },
          { fact: 'creditPd', operator: 'lessThan', value: 0.5 },
          { fact: 'device_apps_24h', operator: 'lessThan', value: 5 },
        ],
      };
    });
    const engine = await createEngine({ policyPack: path });
    expect(engine.policy).toEqual({ name: 'fengkong-default', version: '1.0.0' });
    const decision = await engine.decide(cleanEvent({ application_id: 'FACTS1', all_util: 120 }));
    expect(decision.stages.rules.fired.map((hit) => hit.code)).toEqual(['R_TOTAL_UTIL_HIGH']);
    const monitor = decision.stages.policy.fired.find((hit) => hit.code === 'P_MONITOR')!;
    // List facts are shown as their comma-joined text; numbers and flags as they are.
    expect(monitor.values).toEqual({
      firedRuleCodes: 'R_TOTAL_UTIL_HIGH',
      listHits: '',
      creditPd: decision.stages.credit!.pd,
      device_apps_24h: 0,
    });
  });
});
