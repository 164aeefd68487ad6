// Custom operators exist only when registered in code: a pack naming one that is not registered is
// refused at load; a registered one runs (on Engine.run, which the decision states) and the rest of
// the engine stays compiled.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, ErrorCode } from '../../src/index.js';
import { jsonFilesIn, shippedPaths } from '../../src/engine/paths.js';
import { rejectionOf } from '../fixtures/errors.js';
import { cleanEvent } from '../fixtures/events.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-operators-'));
const between = (factValue: unknown, jsonValue: unknown): boolean =>
  typeof factValue === 'number' && Array.isArray(jsonValue) && factValue >= Number(jsonValue[0]) && factValue <= Number(jsonValue[1]);

function packWith(operator: string): string[] {
  const pack = {
    pack: 'custom-operators',
    version: '1.0.0',
    description: 'a rule with a custom operator',
    rules: [
      {
        name: 'R_INCOME_BAND',
        priority: 1,
        conditions: { all: [{ fact: 'annual_inc', operator, value: [80000, 90000] }] },
        event: { type: 'R_INCOME_BAND', params: { severity: 'info', category: 'application', reason: 'Income between 80,000 and 90,000' } },
      },
    ],
  };
  const path = join(dir, `${operator}.json`);
  writeFileSync(path, JSON.stringify(pack));
  return [...jsonFilesIn(shippedPaths.rulePacksDir), path];
}

describe('custom operators', () => {
  it('are refused in a pack unless registered in code', async () => {
    const error = await rejectionOf(createEngine({ rulePacks: packWith('between') }));
    expect(error.code).toBe(ErrorCode.RULE_INVALID);
    expect(error.message).toMatch(/rule R_INCOME_BAND: fact "annual_inc": unknown operator "between"/);
  });

  it('run on Engine.run when registered, the policy staying compiled', async () => {
    const engine = await createEngine({ rulePacks: packWith('between'), recordFailedRules: true }, { operators: { between } });
    const inBand = await engine.decide(cleanEvent({ application_id: 'OP1', annual_inc: 85000 }));
    expect(inBand.stages.rules.evaluator).toBe('json-rules-engine');
    expect(inBand.stages.policy.evaluator).toBe('compiled');
    expect(inBand.stages.rules.fired.map((hit) => hit.code)).toEqual(['R_INCOME_BAND']);
    const outOfBand = await engine.decide(cleanEvent({ application_id: 'OP2', annual_inc: 95000, applied_at: '2016-02-10T18:00:00Z' }));
    expect(outOfBand.stages.rules.fired).toEqual([]);
    expect(outOfBand.stages.rules.failed!.find((hit) => hit.code === 'R_INCOME_BAND')!.values).toEqual({ annual_inc: 95000 });
  });

  it('cannot replace a built-in operator, and must be a function with a plain name', async () => {
    for (const [operators, message] of [
      [{ equal: () => true }, /equal is built in/],
      [{ 'bad name': () => true }, /not an operator name/],
      [{ between: 'x' as never }, /between is not a function/],
    ] as const) {
      const error = await rejectionOf(createEngine({}, { operators }));
      expect(error.code).toBe(ErrorCode.CONFIG_INVALID);
      expect(error.message).toMatch(message);
    }
  });

  it('the shipped packs stay compiled when operators are registered but unused', async () => {
    const engine = await createEngine({}, { operators: { between } });
    const decision = await engine.decide(cleanEvent({ application_id: 'OP3' }));
    expect(decision.stages.rules.evaluator).toBe('compiled');
    expect(decision.stages.policy.evaluator).toBe('compiled');
  });

  it('work in a policy pack too, registered or refused the same way', async () => {
    const pack = JSON.parse(readFileSync(shippedPaths.policyPack, 'utf8')) as { rules: Array<{ name: string; conditions: unknown }> };
    pack.rules.find((rule) => rule.name === 'P_MONITOR')!.conditions = {
      all: [{ fact: 'annual_inc', operator: 'between', value: [80000, 90000] }],
    };
    const path = join(dir, 'policy-between.json');
    writeFileSync(path, JSON.stringify(pack));
    const refused = await rejectionOf(createEngine({ policyPack: path }));
    expect(refused.code).toBe(ErrorCode.POLICY_INVALID);
    expect(refused.message).toMatch(/rule P_MONITOR: fact "annual_inc": unknown operator "between"/);
    const engine = await createEngine({ policyPack: path }, { operators: { between } });
    const decision = await engine.decide(cleanEvent({ application_id: 'OP4', annual_inc: 85000 }));
    expect(decision.stages.policy.evaluator).toBe('json-rules-engine');
    expect(decision.stages.rules.evaluator).toBe('compiled');
    expect(decision.stages.policy.fired.map((hit) => hit.code)).toContain('P_MONITOR');
  });

  it('that throw or answer anything but a boolean fail the application with a code naming the operator, not the value', async () => {
    const throwing = async (operator: (factValue: unknown, jsonValue: unknown) => unknown, id: string) => {
      const engine = await createEngine({ rulePacks: packWith('between') }, { operators: { between: operator as never } });
      return rejectionOf(engine.decide(cleanEvent({ application_id: id, annual_inc: 85000 })));
    };
    const thrown = await throwing(() => {
      throw new TypeError('secret 85000');
    }, 'OP5');
    expect(thrown.code).toBe(ErrorCode.STAGE_FAILED);
    expect(thrown.message).toMatch(/custom operator between threw \(TypeError\)/);
    expect(thrown.message).not.toContain('85000');
    const promised = await throwing(async () => true, 'OP6');
    expect(promised.message).toMatch(/custom operator between returned object, not a boolean/);
  });

  it('in a policy pack, one that cannot take a missing (null) field is refused at load', async () => {
    const pack = JSON.parse(readFileSync(shippedPaths.policyPack, 'utf8')) as { rules: Array<{ name: string; conditions: unknown }> };
    pack.rules.find((rule) => rule.name === 'P_MONITOR')!.conditions = { all: [{ fact: 'annual_inc', operator: 'rounds', value: 1 }] };
    const path = join(dir, 'policy-rounds.json');
    writeFileSync(path, JSON.stringify(pack));
    const rounds = (factValue: unknown): boolean => (factValue as number).toFixed(0) === '1';
    const error = await rejectionOf(createEngine({ policyPack: path }, { operators: { rounds } }));
    expect(error.code).toBe(ErrorCode.POLICY_INVALID);
    expect(error.message).toMatch(/the block-list check failed: the pack throws on an application whose fields are all missing/);
  });
});
