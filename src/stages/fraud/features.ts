// The anti-fraud model's inputs, taken from the facts every stage sees (velocity, identity consistency,
// list hits, the application) with a fixed transform each: counts on a log scale, flags as 0/1. A
// missing input (null) is returned as NaN, which the stage replaces by the model's baseline, so a
// missing value contributes exactly 0 log-odds.
import type { Facts } from '../../schema/facts.js';

type Transform = (facts: Facts) => number;

const number = (facts: Facts, name: string): number => {
  const value = facts[name];
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number.NaN;
};
const logCount =
  (name: string): Transform =>
  (facts) =>
    Math.log1p(number(facts, name));
const flag =
  (name: string): Transform =>
  (facts) =>
    number(facts, name);

export interface FraudFeature {
  readonly name: string;
  readonly transform: Transform;
  /** The fact shown with a reason (the untransformed value a person can read). */
  readonly fact: string;
  /** Reason code and text when this feature pushes an application towards fraud. */
  readonly code: string;
  readonly text: string;
}

const feature = (name: string, transform: Transform, fact: string, code: string, text: string): FraudFeature => ({
  name,
  transform,
  fact,
  code,
  text,
});

/** In the order of the model's coefficients. */
export const FRAUD_FEATURES: readonly FraudFeature[] = [
  feature(
    'log_device_apps_1h',
    logCount('device_apps_1h'),
    'device_apps_1h',
    'F_DEVICE_BURST',
    'Several applications from this device within the hour',
  ),
  feature(
    'log_device_apps_24h',
    logCount('device_apps_24h'),
    'device_apps_24h',
    'F_DEVICE_BUSY',
    'Many applications from this device today',
  ),
  feature(
    'log_device_distinct_applicants_24h',
    logCount('device_distinct_applicants_24h'),
    'device_distinct_applicants_24h',
    'F_DEVICE_SHARED',
    'Other applicants used this device today',
  ),
  feature('device_new', flag('device_new'), 'device_new', 'F_DEVICE_NEW', 'A device never seen before'),
  feature(
    'log_ip24_apps_1h',
    logCount('ip24_apps_1h'),
    'ip24_apps_1h',
    'F_NETWORK_BURST',
    'Several applications from this network within the hour',
  ),
  feature(
    'log_ip24_distinct_applicants_24h',
    logCount('ip24_distinct_applicants_24h'),
    'ip24_distinct_applicants_24h',
    'F_NETWORK_SHARED',
    'Many applicants on this network today',
  ),
  feature(
    'log_applicant_apps_30d',
    logCount('applicant_apps_30d'),
    'applicant_apps_30d',
    'F_APPLICANT_REPEAT',
    'The applicant applied before this month',
  ),
  feature(
    'log_applicant_distinct_devices_30d',
    logCount('applicant_distinct_devices_30d'),
    'applicant_distinct_devices_30d',
    'F_APPLICANT_DEVICES',
    'The applicant used several devices this month',
  ),
  feature(
    'log_applicant_distinct_regions_30d',
    logCount('applicant_distinct_regions_30d'),
    'applicant_distinct_regions_30d',
    'F_APPLICANT_REGIONS',
    'The applicant applied from several states this month',
  ),
  feature(
    'log_hours_since_previous',
    logCount('applicant_hours_since_previous'),
    'applicant_hours_since_previous',
    'F_APPLICANT_RECENT',
    "Time since the applicant's previous application",
  ),
  feature(
    'log_amount_ratio',
    (facts) => Math.log(Math.max(number(facts, 'applicant_amount_ratio'), 1e-3)),
    'applicant_amount_ratio',
    'F_AMOUNT_JUMP',
    "Amount far above the applicant's earlier requests",
  ),
  feature(
    'log_phone_distinct_applicants_30d',
    logCount('phone_distinct_applicants_30d'),
    'phone_distinct_applicants_30d',
    'F_PHONE_SHARED',
    'Other applicants gave this phone number',
  ),
  feature(
    'disposable_email_domain',
    flag('list_disposable_email_domains'),
    'list_disposable_email_domains',
    'F_EMAIL_DISPOSABLE',
    'A disposable email address',
  ),
  feature(
    'ip_region_mismatch',
    flag('ip_region_mismatch'),
    'ip_region_mismatch',
    'F_IP_REGION_MISMATCH',
    'Applied from another state than the address',
  ),
  feature(
    'phone_area_mismatch',
    flag('phone_area_mismatch'),
    'phone_area_mismatch',
    'F_PHONE_AREA_MISMATCH',
    "The phone's area code belongs to another state",
  ),
  feature(
    'log_email_local_digits',
    logCount('email_local_digits'),
    'email_local_digits',
    'F_EMAIL_DIGITS',
    'An email mailbox name full of digits',
  ),
  feature(
    'log_loan_to_income',
    (facts) => Math.log(Math.min(Math.max(number(facts, 'loan_to_income'), 1e-3), 10)),
    'loan_to_income',
    'F_LOAN_TO_INCOME',
    'A large amount for the declared income',
  ),
];

/** Bump when a transform or the list of inputs changes: models record it and are checked against it. */
export const FRAUD_FEATURE_SET = 'fengkong-fraud-features/2';

export const FRAUD_FEATURE_NAMES: readonly string[] = FRAUD_FEATURES.map((entry) => entry.name);

/** The feature vector of one event (NaN where an input is missing). */
export function fraudFeatureVector(facts: Facts, into: Float64Array = new Float64Array(FRAUD_FEATURES.length)): Float64Array {
  for (let index = 0; index < FRAUD_FEATURES.length; index += 1) into[index] = FRAUD_FEATURES[index]!.transform(facts);
  return into;
}
