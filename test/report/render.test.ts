import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { barChart } from '../../src/report/charts.js';
import { ReportDocument, type ReportDocumentInput } from '../../src/report/document.js';
import { formatNumber } from '../../src/report/html.js';
import { renderReport } from '../../src/report/render.js';
import { HOSTILE, sampleDocument } from './fixtures.js';

/** Every URL the page could load or link to: src, href (and xlink:href), url() and @import. */
function referencedUrls(html: string): string[] {
  const attributes = [...html.matchAll(/\s(?:xlink:)?(?:src|href|srcset|action|poster|data)\s*=\s*"([^"]*)"/gi)].map((match) => match[1]!);
  const cssUrls = [...html.matchAll(/url\(\s*['"]?([^'")]*)/gi)].map((match) => match[1]!);
  const imports = [...html.matchAll(/@import\s+['"]?([^'";\s]*)/gi)].map((match) => match[1]!);
  return [...attributes, ...cssUrls, ...imports];
}

async function expectReportInvalid(document: unknown, message: RegExp): Promise<void> {
  await expect(renderReport(document as ReportDocumentInput)).rejects.toMatchObject({
    code: ErrorCode.REPORT_INVALID,
    message: expect.stringMatching(message),
  });
}

describe('renderReport', () => {
  it('escapes every text from the document: titles, notes, provenance, headings, paragraphs, captions, cells and chart labels', async () => {
    const document = sampleDocument();
    document.sections[2]!.figures![0]!.spec = barChart({ valueLabel: HOSTILE, items: [{ label: HOSTILE, value: 1 }] });
    const html = await renderReport(document);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain(HOSTILE);
    const escaped = '&lt;script&gt;alert(&quot;x &amp; &#39;y&#39;&quot;)&lt;/script&gt;';
    // title element, h1, command, note, paragraph, heading, its contents entry, table caption, cell, figure caption
    expect(html.split(escaped).length - 1).toBe(10);
    // vega escapes the SVG's text itself (quotes left as they are inside element content)
    expect(html).toContain('&lt;script&gt;alert("x &amp; \'y\'")&lt;/script&gt;</text>');
  });

  it('references nothing outside the page: every link is a fragment of the page itself', async () => {
    const html = await renderReport(sampleDocument());
    const urls = referencedUrls(html);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url).toMatch(/^#/);
    // The only absolute URLs are the SVG namespace names, which nothing fetches.
    const absolute = [...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((match) => match[0]);
    expect(new Set(absolute)).toEqual(new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']));
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('links a table of contents to sections with ids, and keeps every id on the page unique', async () => {
    const html = await renderReport(sampleDocument());
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]!);
    expect(new Set(ids).size).toBe(ids.length);
    const links = [...html.matchAll(/<nav class="toc"[\s\S]*?<\/nav>/g)][0]![0].match(/href="#([^"]+)"/g)!;
    expect(links).toEqual(['href="#section-1"', 'href="#section-2"', 'href="#section-3"']);
    for (const id of ['section-1', 'section-2', 'section-3']) expect(ids).toContain(id);
    // clip paths point at their own chart's definitions
    for (const match of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(match[1]);
  });

  it('puts the provenance and notes before the first section', async () => {
    const html = await renderReport(sampleDocument());
    const first = html.indexOf('<section id="section-1">');
    expect(html.indexOf('<table class="provenance">')).toBeGreaterThan(0);
    expect(html.indexOf('<table class="provenance">')).toBeLessThan(first);
    expect(html.indexOf('class="notes"')).toBeLessThan(first);
    expect(html).toContain('<td>input sha256</td><td>9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08</td>');
  });

  it('draws one SVG per figure', async () => {
    const html = await renderReport(sampleDocument());
    expect(html.match(/<svg /g) ?? []).toHaveLength(4);
    expect(html.match(/<figure /g) ?? []).toHaveLength(4);
  });

  it('right-aligns numeric columns and formats their numbers', async () => {
    const html = await renderReport(sampleDocument());
    expect(html).toContain('<th scope="col" class="numeric">approved</th>');
    expect(html).toContain('<tr><td>540</td><td class="numeric">6,123</td><td class="numeric">0.0561</td></tr>');
    expect(html).toContain('<tr><td>none</td><td class="numeric missing">—</td><td class="numeric">0.1</td></tr>');
  });

  it('shows a note in place of a chart without data', async () => {
    const html = await renderReport({
      title: 't',
      generatedAt: '2026-11-25T00:00:00Z',
      provenance: [],
      notes: [],
      sections: [{ heading: 'Drift', figures: [{ title: 'PSI', spec: barChart({ valueLabel: 'PSI', items: [] }) }] }],
    });
    expect(html).toContain('<p class="no-data">No data to chart.</p>');
    expect(html).not.toContain('<svg');
  });

  it('renders the same document to the same page', async () => {
    const [first, second] = [await renderReport(sampleDocument()), await renderReport(sampleDocument())];
    expect(second).toBe(first);
  });

  it('raises no vega or vega-lite warning for the builders’ charts', async () => {
    const warnings: string[] = [];
    await renderReport(sampleDocument(), { onWarning: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
  });

  it('passes on vega-lite warnings, naming the figure', async () => {
    const warnings: string[] = [];
    const spec = {
      data: { values: [{ a: 1 }] },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'quantitative' }, shape: { field: 'a' } },
    };
    const document = {
      title: 't',
      generatedAt: 'now',
      provenance: [],
      notes: [],
      sections: [{ heading: 'S', figures: [{ title: 'F', spec }] }],
    };
    await renderReport(document as ReportDocumentInput, { onWarning: (message) => warnings.push(message) });
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatch(/^section "S", figure "F": /);
  });
});

describe('the report document schema', () => {
  const valid = () => sampleDocument() as Record<string, unknown> & { sections: Record<string, unknown>[] };

  it('accepts the sample document and fills in empty paragraphs, figures and tables', () => {
    const parsed = ReportDocument.parse({ title: 't', generatedAt: 'now', provenance: [], notes: [], sections: [{ heading: 'h' }] });
    expect(parsed.sections[0]).toEqual({ heading: 'h', paragraphs: [], figures: [], tables: [] });
    expect(ReportDocument.safeParse(sampleDocument()).success).toBe(true);
  });

  it('rejects a document without a title, naming the field', async () => {
    const { title: _title, ...document } = valid();
    await expectReportInvalid(document, /^report document invalid: title: /);
  });

  it('rejects an unknown field', async () => {
    await expectReportInvalid({ ...valid(), footer: 'x' }, /unknown field\(s\) "footer"/);
  });

  it('rejects a table row with the wrong number of cells, naming the row', async () => {
    const document = valid();
    document.sections[1]!.tables = [{ caption: 'c', columns: [{ label: 'a' }, { label: 'b' }], rows: [['x', 1], ['y']] }];
    await expectReportInvalid(document, /sections\.1\.tables\.0\.rows\.1: a row has 1 cell\(s\) for 2 column\(s\)/);
  });

  it('rejects a figure whose spec is not an object', async () => {
    const document = valid();
    document.sections[0]!.figures = [{ title: 'f', spec: 'bar chart' }];
    await expectReportInvalid(document, /sections\.0\.figures\.0\.spec: expected a vega-lite spec/);
  });

  it('rejects a spec vega-lite cannot compile, naming the section and figure', async () => {
    const document = valid();
    document.sections[0]!.figures = [{ title: 'Broken', spec: { data: { values: [] }, mark: 'no-such-mark' } }];
    await expectReportInvalid(document, /^section "Model separation", figure "Broken": the vega-lite spec cannot be drawn: /);
  });
});

describe('formatNumber', () => {
  it.each([
    [0, '0'],
    [1234567, '1,234,567'],
    [-42, '-42'],
    [12345.678, '12,345.7'],
    [3.14159, '3.142'],
    [0.712345, '0.712'],
    [0.0042137, '0.00421'],
    [0.000012345, '1.23e-5'],
  ])('formats %s as %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});

describe('ids inside charts', () => {
  const clipped = {
    data: { values: [{ a: 1 }, { a: 3 }] },
    mark: { type: 'bar', clip: true },
    encoding: { x: { field: 'a', type: 'quantitative', scale: { domain: [0, 2] } } },
  };
  const document = {
    title: 't',
    generatedAt: 'now',
    provenance: [],
    notes: [],
    sections: [
      {
        heading: 'S',
        figures: [
          { title: 'one', spec: clipped },
          { title: 'two', spec: clipped },
        ],
      },
    ],
  } as unknown as ReportDocumentInput;

  it('gives each chart its own clip path ids, referenced from within the chart, the same on every render', async () => {
    const html = await renderReport(document);
    const figures = html.match(/<figure [\s\S]*?<\/figure>/g)!;
    expect(figures).toHaveLength(2);
    const definitions = figures.map((figure) => [...figure.matchAll(/<clipPath id="([^"]+)"/g)].map((match) => match[1]!));
    expect(definitions.map((ids) => ids.length)).toEqual([1, 1]);
    expect(definitions[0]).not.toEqual(definitions[1]);
    figures.forEach((figure, index) => {
      const references = [...figure.matchAll(/url\(#([^)]+)\)/g)].map((match) => match[1]!);
      expect(references.length).toBeGreaterThan(0);
      for (const reference of references) expect(definitions[index]).toContain(reference);
    });
    expect(await renderReport(document)).toBe(html);
  });
});
