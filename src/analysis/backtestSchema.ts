// The backtest's results as data: what `fengkong backtest --json` writes and the report is built from.
import { z } from 'zod';
import { Outcome } from '../schema/decision.js';
import { Economics, EconomicsSummary } from './economics.js';
import { Rate } from './interval.js';
import { RuleMetrics } from './ruleImpact.js';

/** How a score separates its two classes; null where a class is missing (or has fewer than two rows). */
export const Discrimination = z
  .strictObject({
    rows: z.number().int().nonnegative(),
    positives: z.number().int().nonnegative(),
    auc: z.number().min(0).max(1),
    /** 95% DeLong interval. */
    aucLower: z.number().min(0).max(1),
    aucUpper: z.number().min(0).max(1),
    ks: z.number().min(0).max(1),
  })
  .nullable();
export type Discrimination = z.infer<typeof Discrimination>;

const Count = z.number().int().nonnegative();

export const OutcomeCounts = z.strictObject({ approve: Count, review: Count, decline: Count });

export const FraudCatch = z.strictObject({
  scenario: z.string(),
  frauds: Count,
  declined: Count,
  reviewed: Count,
  /** Approved: missed. */
  missed: Count,
  /** Declined or sent to review, out of the scenario's frauds. */
  caught: Rate,
});

export const OutcomeTierLabel = z.strictObject({
  outcome: Outcome,
  tier: z.number().int(),
  genuineGood: Count,
  genuineDefault: Count,
  /** Genuine rows without a default label (none in data/applications.csv). */
  genuineUnlabelled: Count,
  fraud: Count,
  total: Count,
});

export const ReasonFrequency = z.strictObject({
  code: z.string(),
  stage: z.string(),
  /** Decisions listing the code among all their reasons. */
  decisions: Count,
  /** Decisions listing it among their (at most four) primary reasons. */
  primary: Count,
});

export const BacktestRun = z.strictObject({
  name: z.string(),
  configSha256: z.string(),
  policy: z.strictObject({ name: z.string(), version: z.string() }),
  read: Count,
  decided: Count,
  rejected: Count,
  rejectedByCode: z.record(z.string(), Count),
  outcomes: OutcomeCounts,
  approvalRate: Rate,
  reviewRate: Rate,
  declineRate: Rate,
  /** Bad (defaulted or fraud) among every row whose status is known. */
  badRate: Rate,
  badRateApproved: Rate,
  badRateNotApproved: Rate,
  /** Defaulted among approved genuine rows with a default label. */
  defaultRateApprovedGenuine: Rate,
  /** Fraud among approved rows. */
  fraudRateApproved: Rate,
  /** Genuine good rows declined or sent to review (the cost side of catching fraud and bad credit). */
  genuineGoodStopped: Rate,
  fraudCaught: z.array(FraudCatch),
  outcomeTierLabel: z.array(OutcomeTierLabel),
  rules: z.array(RuleMetrics),
  /** Whether the held-out slice is out of sample for this run's models (heldOut.ts outOfSample), and why. */
  outOfSample: z.strictObject({
    status: z.enum(['held-out', 'partly', 'unknown', 'no-models']),
    note: z.string(),
  }),
  models: z.strictObject({
    fraudProbability: z.strictObject({ all: Discrimination, heldOut: Discrimination }),
    creditScore: z.strictObject({ all: Discrimination, heldOut: Discrimination }),
  }),
  reasons: z.array(ReasonFrequency),
  /** Null when the data model marks no field as the amount: nothing to price. */
  economics: EconomicsSummary.nullable(),
});
export type BacktestRun = z.infer<typeof BacktestRun>;

export const DecisionChanges = z.strictObject({
  /** Applications decided in both runs. */
  compared: Count,
  /** Of those, decisions whose outcome changed. */
  changed: Count,
  /** Champion outcome → challenger outcome → applications. */
  matrix: z.record(Outcome, z.record(Outcome, Count)),
});
export type DecisionChanges = z.infer<typeof DecisionChanges>;

/** The fields the outcomes were read from, as the data model declares them (null: not declared). */
export const OutcomeFields = z.strictObject({
  credit: z.strictObject({ field: z.string(), bad: z.string() }).nullable(),
  fraud: z.strictObject({ field: z.string(), bad: z.string(), kind: z.string().nullable() }).nullable(),
  amount: z.string().nullable(),
  rate: z.string().nullable(),
  term: z.string().nullable(),
  /** The time field rows are ordered and held out by; null: the file's order. */
  time: z.string().nullable(),
});
export type OutcomeFields = z.infer<typeof OutcomeFields>;

export const BacktestResult = z.strictObject({
  format: z.literal('fengkong-backtest'),
  version: z.literal(2),
  input: z.strictObject({ path: z.string(), sha256: z.string() }),
  libraryVersion: z.string(),
  command: z.string(),
  /** The champion's data model's outcome fields (backtest.ts outcomeFieldsOf). */
  outcomes: OutcomeFields,
  definitions: z.record(z.string(), z.string()),
  /** The latest share of rows by applied_at reported as "held out": the trainers' (1 − their train share). */
  heldOutFraction: z.number(),
  economics: Economics,
  champion: BacktestRun,
  challenger: BacktestRun.nullable(),
  changes: DecisionChanges.nullable(),
});
export type BacktestResult = z.infer<typeof BacktestResult>;
