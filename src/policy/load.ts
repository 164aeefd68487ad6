// Loads a policy pack once: parse, validate (outcome × tier × actions combinations, offer bands), check
// every fact its conditions read is an engine fact or a stage output, and hash its bytes for the audit.
import { createHash } from 'node:crypto';
import { ErrorCode, FengkongError } from '../errors.js';
import { checkConditions, nameRules } from '../schema/conditions.js';
import { BUILT_IN_OPERATOR_NAMES } from '../schema/rulePack.js';
import { parseJsonFile, readFileBytes } from '../schema/jsonFile.js';
import { PolicyPack } from '../schema/policyPack.js';
import { POLICY_FACTS } from './facts.js';

export interface LoadedPolicyPack {
  readonly pack: PolicyPack;
  readonly path: string;
  readonly sha256: string;
}

export function loadPolicyPack(
  path: string,
  engineFacts: ReadonlySet<string>,
  operators: ReadonlySet<string> = BUILT_IN_OPERATOR_NAMES,
  refused?: ReadonlyMap<string, string>,
): LoadedPolicyPack {
  const bytes = readFileBytes(path, ErrorCode.POLICY_INVALID);
  const pack = parseJsonFile(path, bytes, PolicyPack, ErrorCode.POLICY_INVALID, nameRules);
  const known = new Set([...engineFacts, ...Object.keys(POLICY_FACTS)]);
  const codes = new Set<string>();
  for (const rule of pack.rules) {
    const where = `${path}: rule ${rule.name}`;
    if (codes.has(rule.name)) throw new FengkongError(ErrorCode.POLICY_INVALID, `${where}: reason code used twice`);
    codes.add(rule.name);
    checkConditions(rule.conditions, { facts: known, operators, refused }, where, ErrorCode.POLICY_INVALID);
  }
  return { pack, path, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Every approval gets a band: the last band must start at or below the lowest score the credit scale gives. */
export function checkOffersCoverScale(loaded: LoadedPolicyPack, lowestScore: number): void {
  const last = loaded.pack.offers.at(-1)!;
  if (last.minScore > lowestScore) {
    throw new FengkongError(
      ErrorCode.POLICY_INVALID,
      `${loaded.path}: offers: the last band (${last.band}) starts at ${last.minScore}, above the credit scale's lowest score ${lowestScore}: some approvals would have no band`,
    );
  }
}
