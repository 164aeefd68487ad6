// The credit trainer's settings (stated here so the card quotes what ran) and what a training returns:
// shared by the trainer (trainCredit.ts) and the card it writes (creditCard.ts).
import type { AucInterval } from '../../metrics/auc.js';
import type { CalibrationBin } from '../../metrics/calibration.js';
import type { CreditManifest } from '../../schema/creditManifest.js';
import type { CreditTable, CreditTableOptions } from './creditTable.js';
import type { CrossValidation } from './crossValidate.js';
import type { MlpModel, MlpTrainOptions } from './mlp.js';

export const defaultCreditSeed = 7;
// One hidden layer of 8: chosen by 5-fold cross-validation on the training rows of
// data/applications.csv among [4], [8] and [16] under the monotone constraints (0.660, 0.667, 0.664 mean
// AUC); the held-out rows played no part in the choice.
export const defaultCreditHidden: readonly number[] = [8];
export const defaultCreditTrainShare = 0.8;
export const crossValidationFolds = 5;
export const creditOnnxOpset = 13;

/** The network's settings, stated here rather than left to trainMlp's defaults so the card quotes what ran. */
export const creditMlpSettings = {
  learningRate: 1e-3,
  weightDecay: 1e-4,
  batchSize: 256,
  maxEpochs: 200,
  patience: 15,
  validationShare: 0.2,
} as const;

/** Lower edges of the score bands after the first (< 560): 560-599, ..., ≥ 720. */
export const scoreBandEdges: readonly number[] = [560, 600, 640, 680, 720];

export interface CreditTrainingOptions extends CreditTableOptions {
  /** 7 when absent. */
  readonly seed?: number;
  /** Hidden layer widths; [8] when absent. */
  readonly hidden?: readonly number[];
  /** The earliest share of rows that trains; the rest is held out. 0.8 when absent. */
  readonly trainShare?: number;
  /** When the model was trained (a timestamp in the manifest: it changes no weight). */
  readonly now?: Date;
  /** The network's epoch cap; 200 when absent. Lower only to make a quick model (tests). */
  readonly maxEpochs?: number;
}

export interface ScoreBand {
  readonly label: string;
  /** Lowest score in the band, null for the open lower band. */
  readonly from: number | null;
  /** Highest score in the band, null for the open upper band. */
  readonly to: number | null;
  readonly rows: number;
  readonly bads: number;
  /** null when the band is empty. */
  readonly badRate: number | null;
}

export interface HeldOutEvaluation {
  readonly rows: number;
  readonly positives: number;
  readonly auc: AucInterval;
  readonly ks: number;
  readonly calibration: CalibrationBin[];
  readonly scoreBands: ScoreBand[];
  /** The held-out rows as the model saw them (rows × inputs, row-major), and their labels. */
  readonly inputs: Float32Array;
  readonly labels: Uint8Array;
}

export interface CreditTraining {
  /** The manifest; writeCreditModel names the ONNX file after the prefix it writes to. */
  readonly manifest: CreditManifest;
  readonly onnx: Uint8Array;
  readonly model: MlpModel;
  readonly mlpSettings: MlpTrainOptions;
  readonly data: Pick<CreditTable, 'sourceName' | 'header' | 'layout' | 'timeOrdered' | 'split'> & {
    /** The data model the file was read through, when one was. */
    readonly dataModel?: { readonly name: string; readonly sha256: string };
  };
  readonly crossValidation: CrossValidation;
  readonly heldOut: HeldOutEvaluation;
}
