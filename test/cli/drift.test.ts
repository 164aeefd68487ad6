// `fengkong drift` from a user's seat: the table, the exit codes the README states (0, 4 by --fail-on,
// 2 for a bad file, 1 for a bad flag), the JSON against its schema, and the HTML report.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DriftResult } from '../../src/analysis/drift.js';
import { engineConfigSha256 } from '../../src/analysis/replay.js';
import { readConfigFile } from '../../src/cli/config.js';
import { EXIT } from '../../src/cli/main.js';
import { ErrorCode, FengkongError } from '../../src/errors.js';
import { runCommand } from '../fixtures/cli.js';
import { applicationsSubset } from '../fixtures/applicationsSubset.js';

const ROWS = 1000;
const dir = mkdtempSync(join(tmpdir(), 'fk-drift-cli-'));
const baseline = join(dir, 'baseline.csv');
const copy = join(dir, 'copy.csv');
const shifted = join(dir, 'shifted.csv');
const nudged = join(dir, 'nudged.csv');

/** runCommand, with standard output captured too. */
async function drift(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const result = await runCommand('drift', ...args);
    return { ...result, stdout: stdout.mock.calls.map((call) => String(call[0])).join('') };
  } finally {
    stdout.mockRestore();
  }
}

/** The table's data lines, by feature name. */
const tableLines = (stdout: string) => stdout.split('\n').filter((line) => /^\w+\s+(fraud|credit|score)\s/.test(line));

beforeAll(() => {
  writeFileSync(baseline, applicationsSubset(ROWS));
  writeFileSync(copy, applicationsSubset(ROWS));
  writeFileSync(shifted, applicationsSubset(ROWS, 1.6));
  writeFileSync(nudged, applicationsSubset(ROWS, 1.15));
});

describe('fengkong drift', () => {
  it('prints every PSI as 0 for two copies of a file and exits 0', async () => {
    const result = await drift(baseline, copy);
    expect(result.exitCode).toBe(EXIT.OK);
    const lines = tableLines(result.stdout);
    expect(lines).toHaveLength(45);
    for (const line of lines) expect(line).toMatch(/\s0\.0000\s+stable\s/);
    expect(result.stdout).toContain('0 act, 0 watch, 45 stable');
    expect(result.stdout).toContain(`baseline ${baseline}: ${ROWS} applications`);
  }, 60_000);

  it('exits 4 when income has drifted into the act band, names the counts, and writes the JSON and the report', async () => {
    const json = join(dir, 'drift.json');
    const report = join(dir, 'drift.html');
    const result = await drift(baseline, shifted, '--json', json, '--report', report);
    expect(result.exitCode).toBe(EXIT.DRIFTED);
    expect(EXIT.DRIFTED).toBe(4);
    expect(result.stderr).toMatch(/^fengkong: drift: \d+ feature\(s\) in the act band, \d+ in the watch band \(--fail-on act\)\n$/);
    // Sorted by PSI: the first line is in the act band, annual_inc among the act lines.
    const lines = tableLines(result.stdout);
    expect(lines[0]).toMatch(/\sact\s/);
    expect(lines.find((line) => line.startsWith('annual_inc '))).toMatch(/^annual_inc\s+credit\s+numeric\s+\d\.\d{4}\s+act\s/);

    const parsed = DriftResult.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(parsed.features.find((entry) => entry.feature === 'annual_inc')!.band).toBe('act');
    expect(parsed.baseline.sha256).not.toBe(parsed.current.sha256);
    expect(parsed.config.path).toBeNull();

    const html = readFileSync(report, 'utf8');
    expect(html).toContain(parsed.baseline.sha256);
    expect(html).toContain(parsed.current.sha256);
    expect(html).toContain('PSI by feature');
    // The PSI bars and the two score distributions, drawn as SVG.
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(3);
    expect(html).toContain('annual_inc (credit)');
  }, 120_000);

  it('--fail-on never exits 0 however far the inputs drifted', async () => {
    expect((await drift(baseline, shifted, '--fail-on', 'never')).exitCode).toBe(EXIT.OK);
  }, 60_000);

  it('--fail-on watch fails on a feature in the watch band that --fail-on act lets pass', async () => {
    // Income × 1.15: annual income moves into the watch band, nothing into act.
    const passes = await drift(baseline, nudged, '--json', join(dir, 'nudged.json'));
    const parsed = DriftResult.parse(JSON.parse(readFileSync(join(dir, 'nudged.json'), 'utf8')));
    expect(parsed.worstBand).toBe('watch');
    expect(passes.exitCode).toBe(EXIT.OK);
    expect((await drift(baseline, nudged, '--fail-on', 'watch')).exitCode).toBe(EXIT.DRIFTED);
  }, 60_000);

  it('names the config file and the config sha256 a backtest records, for the shipped defaults too', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ attributions: 'none' }));
    const json = join(dir, 'with-config.json');
    expect((await drift(baseline, copy, '--config', config, '--json', json)).exitCode).toBe(EXIT.OK);
    const parsed = DriftResult.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(parsed.config).toEqual({ path: config, sha256: await engineConfigSha256(readConfigFile(config)) });
    const shippedJson = join(dir, 'shipped.json');
    expect((await drift(baseline, copy, '--json', shippedJson)).exitCode).toBe(EXIT.OK);
    const shipped = DriftResult.parse(JSON.parse(readFileSync(shippedJson, 'utf8')));
    expect(shipped.config).toEqual({ path: null, sha256: await engineConfigSha256({}) });
    expect(shipped.config.sha256).not.toBe(parsed.config.sha256);
  }, 60_000);

  it('exits 2 with a coded error naming a missing file, and 1 on an unknown band', async () => {
    const missing = await drift(baseline, join(dir, 'nowhere.csv'));
    expect(missing.exitCode).toBe(EXIT.FAILED);
    expect(missing.stderr).toMatch(/^fengkong: FK_FILE_READ: .*nowhere\.csv: cannot be read/);
    expect(missing.stdout).toBe('');
    // Commander exits on a bad value itself: a real process.
    const badFlag = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'test/tools/fengkong-src.ts', 'drift', baseline, copy, '--fail-on', 'sometimes'],
      { encoding: 'utf8' },
    );
    expect(badFlag.status).toBe(EXIT.USAGE);
    expect(badFlag.stderr).toContain("argument 'sometimes' is invalid");
  });
});

describe('fengkong drift outputs', () => {
  /** A fresh, empty directory for one test's outputs. */
  const outputDirectory = (name: string) => {
    const path = join(dir, name);
    mkdirSync(path);
    return path;
  };

  it('checks the output paths before the replays: a missing directory exits 2 at once, nothing printed or written', async () => {
    const out = outputDirectory('bad-report-path');
    const json = join(out, 'drift.json');
    const started = Date.now();
    const result = await drift(baseline, copy, '--json', json, '--report', join(dir, 'nowhere', 'drift.html'));
    expect(result.exitCode).toBe(EXIT.FAILED);
    expect(result.stderr).toMatch(/^fengkong: FK_FILE_WRITE: .*nowhere\/drift\.html: cannot be written \(its directory: ENOENT\)/);
    // No table: the files were never replayed.
    expect(result.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(readdirSync(out)).toEqual([]);
  });

  it('refuses the same file named for --json and --report', async () => {
    const out = outputDirectory('same-path');
    const result = await drift(baseline, copy, '--json', join(out, 'x'), '--report', join(out, 'x'));
    expect(result.exitCode).toBe(EXIT.FAILED);
    expect(result.stderr).toContain('FK_FILE_WRITE: the same file is named for two outputs');
    expect(readdirSync(out)).toEqual([]);
  });

  it('leaves no JSON and no partial file when the report fails to render', async () => {
    const out = outputDirectory('render-fails');
    vi.doMock('../../src/report/render.js', () => ({
      renderReport: async () => {
        throw new FengkongError(ErrorCode.REPORT_INVALID, 'figure "PSI by feature": cannot be drawn (test)');
      },
    }));
    try {
      const result = await drift(baseline, copy, '--json', join(out, 'drift.json'), '--report', join(out, 'drift.html'));
      expect(result.exitCode).toBe(EXIT.FAILED);
      expect(result.stderr).toContain('FK_REPORT_INVALID: figure "PSI by feature": cannot be drawn (test)');
    } finally {
      vi.doUnmock('../../src/report/render.js');
    }
    expect(readdirSync(out)).toEqual([]);
  }, 60_000);

  it('writes both outputs in place, no partial file left, and records every option in the report', async () => {
    const out = outputDirectory('both');
    const config = join(out, 'config.json');
    writeFileSync(config, JSON.stringify({ attributions: 'none' }));
    const [json, report] = [join(out, 'drift.json'), join(out, 'drift.html')];
    const result = await drift(baseline, copy, '--config', config, '--json', json, '--report', report, '--fail-on', 'watch');
    expect(result.exitCode).toBe(EXIT.OK);
    expect(readdirSync(out).sort()).toEqual(['config.json', 'drift.html', 'drift.json']);
    expect(existsSync(`${json}.partial`)).toBe(false);
    expect(readFileSync(report, 'utf8')).toContain(
      `<td>command</td><td>fengkong drift ${baseline} ${copy} --fail-on watch --config ${config} --json ${json} --report ${report}</td>`,
    );
  }, 60_000);
});
