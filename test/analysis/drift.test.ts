// Drift over real applications (the first 2,000 rows of data/applications.csv): every model input and
// both scores are measured, an unchanged file does not drift, income scaled by 1.6 does (and only what
// reads income moves), the inputs are the values the engine scored, and bad files are coded errors.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseDrift, driftFails, DriftResult, type DriftAnalysis } from '../../src/analysis/drift.js';
import { observeFile } from '../../src/analysis/driftInputs.js';
import { BAND_COLOURS, driftReportDocument } from '../../src/analysis/driftReport.js';
import { engineConfigSha256, replayLabelled } from '../../src/analysis/replay.js';
import { createEngine } from '../../src/engine/createEngine.js';
import { ErrorCode, FengkongError } from '../../src/errors.js';
import { CreditManifest } from '../../src/schema/creditManifest.js';
import type { Decision } from '../../src/schema/decision.js';
import { LENDING_FRAUD_FEATURES } from '../../src/stages/fraud/features.js';
import { loadFraudModel } from '../../src/stages/fraud/model.js';
import { readEvents } from '../../src/batch/readEvents.js';
import { renderReport } from '../../src/report/render.js';
import { rejectionOf } from '../fixtures/errors.js';
import { applicationsSubset } from '../fixtures/applicationsSubset.js';

const ROWS = 2000;
const dir = mkdtempSync(join(tmpdir(), 'fk-drift-'));
const baselinePath = join(dir, 'baseline.csv');
const copyPath = join(dir, 'copy.csv');
const shiftedPath = join(dir, 'shifted.csv');

let same: DriftAnalysis;
let shifted: DriftAnalysis;
beforeAll(async () => {
  writeFileSync(baselinePath, applicationsSubset(ROWS));
  writeFileSync(copyPath, applicationsSubset(ROWS));
  writeFileSync(shiftedPath, applicationsSubset(ROWS, 1.6));
  same = await analyseDrift({ baselinePath, currentPath: copyPath });
  shifted = await analyseDrift({ baselinePath, currentPath: shiftedPath });
}, 120_000);

const byName = (result: DriftResult, feature: string, model: string) => {
  const found = result.features.find((entry) => entry.feature === feature && entry.model === model);
  if (found === undefined) throw new Error(`no ${model} feature ${feature}`);
  return found;
};

describe('analyseDrift', () => {
  it('measures every fraud model input, every column the credit manifest reads, and both scores', () => {
    const manifest = CreditManifest.parse(JSON.parse(readFileSync('models/credit.manifest.json', 'utf8')));
    const sources = [...new Set(manifest.inputs.map((input) => input.source))];
    const features = same.result.features;
    expect(
      features
        .filter((entry) => entry.model === 'fraud')
        .map((entry) => entry.feature)
        .sort(),
    ).toEqual(LENDING_FRAUD_FEATURES.map((spec) => spec.name).sort());
    expect(
      features
        .filter((entry) => entry.model === 'credit')
        .map((entry) => entry.feature)
        .sort(),
    ).toEqual([...sources].sort());
    expect(
      features
        .filter((entry) => entry.model === 'score')
        .map((entry) => entry.feature)
        .sort(),
    ).toEqual(['credit_score', 'fraud_probability']);
    expect(byName(same.result, 'term', 'credit').kind).toBe('categorical');
    expect(byName(same.result, 'annual_inc', 'credit').kind).toBe('numeric');
  });

  it('gives every PSI exactly 0 for two copies of one file, and does not fail', () => {
    expect(same.result.features.every((entry) => entry.psi === 0)).toBe(true);
    expect(same.result.worstBand).toBe('stable');
    expect(driftFails(same.result, 'watch')).toBe(false);
    expect(same.result.baseline.rows).toBe(ROWS);
    expect(same.result.baseline.sha256).toBe(same.result.current.sha256);
    expect(DriftResult.parse(JSON.parse(JSON.stringify(same.result)))).toEqual(same.result);
  });

  it('puts annual income in the act band when it is multiplied by 1.6, and leaves inputs that do not read income at 0', () => {
    const income = byName(shifted.result, 'annual_inc', 'credit');
    expect(income.psi).toBeGreaterThan(0.25);
    expect(income.band).toBe('act');
    expect(byName(shifted.result, 'log_loan_to_income', 'fraud').band).toBe('act');
    for (const untouched of ['funded_amnt', 'term', 'emp_length', 'revol_util']) {
      expect(byName(shifted.result, untouched, 'credit').psi).toBe(0);
    }
    expect(byName(shifted.result, 'log_device_apps_24h', 'fraud').psi).toBe(0);
    expect(shifted.result.worstBand).toBe('act');
    expect(driftFails(shifted.result, 'act')).toBe(true);
    expect(driftFails(shifted.result, 'never')).toBe(false);
    // Highest first.
    const psis = shifted.result.features.map((entry) => entry.psi);
    expect(psis).toEqual([...psis].sort((a, b) => b - a));
    expect(shifted.result.features[0]!.psi).toBeGreaterThan(0.25);
  });

  it('returns the scores of both files for their distributions', () => {
    expect(shifted.scores.credit_score?.baseline).toHaveLength(ROWS);
    expect(shifted.scores.credit_score?.baseline).toEqual(same.scores.credit_score?.current);
    expect(shifted.scores.credit_score?.current).not.toEqual(shifted.scores.credit_score?.baseline);
    expect(shifted.scores.fraud_probability?.current.every((p) => p >= 0 && p <= 1)).toBe(true);
  });

  it('reads the fraud inputs the engine scored and the scores it gave (the same events, in time order, fresh engine)', async () => {
    const observed = await observeFile(baselinePath, {});
    const { events } = await readEvents(baselinePath);
    const ordered = [...events].sort((a, b) => Date.parse(a.applied_at as string) - Date.parse(b.applied_at as string));
    const engine = await createEngine();
    const decisions: Decision[] = [];
    for (let start = 0; start < ordered.length; start += 500)
      decisions.push(...(await engine.decideBatch(ordered.slice(start, start + 500))));
    const baselines = new Map(loadFraudModel('models/fraud-lr.json').model.features.map((feature) => [feature.name, feature.baseline]));
    for (const column of observed.columns.filter((entry) => entry.model === 'fraud')) {
      const values = column.values as Float64Array;
      decisions.forEach((decision, row) => {
        const scored = decision.stages.fraud!.contributions.find((entry) => entry.feature === column.name)!.value;
        // The stage scores a missing input at its baseline.
        expect(Number.isNaN(values[row]!) ? baselines.get(column.name) : values[row]).toBe(scored);
      });
    }
    const creditScores = observed.columns.find((entry) => entry.name === 'credit_score')!.values as Float64Array;
    expect(Array.from(creditScores)).toEqual(decisions.map((decision) => decision.stages.credit!.score));
    const income = observed.columns.find((entry) => entry.name === 'annual_inc')!.values as Float64Array;
    expect(Array.from(income)).toEqual(ordered.map((event) => event.annual_inc));
  }, 60_000);

  it('is not symmetric: with the files swapped the bins are the shifted file’s, and income’s PSI changes', async () => {
    const swapped = await analyseDrift({ baselinePath: shiftedPath, currentPath: baselinePath });
    const [forward, backward] = [byName(shifted.result, 'annual_inc', 'credit'), byName(swapped.result, 'annual_inc', 'credit')];
    expect(backward.band).toBe('act');
    expect(backward.bins.map((bin) => bin.label)).not.toEqual(forward.bins.map((bin) => bin.label));
    expect(Math.abs(backward.psi - forward.psi)).toBeGreaterThan(0.01);
    // What neither file changed stays at 0 either way.
    expect(byName(swapped.result, 'funded_amnt', 'credit').psi).toBe(0);
  }, 60_000);

  it('records the config sha256 a backtest records, with the shipped defaults too', async () => {
    const shipped = await engineConfigSha256({});
    expect(same.result.config).toEqual({ path: null, sha256: shipped });
    const config = { attributions: 'none' as const };
    const { result } = await analyseDrift({ baselinePath, currentPath: copyPath, config, configPath: 'other.json' });
    expect(result.config).toEqual({ path: 'other.json', sha256: await engineConfigSha256(config) });
    expect(result.config.sha256).not.toBe(shipped);
  }, 60_000);

  it('counts the missing values of an input in its own bin', () => {
    const utilisation = byName(same.result, 'installment_utilisation', 'credit');
    const missingBin = utilisation.bins.at(-1)!;
    expect(missingBin.label).toBe('missing');
    expect(missingBin.baseline).toBeGreaterThan(0);
    expect(utilisation.missingShare.baseline).toBeCloseTo(missingBin.baseline / ROWS, 12);
  });
});

describe('the rows compared', () => {
  it('counts a repeated application id once and a broken row as rejected', async () => {
    const [header, ...rows] = applicationsSubset(50).trim().split('\n');
    const messy = join(dir, 'messy.csv');
    writeFileSync(messy, [header, ...rows, rows[7], 'not,an,application'].join('\n') + '\n');
    const { result } = await analyseDrift({ baselinePath, currentPath: messy });
    expect(result.current).toMatchObject({ rows: 50, repeated: 1, rejected: 1, undecided: 0 });
  }, 60_000);
});

describe('the rows compared, as a backtest reads them', () => {
  it('rejects the rows a backtest rejects: broken lines, invalid fields, an applied_at in the future', async () => {
    const [header, ...rows] = applicationsSubset(40).trim().split('\n');
    const columns = header!.split(',');
    const withField = (row: string, column: string, value: string) => {
      const fields = row.split(',');
      fields[columns.indexOf(column)] = value;
      return fields.join(',');
    };
    const messy = join(dir, 'messy-labelled.csv');
    writeFileSync(
      messy,
      [
        header,
        ...rows.slice(0, 30),
        'not,an,application',
        withField(rows[30]!, 'funded_amnt', 'lots'),
        // Valid to the event schema, refused by the engine: both readers refuse it.
        withField(rows[31]!, 'applied_at', '2999-01-01T00:00:00Z'),
        ...rows.slice(32),
      ].join('\n') + '\n',
    );
    const [observed, replay] = [await observeFile(messy, {}), await replayLabelled(messy)];
    expect(observed.rejected).toBe(3);
    expect(replay.rejected).toHaveLength(observed.rejected);
    expect(observed.rows).toBe(replay.rows.length);
  }, 60_000);
});

describe('the drift report', () => {
  it('colours the PSI bars by band, green, amber and red, through the bar chart’s group colours', async () => {
    const document = driftReportDocument(shifted, { generatedAt: 'now', version: 'test', command: 'fengkong drift a b' });
    const html = await renderReport(document);
    const figure = html.match(/<figure id="section-1-figure-1">[\s\S]*?<\/figure>/)![0];
    const fills = new Map<string, Set<string>>();
    for (const match of figure.matchAll(
      /aria-label="[^"]*group: (\w+)" role="graphics-symbol" aria-roledescription="bar" d="[^"]*" fill="([^"]+)"/g,
    )) {
      fills.set(match[1]!, (fills.get(match[1]!) ?? new Set()).add(match[2]!));
    }
    const colour = Object.fromEntries(BAND_COLOURS.map((entry) => [entry.group, entry.color]));
    for (const band of ['stable', 'watch', 'act']) expect(fills.get(band)).toEqual(new Set([colour[band]]));
    expect(html).toContain(`(config sha256 ${shifted.result.config.sha256})`);
  });
});

describe('bad input', () => {
  it('names a missing file', async () => {
    const error = await rejectionOf(analyseDrift({ baselinePath, currentPath: join(dir, 'absent.csv') }));
    expect(error.code).toBe(ErrorCode.FILE_READ);
    expect(error.message).toContain('absent.csv');
  });

  it('names an empty file', async () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    const error = await rejectionOf(analyseDrift({ baselinePath: empty, currentPath: baselinePath }));
    expect(error.code).toBe(ErrorCode.CSV_HEADER);
    expect(error.message).toContain('empty.csv');
  });

  it('names a file in which no row is a valid application', async () => {
    const [header, ...rows] = applicationsSubset(5).trim().split('\n');
    const broken = join(dir, 'broken.csv');
    // Every row loses its last field: the count no longer matches the header.
    writeFileSync(broken, [header, ...rows.map((row) => row.slice(0, row.lastIndexOf(',')))].join('\n') + '\n');
    const error = await rejectionOf(analyseDrift({ baselinePath, currentPath: broken }));
    expect(error).toBeInstanceOf(FengkongError);
    expect(error.code).toBe(ErrorCode.CSV_RECORD);
    expect(error.message).toBe(`${broken}: no valid application in the file (5 data rows rejected)`);
  });
});
