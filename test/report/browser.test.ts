// Opens a rendered report in headless Chromium: the page must show its charts and headings, log no
// error and load nothing but itself. Chromium comes from CHROMIUM_PATH or the system package; CI
// (.ci/run) installs it, so there a missing browser is a failure rather than a skip.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/render.js';
import { sampleDocument } from './fixtures.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = 'test-results/report.png';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the report in a browser', () => {
  const workDirectory = mkdtempSync(join(tmpdir(), 'fengkong-report-'));
  afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

  it('shows every chart and heading, logs no error and requests nothing but the file itself', async ({ skip }) => {
    if (!existsSync(executablePath)) {
      if (process.env.CI)
        throw new Error(`Chromium not found at ${executablePath}: .ci/run should have installed it (or set CHROMIUM_PATH)`);
      skip(`Chromium not found at ${executablePath}; install it or set CHROMIUM_PATH to run this test`);
    }
    const document = sampleDocument();
    const reportPath = join(workDirectory, 'report.html');
    writeFileSync(reportPath, await renderReport(document));
    const reportUrl = pathToFileURL(reportPath).href;

    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const consoleErrors: string[] = [];
      const pageErrors: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(reportUrl, { waitUntil: 'load' });

      await expect.poll(() => page.locator('figure svg').count()).toBe(4);
      for (const chart of await page.locator('figure svg').all()) {
        expect(await chart.isVisible()).toBe(true);
        const box = await chart.boundingBox();
        expect(box!.width).toBeGreaterThan(200);
        expect(box!.height).toBeGreaterThan(50);
      }
      expect(await page.locator('h1').innerText()).toBe(document.title);
      const headings = await page.locator('main h2').allInnerTexts();
      expect(headings).toEqual(document.sections.map((section) => section.heading));
      expect(await page.title()).toBe(document.title);
      // The contents link to the sections.
      await page.locator('nav.toc a').nth(2).click();
      expect(page.url()).toBe(`${reportUrl}#section-3`);

      mkdirSync('test-results', { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(requests).toEqual([reportUrl]);
      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await browser.close();
    }
    // A blank or cut-off page compresses to a few kilobytes; four charts and tables do not.
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(60_000);
  });
});
