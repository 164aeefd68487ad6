// Loads what every decision reads, once: the config, the derived features, the lists, the rule packs
// (checked against the facts the engine provides) and the fact builder over a velocity store. The
// engine and the fraud trainer both start here, so training sees exactly the facts serving sees.
import { ErrorCode, FengkongError } from '../errors.js';
import { EngineConfig, type EngineConfigInput } from '../schema/config.js';
import { describeIssues } from '../schema/issues.js';
import { loadDerivedFeatures, type LoadedDerivedFeatures } from '../features/derived.js';
import { ENGINE_FACTS, featureColumns } from '../features/eventFacts.js';
import { createFactBuilder, type FactBuilder } from '../features/factBuilder.js';
import { loadLists, type LoadedLists } from '../features/lists.js';
import { VELOCITY_FACTS } from '../features/velocity.js';
import { checkListUse, loadRulePacks, type LoadedRulePacks } from '../stages/rules/load.js';
import type { StateStore } from '../state/store.js';
import { jsonFilesIn, shippedPaths } from './paths.js';

export function parseEngineConfig(config: EngineConfigInput): EngineConfig {
  const parsed = EngineConfig.safeParse(config);
  if (!parsed.success) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, `engine config: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  }
  return parsed.data;
}

export interface DecisionInputs {
  readonly derived: LoadedDerivedFeatures;
  readonly lists: LoadedLists;
  readonly packs: LoadedRulePacks;
  /** The facts rules can read, with where each comes from. */
  readonly facts: Record<string, string>;
  readonly factBuilder: FactBuilder & { readonly store: StateStore };
}

/** `operators`: the operator names packs may use (the built-ins, plus those registered in code). */
export function loadDecisionInputs(settings: EngineConfig, store: StateStore, operators?: ReadonlySet<string>): DecisionInputs {
  const derived = loadDerivedFeatures(settings.derivedFeatures ?? shippedPaths.derivedFeatures);
  const lists = loadLists(settings.lists ?? jsonFilesIn(shippedPaths.listsDir), settings.identifierSalt);
  const facts: Record<string, string> = {};
  for (const column of featureColumns) facts[column] = 'event';
  for (const name of derived.compiled.names) facts[name] = 'derived feature';
  for (const [name, description] of Object.entries(ENGINE_FACTS)) facts[name] = description;
  for (const list of lists.lists) facts[list.factName] = `list hit (${list.kind} list)`;
  for (const [name, description] of Object.entries(VELOCITY_FACTS)) facts[name] = description;
  const packs = loadRulePacks(settings.rulePacks ?? jsonFilesIn(shippedPaths.rulePacksDir), new Set(Object.keys(facts)), operators);
  checkListUse(packs, lists.lists);
  const factBuilder = { ...createFactBuilder({ derived: derived.compiled, lists, store, salt: settings.identifierSalt }), store };
  return { derived, lists, packs, facts, factBuilder };
}
