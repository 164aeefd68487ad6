// Loads the model stages (anti-fraud, credit) and a policy pack, checked against the facts and derived
// features the engine provides. The champion and every challenger load through here, so a challenger
// model is held to the same checks as the champion.
import { ErrorCode, FengkongError } from '../errors.js';
import type { FraudStageResult } from '../schema/decision.js';
import { createCreditStage, loadCreditModel, type CreditStage } from '../stages/credit/stage.js';
import { loadFraudModel, type LoadedFraudModel } from '../stages/fraud/model.js';
import { createFraudStage } from '../stages/fraud/stage.js';
import { checkOffersCoverScale, loadPolicyPack, type LoadedPolicyPack } from '../policy/load.js';
import { checkBlockListPrecedence, createPolicyEvaluator } from '../policy/evaluate.js';
import { BUILT_IN_OPERATOR_NAMES } from '../schema/rulePack.js';
import type { CustomOperators } from '../stages/rules/evaluator.js';
import { shippedPaths } from './paths.js';
import type { Stage } from './stage.js';

export interface ModelStages {
  readonly fraud: Stage<FraudStageResult> | null;
  readonly credit: CreditStage | null;
  /** sha256 of what the stages loaded, under the audit's field names. */
  readonly sha256: Record<string, string>;
  /** The lowest score the credit model's scale gives (null without the stage). */
  readonly lowestCreditScore: number | null;
}

/**
 * `undefined` loads the shipped model, `null` runs without the stage, a path loads that file. With
 * `attributeAll` the credit stage attributes every output as it scores; else the engine attributes
 * those it needs after the policy (CreditStage.attribute).
 */
export async function loadModelStages(
  fraudPath: string | null | undefined,
  creditPath: string | null | undefined,
  derivedFeaturesSha256: string,
  facts: Readonly<Record<string, string>>,
  attributeAll = false,
  factKinds: Readonly<Record<string, 'number' | 'text' | 'boolean'>> = {},
): Promise<ModelStages> {
  const fraudModel =
    fraudPath === null ? null : loadCheckedFraudModel(fraudPath ?? shippedPaths.fraudModel, derivedFeaturesSha256, facts, factKinds);
  const creditModel = creditPath === null ? null : await loadCreditModel(creditPath ?? shippedPaths.creditManifest);
  if (creditModel !== null) {
    const { manifest } = creditModel;
    if (manifest.derivedFeaturesSha256 !== null && manifest.derivedFeaturesSha256 !== derivedFeaturesSha256) {
      throw new FengkongError(
        ErrorCode.MODEL_INVALID,
        'credit manifest: derivedFeaturesSha256 does not match the derived features loaded: the model was trained on other inputs',
      );
    }
    const unknown = manifest.inputs.find((input) => !Object.hasOwn(facts, input.source));
    if (unknown !== undefined) {
      throw new FengkongError(
        ErrorCode.MODEL_INVALID,
        `credit manifest: input ${unknown.name} reads ${unknown.source}, which this config does not provide (its data model, lists and derived features): the model was trained on other inputs`,
      );
    }
    // A numeric input reads a number or a flag (1/0, as the encoder reads it); a category input a text or a flag (its level's text).
    const mistyped = manifest.inputs.find((input) => {
      const kind = factKinds[input.source];
      return kind !== undefined && (input.kind === 'numeric' ? kind === 'text' : kind === 'number');
    });
    if (mistyped !== undefined) {
      throw new FengkongError(
        ErrorCode.MODEL_INVALID,
        `credit manifest: input ${mistyped.name} is ${mistyped.kind === 'numeric' ? 'a number' : 'a category'}, but ${mistyped.source} holds ${factKinds[mistyped.source] === 'number' ? 'numbers' : factKinds[mistyped.source] === 'text' ? 'text' : 'true/false'} in the data model`,
      );
    }
  }
  const fraud = fraudModel === null ? null : createFraudStage(fraudModel);
  const credit = creditModel === null ? null : createCreditStage(creditModel, attributeAll);
  await credit?.init?.();
  return {
    fraud,
    credit,
    sha256: { ...(fraud?.sha256 ?? {}), ...(credit?.sha256 ?? {}) },
    lowestCreditScore: creditModel === null ? null : creditModel.manifest.scaling.min,
  };
}

/**
 * A policy pack whose offer bands cover every score the credit model can give, and which declines a
 * block-list hit at tier 3 (block lists cannot be overridden).
 */
export async function loadCheckedPolicyPack(
  path: string | undefined,
  facts: Readonly<Record<string, string>>,
  lowestCreditScore: number | null,
  operators: CustomOperators = {},
  refused?: ReadonlyMap<string, string>,
): Promise<LoadedPolicyPack> {
  const loaded = loadPolicyPack(path ?? shippedPaths.policyPack, new Set(Object.keys(facts)), operatorNames(operators), refused);
  if (lowestCreditScore !== null) checkOffersCoverScale(loaded, lowestCreditScore);
  await checkBlockListPrecedence(createPolicyEvaluator(loaded, 'compiled', operators), loaded, Object.keys(facts));
  return loaded;
}

/** A fraud model file whose every feature reads a number or a flag this config provides, computed with its derived features. */
export function loadCheckedFraudModel(
  path: string,
  derivedFeaturesSha256: string,
  facts: Readonly<Record<string, string>>,
  factKinds: Readonly<Record<string, 'number' | 'text' | 'boolean'>>,
): LoadedFraudModel {
  const loaded = loadFraudModel(path);
  const { inputs } = loaded.model;
  // Every feature reads a number or a flag the engine provides: a model trained on other data is refused here, not scored as 0.
  loaded.model.features.forEach((feature, index) => {
    const { fact } = feature.input;
    const kind = factKinds[fact];
    if (!Object.hasOwn(facts, fact)) {
      throw new FengkongError(
        ErrorCode.MODEL_INVALID,
        `${path}: features.${index} (${feature.name}) reads ${fact}, which this config does not provide (its data model, lists and derived features): the model was trained on other inputs`,
      );
    }
    if (kind === 'text') {
      throw new FengkongError(
        ErrorCode.MODEL_INVALID,
        `${path}: features.${index} (${feature.name}) reads ${fact}, which holds text in the data model: a fraud feature reads a number or a flag`,
      );
    }
  });
  if (inputs.derivedFeaturesSha256 !== null && inputs.derivedFeaturesSha256 !== derivedFeaturesSha256) {
    throw new FengkongError(
      ErrorCode.MODEL_INVALID,
      `${path}: inputs.derivedFeaturesSha256 does not match the derived features loaded: the model was trained on other inputs`,
    );
  }
  return loaded;
}

/** The operator names packs may use: the built-ins and those registered in code. */
export function operatorNames(operators: CustomOperators): ReadonlySet<string> {
  return new Set([...BUILT_IN_OPERATOR_NAMES, ...Object.keys(operators)]);
}
