// Renders a report document to one self-contained HTML page: inline CSS, inline SVG charts, no script and
// nothing fetched (a Content-Security-Policy forbids it, too), so the file can be mailed, archived or
// opened offline and looks the same. The same document always renders to the same page.
import { ErrorCode, FengkongError } from '../errors.js';
import { describeIssues } from '../schema/issues.js';
import { ReportDocument, type ReportDocumentInput, type ReportFigure, type ReportSection, type ReportTable } from './document.js';
import { renderFigure } from './figure.js';
import { escapeHtml, formatCell } from './html.js';
import { REPORT_CSS } from './style.js';

export interface RenderReportOptions {
  /** Called with each warning vega-lite or vega raised while drawing a figure (none by default). */
  onWarning?: (message: string) => void;
}

const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export async function renderReport(document: ReportDocumentInput, options: RenderReportOptions = {}): Promise<string> {
  const parsed = ReportDocument.safeParse(document);
  if (!parsed.success) {
    throw new FengkongError(ErrorCode.REPORT_INVALID, `report document invalid: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  }
  const report = parsed.data;
  const sections: string[] = [];
  for (const [index, section] of report.sections.entries()) {
    sections.push(await renderSection(section, index, options));
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(report.title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    '<div class="page">',
    '<header>',
    `<h1>${escapeHtml(report.title)}</h1>`,
    `<p class="generated">Generated ${escapeHtml(report.generatedAt)}</p>`,
    renderProvenance(report.provenance),
    renderNotes(report.notes),
    renderContents(report.sections),
    '</header>',
    '<main>',
    ...sections,
    '</main>',
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function sectionId(index: number): string {
  return `section-${index + 1}`;
}

function renderProvenance(provenance: ReportDocument['provenance']): string {
  if (provenance.length === 0) return '';
  const rows = provenance.map((entry) => `<tr><td>${escapeHtml(entry.label)}</td><td>${escapeHtml(entry.value)}</td></tr>`);
  return `<table class="provenance">\n<caption>Provenance</caption>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

function renderNotes(notes: readonly string[]): string {
  if (notes.length === 0) return '';
  const items = notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('\n');
  return `<section class="notes" aria-label="Notes">\n<h2>Notes</h2>\n<ul>\n${items}\n</ul>\n</section>`;
}

function renderContents(sections: readonly ReportSection[]): string {
  if (sections.length === 0) return '';
  const items = sections.map((section, index) => `<li><a href="#${sectionId(index)}">${escapeHtml(section.heading)}</a></li>`);
  return `<nav class="toc" aria-label="Contents">\n<h2>Contents</h2>\n<ol>\n${items.join('\n')}\n</ol>\n</nav>`;
}

async function renderSection(section: ReportSection, index: number, options: RenderReportOptions): Promise<string> {
  const id = sectionId(index);
  const parts = [`<section id="${id}">`, `<h2>${escapeHtml(section.heading)}</h2>`];
  for (const paragraph of section.paragraphs) parts.push(`<p>${escapeHtml(paragraph)}</p>`);
  for (const [figureIndex, figure] of section.figures.entries()) {
    parts.push(
      await renderFigureBlock(figure, `${id}-figure-${figureIndex + 1}`, `section "${section.heading}", figure "${figure.title}"`, options),
    );
  }
  for (const table of section.tables) parts.push(renderTable(table));
  parts.push('</section>');
  return parts.join('\n');
}

async function renderFigureBlock(figure: ReportFigure, id: string, where: string, options: RenderReportOptions): Promise<string> {
  const rendered = await renderFigure(figure.spec, id, where);
  for (const warning of rendered.warnings) options.onWarning?.(`${where}: ${warning}`);
  const body = rendered.svg === null ? '<p class="no-data">No data to chart.</p>' : rendered.svg;
  const caption = figure.caption === undefined ? '' : `\n<p class="caption">${escapeHtml(figure.caption)}</p>`;
  return `<figure id="${id}">\n<figcaption>${escapeHtml(figure.title)}</figcaption>\n<div class="chart">${body}</div>${caption}\n</figure>`;
}

function renderTable(table: ReportTable): string {
  const numeric = table.columns.map((column) => column.numeric);
  const cellClass = (columnIndex: number, value: string | number | null) => {
    const classes = [numeric[columnIndex] ? 'numeric' : '', value === null ? 'missing' : ''].filter((name) => name !== '');
    return classes.length === 0 ? '' : ` class="${classes.join(' ')}"`;
  };
  const head = table.columns
    .map((column) => `<th scope="col"${column.numeric ? ' class="numeric"' : ''}>${escapeHtml(column.label)}</th>`)
    .join('');
  const rows = table.rows.map(
    (row) =>
      `<tr>${row.map((value, columnIndex) => `<td${cellClass(columnIndex, value)}>${escapeHtml(formatCell(value))}</td>`).join('')}</tr>`,
  );
  return [
    '<table>',
    `<caption>${escapeHtml(table.caption)}</caption>`,
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
}
