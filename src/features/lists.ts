// Block and allow lists, compiled at load into hash sets. A list names one identifier field of the data
// model: its entries are hashed with the configured salt, so lists are matched against hashed
// identifiers only. An IPv4 field's list holds ranges, matched by hashing the event IP's /8, /16, /24
// and /32 networks; `email_domain` matches the domain of the model's email field. Each list becomes a
// boolean fact `list_<name>`.
import { createHash } from 'node:crypto';
import { ErrorCode, FengkongError } from '../errors.js';
import { isIpv4Range, ListFile } from '../schema/lists.js';
import { parseJsonFile, readFileBytes } from '../schema/jsonFile.js';
import type { DataModel } from './dataModel.js';
import { hashIdentifier, ipv4Network, normaliserOf } from './identity.js';
import type { HashedIdentifiers } from './eventFacts.js';

export interface CompiledList {
  readonly name: string;
  readonly factName: string;
  readonly kind: 'block' | 'allow';
  readonly description: string;
  matches(identifiers: HashedIdentifiers): boolean;
}

export interface LoadedLists {
  readonly lists: readonly CompiledList[];
  readonly sha256: string;
}

export function listFactName(listName: string): string {
  return `list_${listName}`;
}

/** Compiles a list against the data model; FK_LIST_INVALID when its field is not an identifier there, or an entry does not fit it. */
export function compileList(list: ListFile, salt: string, model: DataModel, where: string = `list ${list.name}`): CompiledList {
  const members = new Set<string>(list.hashedEntries);
  const invalid = (message: string) => new FengkongError(ErrorCode.LIST_INVALID, `${where}: ${message}`);
  const base = { name: list.name, factName: listFactName(list.name), kind: list.kind, description: list.description };
  if (list.field === 'email_domain') {
    const email = model.fieldsWithRole('identifier').find((field) => field.type === 'email');
    if (email === undefined) throw invalid('field email_domain: the data model has no email identifier');
    for (const entry of list.entries) members.add(entry.trim().toLowerCase());
    const name = email.name;
    return {
      ...base,
      matches: (identifiers) => members.has(identifiers.emailDomains[name] ?? '') && identifiers.emailDomains[name] !== '',
    };
  }
  const field = model.field(list.field);
  if (field === undefined) throw invalid(`field ${list.field} is not declared in the data model`);
  if (field.role !== 'identifier') throw invalid(`field ${list.field} is a ${field.role}, not an identifier: lists match identifiers`);
  const name = field.name;
  if (field.type === 'ipv4') {
    list.entries.forEach((entry, index) => {
      if (!isIpv4Range(entry)) throw invalid(`entries.${index}: expected an IPv4 range a.b.c.d/8, /16, /24 or /32`);
      members.add(hashIdentifier(salt, 'ip_prefix', canonicalRange(entry)));
    });
    return { ...base, matches: (identifiers) => (identifiers.ipNetworks[name] ?? []).some((network) => members.has(network)) };
  }
  const normalise = normaliserOf(field.type);
  for (const entry of list.entries) members.add(hashIdentifier(salt, name, normalise(entry)));
  return {
    ...base,
    matches: (identifiers) => {
      const hashed = identifiers.byField[name];
      return hashed !== null && hashed !== undefined && members.has(hashed);
    },
  };
}

/** `45.79.1.7/16` and `045.079.0.0/16` both mean `45.79.0.0/16`: events are hashed by their networks in that form. */
export function canonicalRange(range: string): string {
  const [address, length] = range.split('/') as [string, string];
  const octets = address.split('.').map((octet) => String(Number(octet)));
  return ipv4Network(octets.join('.'), Number(length) as 8 | 16 | 24 | 32);
}

export function loadLists(paths: readonly string[], salt: string, model: DataModel): LoadedLists {
  const digest = createHash('sha256');
  const seen = new Set<string>();
  const lists = paths.map((path) => {
    const bytes = readFileBytes(path, ErrorCode.LIST_INVALID);
    digest.update(`${path.split('/').pop()}\n`).update(bytes);
    const list = parseJsonFile(path, bytes, ListFile, ErrorCode.LIST_INVALID);
    if (seen.has(list.name)) throw new FengkongError(ErrorCode.LIST_INVALID, `${path}: list "${list.name}" is defined twice`);
    seen.add(list.name);
    return compileList(list, salt, model, path);
  });
  return { lists, sha256: digest.digest('hex') };
}
