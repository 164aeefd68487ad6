// `fengkong backtest` from a user's seat: the report and JSON from the committed data, a challenger with
// a stricter policy shown beside the champion, the same report from the same input and config, and
// coded errors for a bad path or an unlabelled file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BacktestResult } from '../../src/analysis/backtestSchema.js';
import { EXIT } from '../../src/cli/main.js';
import { libraryVersion } from '../../src/engine/paths.js';
import { runCommand } from '../fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-backtest-'));
const backtest = (...args: string[]) => runCommand('backtest', ...args);
const readJson = (path: string) => BacktestResult.parse(JSON.parse(readFileSync(path, 'utf8')));

/** The shipped policy with the fraud-score review threshold lowered from 0.3 to 0.2. */
function writeStricterConfig(): string {
  const pack = JSON.parse(readFileSync('rules/policy/default.json', 'utf8')) as {
    version: string;
    rules: { name: string; conditions: { all: { value: unknown }[] } }[];
  };
  const review = pack.rules.find((rule) => rule.name === 'P_FRAUD_SCORE_REVIEW')!;
  expect(review.conditions.all[0]!.value).toBe(0.3);
  review.conditions.all[0]!.value = 0.2;
  pack.version = '1.0.0-strict';
  writeFileSync(join(dir, 'strict-policy.json'), JSON.stringify(pack, null, 2));
  writeFileSync(join(dir, 'strict.json'), JSON.stringify({ policyPack: 'strict-policy.json' }));
  return join(dir, 'strict.json');
}

describe('fengkong backtest data/applications.csv', () => {
  const report = join(dir, 'report.html');
  const json = join(dir, 'report.json');
  let result: BacktestResult;
  let html: string;
  let stderr: string;
  beforeAll(async () => {
    const run = await backtest('data/applications.csv', '--report', report, '--json', json);
    expect(run.exitCode, run.stderr).toBe(EXIT.OK);
    stderr = run.stderr;
    result = readJson(json);
    html = readFileSync(report, 'utf8');
  }, 120_000);

  it('reconciles: read = decided + rejected, outcomes sum to the decided rows, every fraud counted', () => {
    const { champion } = result;
    expect(champion.read).toBe(9857);
    expect(champion.decided + champion.rejected).toBe(champion.read);
    expect(champion.outcomes.approve + champion.outcomes.review + champion.outcomes.decline).toBe(champion.decided);
    const all = champion.fraudCaught.at(-1)!;
    expect(all).toMatchObject({ scenario: 'all', frauds: 305 });
    expect(all.declined + all.reviewed + all.missed).toBe(305);
    expect(champion.fraudCaught.slice(0, -1).map((entry) => [entry.scenario, entry.frauds])).toEqual([
      ['device_farm', 115],
      ['stolen_identity', 82],
      ['synthetic_identity', 108],
    ]);
    const cells = champion.outcomeTierLabel;
    expect(cells.reduce((sum, cell) => sum + cell.total, 0)).toBe(champion.decided);
    expect(cells.reduce((sum, cell) => sum + cell.fraud, 0)).toBe(305);
    expect(cells.reduce((sum, cell) => sum + cell.genuineDefault, 0)).toBe(498);
  });

  it('approves less bad than it sees: bad rate among approvals below the overall rate, intervals around each rate', () => {
    const { champion } = result;
    expect(champion.badRate).toMatchObject({ count: 803, total: 9857 });
    expect(champion.badRateApproved.upper!).toBeLessThan(champion.badRate.lower!);
    for (const rate of [champion.approvalRate, champion.badRate, champion.badRateApproved, champion.fraudRateApproved]) {
      expect(rate.lower!).toBeLessThan(rate.rate!);
      expect(rate.upper!).toBeGreaterThan(rate.rate!);
    }
  });

  it('measures both models: the fraud probability on is_fraud, the credit score (oriented) on default', () => {
    const { fraudProbability, creditScore } = result.champion.models;
    expect(fraudProbability.all).toMatchObject({ rows: 9857, positives: 305 });
    expect(fraudProbability.heldOut!.auc).toBeGreaterThan(0.85);
    expect(fraudProbability.heldOut!.positives).toBe(61);
    expect(creditScore.all).toMatchObject({ rows: 9552, positives: 498 });
    // Above 0.5: the score is negated before ranking (higher score = better credit).
    expect(creditScore.all!.auc).toBeGreaterThan(0.6);
    expect(creditScore.heldOut!.auc).toBeCloseTo(0.663, 2);
  });

  it('reports every rule of the packs, reason codes and the stated economics', () => {
    const rules = result.champion.rules;
    expect(rules).toHaveLength(34);
    expect(rules.find((rule) => rule.code === 'P_FRAUD_SCORE_DECLINE')).toMatchObject({ precisionLabel: 'fraud' });
    expect(rules.every((rule) => rule.incremental <= rule.hits)).toBe(true);
    expect(result.champion.reasons.length).toBeGreaterThan(10);
    expect(result.economics).toEqual({ averageBalanceFactor: 0.5, lossGivenDefault: 0.6, fraudLoss: 1, reviewsFunded: false });
    const economics = result.champion.economics!;
    expect(economics.fundedLoans).toBe(result.champion.outcomes.approve);
    expect(economics.net).toBeCloseTo(economics.revenue - economics.defaultLoss - economics.fraudLoss, 6);
    expect(economics.fraudLoss).toBeGreaterThan(0);
  });

  it('writes an HTML report with at least five charts, its provenance and the counterfactual caveat', () => {
    expect(html.match(/<svg/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
    expect(html).toContain(result.input.sha256);
    expect(html).toContain(result.champion.configSha256);
    expect(html).toContain(libraryVersion);
    expect(html).toContain(`fengkong backtest data/applications.csv --report ${report} --json ${json}`);
    expect(html).toContain('as if they had been funded (counterfactual)');
    expect(html).toContain('95% Wilson interval');
    expect(stderr).toMatch(/approval rate 78\.\d% \(/);
  });

  it('says the held-out slice is out of sample because the models record this file as their training data', () => {
    expect(result.heldOutFraction).toBe(0.2);
    expect(result.champion.outOfSample.status).toBe('held-out');
    expect(html).toContain('record this file (sha256 3fd8f08a62a5…) as their training data');
    expect(html).toContain('the latest 20% of rows by applied_at is out of sample');
  });

  it('prices the amounts lent: counter-offers at their offer, not the request', () => {
    const economics = result.champion.economics!;
    // 7,721 approvals requested 118,112,875; their offers lend 7,331,125 less (964 counter-offers).
    expect(economics.fundedLoans).toBe(7721);
    expect(economics.fundedAmount).toBe(110_781_750);
    expect(economics.fundedUnpriced).toBe(0);
    expect(html).toContain('The amount is the amount lent');
    expect(stderr).toContain('economics (on the amounts lent)');
  });

  it('labels the policy’s credit-score cut-off and the cut-offs every 10 points on the trade-off chart', () => {
    expect(html).toContain('champion policy, cut-off 550');
    expect(html).toContain('≥ 600');
  });
});

describe('fengkong backtest --challenger', () => {
  let result: BacktestResult;
  let html: string;
  beforeAll(async () => {
    const report = join(dir, 'challenger.html');
    const json = join(dir, 'challenger.json');
    const run = await backtest('data/applications.csv', '--report', report, '--json', json, '--challenger', writeStricterConfig());
    expect(run.exitCode, run.stderr).toBe(EXIT.OK);
    result = readJson(json);
    html = readFileSync(report, 'utf8');
  }, 120_000);

  it('a stricter fraud review threshold moves approvals to review, and only that', () => {
    const changes = result.changes!;
    expect(changes.compared).toBe(9857);
    expect(changes.changed).toBeGreaterThan(0);
    expect(changes.matrix.approve!.review).toBe(changes.changed);
    expect(result.challenger!.outcomes.approve).toBe(result.champion.outcomes.approve - changes.changed);
    expect(result.challenger!.fraudCaught.at(-1)!.caught.count).toBeGreaterThanOrEqual(result.champion.fraudCaught.at(-1)!.caught.count);
    expect(result.challenger!.policy.version).toBe('1.0.0-strict');
    expect(result.challenger!.configSha256).not.toBe(result.champion.configSha256);
  });

  it('shows both side by side: a column per run, both config hashes, the changed decisions', () => {
    expect(html).toContain(result.challenger!.configSha256);
    expect(html).toContain(result.champion.configSha256);
    expect(html).toContain(`${result.changes!.changed} of 9857 changed`);
    expect(html).toMatch(/challenger caught/);
    expect(html.match(/<svg/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
  });
});

describe('fengkong backtest on a small file', () => {
  const [header, ...lines] = readFileSync('data/applications.csv', 'utf8').trimEnd().split('\n');
  const subset = join(dir, 'subset.csv');
  writeFileSync(subset, [header, ...lines.slice(0, 1500)].join('\n') + '\n');

  it('gives the same report and JSON for the same input and config, apart from generatedAt', async () => {
    const report = join(dir, 'same.html');
    const json = join(dir, 'same.json');
    const texts: string[][] = [];
    for (let run = 0; run < 2; run += 1) {
      expect((await backtest(subset, '--report', report, '--json', json, '--quiet')).exitCode).toBe(EXIT.OK);
      texts.push([readFileSync(report, 'utf8'), readFileSync(json, 'utf8')]);
    }
    const withoutTime = (text: string) => text.replace(/Generated [0-9T:.\-Z]+/, 'Generated …');
    expect(withoutTime(texts[1]![0]!)).toBe(withoutTime(texts[0]![0]!));
    expect(texts[0]![0]).toMatch(/Generated \d{4}-\d\d-\d\dT/);
    expect(texts[1]![1]).toBe(texts[0]![1]);
  });

  it('reads the economics from --economics', async () => {
    const economics = join(dir, 'economics.json');
    writeFileSync(economics, JSON.stringify({ lossGivenDefault: 0.4 }));
    const json = join(dir, 'economics-out.json');
    expect((await backtest(subset, '--report', join(dir, 'e.html'), '--json', json, '--economics', economics, '--quiet')).exitCode).toBe(
      EXIT.OK,
    );
    const result = readJson(json);
    expect(result.economics.lossGivenDefault).toBe(0.4);
    const approvedDefaults = result.champion.outcomeTierLabel
      .filter((cell) => cell.outcome === 'approve')
      .reduce((sum, cell) => sum + cell.genuineDefault, 0);
    expect(approvedDefaults).toBeGreaterThan(0);
    expect(result.champion.economics!.defaultLoss).toBeGreaterThan(0);
  });

  it('exits 2 naming a missing file, and puts no report in place', async () => {
    const report = join(dir, 'missing.html');
    const { exitCode, stderr } = await backtest(join(dir, 'nowhere.csv'), '--report', report);
    expect(exitCode).toBe(EXIT.FAILED);
    expect(stderr).toMatch(/^fengkong: FK_FILE_READ: .*nowhere\.csv: cannot be read/);
    expect(existsSync(report)).toBe(false);
  });

  it('exits 2 on an unlabelled file, naming the file and the missing column', async () => {
    const columns = header!.split(',');
    const drop = columns.indexOf('default');
    const keep = (line: string) =>
      line
        .split(',')
        .filter((_, index) => index !== drop)
        .join(',');
    const unlabelled = join(dir, 'unlabelled.csv');
    writeFileSync(unlabelled, [keep(header!), ...lines.slice(0, 20).map(keep)].join('\n') + '\n');
    const { exitCode, stderr } = await backtest(unlabelled, '--report', join(dir, 'u.html'));
    expect(exitCode).toBe(EXIT.FAILED);
    expect(stderr).toContain(`fengkong: FK_CSV_HEADER: ${unlabelled}: header: missing column default`);
  });

  it('exits 2 on a missing economics file with FK_FILE_READ naming it', async () => {
    const { exitCode, stderr } = await backtest(subset, '--report', join(dir, 'm.html'), '--economics', join(dir, 'no-economics.json'));
    expect(exitCode).toBe(EXIT.FAILED);
    expect(stderr).toMatch(/^fengkong: FK_FILE_READ: .*no-economics\.json: cannot be read \(ENOENT\)/);
  });

  it('checks every output path before the replay and leaves no output when one cannot be written', async () => {
    const json = join(dir, 'unwritten.json');
    const started = Date.now();
    const { exitCode, stderr } = await backtest(subset, '--report', join(dir, 'no-such-dir', 'r.html'), '--json', json);
    expect(exitCode).toBe(EXIT.FAILED);
    expect(stderr).toMatch(/FK_FILE_WRITE: .*no-such-dir.*r\.html: cannot be written/);
    expect(existsSync(json)).toBe(false);
    expect(existsSync(`${json}.partial`)).toBe(false);
    // Refused before the replay: well under the time a replay of 1,500 rows takes.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('exits 2 on a bad economics file, naming it and the field', async () => {
    const economics = join(dir, 'bad-economics.json');
    writeFileSync(economics, JSON.stringify({ lossGivenDefault: 2 }));
    const { exitCode, stderr } = await backtest(subset, '--report', join(dir, 'b.html'), '--economics', economics);
    expect(exitCode).toBe(EXIT.FAILED);
    expect(stderr).toMatch(/FK_CONFIG_INVALID: .*bad-economics\.json: .*lossGivenDefault/);
  });

  it('exits 1 without --report (commander refuses it in a real process)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/tools/fengkong-src.ts', 'backtest', subset], { encoding: 'utf8' });
    expect(run.status).toBe(EXIT.USAGE);
    expect(run.stderr).toContain("required option '--report <report.html>' not specified");
  });
});
