// `fengkong tune` from a user's seat: on the committed data a 6% bad-rate cap is tuned, written as a
// pack the engine loads through --config, met on the check slice (exit 0) and reported; a cap the
// tuned policy misses on the check slice exits with 5 and still writes its outputs; an output that
// cannot be written or a pack out of order fails at once (exit 2) and leaves nothing; maximising
// approvals without a constraint is a usage mistake.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createEngine } from '../../src/index.js';
import { readConfigFile } from '../../src/cli/config.js';
import { EXIT } from '../../src/cli/main.js';
import { TUNE_EXIT_CODE } from '../../src/cli/tune.js';
import { runCommand } from '../fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-tune-cli-'));

async function tune(...args: string[]) {
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const { stderr, exitCode } = await runCommand('tune', 'data/applications.csv', ...args);
    return { stdout: stdout.mock.calls.map((call) => String(call[0])).join(''), stderr, exitCode };
  } finally {
    stdout.mockRestore();
  }
}

describe('fengkong tune', () => {
  it('tunes to a 6% bad-rate cap, meets it on the check slice and writes a pack, JSON and a report', async () => {
    const out = join(dir, 'tuned-policy.json');
    const { stdout, stderr, exitCode } = await tune(
      '--out',
      out,
      '--max-bad-rate',
      '0.06',
      '--json',
      join(dir, 'tune.json'),
      '--report',
      join(dir, 'tune.html'),
    );
    expect(stderr).toBe('');
    expect(exitCode).toBe(EXIT.OK);
    expect(stdout).toContain('objective: maximise approvals subject to bad rate among approved ≤ 6.00% (held at 95% one-sided confidence');
    expect(stdout).toMatch(/^chosen +\d/m);
    // Every rate with its 95% Wilson interval.
    expect(stdout).toMatch(/^current +78\.04% \(76\.\d\d%–79\.\d\d%\) +5\.33% \(4\.\d\d%–6\.\d\d%\) +66\.7% \(\d\d\.\d%–\d\d\.\d%\)/m);
    expect(stdout).toMatch(/^check +tuned +1972 +\d+ +\d\d\.\d\d% \(\d\d\.\d\d%–\d\d\.\d\d%\) /m);
    expect(stdout).toMatch(/check slice: constraint met: bad rate \d\.\d\d% \(95% interval \d\.\d\d%–\d\.\d\d%\), \d+ of [\d,]+ approved/);

    const result = JSON.parse(readFileSync(join(dir, 'tune.json'), 'utf8'));
    expect(result.check.met).toBe(true);
    expect(result.check.tuned.badRate.rate).toBeLessThanOrEqual(0.06);
    expect(result.check.tuned.badRate.upper).toBeGreaterThan(result.check.tuned.badRate.rate);
    expect(result.tuning.tuned.approved).toBeGreaterThan(result.tuning.current.approved);

    const html = readFileSync(join(dir, 'tune.html'), 'utf8');
    expect(html).toContain('Threshold tuning: applications.csv');
    expect(html.match(/<svg/g)?.length).toBe(2);
    // The out-of-sample claim rests on the models recording this file as their training data.
    expect(html).toContain('record this file (sha256 3fd8f08a62a5…) as their training data');
    expect(html).toContain('fraud-caught frontier');
    expect(readdirSync(dir).filter((name) => name.endsWith('.partial'))).toEqual([]);

    // The pack loads as is through a config file, its path relative to the config.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ policyPack: 'tuned-policy.json' }));
    const engine = await createEngine(readConfigFile(join(dir, 'config.json')));
    expect(engine.policy.version).toBe(result.policy.tunedVersion);
  }, 180_000);

  it('exits with 5 when the tuned policy misses its constraint on the check slice, and still writes the pack and JSON', async () => {
    // Held on the rate itself (no confidence margin), a 5.5% cap is met on the tuning slice and missed later.
    const json = join(dir, 'missed-result.json');
    const { stdout, stderr, exitCode } = await tune(
      '--out',
      join(dir, 'missed.json'),
      '--max-bad-rate',
      '0.055',
      '--confidence',
      '0',
      '--json',
      json,
    );
    expect(exitCode).toBe(TUNE_EXIT_CODE);
    expect(TUNE_EXIT_CODE).toBe(5);
    expect(stdout).toContain('check slice: constraint NOT met');
    expect(stderr).toMatch(
      /^fengkong: tune: check slice: constraint NOT met: bad rate 5\.\d\d% \(95% interval \d\.\d\d%–\d\.\d\d%\), \d+ of [\d,]+ approved with a known outcome, cap 5\.50%/,
    );
    expect(existsSync(join(dir, 'missed.json'))).toBe(true);
    expect(JSON.parse(readFileSync(json, 'utf8')).check.met).toBe(false);
  }, 180_000);

  it('fails at once with exit 2 when --report names a missing directory, and leaves no pack', async () => {
    const out = join(dir, 'unreported.json');
    const started = Date.now();
    const { stdout, stderr, exitCode } = await tune('--out', out, '--max-bad-rate', '0.06', '--report', join(dir, 'missing', 'tune.html'));
    expect(exitCode).toBe(EXIT.FAILED);
    expect(stderr).toMatch(/^fengkong: FK_FILE_WRITE: .*missing[/\\]tune\.html: cannot be written/);
    // Checked before the replay, which alone takes seconds.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(stdout).toBe('');
    expect(readdirSync(dir).filter((name) => name.startsWith('unreported'))).toEqual([]);
  });

  it('refuses a pack whose thresholds are out of order with exit 2 naming the pack, not as an internal error', async () => {
    const pack = JSON.parse(readFileSync('rules/policy/default.json', 'utf8'));
    const review = pack.rules.find((rule: { name: string }) => rule.name === 'P_FRAUD_SCORE_REVIEW');
    review.conditions.all.find((condition: { fact?: string }) => condition.fact === 'fraudProbability').value = 0.95;
    writeFileSync(join(dir, 'disordered-policy.json'), JSON.stringify(pack));
    writeFileSync(join(dir, 'disordered.json'), JSON.stringify({ policyPack: 'disordered-policy.json' }));
    const { stderr, exitCode } = await tune(
      '--out',
      join(dir, 'disordered-tuned.json'),
      '--max-bad-rate',
      '0.06',
      '--config',
      join(dir, 'disordered.json'),
    );
    expect(exitCode).toBe(EXIT.FAILED);
    expect(stderr).toMatch(
      /^fengkong: FK_POLICY_INVALID: .*disordered-policy\.json: the thresholds are out of order \(fraud review ≥ 0\.95, decline ≥ 0\.9;/,
    );
    expect(existsSync(join(dir, 'disordered-tuned.json'))).toBe(false);
  });

  it('refuses to maximise approvals without a constraint, and writes nothing', async () => {
    const { stderr, exitCode } = await tune('--out', join(dir, 'none.json'));
    expect(exitCode).toBe(EXIT.USAGE);
    expect(stderr).toContain('give --max-bad-rate and/or --min-fraud-caught');
    expect(existsSync(join(dir, 'none.json'))).toBe(false);
  });
});
