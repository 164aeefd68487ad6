// Where the shipped rule packs, lists and derived features live: beside `src/` (or `dist/`) in the
// package root, so the defaults work from a clone and from an installed package alike.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

export const shippedPaths = {
  rulePacksDir: join(packageRoot, 'rules', 'packs'),
  listsDir: join(packageRoot, 'rules', 'lists'),
  derivedFeatures: join(packageRoot, 'rules', 'derived-features.json'),
  fraudModel: join(packageRoot, 'models', 'fraud-lr.json'),
  creditManifest: join(packageRoot, 'models', 'credit.manifest.json'),
  policyPack: join(packageRoot, 'rules', 'policy', 'default.json'),
};

/** The `.json` files of a folder, sorted by name so the load order (and the audit hash) is stable. */
export function jsonFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name));
}

export const libraryVersion: string = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
