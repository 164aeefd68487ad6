// Turns a validated event into the facts the stages read: its feature columns, the derived features,
// a few engine-derived facts (local hour, email domain, region consistency), and the hashed identifiers.
// Label and metadata columns never become facts; raw identifiers never leave this module.
import { columnsWithRole, type ApplicationEvent } from '../schema/event.js';
import type { Facts } from '../engine/stage.js';
import { areaCodeState } from './areaCodes.js';
import { emailDomain, hashIdentifier, IPV4_PREFIX_LENGTHS, ipv4Network } from './identity.js';
import { localHour } from './localTime.js';

export interface HashedIdentifiers {
  readonly applicant_id: string | null;
  readonly device_id: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly ip: string | null;
  /** Hashes of the IP's /8, /16, /24 and /32 networks, for range lists. */
  readonly ipNetworks: readonly string[];
  /** What the raw values say without naming anyone: the email domain (lower-cased, '' when none; */
  readonly emailDomain: string;
  /** hashed too, for the velocity history: a personal domain is part of an identifier), */
  readonly emailDomainHash: string | null;
  /** the state of the phone's area code (null when unknown), */
  readonly phoneAreaState: string | null;
  /** and how many digits the email's mailbox name holds. */
  readonly emailLocalDigits: number;
}

/** Facts the engine derives itself, beside the event's feature columns and the declared features. */
export const ENGINE_FACTS = {
  local_hour: 'hour of day (0-23) where the applicant is: the IP region if known, else the stated address',
  ip_region_matches_address: 'true when the IP geolocates to the stated address state (null when unknown)',
} as const;

export const featureColumns = columnsWithRole('feature');

export interface DerivedFeatureEvaluator {
  readonly names: readonly string[];
  compute(event: Record<string, unknown>): Record<string, number | null>;
}

export function buildFacts(event: ApplicationEvent, derived: DerivedFeatureEvaluator): Facts {
  const facts: Facts = {};
  for (const column of featureColumns) facts[column] = event[column] as Facts[string];
  const computed = derived.compute(event);
  for (const name of derived.names) facts[name] = computed[name] ?? null;
  const appliedAtMs = Date.parse(event.applied_at);
  facts.local_hour =
    (event.ip_region === null ? null : localHour(appliedAtMs, event.ip_region)) ?? localHour(appliedAtMs, event.addr_state);
  facts.ip_region_matches_address = event.ip_region === null ? null : event.ip_region === event.addr_state;
  return facts;
}

export function hashIdentifiers(event: ApplicationEvent, salt: string): HashedIdentifiers {
  const ip = event.ip;
  const domain = event.email === null ? '' : emailDomain(event.email);
  return {
    applicant_id: event.applicant_id === null ? null : hashIdentifier(salt, 'applicant_id', event.applicant_id),
    device_id: event.device_id === null ? null : hashIdentifier(salt, 'device_id', event.device_id),
    email: event.email === null ? null : hashIdentifier(salt, 'email', event.email),
    phone: event.phone === null ? null : hashIdentifier(salt, 'phone', event.phone),
    ip: ip === null ? null : hashIdentifier(salt, 'ip', ip),
    ipNetworks: ip === null ? [] : IPV4_PREFIX_LENGTHS.map((length) => networkHash(salt, ipv4Network(ip, length), length)),
    emailDomain: domain,
    emailDomainHash: event.email === null ? null : hashIdentifier(salt, 'email_domain', domain),
    phoneAreaState: event.phone === null ? null : areaCodeState(event.phone),
    emailLocalDigits: event.email === null ? 0 : countDigits(event.email.slice(0, event.email.lastIndexOf('@'))),
  };
}

/**
 * The /8 and /16 networks are few (at most 256 and 65,536) and shared by many applications: their
 * hashes are kept, as an HMAC costs some 1.5 µs. Not the /24 and /32, which are as many as the
 * addresses. Cleared when full, so it stays bounded under any salt and traffic.
 */
const wideNetworkHashes = new Map<string, string>();
const WIDE_NETWORK_HASHES_MAX = 70_000;

function networkHash(salt: string, network: string, prefixLength: number): string {
  if (prefixLength > 16) return hashIdentifier(salt, 'ip_prefix', network);
  const key = `${salt}\u0000${network}`;
  let hash = wideNetworkHashes.get(key);
  if (hash === undefined) {
    if (wideNetworkHashes.size >= WIDE_NETWORK_HASHES_MAX) wideNetworkHashes.clear();
    hash = hashIdentifier(salt, 'ip_prefix', network);
    wideNetworkHashes.set(key, hash);
  }
  return hash;
}

function countDigits(text: string): number {
  let digits = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) digits += 1;
  }
  return digits;
}
