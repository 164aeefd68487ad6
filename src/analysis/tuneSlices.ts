// The three slices of a replayed history, by applied_at: the check slice is the latest `holdout`
// (splitByTime's held-out rows, as the trainers and the backtest cut them) and is never used for
// tuning; the tuning slice is as many rows again, those just before it (with the default 0.2: the 60th
// to 80th percentile of applied_at); the history before it is replayed only for its velocity state and
// freezes. The slices are disjoint and in time order: history, tuning, check.
import { ErrorCode, FengkongError } from '../errors.js';
import { splitByTime } from './replay.js';

export interface TuneSlices<Row> {
  readonly history: Row[];
  readonly tuning: Row[];
  readonly check: Row[];
}

export function tuneSlices<Row extends { appliedAtMs: number }>(rows: readonly Row[], holdout: number): TuneSlices<Row> {
  if (!(holdout > 0 && holdout < 1)) {
    throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `tune: the holdout must be a fraction between 0 and 1, got ${holdout}`);
  }
  const { earlier, later } = splitByTime(rows, holdout);
  const tuningStart = Math.max(0, earlier.length - later.length);
  const slices = { history: earlier.slice(0, tuningStart), tuning: earlier.slice(tuningStart), check: later };
  if (slices.tuning.length === 0 || slices.check.length === 0) {
    throw new FengkongError(
      ErrorCode.METRIC_INPUT_INVALID,
      `tune: ${rows.length} decided rows leave ${slices.tuning.length} to tune on and ${slices.check.length} to check on with holdout ${holdout}: both need rows`,
    );
  }
  return slices;
}
