// `fengkong tune` from a user's seat: on the committed data a 6% bad-rate cap is tuned, written as a
// pack the engine loads through --config, met on the check slice (exit 0) and reported; a cap the
// tuned policy misses on the check slice exits with 5; maximising approvals without a constraint is
// a usage mistake.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
    expect(stdout).toMatch(/^current +78\.04% +5\.33% +66\.7%/m);
    expect(stdout).toMatch(/^check +tuned +1972 /m);
    expect(stdout).toContain('check slice: constraint met: bad rate');

    const result = JSON.parse(readFileSync(join(dir, 'tune.json'), 'utf8'));
    expect(result.check.met).toBe(true);
    expect(result.check.tuned.badRate).toBeLessThanOrEqual(0.06);
    expect(result.tuning.tuned.approved).toBeGreaterThan(result.tuning.current.approved);

    const html = readFileSync(join(dir, 'tune.html'), 'utf8');
    expect(html).toContain('Threshold tuning: applications.csv');
    expect(html.match(/<svg/g)?.length).toBe(2);

    // The pack loads as is through a config file, its path relative to the config.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ policyPack: 'tuned-policy.json' }));
    const engine = await createEngine(readConfigFile(join(dir, 'config.json')));
    expect(engine.policy.version).toBe(result.policy.tunedVersion);
  }, 180_000);

  it('exits with 5 when the tuned policy misses its constraint on the check slice', async () => {
    // Held on the rate itself (no confidence margin), a 5.5% cap is met on the tuning slice and missed later.
    const { stdout, stderr, exitCode } = await tune('--out', join(dir, 'missed.json'), '--max-bad-rate', '0.055', '--confidence', '0');
    expect(exitCode).toBe(TUNE_EXIT_CODE);
    expect(TUNE_EXIT_CODE).toBe(5);
    expect(stdout).toContain('check slice: constraint NOT met');
    expect(stderr).toMatch(/^fengkong: tune: check slice: constraint NOT met: bad rate 5\.\d\d% \(cap 5\.50%\)/);
    expect(existsSync(join(dir, 'missed.json'))).toBe(true);
  }, 180_000);

  it('refuses to maximise approvals without a constraint, and writes nothing', async () => {
    const { stderr, exitCode } = await tune('--out', join(dir, 'none.json'));
    expect(exitCode).toBe(EXIT.USAGE);
    expect(stderr).toContain('give --max-bad-rate and/or --min-fraud-caught');
    expect(existsSync(join(dir, 'none.json'))).toBe(false);
  });
});
