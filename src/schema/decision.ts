// The decision: one JSON object per event. Naming is part of the contract: timings end in `Us`,
// timestamps in `At`, ids in `Id`; with those removed, two runs over the same input are identical.
import { z } from 'zod';
import { Outcome, PolicyAction, Tier } from './policyPack.js';
import { ReasonCode, Severity } from './rulePack.js';

export { Outcome, Tier };

export const DECISION_SCHEMA_VERSION = 6;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const StageName = z.enum(['rules', 'fraud', 'credit', 'policy']);
export type StageName = z.infer<typeof StageName>;

/** Values shown with a reason: feature values only, never an identifier. */
export const ReasonValues = z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]));

/** decline and review reasons speak to the outcome; info reasons are context. */
export const ReasonSeverity = Severity;
export type ReasonSeverity = z.infer<typeof ReasonSeverity>;

export const Reason = z.strictObject({
  code: ReasonCode,
  stage: StageName,
  severity: ReasonSeverity,
  text: z.string(),
  values: ReasonValues,
});
export type Reason = z.infer<typeof Reason>;

/** What the applicant may be told: credit and policy reasons; fraud signals only as "additional verification". */
export const ApplicantReason = z.strictObject({ code: ReasonCode, text: z.string() });
export type ApplicantReason = z.infer<typeof ApplicantReason>;

export const RankedReasons = z.strictObject({
  /** The first (at most) four of `all`. */
  primary: z.array(Reason).max(4),
  /** Every reason, internal, ranked: severity first, then each stage's own measure (see the README). */
  all: z.array(Reason),
  /** Applicant-facing, at most four; empty on a plain approval. */
  applicant: z.array(ApplicantReason).max(4),
});
export type RankedReasons = z.infer<typeof RankedReasons>;

/** The compiled evaluator (json-rules-engine's semantics, synchronous), or json-rules-engine's Engine.run. */
export const RuleEvaluator = z.enum(['compiled', 'json-rules-engine']);
export type RuleEvaluator = z.infer<typeof RuleEvaluator>;

export const RuleHit = z.strictObject({
  code: ReasonCode,
  severity: Severity,
});
export type RuleHit = z.infer<typeof RuleHit>;

/** A rule that did not fire, with the facts its evaluated conditions read: why it did not. */
export const FailedRule = RuleHit.extend({ values: ReasonValues });
export type FailedRule = z.infer<typeof FailedRule>;

export const RulesStageResult = z.strictObject({
  fired: z.array(RuleHit),
  /**
   * Every fact the rules' evaluated conditions read, once, with its value: the rule stage's inputs.
   * With the pinned packs (audit.rulePackSha256) they give every rule's verdict again. A fired rule's
   * own values are also on its reason.
   */
  values: ReasonValues,
  /**
   * The rules that did not fire, with the values their conditions read: recorded when the config asks
   * (`recordFailedRules`; `fengkong explain` does), left out otherwise. Every rule of the pinned
   * packs not in `fired` did not fire.
   */
  failed: z.array(FailedRule).optional(),
  /** Names of the lists the event matched (block and allow). */
  listHits: z.array(z.string()),
  /** Which evaluator ran the rules. */
  evaluator: RuleEvaluator,
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
  /**
   * Every group, most points lost first. Computed for reviews and declines (and for every decision
   * with config `attributions: "all"`, as `fengkong explain` sets); absent otherwise.
   */
  attributions: z.array(CreditAttribution).optional(),
  /** The adverse-action reason codes (at most 4 groups that cost points), beside the attributions. */
  adverseActionCodes: z.array(z.string()).max(4).optional(),
});
export type CreditStageResult = z.infer<typeof CreditStageResult>;

export const PolicyRuleHit = z.strictObject({
  code: ReasonCode,
  outcome: Outcome,
  tier: Tier,
  /** The facts the rule's evaluated conditions read (stage outputs and event facts), with their values. */
  values: ReasonValues,
});
export type PolicyRuleHit = z.infer<typeof PolicyRuleHit>;

export const PolicyStageResult = z.strictObject({
  /** The policy pack's name and version. */
  policy: z.string(),
  version: z.string(),
  /** Every policy rule that fired, the deciding one first. None: the pack's default decided. */
  fired: z.array(PolicyRuleHit),
  /** An earlier tier 3 decision had frozen this applicant's applications. */
  identityFrozen: z.boolean(),
  /** Which evaluator ran the policy pack. */
  evaluator: RuleEvaluator,
});
export type PolicyStageResult = z.infer<typeof PolicyStageResult>;

/** On an approval: the score band's terms. A request above the band's maximum is approved at the maximum. */
export const Offer = z.strictObject({
  band: z.string(),
  requestedAmount: z.number(),
  approvedAmount: z.number(),
  maxAmount: z.number(),
  aprPercent: z.strictObject({ min: z.number(), max: z.number() }),
  counterOffer: z.boolean(),
});
export type Offer = z.infer<typeof Offer>;

/** A challenger's verdict on the same event: recorded, never acted on. */
export const ShadowOutcome = z.strictObject({
  challenger: z.string(),
  outcome: Outcome,
  tier: Tier,
  actions: z.array(PolicyAction),
  fraudProbability: z.number().min(0).max(1).optional(),
  creditScore: z.number().int().optional(),
  primaryReasonCodes: z.array(ReasonCode).max(4),
});

/** A challenger that failed on this event: its error code; the champion's decision stands. */
export const ShadowFailure = z.strictObject({ challenger: z.string(), error: z.string() });

export const ShadowVerdict = z.union([ShadowOutcome, ShadowFailure]);
export type ShadowVerdict = z.infer<typeof ShadowVerdict>;

export const Decision = z.strictObject({
  schemaVersion: z.literal(DECISION_SCHEMA_VERSION),
  applicationId: z.string(),
  outcome: Outcome,
  tier: Tier,
  actions: z.array(PolicyAction),
  /** On an approval with a credit score: the amount and price band. */
  offer: Offer.optional(),
  reasons: RankedReasons,
  stages: z.strictObject({
    rules: RulesStageResult,
    fraud: FraudStageResult.optional(),
    credit: CreditStageResult.optional(),
    policy: PolicyStageResult,
  }),
  /** Challengers configured beside the champion, in config order. */
  shadow: z.array(ShadowVerdict).optional(),
  audit: z.strictObject({
    version: z.string(),
    /** The data model the event was read with. */
    dataModelSha256: Sha256,
    rulePackSha256: Sha256,
    listsSha256: Sha256,
    derivedFeaturesSha256: Sha256,
    fraudModelSha256: Sha256.optional(),
    /** The credit manifest's bytes, and the ONNX file it pins. */
    creditManifestSha256: Sha256.optional(),
    creditModelSha256: Sha256.optional(),
    policySha256: Sha256,
    /** HMAC-SHA256 (under the identifier salt) of what the decision reads from the event: which input it is about. */
    inputHash: Sha256,
    /** This application id had been decided before with the same input: this is that decision again. */
    repeated: z.literal(true).optional(),
    featuresUs: z.number().nonnegative(),
    rulesUs: z.number().nonnegative(),
    fraudUs: z.number().nonnegative().optional(),
    creditUs: z.number().nonnegative().optional(),
    policyUs: z.number().nonnegative(),
    /** Time the challengers' policies took (their own model stages are timed in the batch); not in the total. */
    shadowUs: z.number().nonnegative().optional(),
    totalUs: z.number().nonnegative(),
    decidedAt: z.iso.datetime(),
  }),
});
export type Decision = z.infer<typeof Decision>;
