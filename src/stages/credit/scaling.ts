// Score scaling by points to double the odds (PDO): the credit model's log-odds of default become a score
// where every `pointsToDoubleOdds` points double the good:bad odds. Points are linear in the logit, so
// attributions measured in logit convert to points by one factor and still add up.
import { z } from 'zod';
import { ErrorCode, FengkongError } from '../../errors.js';
import { describeIssues } from '../../schema/issues.js';

export const defaultScoreScaling = Object.freeze({
  baseScore: 600,
  baseOdds: 50,
  pointsToDoubleOdds: 20,
  min: 300,
  max: 850,
});

export const ScoreScaling = z
  .strictObject({
    /** The score at which the good:bad odds equal `baseOdds`. */
    baseScore: z.number().default(defaultScoreScaling.baseScore),
    /** Good:bad odds at the base score (50 means 50 good for every bad). */
    baseOdds: z.number().positive().default(defaultScoreScaling.baseOdds),
    pointsToDoubleOdds: z.number().positive().default(defaultScoreScaling.pointsToDoubleOdds),
    /** Scores are integers clamped to [min, max]; integer bounds keep a clamped score an integer. */
    min: z.number().int().default(defaultScoreScaling.min),
    max: z.number().int().default(defaultScoreScaling.max),
  })
  .refine((scaling) => scaling.min < scaling.max, { message: 'must be greater than min', path: ['max'] })
  .refine((scaling) => scaling.min <= scaling.baseScore && scaling.baseScore <= scaling.max, {
    message: 'must lie within [min, max]',
    path: ['baseScore'],
  })
  // A scale this steep overflows: its points would be infinite for every logit.
  .refine((scaling) => Number.isFinite(scaling.pointsToDoubleOdds / Math.LN2), {
    message: 'is too large',
    path: ['pointsToDoubleOdds'],
  });
export type ScoreScaling = z.infer<typeof ScoreScaling>;
export type ScoreScalingInput = z.input<typeof ScoreScaling>;

export interface ScoreScale {
  readonly scaling: ScoreScaling;
  /** Points per unit of ln(good:bad odds): pointsToDoubleOdds / ln 2. */
  readonly factor: number;
  /** baseScore - factor * ln(baseOdds): the points at even odds. */
  readonly offset: number;
  /**
   * Unclamped, unrounded points for a log-odds of bad: factor * ln(odds_good) + offset with
   * odds_good = exp(-logitOfBad), i.e. offset - factor * logitOfBad. Linear, so differences of logits
   * scale to differences of points. Infinite only when the logit is, or is too large to multiply.
   */
  pointsFromLogit(logitOfBad: number): number;
  /** The score: points clamped to [min, max] and rounded to an integer. */
  score(logitOfBad: number): number;
}

export function createScoreScale(options: ScoreScalingInput = {}): ScoreScale {
  const parsed = ScoreScaling.safeParse(options);
  if (!parsed.success) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, `score scaling: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  }
  const scaling = parsed.data;
  const { min, max } = scaling;
  const factor = scaling.pointsToDoubleOdds / Math.LN2;
  const offset = scaling.baseScore - factor * Math.log(scaling.baseOdds);

  // ln(odds_good) = -logitOfBad exactly: going through exp() would overflow and lose precision for nothing.
  function pointsFromLogit(logitOfBad: number): number {
    if (Number.isNaN(logitOfBad)) {
      throw new FengkongError(ErrorCode.MODEL_INVALID, 'score scaling: the credit model produced a log-odds that is not a number');
    }
    return offset - factor * logitOfBad;
  }

  return {
    scaling,
    factor,
    offset,
    pointsFromLogit,
    score(logitOfBad) {
      const points = pointsFromLogit(logitOfBad);
      return Math.round(Math.min(max, Math.max(min, points)));
    },
  };
}
