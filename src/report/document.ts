// The report document: what a report says (headings, paragraphs, tables, vega-lite figures), apart from how
// it is drawn. Commands build one; renderReport turns it into a single self-contained HTML page.
import type { TopLevelSpec } from 'vega-lite';
import { z } from 'zod';

/**
 * A vega-lite spec: a plain object that names nothing to load. vega-lite's own compiler is the judge of
 * the rest, and renderReport names the figure whose spec it refuses. A `url` (data from a URL or a file,
 * an image mark's picture, an image channel) would have the renderer read something while drawing, and
 * an `href` would link out of a page that links only within itself: both are refused wherever they sit.
 */
export const VegaLiteSpec = z
  .custom<TopLevelSpec>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'expected a vega-lite spec (an object)',
  )
  .superRefine((spec, context) => {
    for (const { path, key } of forbiddenKeys(spec)) {
      context.addIssue({
        code: 'custom',
        path,
        message:
          key === 'url'
            ? 'a report spec carries its data inline and loads nothing: "url" is not allowed'
            : 'a report links only within itself: "href" is not allowed',
      });
    }
  });
export type VegaLiteSpec = TopLevelSpec;

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['url', 'href']);

/** Every `url` or `href` key in a JSON-like value, with its path (each object visited once). */
function forbiddenKeys(root: unknown): { path: PropertyKey[]; key: string }[] {
  const found: { path: PropertyKey[]; key: string }[] = [];
  const seen = new Set<object>();
  const visit = (value: unknown, path: PropertyKey[]) => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    for (const [key, inner] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) found.push({ path: [...path, key], key });
      else visit(inner, [...path, Array.isArray(value) ? Number(key) : key]);
    }
  };
  visit(root, []);
  return found;
}

export const ReportFigure = z.strictObject({ title: z.string(), caption: z.string().optional(), spec: VegaLiteSpec });

export const ReportTable = z
  .strictObject({
    caption: z.string(),
    columns: z.array(z.strictObject({ label: z.string(), numeric: z.boolean().default(false) })),
    rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))),
  })
  .superRefine((table, context) => {
    for (const [index, row] of table.rows.entries()) {
      if (row.length !== table.columns.length) {
        context.addIssue({
          code: 'custom',
          path: ['rows', index],
          message: `a row has ${row.length} cell(s) for ${table.columns.length} column(s)`,
        });
      }
    }
  });

export const ReportSection = z.strictObject({
  heading: z.string(),
  paragraphs: z.array(z.string()).default([]),
  figures: z.array(ReportFigure).default([]),
  tables: z.array(ReportTable).default([]),
});

export const ReportDocument = z.strictObject({
  title: z.string(),
  /** ISO time; given rather than read from the clock so that one document always renders to the same page. */
  generatedAt: z.string(),
  /** Input sha256, config sha256, version, command. */
  provenance: z.array(z.strictObject({ label: z.string(), value: z.string() })),
  /** Caveats shown at the top (e.g. declined rows' outcomes are counterfactual). */
  notes: z.array(z.string()),
  sections: z.array(ReportSection),
});

export type ReportDocument = z.infer<typeof ReportDocument>;
export type ReportDocumentInput = z.input<typeof ReportDocument>;
export type ReportSection = z.infer<typeof ReportSection>;
export type ReportTable = z.infer<typeof ReportTable>;
export type ReportFigure = z.infer<typeof ReportFigure>;
