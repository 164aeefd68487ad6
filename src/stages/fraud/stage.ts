// The anti-fraud stage: the logistic-regression probability that an application is fraud, with every
// feature's exact contribution in log-odds (they sum to logit − baselineLogit). A missing input is set
// to its baseline, so it contributes exactly 0. The top contributors become candidate reasons, each
// quoting the readable fact behind it (a count, a flag) — never an identifier; the policy decides
// whether they explain anything.
import type { FraudStageResult } from '../../schema/decision.js';
import type { Stage, StageInput, StageOutput, StageReason } from '../../engine/stage.js';
import { fraudFeatureVector } from './features.js';
import { createFraudScorer, type LoadedFraudModel } from './model.js';

/** A contributor becomes a reason from this many log-odds up (e^0.5 ≈ 1.65 times the odds). */
const REASON_MIN_LOG_ODDS = 0.5;
const MAX_FEATURE_REASONS = 3;

export function createFraudStage(loaded: LoadedFraudModel): Stage<FraudStageResult> {
  const scorer = createFraudScorer(loaded.model);
  const baselines = Float64Array.from(loaded.model.features, (feature) => feature.baseline);
  const features = loaded.features;
  const order = features.map((_, index) => index);

  const evaluate = (input: StageInput): StageOutput<FraudStageResult> => {
    const x = fraudFeatureVector(features, input.facts);
    for (let index = 0; index < x.length; index += 1) if (Number.isNaN(x[index]!)) x[index] = baselines[index]!;
    const score = scorer.score(x);
    const ranked = [...order].sort((a, b) => score.contributions[b]! - score.contributions[a]! || a - b);
    const result: FraudStageResult = {
      probability: score.probability,
      logit: score.logit,
      baselineLogit: scorer.baselineLogit,
      contributions: ranked.map((index) => ({
        feature: features[index]!.name,
        value: x[index]!,
        contribution: score.contributions[index]!,
      })),
    };
    const reasons: StageReason[] = [];
    for (const index of ranked.slice(0, MAX_FEATURE_REASONS)) {
      if (score.contributions[index]! < REASON_MIN_LOG_ODDS) break;
      const feature = features[index]!;
      reasons.push({
        code: feature.code,
        stage: 'fraud',
        text: feature.text,
        values: { [feature.fact]: input.facts[feature.fact] ?? null },
      });
    }
    return { result, reasons };
  };

  return { name: 'fraud', sha256: { fraudModelSha256: loaded.sha256 }, evaluate };
}
