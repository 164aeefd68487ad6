// Block and allow lists, compiled at load into hash sets. Identifier entries are hashed with the
// configured salt, so the lists are matched against hashed identifiers only; IP ranges are matched by
// hashing the event IP's /8, /16, /24 and /32 networks. Each list becomes a boolean fact `list_<name>`.
import { createHash } from 'node:crypto';
import { ErrorCode, FengkongError } from '../errors.js';
import { ListFile } from '../schema/lists.js';
import { parseJsonFile, readFileBytes } from '../schema/jsonFile.js';
import { hashIdentifier, ipv4Network } from './identity.js';
import type { HashedIdentifiers } from './eventFacts.js';

export interface CompiledList {
  readonly name: string;
  readonly factName: string;
  readonly kind: 'block' | 'allow';
  readonly description: string;
  matches(identifiers: HashedIdentifiers, emailDomain: string): boolean;
}

export interface LoadedLists {
  readonly lists: readonly CompiledList[];
  readonly sha256: string;
}

export function listFactName(listName: string): string {
  return `list_${listName}`;
}

export function compileList(list: ListFile, salt: string): CompiledList {
  const members = new Set<string>(list.hashedEntries);
  for (const entry of list.entries) {
    if (list.field === 'email_domain') members.add(entry.trim().toLowerCase());
    else if (list.field === 'ip') members.add(hashIdentifier(salt, 'ip_prefix', canonicalRange(entry)));
    else members.add(hashIdentifier(salt, list.field, entry));
  }
  const field = list.field;
  const matches = (identifiers: HashedIdentifiers, domain: string): boolean => {
    switch (field) {
      case 'email_domain':
        return domain !== '' && members.has(domain);
      case 'ip':
        return identifiers.ipNetworks.some((network) => members.has(network));
      default: {
        const hashed = identifiers[field];
        return hashed !== null && members.has(hashed);
      }
    }
  };
  return { name: list.name, factName: listFactName(list.name), kind: list.kind, description: list.description, matches };
}

/** `45.79.1.7/16` and `045.079.0.0/16` both mean `45.79.0.0/16`: events are hashed by their networks in that form. */
export function canonicalRange(range: string): string {
  const [address, length] = range.split('/') as [string, string];
  const octets = address.split('.').map((octet) => String(Number(octet)));
  return ipv4Network(octets.join('.'), Number(length) as 8 | 16 | 24 | 32);
}

export function loadLists(paths: readonly string[], salt: string): LoadedLists {
  const digest = createHash('sha256');
  const seen = new Set<string>();
  const lists = paths.map((path) => {
    const bytes = readFileBytes(path, ErrorCode.LIST_INVALID);
    digest.update(`${path.split('/').pop()}\n`).update(bytes);
    const list = parseJsonFile(path, bytes, ListFile, ErrorCode.LIST_INVALID);
    if (seen.has(list.name)) throw new FengkongError(ErrorCode.LIST_INVALID, `${path}: list "${list.name}" is defined twice`);
    seen.add(list.name);
    return compileList(list, salt);
  });
  return { lists, sha256: digest.digest('hex') };
}
