// The report document: what a report says (headings, paragraphs, tables, vega-lite figures), apart from how
// it is drawn. Commands build one; renderReport turns it into a single self-contained HTML page.
import type { TopLevelSpec } from 'vega-lite';
import { z } from 'zod';

/**
 * A vega-lite spec, checked only for being a plain object here: vega-lite's own compiler is the judge of
 * the rest, and renderReport names the figure whose spec it refuses.
 */
export const VegaLiteSpec = z.custom<TopLevelSpec>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'expected a vega-lite spec (an object)',
);
export type VegaLiteSpec = TopLevelSpec;

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
