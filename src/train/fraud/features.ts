// Which inputs the fraud trainer fits: the curated lending set where the engine provides every fact it
// reads (the shipped lending data model), else one input per declared aggregate, signal and list hit of
// the user's data model — velocity and identity facts, never a field's raw value, a label or an identifier.
import type { DataModel } from '../../features/dataModel.js';
import type { Aggregate, Signal } from '../../schema/dataModel.js';
import type { FraudFeatureInput } from '../../schema/fraudModel.js';
import { LENDING_FRAUD_FEATURES, type FraudFeatureSpec } from '../../stages/fraud/features.js';

export interface FraudFeatureChoice {
  readonly specs: readonly FraudFeatureSpec[];
  /** Where they came from, for the card. */
  readonly source: 'lending' | 'declared';
}

/** `facts`: the facts the engine provides (loadDecisionInputs); `lists`: the config's lists, by the fact each sets. */
export function chooseFraudFeatures(
  model: DataModel,
  facts: Readonly<Record<string, string>>,
  lists: ReadonlyArray<{ readonly factName: string; readonly name: string }>,
): FraudFeatureChoice {
  if (LENDING_FRAUD_FEATURES.every((spec) => Object.hasOwn(facts, spec.input.fact))) {
    return { specs: LENDING_FRAUD_FEATURES, source: 'lending' };
  }
  const specs: FraudFeatureSpec[] = [];
  const codes = new Set<string>();
  const names = new Set<string>();
  const add = (fact: string, input: Omit<FraudFeatureInput, 'fact'>, text: string) => {
    let name = snake(input.transform === 'identity' ? fact : `log_${fact}`);
    for (let suffix = 2; names.has(name); suffix += 1) name = `${name.slice(0, 60)}_${suffix}`;
    names.add(name);
    let code = `F_${fact.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`.slice(0, 62);
    for (let suffix = 2; codes.has(code); suffix += 1) code = `${code.slice(0, 58)}_${suffix}`;
    codes.add(code);
    specs.push({ name, input: { fact, ...input }, reason: { code, text: oneLine(text) } });
  };
  for (const aggregate of model.file.aggregates) add(aggregate.name, aggregateInput(aggregate), aggregateText(aggregate));
  for (const signal of model.file.signals) {
    const input = signalInput(signal);
    if (input !== null) add(signal.name, input, signal.description === '' ? `${signal.name} is unusual` : signal.description);
  }
  for (const list of lists) add(list.factName, { transform: 'identity' }, `Listed in ${list.name.replaceAll('_', ' ')}`);
  return { specs, source: 'declared' };
}

/** Counts, sums and times on a log scale (from 0); a first sighting as 0/1; a ratio as a clamped log. */
function aggregateInput(aggregate: Aggregate): Omit<FraudFeatureInput, 'fact'> {
  switch (aggregate.aggregate) {
    case 'firstSeen':
      return { transform: 'identity' };
    case 'ratioToMean':
      return { transform: 'log', floor: 1e-3, ceiling: 1e3 };
    default:
      return { transform: 'log1p', floor: 0 };
  }
}

function aggregateText(aggregate: Aggregate): string {
  if (aggregate.description !== '') return aggregate.description;
  const over = `over ${aggregate.window}`;
  switch (aggregate.aggregate) {
    case 'firstSeen':
      return `Not seen in the last ${aggregate.window}`;
    case 'timeSince':
      return `Time since the previous event (${aggregate.name})`;
    default:
      return `Unusual ${aggregate.aggregate} ${over} (${aggregate.name})`;
  }
}

/** A signal the model can read as a number: flags as they are, digit counts on a log scale; an hour of day is not monotone, so not an input. */
function signalInput(signal: Signal): Omit<FraudFeatureInput, 'fact'> | null {
  switch (signal.kind) {
    case 'localHour':
      return null;
    case 'emailLocalDigits':
      return { transform: 'log1p', floor: 0 };
    default:
      return { transform: 'identity' };
  }
}

const snake = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^([0-9])/, 'f_$1')
    .slice(0, 64);

const oneLine = (text: string) => text.replace(/\p{Cc}+/gu, ' ').slice(0, 200);
