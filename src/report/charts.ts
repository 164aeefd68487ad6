// Vega-lite spec builders for the report's four kinds of figure: plain data in, a spec out. The specs carry
// their data inline and no title (the page's figure caption holds it); a builder given no data marks its
// spec `usermeta.noData`, and the page shows a short note in its place.
import type { VegaLiteSpec } from './document.js';
import { histogramShares } from './histogram.js';

const WIDTH = 560;
const HEIGHT = 340;
const DEFAULT_BINS = 20;
const RULE_DASH: number[] = [5, 3];
/** Points closer than this (in axis units of a [0, 1] ROC square, about a pixel at WIDTH) are not drawn. */
const ROC_RESOLUTION = 0.002;

const config = {
  font: 'sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, titlePadding: 8, labelLimit: 260 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
} as const;

export interface RocCurveInput {
  name: string;
  auc: number;
  points: { fpr: number; tpr: number }[];
}

/** ROC curves, one line per model, named with its AUC in the legend, over the chance diagonal. */
export function rocChart(input: { curves: RocCurveInput[] }): VegaLiteSpec {
  const names = input.curves.map((curve) => `${curve.name} (AUC ${curve.auc.toFixed(3)})`);
  const rows = input.curves.flatMap((curve, index) =>
    thinPoints(curve.points, ROC_RESOLUTION).map((point, order) => ({ curve: names[index]!, fpr: point.fpr, tpr: point.tpr, order })),
  );
  const unit = { type: 'quantitative' as const, scale: { domain: [0, 1] }, axis: { format: '.1f' } };
  return {
    width: HEIGHT,
    height: HEIGHT,
    config,
    ...noDataMark(rows.length === 0),
    layer: [
      {
        data: {
          values: [
            { fpr: 0, tpr: 0 },
            { fpr: 1, tpr: 1 },
          ],
        },
        mark: { type: 'line', color: '#999999', strokeDash: [4, 4], strokeWidth: 1 },
        encoding: { x: { field: 'fpr', ...unit, title: 'False positive rate' }, y: { field: 'tpr', ...unit, title: 'True positive rate' } },
      },
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 'fpr', ...unit, title: 'False positive rate' },
          y: { field: 'tpr', ...unit, title: 'True positive rate' },
          color: { field: 'curve', type: 'nominal', scale: { domain: names }, legend: { title: null, orient: 'bottom-right' } },
          order: { field: 'order', type: 'quantitative' },
        },
      },
    ],
  };
}

/**
 * Histograms of a value per group, each normalised to the group's size (shares, not counts) and overlaid,
 * so that a small group (bads) reads beside a large one (goods). The legend gives each group's size.
 */
export function distributionChart(input: {
  valueLabel: string;
  groups: { label: string; values: number[] }[];
  bins?: number;
  domain?: [number, number];
}): VegaLiteSpec {
  const labels = input.groups.map((group) => `${group.label} (n = ${group.values.length.toLocaleString('en-US')})`);
  const bins = input.bins ?? DEFAULT_BINS;
  // Rows come group by group, `bins` rows each; the legend names a group with its size.
  const rows = histogramShares(input.groups, bins, input.domain).map((row, index) => ({
    ...row,
    group: labels[Math.floor(index / bins)]!,
  }));
  const empty = input.groups.every((group) => group.values.length === 0);
  return {
    width: WIDTH,
    height: HEIGHT,
    config,
    ...noDataMark(empty),
    data: { values: empty ? [] : rows },
    mark: { type: 'bar', opacity: 0.55, binSpacing: 0, stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      x: { field: 'binStart', type: 'quantitative', bin: { binned: true }, title: input.valueLabel },
      x2: { field: 'binEnd' },
      y: { field: 'share', type: 'quantitative', stack: null, title: 'Share of the group', axis: { format: '.0%' } },
      color: { field: 'group', type: 'nominal', scale: { domain: labels }, legend: { title: null, orient: 'top' } },
    },
  };
}

/** Curves of one measure against another (e.g. approval rate against bad rate), with chosen points labelled. */
export function tradeoffChart(input: {
  xLabel: string;
  yLabel: string;
  curves: { name: string; points: { x: number; y: number }[] }[];
  marked: { label: string; x: number; y: number }[];
}): VegaLiteSpec {
  const names = input.curves.map((curve) => curve.name);
  const rows = input.curves.flatMap((curve) => curve.points.map((point, order) => ({ curve: curve.name, x: point.x, y: point.y, order })));
  const x = { field: 'x', type: 'quantitative', title: input.xLabel, scale: { zero: false } } as const;
  const y = { field: 'y', type: 'quantitative', title: input.yLabel, scale: { zero: false } } as const;
  // Layers without data would give vega an empty extent to warn about: each is drawn only with data.
  const lineLayers =
    rows.length === 0
      ? []
      : ([
          {
            data: { values: rows },
            mark: { type: 'line', strokeWidth: 2 },
            encoding: {
              x,
              y,
              color: { field: 'curve', type: 'nominal', scale: { domain: names }, legend: { title: null, orient: 'top' } },
              order: { field: 'order', type: 'quantitative' },
            },
          },
        ] as const);
  const markedLayers =
    input.marked.length === 0
      ? []
      : ([
          {
            data: { values: input.marked },
            mark: { type: 'point', filled: true, size: 70, color: '#222222' },
            encoding: { x, y },
          },
          {
            data: { values: input.marked },
            mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 6, dy: -4, fontSize: 11, color: '#222222' },
            encoding: { x, y, text: { field: 'label', type: 'nominal' } },
          },
        ] as const);
  return {
    width: WIDTH,
    height: HEIGHT,
    config,
    ...noDataMark(rows.length === 0 && input.marked.length === 0),
    layer: [...lineLayers, ...markedLayers],
  };
}

/**
 * Horizontal bars sorted from the largest value down, coloured by `group` when items have one, with
 * optional vertical reference lines (e.g. the PSI bands at 0.1 and 0.25). Labels should be distinct: bars
 * with the same label share one row.
 */
export function barChart(input: {
  valueLabel: string;
  items: { label: string; value: number; group?: string }[];
  rules?: { value: number; label: string }[];
  /** A colour per group name (e.g. PSI bands green, amber, red), in legend order; default: vega's palette. */
  groupColors?: { group: string; color: string }[];
}): VegaLiteSpec {
  const items = [...input.items].sort((a, b) => b.value - a.value || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const grouped = items.some((item) => item.group !== undefined);
  const rows = items.map((item) => ({ label: item.label, value: item.value, group: item.group ?? '' }));
  const rules = input.rules ?? [];
  const x = { field: 'value', type: 'quantitative', title: input.valueLabel } as const;
  // As in tradeoffChart, a layer without data is left out.
  const ruleLayers =
    rules.length === 0
      ? []
      : ([
          {
            data: { values: rules },
            mark: { type: 'rule', color: '#b22222', strokeDash: RULE_DASH, strokeWidth: 1.5 },
            encoding: { x },
          },
          {
            data: { values: rules },
            // Above the plot, where no bar can hide it.
            mark: { type: 'text', align: 'center', baseline: 'bottom', dy: -3, fontSize: 11, color: '#b22222' },
            encoding: { x, y: { value: 0 }, text: { field: 'label', type: 'nominal' } },
          },
        ] as const);
  return {
    width: WIDTH,
    height: Math.max(60, 22 * items.length),
    config,
    ...noDataMark(items.length === 0),
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar', color: '#4c78a8' },
        encoding: {
          x,
          // No label limit: the label column grows to the longest name rather than cutting it
          // ("amount_to_monthly_income (credit)" is what the reader looks for).
          y: { field: 'label', type: 'nominal', sort: rows.map((row) => row.label), title: null, axis: { labelLimit: 0 } },
          ...(grouped
            ? {
                color: { field: 'group', type: 'nominal', scale: groupScale(input.groupColors), legend: { title: null, orient: 'bottom' } },
              }
            : {}),
        },
      },
      ...ruleLayers,
    ],
  };
}

function groupScale(colors: { group: string; color: string }[] | undefined): { domain?: string[]; range?: string[] } {
  if (colors === undefined) return {};
  return { domain: colors.map((entry) => entry.group), range: colors.map((entry) => entry.color) };
}

function noDataMark(empty: boolean): { usermeta?: { noData: true } } {
  return empty ? { usermeta: { noData: true } } : {};
}

/** Drops points within `resolution` of the last one kept (in both axes); the first and last always stay. */
function thinPoints(points: { fpr: number; tpr: number }[], resolution: number): { fpr: number; tpr: number }[] {
  if (points.length <= 2) return points;
  const kept = [points[0]!];
  for (let index = 1; index < points.length - 1; index += 1) {
    const point = points[index]!;
    const last = kept[kept.length - 1]!;
    if (Math.abs(point.fpr - last.fpr) >= resolution || Math.abs(point.tpr - last.tpr) >= resolution) kept.push(point);
  }
  kept.push(points[points.length - 1]!);
  return kept;
}
