// Replays labelled history through the serving fact builder, in event-time order, and collects the
// fraud model's inputs and the velocity rules' verdicts. Training and evaluation read the same facts
// `decide` reads: there is no second feature implementation to drift. The label, the kind of fraud and
// the time come from the data model's declared outcomes and time field.
import { ErrorCode, FengkongError } from '../../errors.js';
import type { EventRecord } from '../../schema/event.js';
import { historyStoreOptions } from '../../features/aggregates.js';
import type { EngineConfigInput } from '../../schema/config.js';
import { loadDecisionInputs, parseEngineConfig } from '../../engine/loadInputs.js';
import { createMemoryStore } from '../../state/memory.js';
import { createRulesStage } from '../../stages/rules/stage.js';
import { inEventTime } from '../../features/eventTime.js';
import { compileFraudFeature, fraudFeatureVector, type FraudFeatureSpec } from '../../stages/fraud/features.js';
import { outcomeReader, type OutcomeReader } from '../../analysis/outcomes.js';
import type { DataModel } from '../../features/dataModel.js';
import { chooseFraudFeatures, type FraudFeatureChoice } from './features.js';

export interface ReplayedHistory {
  /** Events in event-time order (stable for equal times). */
  readonly events: readonly EventRecord[];
  /** Each event's time as written (the data model's time field). */
  readonly times: readonly string[];
  /** The time field's name, for the card and the split's rule. */
  readonly timeField: string;
  /** The fraud label's field, for the card. */
  readonly labelField: string;
  /** The inputs, in the order of `features`' columns. */
  readonly specs: readonly FraudFeatureSpec[];
  readonly specSource: FraudFeatureChoice['source'];
  /** One feature vector per event (NaN where an input was missing). */
  readonly features: readonly Float64Array[];
  readonly isFraud: Uint8Array;
  readonly scenarios: readonly string[];
  /** Whether a velocity rule (category `velocity`) fired on the event. */
  readonly velocityRuleFired: Uint8Array;
  /** The derived-features file the facts were computed with, when an input reads a derived feature; else null. */
  readonly derivedFeaturesSha256: string | null;
}

export interface ReplayOptions {
  /** The inputs to compute (a model's, to evaluate it); default: the trainer's choice (features.ts). */
  readonly specs?: readonly FraudFeatureSpec[];
  /** Candidate inputs left out, by feature or fact name. */
  readonly exclude?: readonly string[];
  /** The label field and its fraud value as text (`--target`, `--positive`); default: the data model's fraud outcome. */
  readonly label?: { readonly field: string; readonly positive: string };
}

export async function replayHistory(
  events: readonly EventRecord[],
  config: EngineConfigInput = {},
  options: ReplayOptions = {},
): Promise<ReplayedHistory> {
  const settings = parseEngineConfig(config);
  const inputs = loadDecisionInputs(settings, (aggregates) => createMemoryStore(historyStoreOptions(aggregates)));
  const model = inputs.dataModel;
  const outcomes = outcomeReader(model);
  const { labelField, isFraud: fraudOf } = fraudLabelOf(model, outcomes, options.label);
  const timeField = model.timeField?.name;
  if (timeField === undefined) {
    throw new FengkongError(
      ErrorCode.CONFIG_INVALID,
      `the fraud trainer splits in time and its inputs are velocity over earlier events; the data model ${model.file.name} has no time field`,
    );
  }
  const chosen =
    options.specs === undefined
      ? chooseFraudFeatures(model, inputs.facts, inputs.lists.lists)
      : { specs: options.specs, source: 'lending' as const };
  const choice = { ...chosen, specs: withoutExcluded(chosen.specs, options.exclude ?? []) };
  if (choice.specs.length === 0) {
    throw new FengkongError(
      ErrorCode.CONFIG_INVALID,
      chosen.specs.length > 0
        ? `--exclude leaves the fraud model no input (the candidates: ${chosen.specs.map((spec) => spec.input.fact).join(', ')})`
        : `the data model ${model.file.name} declares no aggregate, signal or list for a fraud model to read: declare the velocity it should learn from`,
    );
  }
  const compiled = choice.specs.map(compileFraudFeature);
  const derivedNames = new Set(inputs.derived.compiled.features.map((feature) => feature.name));
  const rules = createRulesStage(inputs.packs, inputs.lists);
  const velocityRules = new Set(
    inputs.packs.rules.filter(({ rule }) => rule.event.params.category === 'velocity').map(({ rule }) => rule.name),
  );
  const ordered = inEventTime(events, (event) => model.timeMsOf(event));
  const features: Float64Array[] = [];
  const isFraud = new Uint8Array(ordered.length);
  const velocityRuleFired = new Uint8Array(ordered.length);
  const scenarios: string[] = [];
  const times: string[] = [];
  for (const [index, event] of ordered.entries()) {
    const fraud = fraudOf(event);
    const id = model.idOf(event);
    if (fraud === null) {
      throw new FengkongError(
        ErrorCode.EVENT_INVALID,
        `${id === null ? `event ${index + 1} in time order` : `application ${id}`}: ${labelField} is missing; training needs every label`,
      );
    }
    const built = inputs.factBuilder.build(event);
    features.push(fraudFeatureVector(compiled, built.facts));
    isFraud[index] = fraud ? 1 : 0;
    scenarios.push(outcomes.fraudKind(event) ?? 'none');
    times.push(String(event[timeField]));
    const verdict = await rules.evaluate({
      id: id ?? String(index),
      atMs: model.timeMsOf(event),
      event,
      facts: built.facts,
      identifiers: built.identifiers,
      earlier: {},
    });
    velocityRuleFired[index] = verdict.result.fired.some((hit) => velocityRules.has(hit.code)) ? 1 : 0;
  }
  return {
    events: ordered,
    times,
    timeField,
    labelField,
    specs: choice.specs,
    specSource: choice.source,
    features,
    isFraud,
    scenarios,
    velocityRuleFired,
    derivedFeaturesSha256: choice.specs.some((spec) => derivedNames.has(spec.input.fact)) ? inputs.derived.sha256 : null,
  };
}

/** The label the trainer learns: `--target` / `--positive` when given, else the data model's fraud outcome. */
function fraudLabelOf(
  model: DataModel,
  outcomes: OutcomeReader,
  label: ReplayOptions['label'],
): { labelField: string; isFraud: (event: EventRecord) => boolean | null } {
  if (label !== undefined) {
    const field = model.field(label.field);
    if (field === undefined || field.role !== 'label') {
      throw new FengkongError(
        ErrorCode.CONFIG_INVALID,
        `--target ${label.field}: ${field === undefined ? 'not a field of' : `has role ${field.role} in`} the data model ${model.file.name}; a target is a label`,
      );
    }
    return {
      labelField: label.field,
      isFraud: (event) => {
        const value = event[label.field];
        return value === null || value === undefined ? null : String(value) === label.positive;
      },
    };
  }
  const labelField = outcomes.fields.fraud;
  if (labelField === null) {
    throw new FengkongError(
      ErrorCode.CONFIG_INVALID,
      `the fraud trainer learns a fraud label, and the data model ${model.file.name} declares none: add "outcomes": {"fraud": {"field": "<label>", "bad": <value>}} to ${model.sourceName}, or give --target and --positive`,
    );
  }
  return { labelField, isFraud: outcomes.isFraud };
}

function withoutExcluded(specs: readonly FraudFeatureSpec[], exclude: readonly string[]): FraudFeatureSpec[] {
  const unknown = exclude.filter((name) => !specs.some((spec) => spec.name === name || spec.input.fact === name));
  if (unknown.length > 0) {
    throw new FengkongError(
      ErrorCode.CONFIG_INVALID,
      `--exclude: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not among the candidate inputs (${specs.map((spec) => spec.input.fact).join(', ')})`,
    );
  }
  return specs.filter((spec) => !exclude.includes(spec.name) && !exclude.includes(spec.input.fact));
}
