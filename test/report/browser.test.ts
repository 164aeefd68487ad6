// Opens rendered reports in headless Chromium: a sample page with every kind of figure, and the real
// backtest and drift reports built here from the first rows of data/applications.csv. Each page must show
// all its charts and headings, log no error and load nothing but itself; a screenshot of each goes to
// test-results/. Chromium comes from CHROMIUM_PATH or the system package; CI (.ci/run) installs it, so
// there a missing browser is a failure rather than a skip.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/analysis/backtest.js';
import { backtestReportDocument } from '../../src/analysis/backtestReport.js';
import { analyseDrift } from '../../src/analysis/drift.js';
import { driftReportDocument } from '../../src/analysis/driftReport.js';
import type { ReportDocumentInput } from '../../src/report/document.js';
import { renderReport } from '../../src/report/render.js';
import { applicationsSubset } from '../fixtures/applicationsSubset.js';
import { sampleDocument } from './fixtures.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Enough rows for every backtest chart to have data, few enough to replay in about a second. */
const BACKTEST_ROWS = 1500;
const DRIFT_ROWS = 1000;
const GENERATED_AT = '2026-11-25T20:00:00.000Z';

interface OpenedReport {
  page: Page;
  url: string;
  /** Figures drawn as SVG (a figure without data shows a note instead). */
  charts: number;
}

describe('reports in a browser', () => {
  const workDirectory = mkdtempSync(join(tmpdir(), 'fengkong-report-'));
  let browser: Browser | undefined;
  const problems = new Map<Page, { console: string[]; page: string[]; requests: string[] }>();

  beforeAll(async () => {
    if (!existsSync(executablePath)) return;
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(workDirectory, { recursive: true, force: true });
  });

  function needChromium(skip: (note: string) => void): Browser {
    if (browser === undefined) {
      if (process.env.CI)
        throw new Error(`Chromium not found at ${executablePath}: .ci/run should have installed it (or set CHROMIUM_PATH)`);
      skip(`Chromium not found at ${executablePath}; install it or set CHROMIUM_PATH to run this test`);
    }
    return browser!;
  }

  /** Renders `document`, opens it, and checks what every report must: its charts shown, its headings, nothing loaded, no error. */
  async function open(chromium: Browser, document: ReportDocumentInput, name: string): Promise<OpenedReport> {
    const html = await renderReport(document);
    const path = join(workDirectory, `${name}.html`);
    writeFileSync(path, html);
    const url = pathToFileURL(path).href;
    const page = await chromium.newPage({ viewport: { width: 1100, height: 900 } });
    const seen = { console: [] as string[], page: [] as string[], requests: [] as string[] };
    problems.set(page, seen);
    page.on('console', (message) => {
      if (message.type() === 'error') seen.console.push(message.text());
    });
    page.on('pageerror', (error) => seen.page.push(error.message));
    page.on('request', (request) => seen.requests.push(request.url()));
    await page.goto(url, { waitUntil: 'load' });

    const figures = document.sections.flatMap((section) => section.figures ?? []);
    const charts = figures.filter((figure) => (figure.spec.usermeta as { noData?: boolean } | undefined)?.noData !== true).length;
    await expect.poll(() => page.locator('figure svg').count()).toBe(charts);
    expect(await page.locator('figure').count()).toBe(figures.length);
    for (const chart of await page.locator('figure svg').all()) {
      expect(await chart.isVisible()).toBe(true);
      const box = await chart.boundingBox();
      expect(box!.width).toBeGreaterThan(200);
      expect(box!.height).toBeGreaterThan(50);
    }
    expect(await page.title()).toBe(document.title);
    expect(await page.locator('main h2').allInnerTexts()).toEqual(document.sections.map((section) => section.heading));
    return { page, url, charts };
  }

  /** Saves the screenshot, then checks that nothing but the file was requested and nothing went wrong. */
  async function finish({ page, url }: OpenedReport, screenshot: string, minimumBytes: number): Promise<void> {
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    const seen = problems.get(page)!;
    expect(seen.requests).toEqual([url]);
    expect(seen.page).toEqual([]);
    expect(seen.console).toEqual([]);
    await page.close();
    // A blank or cut-off page compresses to a few kilobytes; charts and tables do not.
    expect(statSync(screenshot).size).toBeGreaterThan(minimumBytes);
  }

  it('shows every chart and heading of the sample page, logs no error and requests nothing but the file', async ({ skip }) => {
    const chromium = needChromium(skip);
    const document = sampleDocument();
    const opened = await open(chromium, document, 'sample');
    expect(opened.charts).toBe(4);
    expect(await opened.page.locator('h1').innerText()).toBe(document.title);
    // The contents link to the sections.
    await opened.page.locator('nav.toc a').nth(2).click();
    expect(opened.page.url()).toBe(`${opened.url}#section-3`);
    await finish(opened, 'test-results/report.png', 60_000);
  });

  it(`shows a real backtest report (the first ${BACKTEST_ROWS} applications) whole`, async ({ skip }) => {
    const chromium = needChromium(skip);
    const input = join(workDirectory, 'labelled.csv');
    writeFileSync(input, applicationsSubset(BACKTEST_ROWS));
    const backtest = await runBacktest({ inputPath: input, command: `fengkong backtest ${input} --report backtest.html` });
    const document = backtestReportDocument(backtest, GENERATED_AT);
    const opened = await open(chromium, document, 'backtest');
    expect(opened.charts).toBeGreaterThanOrEqual(5);
    expect(await opened.page.locator('table.provenance').innerText()).toContain(backtest.result.input.sha256);
    await finish(opened, 'test-results/backtest-report.png', 150_000);
  });

  it(`shows a real drift report (${DRIFT_ROWS} applications against a copy with income × 1.6) whole, its labels uncut`, async ({
    skip,
  }) => {
    const chromium = needChromium(skip);
    const [baselinePath, currentPath] = [join(workDirectory, 'baseline.csv'), join(workDirectory, 'current.csv')];
    writeFileSync(baselinePath, applicationsSubset(DRIFT_ROWS));
    writeFileSync(currentPath, applicationsSubset(DRIFT_ROWS, 1.6));
    const analysis = await analyseDrift({ baselinePath, currentPath });
    const document = driftReportDocument(analysis, {
      generatedAt: GENERATED_AT,
      version: 'test',
      command: `fengkong drift ${baselinePath} ${currentPath} --fail-on act --report drift.html`,
    });
    const opened = await open(chromium, document, 'drift');
    // PSI by feature and the two score distributions.
    expect(opened.charts).toBe(3);
    const psiChart = opened.page.locator('figure', { hasText: 'PSI by feature' }).locator('svg');
    const labels = await psiChart.locator('text').allTextContents();
    expect(labels).toContain('amount_to_monthly_income (credit)');
    expect(labels.filter((label) => label.includes('…'))).toEqual([]);
    // Every feature has its bar and its label.
    for (const feature of analysis.result.features) expect(labels).toContain(`${feature.feature} (${feature.model})`);
    await finish(opened, 'test-results/drift-report.png', 80_000);
  });
});
