// Calibration table: rows in equal-count bins of predicted probability, each bin's mean prediction beside
// the rate actually observed in it. A calibrated model has the two close in every bin.
import { ErrorCode, FengkongError } from '../errors.js';
import { checkLabelledScores, orderByScore } from './labelledScores.js';

export interface CalibrationBin {
  /** 1 is the bin of lowest predicted probability. */
  readonly bin: number;
  readonly count: number;
  readonly meanPredicted: number;
  readonly observedRate: number;
  readonly minScore: number;
  readonly maxScore: number;
}

/**
 * Rows sorted by probability, ties by ascending row index, then cut into `bins` consecutive runs: bin b
 * (0-based) holds sorted positions floor(b n / bins) to floor((b + 1) n / bins) - 1, so counts differ by at
 * most one. Equal counts win over keeping ties together: rows of one probability may straddle two bins,
 * always split the same way for the same input.
 */
export function calibrationByDecile(probabilities: ArrayLike<number>, labels: ArrayLike<0 | 1 | number>, bins = 10): CalibrationBin[] {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, 'calibrationByDecile: bins must be a positive integer');
  }
  const input = checkLabelledScores('calibrationByDecile', probabilities, labels);
  const rows = input.scores.length;
  if (rows < bins) {
    throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `calibrationByDecile: ${rows} rows cannot fill ${bins} bins`);
  }
  for (let row = 0; row < rows; row++) {
    const probability = input.scores[row]!;
    if (!(probability >= 0 && probability <= 1)) {
      throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `calibrationByDecile: probability at row ${row} is outside [0, 1]`);
    }
  }
  const order = orderByScore(input.scores, 'ascending');
  const table: CalibrationBin[] = [];
  for (let bin = 0; bin < bins; bin++) {
    const start = Math.floor((bin * rows) / bins);
    const end = Math.floor(((bin + 1) * rows) / bins);
    let predicted = 0;
    let observed = 0;
    for (let position = start; position < end; position++) {
      const row = order[position]!;
      predicted += input.scores[row]!;
      observed += input.labels[row]!;
    }
    const count = end - start;
    table.push({
      bin: bin + 1,
      count,
      meanPredicted: predicted / count,
      observedRate: observed / count,
      minScore: input.scores[order[start]!]!,
      maxScore: input.scores[order[end - 1]!]!,
    });
  }
  return table;
}
