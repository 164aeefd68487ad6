// Reads an engine config file for the CLI: JSON, validated by the same schema the library uses.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ErrorCode, FengkongError } from '../errors.js';
import { EngineConfig, type EngineConfigInput } from '../schema/config.js';
import { describeIssues } from '../schema/issues.js';

/** Paths inside the file are relative to the file, as a user reading it would expect. */
export function readConfigFile(path: string): EngineConfigInput {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, `${path}: cannot be read as JSON (${(cause as Error).message})`, { cause });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, `${path}: expected a JSON object`);
  }
  const base = dirname(path);
  const config = { ...(raw as Record<string, unknown>) };
  const resolvePath = (value: unknown) => (typeof value === 'string' ? resolve(base, value) : value);
  for (const key of ['rulePacks', 'lists'] as const) {
    if (Array.isArray(config[key])) config[key] = (config[key] as unknown[]).map(resolvePath);
  }
  for (const key of ['dataModel', 'derivedFeatures', 'fraudModel', 'creditModel', 'policyPack'] as const) {
    if (config[key] !== undefined) config[key] = resolvePath(config[key]);
  }
  if (Array.isArray(config.challengers)) {
    config.challengers = (config.challengers as unknown[]).map((challenger) => {
      if (typeof challenger !== 'object' || challenger === null) return challenger;
      const resolved = { ...(challenger as Record<string, unknown>) };
      for (const key of ['fraudModel', 'creditModel', 'policyPack'] as const) {
        if (resolved[key] !== undefined) resolved[key] = resolvePath(resolved[key]);
      }
      return resolved;
    });
  }
  const parsed = EngineConfig.safeParse(config);
  if (!parsed.success)
    throw new FengkongError(ErrorCode.CONFIG_INVALID, `${path}: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  return config as EngineConfigInput;
}

/**
 * The engine config a trainer's flags name: `--config` (read as above), or `--data-model` alone (a
 * config of that data model), never both; undefined when neither is given.
 */
export function trainingConfigOf(flags: { readonly config?: string; readonly dataModel?: string }): EngineConfigInput | undefined {
  if (flags.dataModel !== undefined && flags.config !== undefined) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, '--data-model and --config: give one (a config names its data model)');
  }
  if (flags.config !== undefined) return readConfigFile(flags.config);
  return flags.dataModel === undefined ? undefined : { dataModel: flags.dataModel };
}
