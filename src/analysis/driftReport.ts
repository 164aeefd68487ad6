// The drift result as a report document: PSI by feature against the bands, the score distributions of
// both files, the table, and where the numbers came from.
import { barChart, distributionChart } from '../report/charts.js';
import type { ReportDocumentInput } from '../report/document.js';
import type { DriftAnalysis, DriftResult, FeatureDrift } from './drift.js';
import { percent } from './format.js';

export const DRIFT_TABLE_COLUMNS = [
  'feature',
  'model',
  'kind',
  'PSI',
  'band',
  'missing (baseline)',
  'missing (current)',
  'unseen (current)',
] as const;

/** One row per feature, in the result's order (highest PSI first). */
export function driftTableRows(result: DriftResult): Array<[string, string, string, number, string, number, number, number]> {
  return result.features.map((feature) => [
    feature.feature,
    feature.model,
    feature.kind,
    feature.psi,
    feature.band,
    feature.missingShare.baseline,
    feature.missingShare.current,
    feature.unseenShare,
  ]);
}

export function driftReportDocument(
  analysis: DriftAnalysis,
  context: { generatedAt: string; version: string; command: string },
): ReportDocumentInput {
  const { result, scores } = analysis;
  const counts = countBands(result.features);
  const scoreFigures = (
    [
      ['fraud_probability', 'Fraud probability', [0, 1]],
      ['credit_score', 'Credit score', undefined],
    ] as const
  ).flatMap(([name, label, domain]) => {
    const values = scores[name];
    if (values === undefined) return [];
    const spec = distributionChart({
      valueLabel: label,
      groups: [
        { label: 'baseline', values: values.baseline },
        { label: 'current', values: values.current },
      ],
      ...(domain === undefined ? {} : { domain: [...domain] as [number, number] }),
    });
    return [{ title: `${label}: baseline against current`, spec }];
  });
  return {
    title: 'Drift: baseline against current',
    generatedAt: context.generatedAt,
    provenance: [
      { label: 'baseline', value: `${result.baseline.path} (sha256 ${result.baseline.sha256})` },
      { label: 'current', value: `${result.current.path} (sha256 ${result.current.sha256})` },
      {
        label: 'config',
        value: `${result.config.path ?? 'shipped defaults'} (config sha256 ${result.config.sha256})`,
      },
      { label: 'version', value: context.version },
      { label: 'command', value: context.command },
    ],
    notes: [
      `Each file was replayed through the engine on its own, in event-time order with a fresh velocity history: ` +
        `velocity inputs in a short file start from nothing and read lower than in a long one.`,
      `Bins: deciles of the baseline for numbers (equal edges merged), one per baseline category plus "unseen" ` +
        `for categories, and one for missing values; shares are floored at ${result.shareFloor} before the sum.`,
    ],
    sections: [
      {
        heading: 'Population stability by feature',
        paragraphs: [
          `${result.features.length} features: ${counts.act} act (PSI > ${result.bands.act}), ${counts.watch} watch ` +
            `(${result.bands.watch} – ${result.bands.act}), ${counts.stable} stable. ` +
            `Baseline ${result.baseline.rows} applications, current ${result.current.rows}.`,
        ],
        figures: [
          {
            title: 'PSI by feature',
            caption: 'Bars coloured by band; dashed lines at the band limits.',
            spec: barChart({
              valueLabel: 'PSI',
              items: result.features.map((feature) => ({
                label: `${feature.feature} (${feature.model})`,
                value: feature.psi,
                group: feature.band,
              })),
              rules: [
                { value: result.bands.watch, label: `watch ${result.bands.watch}` },
                { value: result.bands.act, label: `act ${result.bands.act}` },
              ],
              groupColors: BAND_COLOURS,
            }),
          },
        ],
        tables: [
          {
            caption: 'PSI by feature, highest first (shares of each file)',
            columns: DRIFT_TABLE_COLUMNS.map((label, index) => ({ label, numeric: index === 3 || index >= 5 })),
            rows: driftTableRows(result).map((row) => [
              row[0],
              row[1],
              row[2],
              Number(row[3].toFixed(4)),
              row[4],
              percent(row[5], 1),
              percent(row[6], 1),
              percent(row[7], 1),
            ]),
          },
        ],
      },
      { heading: 'Score distributions', paragraphs: [], figures: scoreFigures, tables: [] },
    ],
  };
}

/** Green, amber, red, in this order whichever bands occur (vega's palette would follow the names' order). */
export const BAND_COLOURS: { group: FeatureDrift['band']; color: string }[] = [
  { group: 'stable', color: '#59a14f' },
  { group: 'watch', color: '#f28e2b' },
  { group: 'act', color: '#e15759' },
];

export function countBands(features: readonly FeatureDrift[]): Record<FeatureDrift['band'], number> {
  const counts = { stable: 0, watch: 0, act: 0 };
  for (const feature of features) counts[feature.band] += 1;
  return counts;
}
