// Turns a validated event into the facts the stages read — its feature fields, the derived features and
// the data model's signals — and hashes its identifiers. Label and metadata fields never become facts;
// raw identifiers never leave src/features/.
import type { DataModel } from './dataModel.js';
import type { EventRecord } from '../schema/event.js';
import type { Facts } from '../schema/facts.js';
import { emailDomain, hashIdentifier, IPV4_PREFIX_LENGTHS, ipv4Network, normaliserOf } from './identity.js';
import type { CompiledSignals } from './signals.js';

export interface HashedIdentifiers {
  /** Each identifier field's salted hash, null when the event leaves it out. */
  readonly byField: Readonly<Record<string, string | null>>;
  /** The subject's hash (the identifier the policy's freezes bind), null without one. */
  readonly subject: string | null;
  /** Per IPv4 identifier field: hashes of its /8, /16, /24 and /32 networks ([] when missing), for range lists and keys. */
  readonly ipNetworks: Readonly<Record<string, readonly string[]>>;
  /** Per email identifier field: its domain, lower-cased ('' when missing). Not an identifier: what domain lists match. */
  readonly emailDomains: Readonly<Record<string, string>>;
}

export interface DerivedFeatureEvaluator {
  readonly names: readonly string[];
  compute(event: Readonly<Record<string, unknown>>): Record<string, number | null>;
}

/** How one data model's identifiers are hashed: the fields and what each needs, worked out once. */
export interface IdentifierHasher {
  hash(event: EventRecord, salt: string): HashedIdentifiers;
}

export function createIdentifierHasher(model: DataModel): IdentifierHasher {
  const fields = model.fieldsWithRole('identifier').map((field) => ({
    name: field.name,
    normalise: normaliserOf(field.type),
    ipv4: field.type === 'ipv4',
    email: field.type === 'email',
  }));
  const subject = model.subjectField?.name ?? null;
  return {
    hash(event, salt) {
      const byField: Record<string, string | null> = {};
      const ipNetworks: Record<string, readonly string[]> = {};
      const emailDomains: Record<string, string> = {};
      for (const field of fields) {
        const value = event[field.name];
        const text = value === null || value === undefined ? null : String(value);
        byField[field.name] = text === null ? null : hashIdentifier(salt, field.name, field.normalise(text));
        if (field.ipv4) {
          ipNetworks[field.name] =
            text === null ? [] : IPV4_PREFIX_LENGTHS.map((length) => networkHash(salt, ipv4Network(text, length), length));
        }
        if (field.email) emailDomains[field.name] = text === null ? '' : emailDomain(text);
      }
      return { byField, subject: subject === null ? null : (byField[subject] ?? null), ipNetworks, emailDomains };
    },
  };
}

/** The facts of one event before lists and aggregates: its feature fields, the derived features, the signals. */
export function buildFacts(
  event: EventRecord,
  featureFields: readonly string[],
  derived: DerivedFeatureEvaluator,
  signals: CompiledSignals,
): Facts {
  const facts: Facts = {};
  for (const field of featureFields) facts[field] = event[field] ?? null;
  const computed = derived.compute(event);
  for (const name of derived.names) facts[name] = computed[name] ?? null;
  signals.compute(event, facts);
  return facts;
}

/**
 * The /8 and /16 networks are few (at most 256 and 65,536) and shared by many events: their hashes are
 * kept, as an HMAC costs some 1.5 µs. Not the /24 and /32, which are as many as the addresses. Cleared
 * when full, so it stays bounded under any salt and traffic.
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
