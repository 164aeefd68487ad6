// `fengkong score` for volume runs, from a user's seat: lean output (--fields, --compact) that is the
// full decisions' fields exactly, gzipped input, standard input and output in a real process, and
// the exit codes the README states.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main.js';
import { runCommand } from '../fixtures/cli.js';
import { COMPACT_FIELDS } from '../../src/batch/fields.js';
import type { Decision } from '../../src/index.js';
import { stable } from '../fixtures/decisions.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-score-'));
const ROWS = 300;
const csv = join(dir, 'in.csv');

const run = (...args: string[]) => runCommand('score', ...args);
afterEach(() => {
  process.exitCode = undefined;
});

const linesOf = (path: string) => readFileSync(path, 'utf8').trim().split('\n');
const decisionsOf = (path: string) => linesOf(path).map((line) => JSON.parse(line) as Decision);

let full: Decision[];
beforeAll(async () => {
  writeFileSync(
    csv,
    readFileSync('data/applications.csv', 'utf8')
      .split('\n')
      .slice(0, ROWS + 1)
      .join('\n') + '\n',
  );
  expect((await run(csv, '--out', join(dir, 'full.jsonl'), '--quiet')).exitCode).toBe(EXIT.OK);
  full = decisionsOf(join(dir, 'full.jsonl'));
  expect(full).toHaveLength(ROWS);
}, 60_000);

describe('lean output', () => {
  it('--fields writes exactly those fields of each decision, in the order named, null where a decision has none', async () => {
    const fields = ['outcome', 'stages.credit.score', 'offer.approvedAmount', 'reasons.primary', 'applicationId'];
    expect((await run(csv, '--out', join(dir, 'lean.jsonl'), '--fields', fields.join(','), '--quiet')).exitCode).toBe(EXIT.OK);
    const lean = linesOf(join(dir, 'lean.jsonl')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lean).toHaveLength(ROWS);
    lean.forEach((row, index) => {
      const decision = full[index]!;
      expect(Object.keys(row)).toEqual(fields);
      expect(row).toEqual({
        outcome: decision.outcome,
        'stages.credit.score': decision.stages.credit!.score,
        'offer.approvedAmount': decision.offer?.approvedAmount ?? null,
        'reasons.primary': decision.reasons.primary,
        applicationId: decision.applicationId,
      });
    });
    expect(lean.some((row) => row['offer.approvedAmount'] === null)).toBe(true);
  });

  it('--compact writes its fields, a fraction of the full decision', async () => {
    await run(csv, '--out', join(dir, 'compact.jsonl'), '--compact', '--quiet');
    const compact = linesOf(join(dir, 'compact.jsonl'));
    compact.forEach((line, index) => {
      const row = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(row)).toEqual([...COMPACT_FIELDS]);
      expect(row.outcome).toBe(full[index]!.outcome);
      expect(row['stages.fraud.probability']).toBe(full[index]!.stages.fraud!.probability);
    });
    const bytes = (lines: string[]) => lines.reduce((total, line) => total + line.length, 0);
    expect(bytes(compact) * 5).toBeLessThan(bytes(linesOf(join(dir, 'full.jsonl'))));
  });

  it('refuses a field the decision does not have, naming it, before reading anything (exit 1)', async () => {
    const { stderr, exitCode } = await run(csv, '--out', join(dir, 'typo.jsonl'), '--fields', 'outcome,stages.credit.scroe');
    expect(exitCode).toBe(EXIT.USAGE);
    expect(stderr).toContain('"stages.credit.scroe": stages.credit has no "scroe"');
    const both = await run(csv, '--out', join(dir, 'both.jsonl'), '--fields', 'outcome', '--compact');
    expect(both.exitCode).toBe(EXIT.USAGE);
  });
});

describe('inputs and outputs', () => {
  it('reads a gzipped file as the plain one, and names a file that is not gzip', async () => {
    writeFileSync(join(dir, 'in.csv.gz'), gzipSync(readFileSync(csv)));
    expect((await run(join(dir, 'in.csv.gz'), '--out', join(dir, 'gz.jsonl'), '--quiet')).exitCode).toBe(EXIT.OK);
    expect(decisionsOf(join(dir, 'gz.jsonl')).map(stable)).toEqual(full.map(stable));
    writeFileSync(join(dir, 'fake.csv.gz'), readFileSync(csv));
    const { stderr, exitCode } = await run(join(dir, 'fake.csv.gz'), '--out', join(dir, 'fake.jsonl'));
    expect(exitCode).toBe(EXIT.FAILED);
    expect(stderr).toMatch(/FK_FILE_READ: .*fake\.csv\.gz: not a readable gzip file \(Z_DATA_ERROR\)/);
  });

  it('reads standard input and writes standard output (-) in a real process', () => {
    const rejects = join(dir, 'piped.rejects.jsonl');
    const piped = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'test/tools/fengkong-src.ts', 'score', '-', '--out', '-', '--rejects', rejects],
      {
        input: readFileSync(csv),
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      },
    );
    expect(piped.status).toBe(EXIT.OK);
    const decisions = piped.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Decision);
    expect(decisions.map(stable)).toEqual(full.map(stable));
    expect(piped.stderr).toContain(`read ${ROWS}, decided ${ROWS}, rejected 0`);
    expect(readFileSync(rejects, 'utf8')).toBe('');
    const noRejects = spawnSync(process.execPath, ['--import', 'tsx', 'test/tools/fengkong-src.ts', 'score', csv, '--out', '-'], {
      encoding: 'utf8',
    });
    expect(noRejects.status).toBe(EXIT.USAGE);
    expect(noRejects.stderr).toContain('name a file for the rejected rows with --rejects');
    expect(noRejects.stdout).toBe('');
  }, 60_000);

  it('--strict exits 3 when a row was rejected, and 0 otherwise; rejects and decisions still reconcile', async () => {
    const broken = join(dir, 'broken.csv');
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    writeFileSync(broken, [...lines.slice(0, 11), 'not,a,row', ...lines.slice(11)].join('\n') + '\n');
    expect((await run(broken, '--out', join(dir, 'b.jsonl'), '--quiet')).exitCode).toBe(EXIT.OK);
    expect((await run(broken, '--out', join(dir, 'b.jsonl'), '--quiet', '--strict')).exitCode).toBe(EXIT.REJECTED_ROWS);
    expect(linesOf(join(dir, 'b.jsonl'))).toHaveLength(ROWS);
    expect(linesOf(join(dir, 'b.jsonl.rejects.jsonl'))).toHaveLength(1);
    expect((await run(csv, '--out', join(dir, 'c.jsonl'), '--quiet', '--strict')).exitCode).toBe(EXIT.OK);
  });
});

describe('write failures', () => {
  const cli = ['--import', 'tsx', 'test/tools/fengkong-src.ts', 'score'];

  it('a file that cannot be written to the end (the size limit, as a full disk) is one coded error, exit 2, no partial file left', () => {
    const out = join(dir, 'limited.jsonl');
    const limited = spawnSync(
      'bash',
      ['-c', `ulimit -f 200 && exec "${process.execPath}" ${cli.join(' ')} "${csv}" --out "${out}" --quiet`],
      {
        encoding: 'utf8',
      },
    );
    expect(limited.status).toBe(EXIT.FAILED);
    expect(limited.stderr).toMatch(/fengkong: FK_FILE_WRITE: .*limited\.jsonl: cannot be written \(EFBIG\)/);
    expect(limited.stderr).not.toContain('internal error');
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('standard output closed by its reader stops the run with a coded error, not a crash', async () => {
    const child = spawn(process.execPath, [...cli, csv, '--out', '-', '--rejects', join(dir, 'pipe.rejects.jsonl')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((done) => child.stdout.once('data', () => done()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((done) => child.on('exit', (exitCode) => done(exitCode)));
    expect(code).toBe(EXIT.FAILED);
    expect(stderr).toContain('FK_FILE_WRITE: standard output: closed by its reader before every line was written');
  }, 60_000);
});
