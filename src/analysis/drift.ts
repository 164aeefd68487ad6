// Drift between two application files: the population stability index of every model input and of
// both scores, each file replayed through the engine on its own (event-time order, fresh history).
// The result is a zod schema: `drift --json` writes it, the table and the report read it.
import { z } from 'zod';
import type { EngineConfigInput } from '../schema/config.js';
import { categoricalDrift, numericDrift, PSI_BAND_NAMES, PSI_BANDS, PSI_SHARE_FLOOR, type PsiBand } from '../metrics/psi.js';
import { fileSha256 } from './replay.js';
import { observeFile, type ObservedColumn, type ObservedFile, type ScoreColumn } from './driftInputs.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const share = z.number().min(0).max(1);

export const DriftBand = z.enum(PSI_BAND_NAMES);

export const FeatureDrift = z.strictObject({
  feature: z.string(),
  /** Whose input it is, or `score` for the fraud probability and the credit score. */
  model: z.enum(['fraud', 'credit', 'score']),
  kind: z.enum(['numeric', 'categorical']),
  psi: z.number().min(0),
  band: DriftBand,
  missingShare: z.strictObject({ baseline: share, current: share }),
  /** Current rows the baseline gave no place: unseen categories, or numbers outside the baseline's range. */
  unseenShare: share,
  /** Baseline bins (deciles or categories), then `unseen` for categories, then `missing`. */
  bins: z.array(z.strictObject({ label: z.string(), baseline: z.number().int().min(0), current: z.number().int().min(0) })),
});
export type FeatureDrift = z.infer<typeof FeatureDrift>;

export const DriftFile = z.strictObject({
  path: z.string(),
  sha256,
  /** Applications compared: valid rows, each application id once. */
  rows: z.number().int().min(1),
  rejected: z.number().int().min(0),
  repeated: z.number().int().min(0),
  undecided: z.number().int().min(0),
});

export const DriftResult = z.strictObject({
  schemaVersion: z.literal(1),
  baseline: DriftFile,
  current: DriftFile,
  /**
   * What scored both files: the `--config` file (null for the shipped defaults) and the config sha256 a
   * backtest records (replay.ts configSha256: the hashes of every rule, list, model and policy file the
   * engine loaded and the settings that decide; whether a salt is set, never the salt).
   */
  config: z.strictObject({ path: z.string().nullable(), sha256 }),
  /** Shares below this are raised to it before the sum (empty bins). */
  shareFloor: z.number().positive(),
  bands: z.strictObject({ watch: z.number(), act: z.number() }),
  worstBand: DriftBand,
  /** Highest PSI first. */
  features: z.array(FeatureDrift),
});
export type DriftResult = z.infer<typeof DriftResult>;

export interface DriftAnalysis {
  readonly result: DriftResult;
  /** The scores of each file (missing ones left out), for the distributions in the report. */
  readonly scores: Readonly<Record<ScoreColumn, { baseline: number[]; current: number[] } | undefined>>;
}

export interface DriftOptions {
  readonly baselinePath: string;
  readonly currentPath: string;
  readonly config?: EngineConfigInput;
  /** The file `config` was read from, named in the provenance. */
  readonly configPath?: string;
}

export async function analyseDrift(options: DriftOptions): Promise<DriftAnalysis> {
  const config = options.config ?? {};
  // Hashed first: a file that cannot be read fails before any scoring.
  const baselineSha256 = await fileSha256(options.baselinePath);
  const currentSha256 = await fileSha256(options.currentPath);
  const baseline = await observeFile(options.baselinePath, config);
  const current = await observeFile(options.currentPath, config);
  const features = baseline.columns.map((column, index) => featureDrift(column, current.columns[index]!)).sort((a, b) => b.psi - a.psi);
  const result = DriftResult.parse({
    schemaVersion: 1,
    baseline: fileSummary(options.baselinePath, baselineSha256, baseline),
    current: fileSummary(options.currentPath, currentSha256, current),
    config: { path: options.configPath ?? null, sha256: baseline.configSha256 },
    shareFloor: PSI_SHARE_FLOOR,
    bands: { ...PSI_BANDS },
    worstBand: worstBand(features.map((feature) => feature.band)),
    features,
  });
  return { result, scores: { fraud_probability: scoresOf('fraud_probability'), credit_score: scoresOf('credit_score') } };

  function scoresOf(name: ScoreColumn) {
    const values = (file: ObservedFile) => {
      const column = file.columns.find((candidate) => candidate.model === 'score' && candidate.name === name);
      return column === undefined ? undefined : Array.from(column.values as Float64Array).filter((value) => !Number.isNaN(value));
    };
    const [before, after] = [values(baseline), values(current)];
    return before === undefined || after === undefined ? undefined : { baseline: before, current: after };
  }
}

function featureDrift(baseline: ObservedColumn, current: ObservedColumn): FeatureDrift {
  const drift =
    baseline.kind === 'numeric' && current.kind === 'numeric'
      ? numericDrift(baseline.values, current.values)
      : categoricalDrift(baseline.values as (string | null)[], current.values as (string | null)[]);
  return { feature: baseline.name, model: baseline.model, kind: baseline.kind, ...drift };
}

function fileSummary(path: string, sha256: string, observed: ObservedFile): z.input<typeof DriftFile> {
  const { rows, rejected, repeated, undecided } = observed;
  return { path, sha256, rows, rejected, repeated, undecided };
}

export function worstBand(bands: readonly PsiBand[]): PsiBand {
  return PSI_BAND_NAMES[Math.max(0, ...bands.map((band) => PSI_BAND_NAMES.indexOf(band)))]!;
}

/** `--fail-on`: the least severe band that fails the run, or never. */
export const FailOn = z.enum(['act', 'watch', 'never']);
export type FailOn = z.infer<typeof FailOn>;

export function driftFails(result: DriftResult, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  return PSI_BAND_NAMES.indexOf(result.worstBand) >= PSI_BAND_NAMES.indexOf(failOn);
}
