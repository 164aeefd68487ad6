// The anti-fraud model's inputs: each feature of a model file names the fact it reads (an aggregate, a
// signal, a list hit, a derived feature, a number field) and a transform (counts on a log scale, flags
// as 0/1, ratios as logs of a clamped value). A missing input (null) is returned as NaN, which the stage
// replaces by the model's baseline, so a missing value contributes exactly 0 log-odds.
import { factNumber, type Facts } from '../../schema/facts.js';
import type { FraudFeatureInput, FraudFeatureReason } from '../../schema/fraudModel.js';

type Transform = (facts: Facts) => number;

const number = (facts: Facts, name: string): number => factNumber(facts[name]);

export interface FraudFeature {
  readonly name: string;
  readonly transform: Transform;
  /** The fact shown with a reason (the untransformed value a person can read). */
  readonly fact: string;
  /** Reason code and text when this feature pushes an application towards fraud. */
  readonly code: string;
  readonly text: string;
}

/** What a model file says of a feature: its name, what it reads and how, and its reason. */
export interface FraudFeatureSpec {
  readonly name: string;
  readonly input: FraudFeatureInput;
  readonly reason: FraudFeatureReason;
}

/** The transform a feature's input describes: clamp to [floor, ceiling] (a NaN stays NaN), then identity, log1p or log. */
export function compileFraudFeature({ name, input, reason }: FraudFeatureSpec): FraudFeature {
  const { fact, floor, ceiling } = input;
  const clamp =
    floor === undefined && ceiling === undefined
      ? (value: number) => value
      : floor === undefined
        ? (value: number) => Math.min(value, ceiling!)
        : ceiling === undefined
          ? (value: number) => Math.max(value, floor)
          : (value: number) => Math.min(Math.max(value, floor), ceiling);
  const transform: Transform =
    input.transform === 'identity'
      ? (facts) => clamp(number(facts, fact))
      : input.transform === 'log1p'
        ? (facts) => Math.log1p(clamp(number(facts, fact)))
        : (facts) => Math.log(clamp(number(facts, fact)));
  return { name, transform, fact, code: reason.code, text: reason.text };
}

/**
 * The lending feature set the shipped model was first trained on (version-1 model files name it as
 * `fengkong-fraud-features/2`), and what the fraud trainer takes from the shipped lending data model.
 */
export const LENDING_FRAUD_FEATURES: readonly FraudFeatureSpec[] = [
  {
    name: 'log_device_apps_1h',
    input: { fact: 'device_apps_1h', transform: 'log1p' },
    reason: { code: 'F_DEVICE_BURST', text: 'Several applications from this device within the hour' },
  },
  {
    name: 'log_device_apps_24h',
    input: { fact: 'device_apps_24h', transform: 'log1p' },
    reason: { code: 'F_DEVICE_BUSY', text: 'Many applications from this device today' },
  },
  {
    name: 'log_device_distinct_applicants_24h',
    input: { fact: 'device_distinct_applicants_24h', transform: 'log1p' },
    reason: { code: 'F_DEVICE_SHARED', text: 'Other applicants used this device today' },
  },
  {
    name: 'device_new',
    input: { fact: 'device_new', transform: 'identity' },
    reason: { code: 'F_DEVICE_NEW', text: 'A device never seen before' },
  },
  {
    name: 'log_ip24_apps_1h',
    input: { fact: 'ip24_apps_1h', transform: 'log1p' },
    reason: { code: 'F_NETWORK_BURST', text: 'Several applications from this network within the hour' },
  },
  {
    name: 'log_ip24_distinct_applicants_24h',
    input: { fact: 'ip24_distinct_applicants_24h', transform: 'log1p' },
    reason: { code: 'F_NETWORK_SHARED', text: 'Many applicants on this network today' },
  },
  {
    name: 'log_applicant_apps_30d',
    input: { fact: 'applicant_apps_30d', transform: 'log1p' },
    reason: { code: 'F_APPLICANT_REPEAT', text: 'The applicant applied before this month' },
  },
  {
    name: 'log_applicant_distinct_devices_30d',
    input: { fact: 'applicant_distinct_devices_30d', transform: 'log1p' },
    reason: { code: 'F_APPLICANT_DEVICES', text: 'The applicant used several devices this month' },
  },
  {
    name: 'log_applicant_distinct_regions_30d',
    input: { fact: 'applicant_distinct_regions_30d', transform: 'log1p' },
    reason: { code: 'F_APPLICANT_REGIONS', text: 'The applicant applied from several states this month' },
  },
  {
    name: 'log_hours_since_previous',
    input: { fact: 'applicant_hours_since_previous', transform: 'log1p' },
    reason: { code: 'F_APPLICANT_RECENT', text: "Time since the applicant's previous application" },
  },
  {
    name: 'log_amount_ratio',
    input: { fact: 'applicant_amount_ratio', transform: 'log', floor: 1e-3 },
    reason: { code: 'F_AMOUNT_JUMP', text: "Amount far above the applicant's earlier requests" },
  },
  {
    name: 'log_phone_distinct_applicants_30d',
    input: { fact: 'phone_distinct_applicants_30d', transform: 'log1p' },
    reason: { code: 'F_PHONE_SHARED', text: 'Other applicants gave this phone number' },
  },
  {
    name: 'disposable_email_domain',
    input: { fact: 'list_disposable_email_domains', transform: 'identity' },
    reason: { code: 'F_EMAIL_DISPOSABLE', text: 'A disposable email address' },
  },
  {
    name: 'ip_region_mismatch',
    input: { fact: 'ip_region_mismatch', transform: 'identity' },
    reason: { code: 'F_IP_REGION_MISMATCH', text: 'Applied from another state than the address' },
  },
  {
    name: 'phone_area_mismatch',
    input: { fact: 'phone_area_mismatch', transform: 'identity' },
    reason: { code: 'F_PHONE_AREA_MISMATCH', text: "The phone's area code belongs to another state" },
  },
  {
    name: 'log_email_local_digits',
    input: { fact: 'email_local_digits', transform: 'log1p' },
    reason: { code: 'F_EMAIL_DIGITS', text: 'An email mailbox name full of digits' },
  },
  {
    name: 'log_loan_to_income',
    input: { fact: 'loan_to_income', transform: 'log', floor: 1e-3, ceiling: 10 },
    reason: { code: 'F_LOAN_TO_INCOME', text: 'A large amount for the declared income' },
  },
];

/** The feature sets version-1 model files name, by name. */
export const LEGACY_FRAUD_FEATURE_SETS: Readonly<Record<string, readonly FraudFeatureSpec[]>> = {
  'fengkong-fraud-features/2': LENDING_FRAUD_FEATURES,
};

/**
 * The feature vector of one event, in the order of `features`: NaN where an input is missing or its
 * transform gives no finite number (the stage and the trainer then use the baseline: it contributes 0).
 */
export function fraudFeatureVector(
  features: readonly FraudFeature[],
  facts: Facts,
  into: Float64Array = new Float64Array(features.length),
): Float64Array {
  for (let index = 0; index < features.length; index += 1) {
    const value = features[index]!.transform(facts);
    // Outside the transform's domain (log1p of −1 or less, log of 0 or less without a floor): missing, as training read it too.
    into[index] = Number.isFinite(value) ? value : Number.NaN;
  }
  return into;
}
