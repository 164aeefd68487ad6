// The decision: one JSON object per event. Naming is part of the contract: timings end in `Us`,
// timestamps in `At`, ids in `Id`; with those removed, two runs over the same input are identical.
import { z } from 'zod';
import { ReasonCode, Severity } from './rulePack.js';

export const DECISION_SCHEMA_VERSION = 1;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const Outcome = z.enum(['approve', 'review', 'decline']);
export type Outcome = z.infer<typeof Outcome>;

/** 1 general (approve / monitor), 2 important (manual review, step-up), 3 major (decline, freeze, alert). */
export const Tier = z.union([z.literal(1), z.literal(2), z.literal(3)]);
export type Tier = z.infer<typeof Tier>;

export const StageName = z.enum(['rules', 'fraud', 'credit', 'policy']);
export type StageName = z.infer<typeof StageName>;

/** Values shown with a reason: feature values only, never an identifier. */
export const ReasonValues = z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]));

export const Reason = z.strictObject({
  code: ReasonCode,
  stage: StageName,
  text: z.string(),
  values: ReasonValues,
});
export type Reason = z.infer<typeof Reason>;

export const RuleHit = z.strictObject({
  code: ReasonCode,
  severity: Severity,
  /** The facts the rule's evaluated conditions read, with their values. */
  values: ReasonValues,
});
export type RuleHit = z.infer<typeof RuleHit>;

export const RulesStageResult = z.strictObject({
  fired: z.array(RuleHit),
  failed: z.array(RuleHit),
  /** Names of the lists the event matched (block and allow). */
  listHits: z.array(z.string()),
  /** Which evaluator ran the rules. */
  evaluator: z.enum(['json-rules-engine']),
});
export type RulesStageResult = z.infer<typeof RulesStageResult>;

export const FraudContribution = z.strictObject({
  feature: z.string(),
  /** The model input (after its transform; the baseline when the input was missing). */
  value: z.number(),
  /** β·(value − baseline) in log-odds; all contributions sum to logit − baselineLogit. */
  contribution: z.number(),
});

export const FraudStageResult = z.strictObject({
  probability: z.number().min(0).max(1),
  logit: z.number(),
  /** The logit of an application at the training means: where contributions start from. */
  baselineLogit: z.number(),
  /** Every feature, most fraud-like first. */
  contributions: z.array(FraudContribution),
});
export type FraudStageResult = z.infer<typeof FraudStageResult>;

export const CreditAttribution = z.strictObject({
  code: z.string(),
  text: z.string(),
  /** Exact Shapley value of the group in unclamped points (positive raised the score). */
  points: z.number(),
});

export const CreditStageResult = z.strictObject({
  /** Probability of default. */
  pd: z.number().min(0).max(1),
  /** Points on the stated PDO scale, clamped to its range and rounded. */
  score: z.number().int(),
  /** Unclamped points of the application and of the baseline: attributions sum to their difference. */
  points: z.number(),
  baselinePoints: z.number(),
  /** Every group, most points lost first. */
  attributions: z.array(CreditAttribution),
  /** The adverse-action reason codes (at most 4 groups that cost points); the decision states them on a review or decline. */
  adverseActionCodes: z.array(z.string()).max(4),
});
export type CreditStageResult = z.infer<typeof CreditStageResult>;

export const PolicyStageResult = z.strictObject({
  /** Which policy decided: until the policy pack lands, the outcome follows the worst fired severity. */
  policy: z.string(),
});

export const Decision = z.strictObject({
  schemaVersion: z.literal(DECISION_SCHEMA_VERSION),
  applicationId: z.string(),
  outcome: Outcome,
  tier: Tier,
  actions: z.array(z.string()),
  reasons: z.array(Reason),
  stages: z.strictObject({
    rules: RulesStageResult,
    fraud: FraudStageResult.optional(),
    credit: CreditStageResult.optional(),
    policy: PolicyStageResult,
  }),
  audit: z.strictObject({
    version: z.string(),
    rulePackSha256: Sha256,
    listsSha256: Sha256,
    derivedFeaturesSha256: Sha256,
    fraudModelSha256: Sha256.optional(),
    /** The credit manifest's bytes, and the ONNX file it pins. */
    creditManifestSha256: Sha256.optional(),
    creditModelSha256: Sha256.optional(),
    featuresUs: z.number().nonnegative(),
    rulesUs: z.number().nonnegative(),
    fraudUs: z.number().nonnegative().optional(),
    creditUs: z.number().nonnegative().optional(),
    policyUs: z.number().nonnegative(),
    totalUs: z.number().nonnegative(),
    decidedAt: z.iso.datetime(),
  }),
});
export type Decision = z.infer<typeof Decision>;
