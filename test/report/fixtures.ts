// A small report with every kind of figure, a table and hostile text (markup, ampersands, quotes) in the
// places a document carries text, for the report's unit and browser tests.
import { barChart, distributionChart, rocChart, tradeoffChart } from '../../src/report/charts.js';
import type { ReportDocumentInput } from '../../src/report/document.js';

export const HOSTILE = `<script>alert("x & 'y'")</script>`;

export function rocFixture() {
  return rocChart({
    curves: [
      { name: 'credit', auc: 0.71234, points: Array.from({ length: 101 }, (_, i) => ({ fpr: i / 100, tpr: Math.sqrt(i / 100) })) },
      {
        name: 'fraud',
        auc: 0.9,
        points: [
          { fpr: 0, tpr: 0 },
          { fpr: 0.1, tpr: 0.8 },
          { fpr: 1, tpr: 1 },
        ],
      },
    ],
  });
}

export function distributionFixture() {
  return distributionChart({
    valueLabel: 'Credit score',
    groups: [
      { label: 'goods', values: Array.from({ length: 900 }, (_, i) => 500 + (i % 300)) },
      { label: 'bads', values: Array.from({ length: 100 }, (_, i) => 450 + 2 * i) },
    ],
  });
}

export function tradeoffFixture() {
  return tradeoffChart({
    xLabel: 'Approval rate',
    yLabel: 'Bad rate among approved',
    curves: [
      { name: 'champion', points: Array.from({ length: 21 }, (_, i) => ({ x: i / 20, y: 0.02 + 0.1 * (i / 20) ** 2 })) },
      { name: 'challenger', points: Array.from({ length: 21 }, (_, i) => ({ x: i / 20, y: 0.015 + 0.09 * (i / 20) ** 2 })) },
    ],
    marked: [
      { label: 'current cut-off 540', x: 0.6, y: 0.056 },
      { label: 'proposed 560', x: 0.5, y: 0.0375 },
    ],
  });
}

export function barFixture() {
  return barChart({
    valueLabel: 'PSI',
    items: [
      { label: 'int_rate', value: 0.02, group: 'stable' },
      { label: 'term', value: 0.31, group: 'act' },
      { label: 'funded_amnt', value: 0.12, group: 'watch' },
    ],
    rules: [
      { value: 0.1, label: 'watch at 0.1' },
      { value: 0.25, label: 'act at 0.25' },
    ],
  });
}

export function sampleDocument(): ReportDocumentInput {
  return {
    title: `Backtest ${HOSTILE}`,
    generatedAt: '2026-11-25T20:00:00.000Z',
    provenance: [
      { label: 'input sha256', value: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' },
      { label: 'command', value: `fengkong backtest data/applications.csv --label "default" ${HOSTILE}` },
    ],
    notes: [`Declined rows' outcomes are counterfactual & ${HOSTILE}`],
    sections: [
      {
        heading: 'Model separation',
        paragraphs: [`The credit model separates goods from bads; ${HOSTILE}`],
        figures: [
          { title: 'ROC curves', caption: 'The dashed diagonal is chance.', spec: rocFixture() },
          { title: 'Credit score by outcome', spec: distributionFixture() },
        ],
      },
      {
        heading: `Policy trade-off ${HOSTILE}`,
        figures: [{ title: 'Approval rate against bad rate', spec: tradeoffFixture() }],
        tables: [
          {
            caption: `Cut-offs ${HOSTILE}`,
            columns: [{ label: 'cut-off' }, { label: 'approved', numeric: true }, { label: 'bad rate', numeric: true }],
            rows: [
              ['540', 6123, 0.0561],
              [HOSTILE, 5012, 0.03749],
              ['none', null, 0.1],
            ],
          },
        ],
      },
      { heading: 'Drift', figures: [{ title: 'PSI by feature', caption: `Bands ${HOSTILE}`, spec: barFixture() }] },
    ],
  };
}
