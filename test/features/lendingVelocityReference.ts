// The REFERENCE for src/features/aggregates.ts and src/features/signals.ts: the 18 velocity and
// identity facts of the lending model as the engine computed them by hand before the data model
// declared them (src/features/velocity.ts until then), kept to hold the declared ones equal to it
// (test/features/aggregates.test.ts). Only the identifiers' shape changed: hashes by field.
//
// Windows: a count over "the last 24 h" at event time t counts the EARLIER events (already recorded)
// with time in [t − 24 h, t], both bounds inclusive; the current event is never counted in its own
// features. It is recorded after its features are read, so the next event sees it.
import { areaCodeState } from '../../src/features/areaCodes.js';
import type { HashedIdentifiers } from '../../src/features/eventFacts.js';
import { hashIdentifier } from '../../src/features/identity.js';
import type { EventRecord } from '../../src/schema/event.js';
import type { StateStore } from '../../src/state/store.js';

/** The lending event's fields this reference reads. */
type ApplicationEvent = EventRecord & {
  readonly ip_region: string | null;
  readonly addr_state: string;
  readonly funded_amnt: number;
  readonly email: string | null;
  readonly phone: string | null;
};

/** The old identifier record, built from the new one. */
interface LegacyIdentifiers {
  readonly applicant_id: string | null;
  readonly device_id: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly ip: string | null;
  readonly ipNetworks: readonly string[];
  readonly emailDomainHash: string | null;
  readonly phoneAreaState: string | null;
  readonly emailLocalDigits: number;
}

function legacy(identifiers: HashedIdentifiers, event: ApplicationEvent, salt: string): LegacyIdentifiers {
  const by = identifiers.byField;
  const email = event.email;
  let digits = 0;
  if (email !== null) for (const char of email.slice(0, email.lastIndexOf('@'))) if (char >= '0' && char <= '9') digits += 1;
  return {
    applicant_id: by.applicant_id ?? null,
    device_id: by.device_id ?? null,
    email: by.email ?? null,
    phone: by.phone ?? null,
    ip: by.ip ?? null,
    ipNetworks: identifiers.ipNetworks.ip ?? [],
    emailDomainHash: email === null ? null : hashIdentifier(salt, 'email_domain', identifiers.emailDomains.email!),
    phoneAreaState: event.phone === null ? null : areaCodeState(event.phone),
    emailLocalDigits: digits,
  };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** "Never applied before" reads as this many hours: a month, the longest window kept. */
export const HOURS_SINCE_PREVIOUS_CAP = 720;
/** The longest window any velocity fact reads; the store must retain at least this much history. */
export const LONGEST_WINDOW_MS = 30 * DAY_MS;
/** The keys whose first-seen time a fact reads (device_new): the engine's store keeps only theirs. */
export const FIRST_SEEN_KEY_PREFIXES: readonly string[] = ['device:'];

export const VELOCITY_FACTS = {
  device_apps_1h: 'earlier applications from this device in the last hour (null without a device)',
  device_apps_24h: 'earlier applications from this device in the last 24 hours',
  device_distinct_applicants_24h: 'other applicants (not this one) among earlier applications from this device in 24 hours',
  device_new: '1 when the device was never seen before this application (within the first-seen horizon, 90 days)',
  ip_apps_1h: 'earlier applications from this IP address in the last hour (null without an IP)',
  ip24_apps_1h: 'earlier applications from this /24 network in the last hour',
  ip24_distinct_applicants_24h: 'other applicants among earlier applications from this /24 network in 24 hours',
  applicant_apps_30d: "the applicant's earlier applications in 30 days (null without an applicant id)",
  applicant_distinct_devices_30d: 'devices other than this one among the applicant’s earlier applications in 30 days',
  applicant_distinct_regions_30d: 'IP regions other than this one among the applicant’s earlier applications in 30 days',
  applicant_hours_since_previous: `hours since the applicant's previous application (${HOURS_SINCE_PREVIOUS_CAP} when none in 30 days)`,
  applicant_amount_ratio: "amount over the mean of the applicant's earlier amounts in 30 days (1 when none)",
  phone_distinct_applicants_30d: 'other applicants among earlier applications with this phone in 30 days (null without a phone)',
  email_distinct_applicants_30d: 'other applicants among earlier applications with this email in 30 days (null without an email)',
  email_domain_new: '1 when no earlier application in 30 days used this email domain (null without an email)',
  ip_region_mismatch: '1 when the IP geolocates to another state than the stated address (null when unknown)',
  phone_area_mismatch: "1 when the phone's area code belongs to another state than the stated address (null when unknown)",
  email_local_digits: "how many digits the email's mailbox name holds (null without an email)",
} as const;

export type VelocityFactName = keyof typeof VELOCITY_FACTS;
/** A missing identifier gives null, never 0: leaving a field out must not look like a clean history. */
export type VelocityFacts = Record<VelocityFactName, number | null>;

interface Keys {
  readonly device: string | null;
  readonly ip: string | null;
  readonly ip24: string | null;
  readonly applicant: string | null;
  readonly applicantRegion: string | null;
  readonly phone: string | null;
  readonly email: string | null;
  readonly domain: string | null;
}

function keysOf(identifiers: LegacyIdentifiers): Keys {
  const prefixed = (prefix: string, value: string | null | undefined) =>
    value === null || value === undefined || value === '' ? null : `${prefix}:${value}`;
  return {
    device: prefixed('device', identifiers.device_id),
    ip: prefixed('ip', identifiers.ip),
    ip24: prefixed('ip24', identifiers.ipNetworks[2]),
    applicant: prefixed('applicant', identifiers.applicant_id),
    applicantRegion: prefixed('applicant-region', identifiers.applicant_id),
    phone: prefixed('phone', identifiers.phone),
    email: prefixed('email', identifiers.email),
    domain: prefixed('domain', identifiers.emailDomainHash),
  };
}

/** Reads the velocity facts of an event from the history: the event itself is not yet recorded. */
export function readVelocity(store: StateStore, input: EventRecord, hashed: HashedIdentifiers, atMs: number, salt: string): VelocityFacts {
  const event = input as ApplicationEvent;
  const identifiers = legacy(hashed, event, salt);
  const keys = keysOf(identifiers);
  const applicant = identifiers.applicant_id ?? '';
  const window = (key: string, spanMs: number, exclude?: string) => store.window(key, atMs - spanMs, atMs, exclude);
  const device = keys.device;
  const device24h = device === null ? null : window(device, DAY_MS, applicant);
  const applicant30d = keys.applicant === null ? null : window(keys.applicant, LONGEST_WINDOW_MS, identifiers.device_id ?? '');
  const previous = keys.applicant === null ? null : store.latestAtOrBefore(keys.applicant, atMs);
  const firstSeen = device === null ? null : store.firstSeenMs(device);
  const domainLastSeen = keys.domain === null ? null : store.latestAtOrBefore(keys.domain, atMs);
  return {
    device_apps_1h: device === null ? null : window(device, HOUR_MS).count,
    device_apps_24h: device24h === null ? null : device24h.count,
    device_distinct_applicants_24h: device24h === null ? null : device24h.distinct,
    // Seen at or before this event's time: an out-of-order event must not see the future.
    device_new: device === null ? null : (firstSeen === null || firstSeen > atMs) && store.latestAtOrBefore(device, atMs) === null ? 1 : 0,
    ip_apps_1h: keys.ip === null ? null : window(keys.ip, HOUR_MS).count,
    ip24_apps_1h: keys.ip24 === null ? null : window(keys.ip24, HOUR_MS).count,
    ip24_distinct_applicants_24h: keys.ip24 === null ? null : window(keys.ip24, DAY_MS, applicant).distinct,
    applicant_apps_30d: applicant30d === null ? null : applicant30d.count,
    applicant_distinct_devices_30d: applicant30d === null ? null : applicant30d.distinct,
    applicant_distinct_regions_30d:
      keys.applicantRegion === null ? null : window(keys.applicantRegion, LONGEST_WINDOW_MS, event.ip_region ?? '').distinct,
    applicant_hours_since_previous:
      keys.applicant === null
        ? null
        : previous === null
          ? HOURS_SINCE_PREVIOUS_CAP
          : Math.min(HOURS_SINCE_PREVIOUS_CAP, (atMs - previous) / HOUR_MS),
    applicant_amount_ratio:
      applicant30d === null ? null : applicant30d.count === 0 ? 1 : event.funded_amnt / (applicant30d.sum / applicant30d.count),
    phone_distinct_applicants_30d: keys.phone === null ? null : window(keys.phone, LONGEST_WINDOW_MS, applicant).distinct,
    email_distinct_applicants_30d: keys.email === null ? null : window(keys.email, LONGEST_WINDOW_MS, applicant).distinct,
    // The latest use at or before now is enough (O(log n)); summing a 30-day window of gmail.com is not.
    email_domain_new: keys.domain === null ? null : domainLastSeen === null || domainLastSeen < atMs - LONGEST_WINDOW_MS ? 1 : 0,
    ip_region_mismatch: event.ip_region === null ? null : event.ip_region !== event.addr_state ? 1 : 0,
    phone_area_mismatch: identifiers.phoneAreaState === null ? null : identifiers.phoneAreaState !== event.addr_state ? 1 : 0,
    email_local_digits: event.email === null ? null : identifiers.emailLocalDigits,
  };
}

/**
 * Records an event in the history. Returns false when the store refused it as later than the allowed
 * lateness (its own features were still computed, from the history as it stood).
 */
export function recordVelocity(store: StateStore, input: EventRecord, hashed: HashedIdentifiers, atMs: number, salt: string): boolean {
  const event = input as ApplicationEvent;
  const identifiers = legacy(hashed, event, salt);
  const keys = keysOf(identifiers);
  const applicantToken = identifiers.applicant_id ?? '';
  let accepted = true;
  const observe = (key: string | null, value: number, token: string) => {
    if (key !== null) accepted = store.observe(key, atMs, value, token).accepted && accepted;
  };
  observe(keys.device, 1, applicantToken);
  observe(keys.ip, 1, applicantToken);
  observe(keys.ip24, 1, applicantToken);
  observe(keys.applicant, event.funded_amnt, identifiers.device_id ?? '');
  observe(keys.applicantRegion, 1, event.ip_region ?? '');
  observe(keys.phone, 1, applicantToken);
  observe(keys.email, 1, applicantToken);
  observe(keys.domain, 1, '');
  return accepted;
}
