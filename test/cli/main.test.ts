// The CLI from a user's seat, run in-process: the generator reproduces the committed data, score writes
// decisions and rejects that reconcile, and a bad config is one coded error.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-cli-'));
const run = async (...args: string[]) => {
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await main(['node', 'fengkong', ...args]);
    return stderr.mock.calls.map((call) => String(call[0])).join('');
  } finally {
    stderr.mockRestore();
  }
};
afterEach(() => {
  process.exitCode = undefined;
});

describe('fengkong gen', () => {
  it('gives identical files for identical arguments and different files for another seed', async () => {
    await run('gen', '--rows', '2000', '--out', join(dir, 'a.csv'));
    await run('gen', '--rows', '2000', '--out', join(dir, 'b.csv'));
    await run('gen', '--rows', '2000', '--seed', '7', '--out', join(dir, 'c.csv'));
    const [a, b, c] = ['a', 'b', 'c'].map((name) => readFileSync(join(dir, `${name}.csv`), 'utf8'));
    expect(a!.split('\n')).toHaveLength(2002);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('reproduces the committed data/applications.csv byte for byte with the default seed', async () => {
    const printed = await run('gen', '--rows', '9857', '--out', join(dir, 'full.csv'));
    expect(readFileSync(join(dir, 'full.csv')).equals(readFileSync('data/applications.csv'))).toBe(true);
    expect(printed).toMatch(/wrote 9857 applications .*305 fraud \(3\.09%/);
  });
});

describe('fengkong score', () => {
  it('scores a file with broken rows: decisions and rejects reconcile and the summary says so', async () => {
    const lines = readFileSync('data/applications.csv', 'utf8').split('\n').slice(0, 201);
    lines.splice(50, 0, 'this,is,not,an,application');
    lines[100] = lines[100]!.replace(/,term_(36|60),/, ',term_NaN,');
    writeFileSync(join(dir, 'broken.csv'), `${lines.join('\n')}\n`);
    const printed = await run('score', join(dir, 'broken.csv'), '--out', join(dir, 'broken.jsonl'));
    expect(printed).toContain('read 201, decided 199, rejected 2 (FK_CSV_RECORD 1, FK_EVENT_INVALID 1)');
    expect(printed).toMatch(/\d+ rows\/s/);
    const decisions = readFileSync(join(dir, 'broken.jsonl'), 'utf8').trim().split('\n');
    const rejects = readFileSync(join(dir, 'broken.jsonl.rejects.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(decisions).toHaveLength(199);
    expect(rejects.map((reject) => reject.line)).toEqual([51, 101]);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('refuses a bad config file with one coded error and exit code 2', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ rulePacks: ['missing-pack.json'] }));
    const printed = await run('score', 'data/applications.csv', '--out', join(dir, 'x.jsonl'), '--config', join(dir, 'config.json'));
    expect(printed).toMatch(/FK_RULE_INVALID: .*missing-pack\.json: cannot be read/);
    expect(process.exitCode).toBe(2);
  });

  it('--quiet prints nothing', async () => {
    const printed = await run('score', join(dir, 'broken.csv'), '--out', join(dir, 'quiet.jsonl'), '--quiet');
    expect(printed).toBe('');
  });
});
