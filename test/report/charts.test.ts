import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../src/batch/csvRecords.js';
import { auc } from '../../src/metrics/auc.js';
import { barChart, distributionChart, rocChart, tradeoffChart } from '../../src/report/charts.js';
import type { VegaLiteSpec } from '../../src/report/document.js';
import { renderFigure } from '../../src/report/figure.js';
import { histogramShares, type HistogramBin } from '../../src/report/histogram.js';
import { barFixture, distributionFixture, rocFixture, tradeoffFixture } from './fixtures.js';

async function svgOf(spec: VegaLiteSpec): Promise<string> {
  const rendered = await renderFigure(spec, 'test', 'test figure');
  expect(rendered.warnings).toEqual([]);
  expect(rendered.svg).not.toBeNull();
  return rendered.svg!;
}

/** The texts drawn in an SVG, in document order. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]!);
}

function inlineRows(spec: VegaLiteSpec): Record<string, unknown>[] {
  const data = (spec as { data?: { values?: Record<string, unknown>[] } }).data;
  return data?.values ?? [];
}

/** int_rate and the default label of the genuine applications in the committed data. */
function interestRatesByOutcome(): { goods: number[]; bads: number[] } {
  const [header, ...lines] = readFileSync('data/applications.csv', 'utf8').trimEnd().split('\n');
  const names = header!.split(',');
  const rate = names.indexOf('int_rate');
  const label = names.indexOf('default');
  const goods: number[] = [];
  const bads: number[] = [];
  for (const line of lines) {
    const parsed = parseLine(line);
    if ('error' in parsed) throw new Error(parsed.error);
    const outcome = parsed.fields[label];
    if (outcome === '0') goods.push(Number(parsed.fields[rate]));
    if (outcome === '1') bads.push(Number(parsed.fields[rate]));
  }
  return { goods, bads };
}

describe('rocChart', () => {
  it('names each curve with its AUC in the legend and draws the dashed chance diagonal', async () => {
    const svg = await svgOf(rocFixture());
    expect(texts(svg)).toEqual(
      expect.arrayContaining(['credit (AUC 0.712)', 'fraud (AUC 0.900)', 'False positive rate', 'True positive rate']),
    );
    expect(svg).toContain('stroke-dasharray="4,4"');
    expect(svg.match(/aria-roledescription="line mark"/g) ?? []).toHaveLength(3);
  });

  it('thins points closer than a pixel but keeps the curve ends', () => {
    const points = Array.from({ length: 10_001 }, (_, i) => ({ fpr: i / 10_000, tpr: i / 10_000 }));
    const spec = rocChart({ curves: [{ name: 'dense', auc: 0.5, points }] });
    const rows = (spec as { layer: { data: { values: { fpr: number; tpr: number }[] } }[] }).layer[1]!.data.values;
    expect(rows.length).toBeLessThan(600);
    expect(rows[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(rows[rows.length - 1]).toMatchObject({ fpr: 1, tpr: 1 });
  });

  it('draws a ROC of the committed data with the AUC the metrics module computes', async () => {
    const { goods, bads } = interestRatesByOutcome();
    const scores = [...bads, ...goods];
    const labels = [...bads.map(() => 1), ...goods.map(() => 0)];
    const area = auc(scores, labels);
    const cuts = [...new Set(scores)].sort((a, b) => b - a);
    const points = [
      { fpr: 0, tpr: 0 },
      ...cuts.map((cut) => ({
        fpr: goods.filter((s) => s >= cut).length / goods.length,
        tpr: bads.filter((s) => s >= cut).length / bads.length,
      })),
    ];
    const svg = await svgOf(rocChart({ curves: [{ name: 'int_rate', auc: area, points }] }));
    expect(area).toBeGreaterThan(0.55);
    expect(texts(svg)).toContain(`int_rate (AUC ${area.toFixed(3)})`);
  });
});

describe('distributionChart', () => {
  it('normalises each group to shares and gives its size in the legend', async () => {
    const spec = distributionFixture();
    const rows = inlineRows(spec) as unknown as HistogramBin[];
    for (const group of ['goods (n = 900)', 'bads (n = 100)']) {
      const shares = rows.filter((row) => row.group === group).map((row) => row.share);
      expect(shares).toHaveLength(20);
      expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 12);
    }
    const svg = await svgOf(spec);
    expect(texts(svg)).toEqual(expect.arrayContaining(['goods (n = 900)', 'bads (n = 100)', 'Credit score', 'Share of the group']));
    expect(svg.match(/aria-roledescription="bar"/g) ?? []).toHaveLength(40);
  });

  it('overlays the bars rather than stacking them: a bin holding half of a group reaches 50%', async () => {
    const spec = distributionChart({
      valueLabel: 'x',
      bins: 2,
      domain: [0, 1],
      groups: [
        { label: 'a', values: [0.1, 0.9] },
        { label: 'b', values: [0.2, 0.8] },
      ],
    });
    const rows = inlineRows(spec) as unknown as HistogramBin[];
    expect(rows.map((row) => row.share)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect((spec as { encoding: { y: { stack: unknown } } }).encoding.y.stack).toBeNull();
  });

  it('compares int_rate of the goods and bads of the committed data', async () => {
    const { goods, bads } = interestRatesByOutcome();
    expect(goods.length + bads.length).toBe(9857);
    const spec = distributionChart({
      valueLabel: 'Interest rate (%)',
      groups: [
        { label: 'goods', values: goods },
        { label: 'bads', values: bads },
      ],
    });
    const rows = inlineRows(spec) as unknown as HistogramBin[];
    const meanBin = (group: string) =>
      rows.filter((row) => row.group === group).reduce((sum, row) => sum + (row.share * (row.binStart + row.binEnd)) / 2, 0);
    // Bads borrow at higher rates: the interest rate prices the risk the bureau sees.
    expect(meanBin(`bads (n = ${bads.length})`)).toBeGreaterThan(meanBin(`goods (n = ${goods.length.toLocaleString('en-US')})`));
    const svg = await svgOf(spec);
    expect(texts(svg)).toContain(`goods (n = ${goods.length.toLocaleString('en-US')})`);
  });

  it('rejects a value that is not a finite number, naming the group', () => {
    expect(() => distributionChart({ valueLabel: 'x', groups: [{ label: 'bads', values: [1, Number.NaN] }] })).toThrow(/group "bads"/);
  });
});

describe('histogramShares', () => {
  it('counts every value once and gives each non-empty group shares summing to 1', () => {
    const values = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 200 });
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 30 }), (groups, bins) => {
        const rows = histogramShares(
          groups.map((group, index) => ({ label: `g${index}`, values: group })),
          bins,
        );
        groups.forEach((group, index) => {
          const own = rows.filter((row) => row.group === `g${index}`);
          expect(own).toHaveLength(bins);
          expect(own.reduce((sum, row) => sum + row.count, 0)).toBe(group.length);
          const total = own.reduce((sum, row) => sum + row.share, 0);
          expect(total).toBeCloseTo(group.length === 0 ? 0 : 1, 9);
          own.slice(1).forEach((row, bin) => expect(row.binStart).toBe(own[bin]!.binEnd));
        });
      }),
    );
  });

  it('counts values in a range too narrow to split into bins of non-zero width', () => {
    const rows = histogramShares([{ label: 'g', values: [5e-324, 1e-323] }], 3);
    expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(2);
  });
});

describe('tradeoffChart', () => {
  it('draws a line per curve and labels each marked point', async () => {
    const svg = await svgOf(tradeoffFixture());
    expect(texts(svg)).toEqual(
      expect.arrayContaining(['champion', 'challenger', 'current cut-off 540', 'proposed 560', 'Approval rate', 'Bad rate among approved']),
    );
    expect(svg.match(/aria-roledescription="line mark"/g) ?? []).toHaveLength(2);
    expect(svg.match(/aria-roledescription="point"/g) ?? []).toHaveLength(2);
  });
  it('draws marked points without curves, and curves without marked points, without a warning', async () => {
    const onlyMarked = tradeoffChart({ xLabel: 'x', yLabel: 'y', curves: [], marked: [{ label: 'here', x: 0.5, y: 0.1 }] });
    expect(texts(await svgOf(onlyMarked))).toContain('here');
    const onlyCurves = tradeoffChart({
      xLabel: 'x',
      yLabel: 'y',
      curves: [
        {
          name: 'c',
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
      ],
      marked: [],
    });
    expect(texts(await svgOf(onlyCurves))).toContain('c');
  });
});

describe('barChart', () => {
  it('draws a horizontal bar per item, largest first, with the reference lines labelled', async () => {
    const spec = barFixture();
    const svg = await svgOf(spec);
    const drawn = texts(svg);
    expect(drawn).toEqual(expect.arrayContaining(['watch at 0.1', 'act at 0.25', 'PSI', 'stable', 'watch', 'act']));
    const axisLabels = drawn.filter((text) => ['int_rate', 'term', 'funded_amnt'].includes(text));
    expect(axisLabels).toEqual(['term', 'funded_amnt', 'int_rate']);
    expect(svg.match(/aria-roledescription="bar"/g) ?? []).toHaveLength(3);
    expect(svg.match(/stroke-dasharray="5,3"/g) ?? []).toHaveLength(2);
  });

  it('colours groups as asked', async () => {
    const spec = barChart({
      valueLabel: 'PSI',
      items: [
        { label: 'a', value: 0.3, group: 'act' },
        { label: 'b', value: 0.01, group: 'stable' },
      ],
      groupColors: [
        { group: 'stable', color: '#2e7d32' },
        { group: 'watch', color: '#f9a825' },
        { group: 'act', color: '#c62828' },
      ],
    });
    const svg = await svgOf(spec);
    expect(svg).toContain('aria-label="PSI: 0.3; label: a; group: act" role="graphics-symbol" aria-roledescription="bar" d=');
    const fills = [...svg.matchAll(/aria-roledescription="bar" d="[^"]*" fill="([^"]+)"/g)].map((match) => match[1]);
    expect(fills).toEqual(['#c62828', '#2e7d32']);
  });

  it('writes long labels out in full, widening the label column', async () => {
    const long = 'amount_to_monthly_income (credit)';
    const svg = await svgOf(
      barChart({
        valueLabel: 'PSI',
        items: [
          { label: long, value: 0.9 },
          { label: 'term (credit)', value: 0.1 },
        ],
      }),
    );
    expect(texts(svg)).toEqual(expect.arrayContaining([long, 'term (credit)']));
    expect(svg).not.toContain('…');
    // The plot keeps its width beside the wider label column.
    const width = Number(/^<svg [^>]*width="(\d+)"/.exec(svg)![1]);
    expect(width).toBeGreaterThan(560 + 0.8 * 11 * long.length);
  });

  it('grows with the number of items so labels never overlap', () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ label: `feature_${i}`, value: i }));
    expect((barChart({ valueLabel: 'v', items }) as { height: number }).height).toBe(660);
  });
});

describe('empty charts', () => {
  it.each([
    ['roc', rocChart({ curves: [] })],
    ['roc with an empty curve', rocChart({ curves: [{ name: 'none', auc: 0.5, points: [] }] })],
    ['distribution', distributionChart({ valueLabel: 'x', groups: [{ label: 'goods', values: [] }] })],
    ['tradeoff', tradeoffChart({ xLabel: 'x', yLabel: 'y', curves: [], marked: [] })],
    ['bar', barChart({ valueLabel: 'x', items: [] })],
  ])('a %s chart without data is marked and not drawn', async (_kind, spec) => {
    expect(spec.usermeta).toEqual({ noData: true });
    expect((await renderFigure(spec, 'test', 'test figure')).svg).toBeNull();
  });
});
