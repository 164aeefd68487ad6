// A backtest on a data model other than the shipped one: examples/credit-data over data/credit_data.csv
// (a credit label, no fraud label, no identifiers, no time, no rate). It reports what the labels allow
// and says what they do not; counts reconcile; the credit AUC is that of its own scores.
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
