// replayLabelled: the whole labelled history through the engine in event-time order, each decision
// beside its labels. On the committed data it must reconcile and equal `fengkong score` row for row;
// on small files built here, a shuffled file must decide as the sorted one does.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configSha256, replayLabelled, splitByTime, type Replay } from '../../src/analysis/replay.js';
import { readEvents } from '../../src/batch/readEvents.js';
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

  it('records the amount lent: an approval’s offer (counter-offers lend less than asked), else the request', () => {
    const approvals = replay.rows.filter((row) => row.decision.outcome === 'approve');
    const counterOffers = approvals.filter((row) => row.decision.offer?.counterOffer === true);
    expect(approvals).toHaveLength(7721);
    expect(counterOffers).toHaveLength(964);
    for (const row of approvals) expect(row.approvedAmount).toBe(row.decision.offer?.approvedAmount ?? row.amount);
    for (const row of counterOffers) expect(row.approvedAmount).toBeLessThan(row.amount!);
    for (const row of replay.rows.filter((entry) => entry.decision.outcome !== 'approve')) expect(row.approvedAmount).toBe(row.amount);
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    expect(sum(counterOffers.map((row) => row.amount!)) / 1e6).toBeCloseTo(26.5, 1);
    expect(sum(counterOffers.map((row) => row.approvedAmount)) / 1e6).toBeCloseTo(19.17, 1);
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

  it('rejects the same rows as readEvents (drift, the trainers): one reader, one rule of validity', async () => {
    const lines = sorted.slice(0, 12);
    lines[2] = 'not,a,row';
    lines[5] = lines[5]!.replace(/,term_(36|60),/, ',term_48,');
    // Decades ahead: the engine's own check refuses an applied_at more than a day in the future.
    lines[7] = lines[7]!.replace(/,\d{4}-\d\d-\d\dT/, ',2999-01-01T');
    const path = writeCsv('validity.csv', lines);
    const [replay, read] = await Promise.all([replayLabelled(path), readEvents(path)]);
    expect(replay.rejected.map(({ line, code }) => ({ line, code }))).toEqual([
      { line: 3, code: 'FK_CSV_RECORD' },
      { line: 6, code: 'FK_EVENT_INVALID' },
      { line: 8, code: 'FK_EVENT_INVALID' },
    ]);
    expect(replay.rejected[2]!.message).toContain('applied_at: more than a day in the future');
    expect(read.rejected).toBe(replay.rejected.length);
    expect(read.events.map((event) => event.application_id).sort()).toEqual(replay.rows.map((row) => row.applicationId).sort());
  });

  it('keeps an empty int_rate as null (economics leaves it unpriced), never 0%', async () => {
    const columns = header!.split(',');
    const rate = columns.indexOf('int_rate');
    const lines = sorted.slice(0, 3).map((line, index) => {
      if (index !== 1) return line;
      const fields = line.split(',');
      fields[rate] = '';
      return fields.join(',');
    });
    const replay = await replayLabelled(writeCsv('no-rate.csv', lines));
    expect(replay.rows.find((row) => row.line === 2)!.intRatePercent).toBeNull();
    expect(replay.rows.find((row) => row.line === 1)!.intRatePercent).toBeGreaterThan(0);
  });

  it('hashes whether a salt is set, never the salt itself', () => {
    const engine = {
      audit: { version: '1', dataModelSha256: 'm', rulePackSha256: 'a', listsSha256: 'b', derivedFeaturesSha256: 'c', policySha256: 'd' },
    };
    const one = configSha256({ identifierSalt: 'a-salt-of-my-own' }, engine);
    expect(configSha256({ identifierSalt: 'another-salt-entirely' }, engine)).toBe(one);
    expect(configSha256({}, engine)).not.toBe(one);
    expect(configSha256({ attributions: 'all' }, engine)).not.toBe(configSha256({}, engine));
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
