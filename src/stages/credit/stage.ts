// The credit stage: the probability of default from the ONNX network, scaled to points, with exact
// Shapley attributions over the manifest's feature groups. Scoring a batch costs one session.run;
// attributing it (for the decisions that need it, after the policy: CreditStage.attribute) one more
// (or a few, capped in rows) for all their 2^k coalitions. Attributions are in unclamped points,
// linear in the logit, so they add up exactly (up to float32) to points − baselinePoints.
import { dirname, join } from 'node:path';
import { ErrorCode } from '../../errors.js';
import { CreditManifest } from '../../schema/creditManifest.js';
import type { CreditStageResult } from '../../schema/decision.js';
import { parseJsonFile, readFileBytes } from '../../schema/jsonFile.js';
import type { Stage, StageInput, StageOutput, StageReason } from '../../engine/stage.js';
import { createHash } from 'node:crypto';
import { encodeRecord } from './encode.js';
import { createScoreScale } from './scaling.js';
import { loadCreditSession, type CreditSession } from './session.js';
import { adverseActionReasons, buildCoalitionBatch, coalitionPlan, shapleyFromValues } from './shapley.js';

/** A group must cost at least this many points to be stated as a reason: a rounding error is no reason. */
const MIN_REASON_POINTS = 1;

export interface LoadedCreditModel {
  readonly manifest: CreditManifest;
  readonly session: CreditSession;
  readonly manifestSha256: string;
}

/** Loads the manifest, then the ONNX file beside it, verified against the manifest's sha256. */
export async function loadCreditModel(manifestPath: string): Promise<LoadedCreditModel> {
  const bytes = readFileBytes(manifestPath, ErrorCode.MODEL_INVALID);
  const manifest = parseJsonFile(manifestPath, bytes, CreditManifest, ErrorCode.MODEL_INVALID);
  const session = await loadCreditSession(join(dirname(manifestPath), manifest.onnx.file), manifest.onnx.sha256, {
    inputName: manifest.onnx.inputName,
    inputWidth: manifest.inputs.length,
    outputNames: [manifest.onnx.logitOutput, manifest.onnx.pdOutput],
  });
  return { manifest, session, manifestSha256: createHash('sha256').update(bytes).digest('hex') };
}

export interface CreditPrediction {
  readonly result: CreditStageResult;
  /** At most 4 adverse-action reasons: the groups that cost the most points (at least 1 point each); empty until attributed. */
  readonly reasons: StageReason[];
}

/**
 * Scoring and attribution, apart: `score` runs the network once for a batch (PD, score, points);
 * `attribute` adds the Shapley attributions and adverse-action reasons to predictions it made, in one
 * more batch of session runs (2^k coalitions each, about ten times the cost of scoring). The engine
 * attributes only the decisions that need it (config `attributions`); `predict` does both.
 */
export interface CreditPredictor {
  score(records: ReadonlyArray<Readonly<Record<string, unknown>>>): Promise<CreditPrediction[]>;
  /**
   * Attributes predictions this predictor made (those attributed already are left as they are), in
   * place; with `copies`, attributes copies instead and leaves the predictions given untouched.
   * Returns the predictions attributed, in the order given.
   */
  attribute(predictions: readonly CreditPrediction[], copies?: boolean): Promise<CreditPrediction[]>;
  predict(records: ReadonlyArray<Readonly<Record<string, unknown>>>): Promise<CreditPrediction[]>;
}

/** Scores records (facts or CSV rows) in batches; shared by the stage and `fengkong predict`. */
export function createCreditPredictor(model: LoadedCreditModel): CreditPredictor {
  const { manifest, session } = model;
  const width = manifest.inputs.length;
  const scale = createScoreScale(manifest.scaling);
  const plan = coalitionPlan(manifest.groups.length);
  const groups = manifest.groups.map((group) => group.inputs);
  const baseline = Float32Array.from(manifest.baseline);
  const groupTexts = manifest.groups.map(({ code, text }) => ({ code, text }));
  let baselinePoints: number | undefined;
  // The encoded input row of each prediction this predictor made and has not attributed yet.
  const encoded = new WeakMap<CreditPrediction, Float32Array>();

  const score = async (records: ReadonlyArray<Readonly<Record<string, unknown>>>): Promise<CreditPrediction[]> => {
    const n = records.length;
    if (n === 0) return [];
    const rows = new Float32Array(n * width);
    records.forEach((record, index) => encodeRecord(manifest.inputs, record as never, rows, index * width));
    const scored = await session.run(rows, n);
    baselinePoints ??= scale.pointsFromLogit((await session.run(baseline, 1)).logits[0]!);
    return records.map((_, index) => {
      const prediction: CreditPrediction = {
        result: {
          pd: scored.pds[index]!,
          score: scale.score(scored.logits[index]!),
          points: scale.pointsFromLogit(scored.logits[index]!),
          baselinePoints: baselinePoints!,
        },
        reasons: [],
      };
      encoded.set(prediction, rows.subarray(index * width, (index + 1) * width));
      return prediction;
    });
  };

  const attribute = async (given: readonly CreditPrediction[], copies = false): Promise<CreditPrediction[]> => {
    const predictions = copies
      ? given.map((prediction) => {
          const row = encoded.get(prediction);
          if (row === undefined) return prediction;
          const copy: CreditPrediction = { result: { ...prediction.result }, reasons: [...prediction.reasons] };
          encoded.set(copy, row);
          return copy;
        })
      : [...given];
    const pending = predictions.filter((prediction) => encoded.has(prediction));
    const n = pending.length;
    if (n === 0) return predictions;
    const rows = new Float32Array(n * width);
    pending.forEach((prediction, index) => rows.set(encoded.get(prediction)!, index * width));
    const phis: Float64Array[] = new Array(n);
    for (const chunk of buildCoalitionBatch(rows, n, baseline, groups, plan).chunks()) {
      const values = await session.run(chunk.rows, chunk.decisionCount * plan.coalitionCount);
      for (let j = 0; j < chunk.decisionCount; j += 1) {
        const slice = values.logits.subarray(j * plan.coalitionCount, (j + 1) * plan.coalitionCount);
        // In logit-of-bad units; points are −factor per unit of logit.
        phis[chunk.firstDecision + j] = shapleyFromValues(slice, plan).map((phi) => -scale.factor * phi);
      }
    }
    pending.forEach((prediction, index) => {
      const phi = phis[index]!;
      const order = groupTexts.map((_, g) => g).sort((a, b) => phi[a]! - phi[b]! || a - b);
      const reasons = adverseActionReasons(phi, groupTexts).filter((reason) => reason.points <= -MIN_REASON_POINTS);
      // Added in place, after the score fields: the decision shows them in this order.
      const result = prediction.result as { -readonly [K in keyof CreditStageResult]: CreditStageResult[K] };
      result.attributions = order.map((g) => ({ code: groupTexts[g]!.code, text: groupTexts[g]!.text, points: phi[g]! }));
      result.adverseActionCodes = reasons.map((reason) => reason.code);
      for (const reason of reasons) {
        prediction.reasons.push({
          code: reason.code,
          stage: 'credit',
          text: reason.text,
          values: { points: Math.round(reason.points * 10) / 10 },
        });
      }
      encoded.delete(prediction);
    });
    return predictions;
  };

  return {
    score,
    attribute,
    async predict(records) {
      const predictions = await score(records);
      await attribute(predictions);
      return predictions;
    },
  };
}

/** The credit stage, which can attribute its outputs after the policy has decided (CreditPredictor). */
export interface CreditStage extends Stage<CreditStageResult> {
  readonly name: 'credit';
  /**
   * Adds attributions and adverse-action reasons to outputs of this stage that lack them, in place;
   * with `copies`, to copies (for a challenger that reads the champion's score: the champion's
   * decision must not change). Returns the outputs attributed.
   */
  attribute(outputs: ReadonlyArray<StageOutput<CreditStageResult>>, copies?: boolean): Promise<Array<StageOutput<CreditStageResult>>>;
}

export function createCreditStage(model: LoadedCreditModel, attributeAll: boolean): CreditStage {
  const predictor = createCreditPredictor(model);
  const evaluateBatch = async (inputs: readonly StageInput[]): Promise<Array<StageOutput<CreditStageResult>>> => {
    const facts = inputs.map((input) => input.facts);
    return attributeAll ? predictor.predict(facts) : predictor.score(facts);
  };
  return {
    name: 'credit',
    sha256: { creditManifestSha256: model.manifestSha256, creditModelSha256: model.manifest.onnx.sha256 },
    evaluate: async (input) => (await evaluateBatch([input]))[0]!,
    evaluateBatch,
    attribute: (outputs, copies) => predictor.attribute(outputs as readonly CreditPrediction[], copies),
  };
}
