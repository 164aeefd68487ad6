// `fengkong score --resume`: a run killed with SIGKILL at any point goes on from its last checkpoint
// and ends with exactly the output of an uninterrupted run (decisions and rejects, line for line;
// timings and timestamps aside), none lost, none written twice. Killed twice here, in a real process.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main.js';
import { runCommand } from '../fixtures/cli.js';
import { checkpointPathFor, readCheckpoint } from '../../src/batch/checkpoint.js';
import type { Decision } from '../../src/index.js';
import { stable } from '../fixtures/decisions.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-resume-'));
const input = join(dir, 'in.csv');
const FLAGS = ['--checkpoint-every', '1000', '--chunk-size', '250', '--quiet'];

const run = (...args: string[]) => runCommand('score', ...args);

/** Starts `score --resume` in a process of its own and kills it (SIGKILL) once a checkpoint covers `pastLine`. */
async function killedAfter(out: string, pastLine: number): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/tools/fengkong-src.ts', 'score', input, '--out', out, '--resume', ...FLAGS],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
  const checkpoint = checkpointPathFor(out);
  for (;;) {
    if (existsSync(checkpoint) && readCheckpoint(checkpoint).linesConsumed >= pastLine) break;
    if (child.exitCode !== null) throw new Error('the run ended before it could be killed');
    await sleep(5);
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');
const decisions = (path: string) => lines(path).map((line) => stable(JSON.parse(line) as Decision));

beforeAll(() => {
  // The committed applications with two broken rows, so the rejects file is resumed too.
  const rows = readFileSync('data/applications.csv', 'utf8').trim().split('\n');
  rows.splice(1500, 0, 'broken,row');
  rows.splice(4200, 0, 'another,"unterminated');
  writeFileSync(input, `${rows.join('\n')}\n`);
});

describe('score --resume', () => {
  it('killed twice with SIGKILL and resumed, ends with the output of an uninterrupted run', async () => {
    const reference = join(dir, 'reference.jsonl');
    expect((await run(input, '--out', reference, ...FLAGS)).exitCode).toBe(EXIT.OK);
    const out = join(dir, 'killed.jsonl');
    await killedAfter(out, 2000);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(true);
    // The second run resumes from the first kill's checkpoint and is killed in turn.
    const first = readCheckpoint(checkpointPathFor(out)).linesConsumed;
    await killedAfter(out, first + 2500);
    const resumed = await run(input, '--out', out, '--resume', ...FLAGS.filter((flag) => flag !== '--quiet'));
    expect(resumed.exitCode).toBe(EXIT.OK);
    expect(resumed.stderr).toMatch(/resumed after line \d+/);
    expect(resumed.stderr).toContain('read 9859, decided 9857, rejected 2');
    expect(existsSync(checkpointPathFor(out))).toBe(false);
    expect(decisions(out)).toEqual(decisions(reference));
    expect(lines(`${out}.rejects.jsonl`)).toEqual(lines(`${reference}.rejects.jsonl`));
  }, 120_000);

  it('refuses a checkpoint of another run, or of an input changed since', async () => {
    const out = join(dir, 'other.jsonl');
    await killedAfter(out, 1000);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ attributions: 'all' }));
    const otherRun = await run(input, '--out', out, '--resume', '--config', config, ...FLAGS);
    expect(otherRun.exitCode).toBe(EXIT.FAILED);
    expect(otherRun.stderr).toContain('FK_CHECKPOINT_INVALID: cannot resume: the checkpoint was written by another run');
    const otherFields = await run(input, '--out', out, '--resume', '--compact', ...FLAGS);
    expect(otherFields.stderr).toContain('written by another run');
    writeFileSync(input, `${readFileSync(input, 'utf8')}\n`);
    const changed = await run(input, '--out', out, '--resume', ...FLAGS);
    expect(changed.stderr).toContain('changed since the checkpoint was written');
  }, 120_000);
});
