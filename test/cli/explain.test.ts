// `fengkong explain` from a user's seat, run in-process: the first committed application explained
// stage by stage without a raw identifier, its decision as JSON valid against the schema, the same
// application from a JSON file, and errors that name the file, row and field.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, Decision } from '../../src/index.js';
import { main } from '../../src/cli/main.js';
import { renderExplanation } from '../../src/cli/explain.js';
import { readEvents } from '../../src/batch/readEvents.js';
import { checkHeader, parseLine, recordToEvent } from '../../src/batch/csvRecords.js';
import { shadowOutcome, stable } from '../fixtures/decisions.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-explain-'));
const IDENTIFIERS = ['applicant_id', 'device_id', 'ip', 'email', 'phone'] as const;

async function run(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await main(['node', 'fengkong', 'explain', ...args]);
    const text = (spy: typeof stdout) => spy.mock.calls.map((call) => String(call[0])).join('');
    return { stdout: text(stdout), stderr: text(stderr), exitCode: Number(process.exitCode ?? 0) };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = undefined;
  }
}

/** The first data row of the committed applications as an event object, typed as the CSV reader types it. */
function firstApplication(): Record<string, unknown> {
  const [header, first] = readFileSync('data/applications.csv', 'utf8').split('\n');
  const fields = parseLine(first!);
  if ('error' in fields) throw new Error(fields.error);
  return recordToEvent(checkHeader('data/applications.csv', header!), fields.fields);
}

/** Every raw identifier of the application, and the name part of its email on its own. */
function rawIdentifiers(event: Record<string, unknown>): string[] {
  const values = IDENTIFIERS.map((name) => event[name]).filter((value): value is string => typeof value === 'string');
  const email = event.email as string;
  return [...values, email.slice(0, email.indexOf('@'))];
}

/** The lines of one section of an explanation: its heading and the indented lines under it. */
function section(text: string, heading: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  let end = start + 1;
  while (end < lines.length && lines[end]!.startsWith(' ')) end += 1;
  return start < 0 ? '' : lines.slice(start, end).join('\n');
}

/** The line of a section that starts with a code or name. */
function lineOf(text: string, code: string): string {
  return text.split('\n').find((line) => line.trimStart().startsWith(`${code} `)) ?? '';
}

let application: Record<string, unknown>;
let decision: Decision;
let explained: string;
beforeAll(async () => {
  application = firstApplication();
  const json = await run('data/applications.csv', '--row', '1', '--json');
  decision = JSON.parse(json.stdout) as Decision;
  explained = (await run('data/applications.csv', '--row', '1')).stdout;
});

describe('fengkong explain <applications.csv> --row 1', () => {
  it('prints the outcome, tier, actions, offer and reasons', () => {
    expect(explained).toContain(`application A0000001: ${decision.outcome}, tier ${decision.tier}\n`);
    expect(explained).toContain(`actions: ${decision.actions.join(', ')}\n`);
    expect(decision.offer).toBeDefined();
    expect(explained).toMatch(
      new RegExp(
        `offer: band ${decision.offer!.band}, ${decision.offer!.approvedAmount} approved of ${decision.offer!.requestedAmount} requested`,
      ),
    );
    expect(decision.reasons.primary.length).toBeGreaterThan(0);
    for (const reason of decision.reasons.primary)
      expect(lineOf(section(explained, 'primary reasons:'), reason.code)).toContain(reason.text);
    expect(explained).toContain('applicant reasons: none');
  });

  it('prints every rule that fired and every rule that did not, one line each with the values it read', () => {
    const rules = decision.stages.rules;
    const printed = section(explained, 'rules (');
    for (const hit of [...rules.fired, ...rules.failed!]) expect(lineOf(printed, hit.code)).toContain(hit.severity);
    expect(printed).toContain(`${rules.fired.length} fired, ${rules.failed!.length} did not`);
    expect(lineOf(printed, 'R_INCOME_LOW')).toMatch(/review\s+annual_inc=42000$/);
    expect(lineOf(printed, 'R_IP_REGION_MISMATCH')).toMatch(/ip_region_matches_address=true$/);
  });

  it('prints the fraud probability with its top 5 contributions and the credit score, PD and attributions', () => {
    const fraud = decision.stages.fraud!;
    const fraudPrinted = section(explained, 'fraud:');
    expect(fraudPrinted).toContain(`(${(fraud.probability * 100).toFixed(2)}%)`);
    for (const contribution of fraud.contributions.slice(0, 5)) {
      expect(lineOf(fraudPrinted, contribution.feature)).toMatch(/[+-]\d+\.\d{3}$/);
    }
    expect(lineOf(fraudPrinted, fraud.contributions[5]!.feature)).toBe('');
    const credit = decision.stages.credit!;
    const creditPrinted = section(explained, 'credit:');
    expect(creditPrinted).toContain(`credit: score ${credit.score}, PD `);
    for (const attribution of credit.attributions!) expect(lineOf(creditPrinted, attribution.code)).toContain(attribution.text);
  });

  it('prints the policy, the latency of each stage and the short audit hashes', () => {
    expect(explained).toContain(`policy ${decision.stages.policy.policy} ${decision.stages.policy.version}: `);
    expect(explained).toContain('identity frozen: no');
    expect(explained).toMatch(
      /^latency \(µs\): features \d+\.\d, rules \d+\.\d, fraud \d+\.\d, credit \d+\.\d, policy \d+\.\d, total \d+\.\d$/m,
    );
    expect(explained).toContain(`input ${decision.audit.inputHash.slice(0, 12)}, `);
    expect(explained).toContain(`policy ${decision.audit.policySha256.slice(0, 12)}`);
    expect(explained).not.toContain(decision.audit.inputHash);
  });

  it('prints none of the raw identifiers of the application, in the explanation or the JSON', async () => {
    const json = await run('data/applications.csv', '--row', '1', '--json');
    for (const identifier of rawIdentifiers(application)) {
      expect(explained).not.toContain(identifier);
      expect(json.stdout).not.toContain(identifier);
    }
  });

  it('--json prints the decision itself, valid against the Decision schema', () => {
    expect(Decision.safeParse(decision).success).toBe(true);
    expect(decision.applicationId).toBe('A0000001');
  });
});

describe('fengkong explain <application.json>', () => {
  it('decides a JSON application as the same row of the CSV', async () => {
    const path = join(dir, 'first.json');
    writeFileSync(path, JSON.stringify(application));
    const fromJson = JSON.parse((await run(path, '--json')).stdout) as Decision;
    const { audit: _a, ...rest } = fromJson;
    const { audit: _b, ...expected } = decision;
    expect(rest).toEqual(expected);
    expect(fromJson.audit.inputHash).toBe(decision.audit.inputHash);
  });
});

describe('fengkong explain errors', () => {
  it('names a file that cannot be read, with exit code 2', async () => {
    const path = join(dir, 'missing.json');
    const result = await run(path);
    expect(result.stderr).toBe(`fengkong: FK_FILE_READ: ${path}: cannot be read (ENOENT)\n`);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
  });

  it('refuses a file that is not JSON without quoting it', async () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, JSON.stringify(application).replace(/"applicant_id":"/, '"applicant_id":'));
    const result = await run(path);
    expect(result.stderr).toBe(`fengkong: FK_EVENT_INVALID: ${path}: not valid JSON\n`);
    expect(result.exitCode).toBe(2);
  });

  it('refuses JSON that is not one object', async () => {
    const path = join(dir, 'array.json');
    writeFileSync(path, JSON.stringify([application]));
    expect((await run(path)).stderr).toContain(`${path}: expected one JSON object (an application), found an array`);
  });

  it('names the file and the field of an invalid application, and none of its identifiers', async () => {
    const path = join(dir, 'invalid.json');
    writeFileSync(path, JSON.stringify({ ...application, funded_amnt: 'a lot', ip: 'not-an-ip' }));
    const result = await run(path);
    expect(result.stderr).toMatch(new RegExp(`^fengkong: FK_EVENT_INVALID: ${path}: invalid event: .*ip: .*funded_amnt: `));
    for (const identifier of rawIdentifiers(application)) expect(result.stderr).not.toContain(identifier);
    expect(result.exitCode).toBe(2);
  });

  it('names the file, row and line of an invalid CSV row', async () => {
    const lines = readFileSync('data/applications.csv', 'utf8').split('\n').slice(0, 4);
    lines[3] = lines[3]!.replace(/,term_(36|60),/, ',term_NaN,');
    const path = join(dir, 'rows.csv');
    writeFileSync(path, `${lines.join('\n')}\n\n`);
    expect((await run(path, '--row', '3')).stderr).toMatch(
      new RegExp(`FK_EVENT_INVALID: ${path}: row 3 \\(line 4\\): invalid event: term: `),
    );
    expect((await run(path, '--row', '4')).stderr).toContain(`FK_CSV_RECORD: ${path}: there is no row 4 (the file has 3 data rows)`);
    expect((await run(path)).stderr).toContain(`FK_CSV_RECORD: ${path}: a CSV holds many applications: choose one with --row <n>`);
  });
});

describe('renderExplanation', () => {
  it('shows the rules and policy rules that fired with their values, and the challengers in shadow', async () => {
    const policyPath = join(dir, 'strict.json');
    const shipped = readFileSync('rules/policy/default.json', 'utf8');
    const stricter = shipped.replace('"value": 540 }]', '"value": 560 }]'); // P_CREDIT_SCORE_LOW's cut-off
    expect(stricter).not.toBe(shipped);
    writeFileSync(policyPath, stricter);
    const engine = await createEngine({ challengers: [{ name: 'strict-credit', policyPack: policyPath }] });
    const { events } = await readEvents('data/applications.csv');
    const decisions = await engine.decideBatch(events.slice(0, 300));
    const declined = decisions.find((candidate) => candidate.outcome === 'decline' && candidate.stages.rules.fired.length > 0)!;
    const text = renderExplanation(declined);
    const rules = section(text, 'rules (');
    for (const hit of declined.stages.rules.fired) {
      // A fired rule's own values are on its reason.
      const reason = declined.reasons.all.find((candidate) => candidate.stage === 'rules' && candidate.code === hit.code)!;
      const [name, value] = Object.entries(reason.values)[0]!;
      expect(lineOf(rules, hit.code)).toMatch(new RegExp(`${hit.severity}\\s+.*${name}=`));
      if (typeof value !== 'number') expect(lineOf(rules, hit.code)).toContain(`${name}=${String(value)}`);
    }
    const policy = section(text, 'policy ');
    for (const hit of declined.stages.policy.fired)
      expect(lineOf(policy, hit.code)).toMatch(new RegExp(`${hit.outcome}\\s+tier ${hit.tier}`));
    expect(text).toContain(`${declined.stages.policy.fired.length} rule(s) fired, the deciding one first`);
    const verdict = shadowOutcome(declined.shadow![0]!);
    expect(text).toContain(`  strict-credit: ${verdict.outcome}, tier ${verdict.tier} (`);
    expect(text).toMatch(/, total \d+\.\d \(shadow \d+\.\d, not in the total\)$/m);

    const changed = decisions.find((candidate) => shadowOutcome(candidate.shadow![0]!).outcome !== candidate.outcome);
    expect(changed).toBeDefined();
    expect(renderExplanation(changed!)).toContain(`  strict-credit: decline, tier 2 (decline, adverse_action_notice); fraud probability `);
  });
});

describe('explain --row replays the rows before it', () => {
  it("gives score's decision for a row whose applicant an earlier row froze; --no-replay decides it alone", async () => {
    const events = (await readEvents('data/applications.csv')).events.slice(0, 1517);
    // explain records the rules that did not fire and every decision's credit attributions too.
    const engine = await createEngine({ recordFailedRules: true, attributions: 'all' });
    const scored = await engine.decideBatch(events);
    const expected = scored[1516]!;
    expect(expected.stages.policy.identityFrozen).toBe(true);
    const replayed = Decision.parse(JSON.parse((await run('data/applications.csv', '--row', '1517', '--json')).stdout));
    expect(stable(replayed)).toEqual(stable(expected));
    const alone = Decision.parse(JSON.parse((await run('data/applications.csv', '--row', '1517', '--no-replay', '--json')).stdout));
    expect(alone.stages.policy.identityFrozen).toBe(false);
    expect(alone.tier).not.toBe(3);
  }, 60_000);
});
