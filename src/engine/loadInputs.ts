// Loads what every decision reads, once: the config, the data model, the derived features, the lists,
// the rule packs (checked against the facts the data model provides) and the fact builder over a
// velocity store. The engine and the fraud trainer both start here, so training sees exactly the facts
// serving sees.
import { createHash } from 'node:crypto';
import { ErrorCode, FengkongError } from '../errors.js';
import { EngineConfig, type EngineConfigInput } from '../schema/config.js';
import { describeIssues } from '../schema/issues.js';
import { compileAggregates, type CompiledAggregates } from '../features/aggregates.js';
import { loadDataModel, shippedDataModel, type DataModel } from '../features/dataModel.js';
import { loadDerivedFeatures, type LoadedDerivedFeatures } from '../features/derived.js';
import { createFactBuilder, type FactBuilder } from '../features/factBuilder.js';
import { loadLists, type LoadedLists } from '../features/lists.js';
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

/** The kind of value a fact holds. */
export type FactKind = 'number' | 'text' | 'boolean';

export interface DecisionInputs {
  readonly dataModel: DataModel;
  readonly aggregates: CompiledAggregates;
  readonly derived: LoadedDerivedFeatures;
  readonly lists: LoadedLists;
  readonly packs: LoadedRulePacks;
  /** The facts rules can read, with where each comes from. */
  readonly facts: Record<string, string>;
  /** Fields of the data model that are not facts, and why a rule may not read them. */
  readonly refused: ReadonlyMap<string, string>;
  /** What kind of value each fact holds: a model's inputs are checked against it. */
  readonly factKinds: Readonly<Record<string, FactKind>>;
  readonly factBuilder: FactBuilder & { readonly store: StateStore };
}

/** No derived features: what a data model of the user's own starts with unless the config names a file. */
const NO_DERIVED_FEATURES: LoadedDerivedFeatures = {
  compiled: { sourceName: '(none)', names: [], features: [], eventInputs: [], compute: () => ({}) },
  sha256: createHash('sha256').update('').digest('hex'),
};

/**
 * The models a config runs: as named, else the shipped ones for the shipped data model and none for
 * another (the shipped models read the lending fields).
 */
export function modelPathsOf(settings: EngineConfig): { fraudModel: string | null | undefined; creditModel: string | null | undefined } {
  const shipped = settings.dataModel === undefined;
  return {
    fraudModel: settings.fraudModel === undefined && !shipped ? null : settings.fraudModel,
    creditModel: settings.creditModel === undefined && !shipped ? null : settings.creditModel,
  };
}

/** The data model a config names (the shipped lending model by default). */
export function dataModelOf(settings: EngineConfig): DataModel {
  return settings.dataModel === undefined ? shippedDataModel() : loadDataModel(settings.dataModel);
}

/**
 * `operators`: the operator names packs may use (the built-ins, plus those registered in code). The
 * store must keep the history the data model's windows read (FK_CONFIG_INVALID otherwise).
 */
export function loadDecisionInputs(
  settings: EngineConfig,
  store: StateStore | ((aggregates: CompiledAggregates) => StateStore),
  operators?: ReadonlySet<string>,
): DecisionInputs {
  const dataModel = dataModelOf(settings);
  const aggregates = compileAggregates(dataModel);
  const history = typeof store === 'function' ? store(aggregates) : store;
  checkStoreKeepsHistory(history, aggregates, dataModel);
  // The shipped derived features, lists and packs read the shipped data model's fields: another data
  // model starts without them (a config names its own).
  const shipped = settings.dataModel === undefined;
  const derivedPath = settings.derivedFeatures ?? (shipped ? shippedPaths.derivedFeatures : null);
  const derived = derivedPath === null ? NO_DERIVED_FEATURES : loadDerivedFeatures(derivedPath, dataModel);
  const lists = loadLists(settings.lists ?? (shipped ? jsonFilesIn(shippedPaths.listsDir) : []), settings.identifierSalt, dataModel);
  const facts: Record<string, string> = {};
  const add = (name: string, source: string) => {
    if (Object.hasOwn(facts, name)) {
      throw new FengkongError(ErrorCode.CONFIG_INVALID, `fact ${name} is provided twice: by ${facts[name]} and by ${source}`);
    }
    facts[name] = source;
  };
  const refused = refusedFields(dataModel);
  const factKinds: Record<string, FactKind> = {};
  for (const field of dataModel.fieldsWithRole('feature')) {
    if (refused.has(field.name)) continue;
    add(field.name, field.description || 'event');
    factKinds[field.name] = dataModel.numericFields.has(field.name) ? 'number' : field.type === 'boolean' ? 'boolean' : 'text';
  }
  for (const name of derived.compiled.names) {
    add(name, 'derived feature');
    factKinds[name] = 'number';
  }
  for (const signal of dataModel.file.signals) {
    add(signal.name, signal.description || `signal (${signal.kind})`);
    factKinds[signal.name] = signal.kind === 'equal' ? 'boolean' : 'number';
  }
  for (const list of lists.lists) {
    add(list.factName, `list hit (${list.kind} list)`);
    factKinds[list.factName] = 'boolean';
  }
  for (const name of aggregates.names) {
    add(name, aggregates.descriptions[name]!);
    factKinds[name] = 'number';
  }
  const packs = loadRulePacks(
    settings.rulePacks ?? (shipped ? jsonFilesIn(shippedPaths.rulePacksDir) : []),
    new Set(Object.keys(facts)),
    operators,
    refused,
  );
  checkListUse(packs, lists.lists);
  const factBuilder = {
    ...createFactBuilder({ dataModel, derived: derived.compiled, lists, store: history, salt: settings.identifierSalt, aggregates }),
    store: history,
  };
  return { dataModel, aggregates, derived, lists, packs, facts, refused, factKinds, factBuilder };
}

/** The data model's fields no rule reads, each with why: labels, identifiers, metadata, the id and time, protected fields. */
export function refusedFields(model: DataModel): ReadonlyMap<string, string> {
  const refused = new Map<string, string>();
  for (const field of model.fields) {
    if (field.role === 'label') refused.set(field.name, 'is a label: labels are never inputs to a decision');
    else if (field.role === 'identifier') refused.set(field.name, 'is an identifier: match identifiers with a list file, not a rule');
    else if (field.role !== 'feature') refused.set(field.name, `has role "${field.role}" and is not available to rules`);
    else if (field.protected && field.protectedUse === undefined) {
      refused.set(field.name, 'is a protected attribute: no rule or model reads it unless the data model states why (protectedUse)');
    }
  }
  return refused;
}

/** A store must keep the history the longest window reads, and first-seen times as long as the longest firstSeen. */
function checkStoreKeepsHistory(store: StateStore, aggregates: CompiledAggregates, model: DataModel): void {
  const limits = store.limits?.();
  if (limits === undefined) return;
  const short = (what: string, keptMs: number, neededMs: number) =>
    new FengkongError(
      ErrorCode.CONFIG_INVALID,
      `${model.sourceName}: the store keeps ${what} for ${days(keptMs)}, shorter than the data model's longest window of ${days(neededMs)}`,
    );
  if (limits.retentionMs < aggregates.historyMs) throw short('observations', limits.retentionMs, aggregates.historyMs);
  if (aggregates.firstSeenMs > 0) {
    if (limits.firstSeenRetentionMs < aggregates.firstSeenMs)
      throw short('first-seen times', limits.firstSeenRetentionMs, aggregates.firstSeenMs);
    const prefixes = limits.firstSeenKeyPrefixes;
    const missing = prefixes === null ? [] : aggregates.firstSeenKeyPrefixes.filter((prefix) => !prefixes.includes(prefix));
    if (missing.length > 0) {
      throw new FengkongError(
        ErrorCode.CONFIG_INVALID,
        `${model.sourceName}: the store keeps no first-seen times for keys ${missing.join(', ')}, which a firstSeen aggregate reads`,
      );
    }
  }
}

function days(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000} days` : `${(ms / 3_600_000).toFixed(1)} hours`;
}
