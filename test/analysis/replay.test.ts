// replayLabelled: the whole labelled history through the engine in event-time order, each decision
// beside its labels. On the committed data it must reconcile and equal `fengkong score` row for row;
// on small files built here, a shuffled file must decide as the sorted one does.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { replayLabelled, splitByTime, type Replay } from '../../src/analysis/replay.js';
import { runCommand } from '../fixtures/cli.js';
import { EXIT } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-replay-'));
const [header, ...dataLines] = readFileSync('data/applications.csv', 'utf8').trimEnd().split('\n');

function writeCsv(name: string, lines: readonly string[], head = header!): string {
  const path = join(dir, name);
  writeFileSync(path, [head, ...lines].join('\n') + '\n');
  return path;
}

describe('replayLabelled on data/applications.csv', () => {
  let replay: Replay;
  let scored: Map<string, Record<string, unknown>>;
  beforeAll(async () => {
    replay = await replayLabelled('data/applications.csv');
    const out = join(dir, 'score.jsonl');
    const fields = 'applicationId,outcome,tier,stages.fraud.probability,stages.credit.score,stages.credit.pd';
    expect((await runCommand('score', 'data/applications.csv', '--out', out, '--fields', fields, '--quiet')).exitCode).toBe(EXIT.OK);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    scored = new Map(lines.map((line) => JSON.parse(line) as Record<string, unknown>).map((row) => [row.applicationId as string, row]));
  }, 120_000);

  it('reconciles: read = outcomes + rejected, one outcome per data row', () => {
    expect(replay.read).toBe(9857);
    expect(replay.rows.length + replay.rejected.length).toBe(replay.read);
    expect(replay.rejected).toEqual([]);
    expect(new Set(replay.rows.map((row) => row.line)).size).toBe(replay.rows.length);
  });

  it('decides every row as `fengkong score` does (outcome, tier, fraud probability, credit score and PD)', () => {
    expect(scored.size).toBe(replay.rows.length);
    for (const row of replay.rows) {
      const decision = row.decision;
      expect({
        applicationId: decision.applicationId,
        outcome: decision.outcome,
        tier: decision.tier,
        'stages.fraud.probability': decision.stages.fraud?.probability ?? null,
        'stages.credit.score': decision.stages.credit?.score ?? null,
        'stages.credit.pd': decision.stages.credit?.pd ?? null,
      }).toEqual(scored.get(row.applicationId));
    }
  });

  it('carries the labels and economics of the file: 305 frauds by scenario, 517 defaults, amounts, rates, terms', () => {
    const frauds = replay.rows.filter((row) => row.isFraud);
    expect(frauds).toHaveLength(305);
    expect(replay.rows.filter((row) => row.defaulted === true)).toHaveLength(517);
    const scenarios: Record<string, number> = {};
    for (const row of frauds) scenarios[row.fraudScenario ?? 'none'] = (scenarios[row.fraudScenario ?? 'none'] ?? 0) + 1;
    expect(scenarios).toEqual({ device_farm: 115, synthetic_identity: 108, stolen_identity: 82 });
    expect(replay.rows.filter((row) => !row.isFraud).every((row) => row.fraudScenario === null)).toBe(true);
    const first = replay.rows[0]!;
    expect(first).toMatchObject({ line: 1, applicationId: 'A0000001', amount: 13925, intRatePercent: 15.77, termMonths: 36 });
    expect(new Set(replay.rows.map((row) => row.termMonths))).toEqual(new Set([36, 60]));
  });

  it('is in event-time order and hashes the input and the config', () => {
    for (let index = 1; index < replay.rows.length; index += 1) {
      expect(replay.rows[index]!.appliedAtMs).toBeGreaterThanOrEqual(replay.rows[index - 1]!.appliedAtMs);
    }
    expect(replay.inputSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(replay.configSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('splitByTime holds out the latest fraction, as the trainers cut it', () => {
    const { earlier, later } = splitByTime(replay.rows, 0.2);
    expect(earlier).toHaveLength(Math.floor(9857 * 0.8));
    expect(earlier.length + later.length).toBe(9857);
    expect(earlier.at(-1)!.appliedAtMs).toBeLessThanOrEqual(later[0]!.appliedAtMs);
  });
});

describe('replayLabelled on small files', () => {
  const sorted = dataLines.slice(0, 400);

  it('decides a shuffled file in event-time order: the same decisions as the sorted file', async () => {
    const shuffled = [...sorted].reverse();
    const [inOrder, reversed] = await Promise.all([
      replayLabelled(writeCsv('sorted.csv', sorted)),
      replayLabelled(writeCsv('reversed.csv', shuffled)),
    ]);
    expect(reversed.rows.map((row) => row.applicationId)).toEqual(inOrder.rows.map((row) => row.applicationId));
    const summary = (replay: Replay) =>
      replay.rows.map(({ decision }) => [decision.outcome, decision.stages.fraud?.probability, decision.stages.rules.fired.length]);
    expect(summary(reversed)).toEqual(summary(inOrder));
    // Lines still name the file's rows: the first application sits on the last data line of the reversed file.
    expect(reversed.rows[0]!.line).toBe(400);
    expect(reversed.inputSha256).not.toBe(inOrder.inputSha256);
    expect(reversed.configSha256).toBe(inOrder.configSha256);
  });

  it('rejects broken and invalid rows by their data line and decides the rest', async () => {
    const lines = sorted.slice(0, 20);
    lines[4] = 'not,a,row';
    lines[9] = lines[9]!.replace(/,term_(36|60),/, ',term_48,');
    const replay = await replayLabelled(writeCsv('broken.csv', lines));
    expect(replay.read).toBe(20);
    expect(replay.rows).toHaveLength(18);
    expect(replay.rejected.map(({ line, code }) => ({ line, code }))).toEqual([
      { line: 5, code: 'FK_CSV_RECORD' },
      { line: 10, code: 'FK_EVENT_INVALID' },
    ]);
  });

  it('refuses an unlabelled file, naming the file and the missing column', async () => {
    const columns = header!.split(',');
    const drop = columns.indexOf('is_fraud');
    const unlabelled = sorted.slice(0, 5).map((line) =>
      line
        .split(',')
        .filter((_, index) => index !== drop)
        .join(','),
    );
    const path = writeCsv('unlabelled.csv', unlabelled, columns.filter((_, index) => index !== drop).join(','));
    await expect(replayLabelled(path)).rejects.toMatchObject({
      code: 'FK_CSV_HEADER',
      message: expect.stringContaining(`${path}: header: missing column is_fraud`),
    });
  });

  it('refuses a missing file with a coded error naming it', async () => {
    await expect(replayLabelled(join(dir, 'nowhere.csv'))).rejects.toMatchObject({
      code: 'FK_FILE_READ',
      message: expect.stringContaining('nowhere.csv'),
    });
  });
});
