// Identifiers (the data model's identifier fields: applicant id, device id, IP, email, phone…) are replaced by salted hashes before any rule,
// list or log sees them. The salt comes from config, never from the clock or a random source, so the
// same identifier hashes the same way in every run with that salt.
import type { FieldType } from '../schema/dataModel.js';
import { keyedHmacSha256, type KeyedHmacSha256 } from './hmac.js';

/** How an identifier field's values are normalised before hashing, so trivial variants (case, spaces, phone punctuation) hash alike. */
export function normaliserOf(type: FieldType): (value: string) => string {
  switch (type) {
    case 'email':
      return (value) => value.trim().toLowerCase();
    case 'phone':
      return (value) => value.replace(/[^0-9]/g, '');
    default:
      return (value) => value.trim();
  }
}

/**
 * HMAC-SHA256 of `kind:value` under the salt, as 32 hex characters (128 bits). `kind` is the field's
 * name (or ip_prefix, email_domain for derived keys), so equal values of two fields hash apart; `value`
 * is normalised already (normaliserOf).
 */
export function hashIdentifier(salt: string, kind: string, value: string): string {
  return keyedBy(salt).hex(`${kind}:${value}`, 16);
}

/** The HMAC keyed by a salt, its pads hashed once. A process meets one salt or a few (tests, challengers): bounded anyway. */
const keyed = new Map<string, KeyedHmacSha256>();

export function keyedBy(salt: string): KeyedHmacSha256 {
  let hmac = keyed.get(salt);
  if (hmac === undefined) {
    if (keyed.size >= 64) keyed.clear();
    hmac = keyedHmacSha256(salt);
    keyed.set(salt, hmac);
  }
  return hmac;
}

/** The domain of an email address, lower-cased: not an identifier, and what domain lists match. */
export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0
    ? ''
    : email
        .slice(at + 1)
        .trim()
        .toLowerCase();
}

/** The network address of an IPv4 address under a prefix length of 8, 16, 24 or 32: `10.1.2.0/24`. */
export function ipv4Network(ip: string, prefixLength: 8 | 16 | 24 | 32): string {
  const octets = ip.split('.');
  const kept = prefixLength / 8;
  const network = octets.map((octet, index) => (index < kept ? octet : '0')).join('.');
  return `${network}/${prefixLength}`;
}

export const IPV4_PREFIX_LENGTHS = [8, 16, 24, 32] as const;
