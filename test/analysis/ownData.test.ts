// backtest, tune and drift on a data model other than the shipped one: examples/credit-data over
// data/credit_data.csv (a credit label, no fraud label, no identifiers, no time, no rate). They report
// what the labels allow and say what they do not; counts reconcile; the credit AUC is that of its own
// scores; tune keeps its constraint on the check slice; drift sees a shifted input.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest, type Backtest } from '../../src/analysis/backtest.js';
import { backtestReportDocument } from '../../src/analysis/backtestReport.js';
import { BacktestResult } from '../../src/analysis/backtestSchema.js';
import { auc } from '../../src/metrics/auc.js';
import { ErrorCode } from '../../src/errors.js';
import { readConfigFile } from '../../src/cli/config.js';
import { rejectionOf } from '../fixtures/errors.js';
import { applicationsModel } from '../fixtures/dataModels.js';
import { tunePolicy } from '../../src/analysis/tune.js';
import { analyseDrift } from '../../src/analysis/drift.js';

const scratch = mkdtempSync(join(tmpdir(), 'fk-backtest-own-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('backtest of examples/credit-data on data/credit_data.csv', () => {
  let backtest: Backtest;
  beforeAll(async () => {
    backtest = await runBacktest({ inputPath: 'data/credit_data.csv', config: readConfigFile('examples/credit-data/config.json') });
  }, 120_000);

  it('reads its outcomes from the data model: Status = "bad", no fraud label, Amount priced without a rate', () => {
    const { result } = backtest;
    expect(BacktestResult.parse(result)).toEqual(result);
    expect(result.outcomes).toEqual({
      credit: { field: 'Status', bad: '"bad"' },
      fraud: null,
      amount: 'Amount',
      rate: null,
      term: 'Time',
      time: null,
    });
    expect(result.definitions.bad).toMatch(/^bad = defaulted \(Status = "bad"\);.*declares no fraud outcome/);
  });

  it('decides every row, and the counts reconcile', () => {
    const run = backtest.result.champion;
    expect(run.read).toBe(4454);
    expect(run.decided + run.rejected).toBe(run.read);
    expect(run.outcomes.approve + run.outcomes.review + run.outcomes.decline).toBe(run.decided);
    // 1,254 of the 4,454 rows are "bad" (R: table(credit_data$Status)).
    expect(run.badRate.count).toBe(1254);
    expect(run.fraudCaught.at(-1)!.frauds).toBe(0);
  });

  it('measures the credit score against Status on its own rows', () => {
    const rows = backtest.champion.rows;
    const scores = rows.map((row) => -row.decision.stages.credit!.score);
    const labels = rows.map((row) => (row.defaulted ? 1 : 0));
    const model = backtest.result.champion.models.creditScore.all!;
    expect(model.auc).toBeCloseTo(auc(scores, labels), 12);
    expect(model.auc).toBeGreaterThan(0.75);
    expect(backtest.result.champion.models.fraudProbability.all).toBeNull();
  });

  it('says the random split leaves no slice in time held out', () => {
    const { outOfSample } = backtest.result.champion;
    expect(outOfSample.status).toBe('unknown');
    expect(outOfSample.note).toMatch(/^The credit model was trained on this file, but not split in time \(random split/);
    expect(outOfSample.note).toContain('the latest 20% of rows in the file');
  });

  it('prices losses on Amount and counts every funded good loan as unpriced: no rate is declared', () => {
    const economics = backtest.result.champion.economics!;
    const goods = backtest.result.champion.outcomeTierLabel
      .filter((cell) => cell.outcome === 'approve')
      .reduce((sum, cell) => sum + cell.genuineGood, 0);
    expect(economics.revenue).toBe(0);
    expect(economics.fundedUnpriced).toBe(goods);
    expect(economics.fraudLoss).toBe(0);
    expect(economics.defaultLoss).toBeGreaterThan(0);
  });

  it('writes a report that names its labels and leaves out what it cannot measure', () => {
    const document = backtestReportDocument(backtest, '2026-12-07T00:00:00Z');
    const text = JSON.stringify(document);
    expect(document.sections.map((section) => section.heading)).not.toContain('Fraud caught');
    expect(text).toContain('ROC: credit score against Status');
    expect(text).not.toContain('is_fraud');
    expect(text).not.toContain('applied_at');
    expect(text).not.toContain('funded_amnt');
    expect(text).toContain('The data model declares no rate (outcomes.pricing), so no revenue is priced');
  });
});

describe('a backtest needs an outcome', () => {
  it('refuses a data model that declares none, naming it and saying what to add', async () => {
    const model = JSON.parse(readFileSync('examples/credit-data/data-model.json', 'utf8')) as Record<string, unknown>;
    delete model.outcomes;
    const path = join(scratch, 'no-outcomes.json');
    writeFileSync(path, JSON.stringify(model));
    const error = await rejectionOf(
      runBacktest({ inputPath: 'data/credit_data.csv', config: { dataModel: path, rulePacks: [], fraudModel: null, creditModel: null } }),
    );
    expect(error.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(error.message).toMatch(/a backtest counts outcomes, and the data model credit-data declares none: add "outcomes"/);
  });
});

describe('tune of examples/credit-data on data/credit_data.csv', () => {
  it('tunes the credit cut-off in file order and checks the constraint on the latest rows', async () => {
    const result = await tunePolicy({
      inputPath: 'data/credit_data.csv',
      outPath: join(scratch, 'tuned.json'),
      config: readConfigFile('examples/credit-data/config.json'),
      objective: 'approvals',
      constraints: { maxBadRate: 0.12 },
      confidence: 0,
    });
    expect(result.orderedBy).toBe("in the file's order");
    expect(result.slices.check).toEqual({ rows: 891, from: 'line 3564', to: 'line 4454' });
    expect(result.slices.history.rows + result.slices.tuning.rows + result.slices.check.rows).toBe(4454);
    expect(result.tuning.tuned.badRate.rate!).toBeLessThanOrEqual(0.12);
    // The tuned policy is checked by a full replay on rows it was never tuned on.
    expect(result.check.tuned.rows).toBe(891);
    expect(result.check.tuned.fraudCaught.total).toBe(0);
    expect(result.sample.check).toBe('unknown');
    expect(JSON.parse(readFileSync(join(scratch, 'tuned.json'), 'utf8')).version).toBe(result.policy.tunedVersion);
  }, 120_000);
});

describe('drift of examples/credit-data', () => {
  it('sees an income shifted threefold, and the credit score move with it', async () => {
    const lines = readFileSync('data/credit_data.csv', 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const income = header.indexOf('"Income"');
    const shifted = [
      lines[0],
      ...lines.slice(1).map((line) => {
        const cells = line.split(',');
        if (cells[income] !== '' && cells[income] !== 'NA') cells[income] = String(Number(cells[income]) * 3);
        return cells.join(',');
      }),
    ].join('\n');
    const current = join(scratch, 'shifted.csv');
    writeFileSync(current, `${shifted}\n`);
    const { result } = await analyseDrift({
      baselinePath: 'data/credit_data.csv',
      currentPath: current,
      config: readConfigFile('examples/credit-data/config.json'),
    });
    const byName = new Map(result.features.map((feature) => [feature.feature, feature]));
    expect(byName.get('Income')!.psi).toBeGreaterThan(0.25);
    expect(byName.get('Seniority')!.psi).toBeLessThan(0.01);
    expect(byName.get('credit_score')!.psi).toBeGreaterThan(0.1);
    expect(byName.has('fraud_probability')).toBe(false);
  }, 120_000);
});

describe('a backtest of a data model that declares only a fraud outcome', () => {
  it('counts bad as fraud, every other row as good, and leaves out the credit figures', async () => {
    const path = join(scratch, 'fraud-only.json');
    writeFileSync(
      path,
      JSON.stringify(
        applicationsModel('fraud-only', ['application_id', 'applied_at', 'applicant_id', 'funded_amnt', 'default', 'is_fraud'], {
          outcomes: { fraud: { field: 'is_fraud', bad: 1 } },
        }),
      ),
    );
    const { result, champion } = await runBacktest({
      inputPath: 'data/applications.csv',
      config: { dataModel: path, rulePacks: [], creditModel: null, fraudModel: null },
    });
    const frauds = champion.rows.filter((row) => row.isFraud).length;
    expect(frauds).toBeGreaterThan(100);
    expect(result.champion.badRate).toMatchObject({ count: frauds, total: champion.rows.length });
    expect(result.champion.economics!.fundedUnlabelled).toBe(0);
    expect(result.outcomes.credit).toBeNull();
    expect(result.definitions.bad).toMatch(/^bad = fraud \(is_fraud = 1\);.*declares no credit outcome/);
  }, 120_000);
});
