// createEngine validates and loads everything once (rule packs, lists, derived features), then decides
// events through the stages in order and assembles the decision with its audit.
import { performance } from 'node:perf_hooks';
import { ErrorCode, FengkongError } from '../errors.js';
import { EngineConfig, type EngineConfigInput } from '../schema/config.js';
import { ApplicationEvent } from '../schema/event.js';
import { DECISION_SCHEMA_VERSION, type Decision, type RulesStageResult } from '../schema/decision.js';
import { describeIssues } from '../schema/issues.js';
import { loadDerivedFeatures } from '../features/derived.js';
import { buildFacts, ENGINE_FACTS, featureColumns, hashIdentifiers } from '../features/eventFacts.js';
import { loadLists } from '../stages/rules/lists.js';
import { checkListUse, loadRulePacks } from '../stages/rules/load.js';
import { createRulesStage, listFactNames } from '../stages/rules/stage.js';
import { INTERIM_POLICY, verdictFromRules } from '../policy/interim.js';
import { jsonFilesIn, libraryVersion, shippedPaths } from './paths.js';
import type { Stage, StageOutput } from './stage.js';
import { microseconds, runStages } from './runStages.js';

export interface Engine {
  /** Validates one event at the edge; throws FK_EVENT_INVALID naming the field. */
  parseEvent(input: unknown): ApplicationEvent;
  decide(input: unknown): Promise<Decision>;
  /** Decisions in input order; equal to deciding each event alone. */
  decideBatch(inputs: readonly unknown[]): Promise<Decision[]>;
  /** The facts rules can read, with where each comes from. */
  readonly facts: Readonly<Record<string, string>>;
  readonly audit: Readonly<{ version: string; rulePackSha256: string; listsSha256: string; derivedFeaturesSha256: string }>;
}

export async function createEngine(config: EngineConfigInput = {}): Promise<Engine> {
  const parsedConfig = EngineConfig.safeParse(config);
  if (!parsedConfig.success) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, `engine config: ${describeIssues(parsedConfig.error)}`, {
      cause: parsedConfig.error,
    });
  }
  const settings = parsedConfig.data;
  const salt = settings.identifierSalt;

  const derived = loadDerivedFeatures(settings.derivedFeatures ?? shippedPaths.derivedFeatures);
  const lists = loadLists(settings.lists ?? jsonFilesIn(shippedPaths.listsDir), salt);
  const facts: Record<string, string> = {};
  for (const column of featureColumns) facts[column] = 'event';
  for (const name of derived.compiled.names) facts[name] = 'derived feature';
  for (const [name, description] of Object.entries(ENGINE_FACTS)) facts[name] = description;
  for (const name of listFactNames(lists)) facts[name] = 'list hit';
  const packs = loadRulePacks(settings.rulePacks ?? jsonFilesIn(shippedPaths.rulePacksDir), new Set(Object.keys(facts)));
  checkListUse(packs, lists.lists);
  const rulesStage = createRulesStage(packs, lists);

  const audit = {
    version: libraryVersion,
    rulePackSha256: packs.sha256,
    listsSha256: lists.sha256,
    derivedFeaturesSha256: derived.sha256,
  };

  const parseEvent = (input: unknown): ApplicationEvent => {
    const parsed = ApplicationEvent.safeParse(input);
    if (parsed.success) return parsed.data;
    throw new FengkongError(ErrorCode.EVENT_INVALID, `invalid event: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  };

  const stages: ReadonlyArray<Stage<unknown>> = [rulesStage];
  for (const stage of stages) await stage.init?.();

  const decideParsed = async (events: readonly ApplicationEvent[]): Promise<Decision[]> => {
    const prepared = events.map((event) => {
      const started = performance.now();
      const facts = buildFacts(event, derived.compiled);
      const identifiers = hashIdentifiers(event, salt);
      return { event, facts, identifiers, featuresUs: microseconds(started, performance.now()) };
    });
    const runs = await runStages(stages, prepared);
    return prepared.map(({ event, featuresUs }, index) => {
      const run = runs[index]!;
      const rules = run.outputs.rules as StageOutput<RulesStageResult>;
      const policyStarted = performance.now();
      const verdict = verdictFromRules(rules.result.fired);
      const policyUs = microseconds(policyStarted, performance.now());
      const rulesUs = run.latencyUs.rules ?? 0;
      return {
        schemaVersion: DECISION_SCHEMA_VERSION,
        applicationId: event.application_id,
        outcome: verdict.outcome,
        tier: verdict.tier,
        actions: verdict.actions,
        reasons: [...rules.reasons],
        stages: { rules: rules.result, policy: { policy: INTERIM_POLICY } },
        audit: {
          ...audit,
          featuresUs,
          rulesUs,
          policyUs,
          totalUs: Math.round((featuresUs + rulesUs + policyUs) * 10) / 10,
          decidedAt: new Date().toISOString(),
        },
      };
    });
  };

  return {
    parseEvent,
    async decide(input) {
      const [decision] = await decideParsed([parseEvent(input)]);
      return decision!;
    },
    async decideBatch(inputs) {
      const events = inputs.map((input, index) => {
        try {
          return parseEvent(input);
        } catch (error) {
          const message = (error as Error).message;
          throw new FengkongError(ErrorCode.EVENT_INVALID, `event ${index} of the batch: ${message}`, { cause: error });
        }
      });
      return decideParsed(events);
    },
    facts,
    audit,
  };
}
