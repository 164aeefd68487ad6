// Which rows of a labelled file the shipped (or configured) models were trained on. The trainers split
// in time: the earliest DEFAULT_TRAIN_SHARE of a file's rows by applied_at train, the rest are held out.
// A backtest or tune report may call its latest slice "out of sample" only when the models say they were
// trained on this very file (their recorded training-data sha256 equals the input's) and the slice is
// no larger than what the trainers held out; else it says what is known.
import { z } from 'zod';
import { ErrorCode } from '../errors.js';
import { modelPathsOf, parseEngineConfig } from '../engine/loadInputs.js';
import { shippedPaths } from '../engine/paths.js';
import type { EngineConfigInput } from '../schema/config.js';
import { parseJsonFile, readFileBytes } from '../schema/jsonFile.js';
import { DEFAULT_TRAIN_SHARE } from '../train/fraud/trainModel.js';
import { percent } from './format.js';

/** The trainers' train share (fraud and credit alike: test/analysis/heldOut.test.ts checks they agree). */
export const TRAIN_SHARE = DEFAULT_TRAIN_SHARE;
/** The latest share of rows by event time the trainers hold out: 1 − TRAIN_SHARE (0.2), rounded so it prints as such. */
export const HELD_OUT_SHARE = Math.round((1 - TRAIN_SHARE) * 1e9) / 1e9;

export interface ModelTraining {
  readonly model: 'fraud model' | 'credit model';
  readonly path: string;
  /** The sha256 of the data the model records it was trained on; null when it records none. */
  readonly dataSha256: string | null;
  /** How the model records its rows were split (time, random, file order), as its file words it; null when it records none. */
  readonly split: string | null;
}

const FraudTraining = z.looseObject({
  trainingDataSha256: z.string().optional(),
  split: z.looseObject({ rule: z.string().optional() }).optional(),
});
const CreditTraining = z.looseObject({
  training: z.looseObject({ dataSha256: z.string().optional(), split: z.string().optional() }).optional(),
});

/** Whether a recorded split held out the latest rows by time (the trainers' words begin "time split"). */
const splitInTime = (split: string | null) => split === null || split.startsWith('time split');

/** The models a config loads (the shipped ones by default; none when set to null) and the data each was trained on. */
export function modelsTraining(config: EngineConfigInput = {}): ModelTraining[] {
  const settings = modelPathsOf(parseEngineConfig(config));
  const models: ModelTraining[] = [];
  if (settings.fraudModel !== null) {
    const path = settings.fraudModel ?? shippedPaths.fraudModel;
    const file = parseJsonFile(path, readFileBytes(path), FraudTraining, ErrorCode.MODEL_INVALID);
    models.push({ model: 'fraud model', path, dataSha256: file.trainingDataSha256 ?? null, split: file.split?.rule ?? null });
  }
  if (settings.creditModel !== null) {
    const path = settings.creditModel ?? shippedPaths.creditManifest;
    const file = parseJsonFile(path, readFileBytes(path), CreditTraining, ErrorCode.MODEL_INVALID);
    models.push({ model: 'credit model', path, dataSha256: file.training?.dataSha256 ?? null, split: file.training?.split ?? null });
  }
  return models;
}

export interface OutOfSample {
  /**
   * `held-out`: every model was trained on this file and the slice is within what the trainers held
   * out; `partly`: trained on this file, but the slice reaches back into the training rows; `unknown`:
   * some model records no training data, or other data; `no-models`: no model is loaded.
   */
  readonly status: 'held-out' | 'partly' | 'unknown' | 'no-models';
  /** One or two sentences for a report, true whatever the input. */
  readonly note: string;
}

/**
 * What can truly be said of the latest `heldOutShare` of rows of the input whose sha256 is `inputSha256`,
 * ordered by the time field `timeField` (by the file's order when null).
 */
export function outOfSample(
  models: readonly ModelTraining[],
  inputSha256: string,
  heldOutShare: number,
  timeField: string | null = 'applied_at',
): OutOfSample {
  const slice = `the latest ${percent(heldOutShare, 0)} of rows ${timeField === null ? 'in the file' : `by ${timeField}`}`;
  if (models.length === 0) return { status: 'no-models', note: `No model is loaded: ${slice} is a slice in time, not a held-out set.` };
  const names = models.map((model) => `the ${model.model}`).join(' and ');
  const notInTime = models.find((model) => model.dataSha256 === inputSha256 && !splitInTime(model.split));
  if (notInTime !== undefined) {
    return {
      status: 'unknown',
      note: `The ${notInTime.model} was trained on this file, but not split in time (${notInTime.split!.split(':')[0]}): its held-out rows are spread through the file, so ${slice} mixes training and held-out rows. Its card gives its held-out figures.`,
    };
  }
  if (models.every((model) => model.dataSha256 === inputSha256)) {
    const [record, their, them] = models.length === 1 ? ['records', 'its', 'it'] : ['record', 'their', 'them'];
    const trained = `${names[0]!.toUpperCase()}${names.slice(1)} ${record} this file (sha256 ${inputSha256.slice(0, 12)}…) as ${their} training data, split in time: the earliest ${percent(TRAIN_SHARE, 0)} of rows trained ${them}`;
    if (heldOutShare <= HELD_OUT_SHARE + 1e-9) {
      return { status: 'held-out', note: `${trained}, so ${slice} is out of sample; figures over all rows include the training rows.` };
    }
    return {
      status: 'partly',
      note: `${trained}, so only the latest ${percent(HELD_OUT_SHARE, 0)} is out of sample: ${slice} reaches back into the training rows.`,
    };
  }
  const recorded = models
    .map((model) =>
      model.dataSha256 === null
        ? `the ${model.model} records no training data`
        : model.dataSha256 === inputSha256
          ? `the ${model.model} was trained on this file`
          : `the ${model.model} was trained on other data (sha256 ${model.dataSha256.slice(0, 12)}…)`,
    )
    .join('; ');
  return {
    status: 'unknown',
    note: `${slice[0]!.toUpperCase()}${slice.slice(1)} is held out only if these models were trained on the earlier rows of this file (sha256 ${inputSha256.slice(0, 12)}…): ${recorded}.`,
  };
}
