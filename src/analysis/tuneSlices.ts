// The three slices of a replayed history, by the time field (applied_at; the file's order without
// one): the check slice is the latest `holdout`
// (splitByTime's held-out rows, as the trainers and the backtest cut them) and is never used for
// tuning; the tuning slice is as many rows again, those just before it (with the default 0.2: the 60th
// to 80th percentile of applied_at); the history before it is replayed only for its velocity state and
// freezes. The slices are disjoint and in time order: history, tuning, check. And what the models'
// training data says of them: in or out of sample.
import { ErrorCode, FengkongError } from '../errors.js';
import { type ModelTraining, type OutOfSample, outOfSample, TRAIN_SHARE } from './heldOut.js';
import { splitByTime } from './replay.js';

export interface TuneSlices<Row> {
  readonly history: Row[];
  readonly tuning: Row[];
  readonly check: Row[];
}

/** The slices of `rows` (decided from the file `where`, which errors name). */
export function tuneSlices<Row extends { appliedAtMs: number }>(rows: readonly Row[], holdout: number, where = 'tune'): TuneSlices<Row> {
  if (!(holdout > 0 && holdout < 1)) {
    throw new FengkongError(ErrorCode.METRIC_INPUT_INVALID, `${where}: the holdout must be a fraction between 0 and 1, got ${holdout}`);
  }
  const { earlier, later } = splitByTime(rows, holdout);
  const tuningStart = Math.max(0, earlier.length - later.length);
  const slices = { history: earlier.slice(0, tuningStart), tuning: earlier.slice(tuningStart), check: later };
  if (slices.tuning.length === 0 || slices.check.length === 0) {
    throw new FengkongError(
      ErrorCode.METRIC_INPUT_INVALID,
      `${where}: ${rows.length} decided rows leave ${slices.tuning.length} to tune on and ${slices.check.length} to check on with holdout ${holdout}: both need rows`,
    );
  }
  return slices;
}

export interface SlicesSample {
  /** Whether the check slice is out of sample for the models that decided (heldOut.ts outOfSample). */
  readonly check: OutOfSample['status'];
  /** Whether the tuning slice is: only models trained on this very file can say. */
  readonly tuning: 'out of sample' | 'partly in sample' | 'in sample' | 'unknown';
  /** A report's sentences, true for any input, model and holdout. */
  readonly note: string;
}

/**
 * What the models' training says of the two slices. Models trained on this file saw its earliest
 * TRAIN_SHARE: the check slice (the latest `holdout`) is out of sample when no larger than the rest,
 * and the tuning slice (the `holdout` before it; with the defaults, the 60th to 80th percentile) is
 * in sample unless it starts after the training rows end.
 */
export function slicesSample(
  models: readonly ModelTraining[],
  inputSha256: string,
  holdout: number,
  timeField: string | null = 'applied_at',
): SlicesSample {
  const check = outOfSample(models, inputSha256, holdout, timeField);
  if (check.status === 'no-models' || check.status === 'unknown') {
    return {
      check: check.status,
      tuning: 'unknown',
      note: `${check.note} The check slice is the honest measure of the tuned policy: it was never used for tuning.`,
    };
  }
  const tuningFrom = Math.max(0, 1 - 2 * holdout);
  const tuningTo = 1 - holdout;
  const epsilon = 1e-9;
  const tuning =
    tuningFrom >= TRAIN_SHARE - epsilon ? 'out of sample' : tuningTo <= TRAIN_SHARE + epsilon ? 'in sample' : 'partly in sample';
  const tuningNote = {
    'out of sample': 'The tuning slice before it lies after the training rows too: the model scores are out of sample on both slices.',
    'in sample':
      'The tuning slice before it is among the training rows: the model scores are in sample there, and the check slice is the honest measure.',
    'partly in sample':
      'The tuning slice before it reaches back into the training rows: the model scores are partly in sample there, and the check slice is the honest measure.',
  }[tuning];
  return { check: check.status, tuning, note: `${check.note} ${tuningNote}` };
}
