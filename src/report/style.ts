// The report page's stylesheet, inlined into the page: system fonts only (no font is fetched), tables
// readable on screen and on paper, figures kept whole across printed pages.
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --rule: #d1d9e0; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.page { max-width: 960px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.3em; margin: 2em 0 0.6em; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
.generated { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; margin: 12px 0 20px; font-size: 0.92em; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 6px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.numeric, th.numeric { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.missing { color: var(--muted); }
table.provenance td:first-child { font-weight: 600; white-space: nowrap; }
table.provenance td { overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.95em; }
table.provenance td:first-child { font-family: inherit; }
.notes { background: #fff8e5; border-left: 4px solid #d4a72c; padding: 8px 16px; margin: 16px 0; }
.notes h2 { border: 0; margin: 4px 0; font-size: 1.05em; }
.notes ul { margin: 4px 0; padding-left: 20px; }
nav.toc ol { margin: 4px 0; padding-left: 24px; }
nav.toc h2 { border: 0; margin: 16px 0 4px; font-size: 1.05em; }
figure { margin: 16px 0 24px; }
figure .chart { overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: 6px; }
figure .caption { color: var(--muted); font-size: 0.92em; margin: 6px 0 0; }
.no-data { color: var(--muted); font-style: italic; border: 1px dashed var(--rule); padding: 16px; margin: 0; }
@media print {
  body { font-size: 11pt; }
  .page { max-width: none; padding: 0; }
  nav.toc { display: none; }
  h2 { break-after: avoid; }
  figure, table { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;
