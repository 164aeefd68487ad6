// Evaluates a fraud model on a slice of replayed history: AUC with a DeLong interval, KS, calibration
// by decile, recall overall and per fraud scenario at fixed alert rates, the best single feature, and
// the lift over the velocity rules alone at the same number of alerts.
import type { FraudModelFile } from '../../schema/fraudModel.js';
import { auc, aucConfidenceInterval, type AucInterval } from '../../metrics/auc.js';
import { ks } from '../../metrics/ks.js';
import { calibrationByDecile, type CalibrationBin } from '../../metrics/calibration.js';
import { recallAtAlertRate, recallByGroupAtAlertRate, type GroupRecall } from '../../metrics/alerts.js';
import { createFraudScorer } from '../../stages/fraud/model.js';
import type { ReplayedHistory } from './replay.js';

export const ALERT_RATES = [0.005, 0.01, 0.02] as const;

export interface FraudEvaluation {
  readonly rows: number;
  readonly frauds: number;
  readonly auc: AucInterval;
  readonly ks: number;
  readonly calibration: CalibrationBin[];
  readonly alerts: Array<{
    alertRate: number;
    alerts: number;
    caught: number;
    recall: number;
    precision: number;
    byScenario: GroupRecall[];
  }>;
  /** The single input with the highest held-out AUC (oriented so that higher means more fraud). */
  readonly bestSingleFeature: { name: string; auc: number };
  /** The velocity rules alone, and the model at the same number of alerts. */
  readonly velocityRules: { alerts: number; caught: number; recall: number; modelCaughtAtSameAlerts: number };
}

function directionOn(history: ReplayedHistory, j: number, baseline: number, from: number, to: number): number {
  const column = Float64Array.from(history.features.slice(from, to), (x) => (Number.isNaN(x[j]!) ? baseline : x[j]!));
  return auc(column, history.isFraud.subarray(from, to)) >= 0.5 ? 1 : -1;
}

export function evaluateFraudModel(
  model: FraudModelFile,
  history: ReplayedHistory,
  from: number,
  to = history.events.length,
): FraudEvaluation {
  const scorer = createFraudScorer(model);
  const baselines = model.features.map((feature) => feature.baseline);
  const rows = to - from;
  const probabilities = new Float64Array(rows);
  const labels = history.isFraud.subarray(from, to);
  const scenarios = history.scenarios.slice(from, to);
  const names = model.features.map((feature) => feature.name);
  const columns = names.map(() => new Float64Array(rows));
  for (let row = 0; row < rows; row += 1) {
    const x = Float64Array.from(history.features[from + row]!, (value, j) => (Number.isNaN(value) ? baselines[j]! : value));
    probabilities[row] = scorer.score(x).probability;
    x.forEach((value, j) => (columns[j]![row] = value));
  }
  const frauds = labels.reduce((sum, label) => sum + label, 0);
  const alerts = ALERT_RATES.map((alertRate) => {
    const overall = recallAtAlertRate(probabilities, labels, alertRate);
    const positives = scenarios.map((scenario, row) => (labels[row] === 1 ? scenario : 'none'));
    const byScenario = recallByGroupAtAlertRate(probabilities, labels, positives, alertRate).filter((group) => group.group !== 'none');
    return { alertRate, alerts: overall.alerts, caught: overall.caught, recall: overall.recall, precision: overall.precision, byScenario };
  });
  // Each input's direction (higher = more fraud, or less) is read on the rows before the slice (the
  // training rows), not chosen on the slice itself.
  const orientation = names.map((_, j) => (from > 0 ? directionOn(history, j, baselines[j]!, 0, from) : 1));
  const singleFeatureAucs = columns.map((column, j) => {
    const value = auc(column, labels);
    return { name: names[j]!, auc: orientation[j]! > 0 ? value : 1 - value };
  });
  const bestSingleFeature = singleFeatureAucs.reduce((best, candidate) => (candidate.auc > best.auc ? candidate : best));
  const velocityFlags = history.velocityRuleFired.subarray(from, to);
  const velocityAlerts = velocityFlags.reduce((sum, flag) => sum + flag, 0);
  const velocityCaught = velocityFlags.reduce((sum, flag, row) => sum + (flag === 1 && labels[row] === 1 ? 1 : 0), 0);
  const modelAtSameAlerts = velocityAlerts === 0 ? 0 : recallAtAlertRate(probabilities, labels, velocityAlerts / rows).caught;
  return {
    rows,
    frauds,
    auc: aucConfidenceInterval(probabilities, labels),
    ks: ks(probabilities, labels),
    calibration: calibrationByDecile(probabilities, labels),
    alerts,
    bestSingleFeature,
    velocityRules: {
      alerts: velocityAlerts,
      caught: velocityCaught,
      recall: frauds === 0 ? 0 : velocityCaught / frauds,
      modelCaughtAtSameAlerts: modelAtSameAlerts,
    },
  };
}
