// The data model file: the fields an event carries (type, constraints, missing values, role), the
// aggregates kept over their history (velocity), and the signals computed from them. Everything the
// engine reads of an event — parsing, validation, hashing, facts, rules, models — is built from it.
// This schema checks the file's shape and its internal references; src/features/dataModel.ts compiles it.
import { z } from 'zod';

export const DATA_MODEL_FORMAT = 'fengkong-data-model';

/** Caps that hold whatever a data model says: an event's size is bounded by its model's. */
export const DATA_MODEL_LIMITS = {
  fields: 500,
  aggregates: 200,
  signals: 100,
  /** The longest string any field may hold (a field's own maxLength may only be lower). */
  stringLength: 10_000,
  /** A string field without its own maxLength holds at most this. */
  defaultStringLength: 256,
  enumValues: 1_000,
  patternLength: 200,
  windowMs: 400 * 86_400_000,
} as const;

export const FieldType = z.enum([
  'number',
  'integer',
  'boolean',
  'string',
  'enum',
  'timestamp',
  'ipv4',
  'ipv6',
  'email',
  'phone',
  'country',
  'currency',
]);
export type FieldType = z.infer<typeof FieldType>;

export const FieldRole = z.enum(['id', 'time', 'identifier', 'feature', 'metadata', 'label']);
export type FieldRole = z.infer<typeof FieldRole>;

const FieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'letters, digits and _, starting with a letter or _ (at most 64)');

export const Field = z.strictObject({
  name: FieldName,
  type: FieldType,
  role: FieldRole.default('feature'),
  /** What the value means, in the words reasons and reports use. */
  description: z.string().max(500).default(''),
  /** `required`: every event carries a value; `nullable`: the value may be missing (null, an empty CSV cell). */
  missing: z.enum(['required', 'nullable']).default('nullable'),
  /** enum: the values allowed, in order. */
  values: z.array(z.string().min(1).max(128)).min(1).max(DATA_MODEL_LIMITS.enumValues).optional(),
  /** number, integer: bounds, inclusive (min, max) or exclusive. */
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
  exclusiveMin: z.number().finite().optional(),
  exclusiveMax: z.number().finite().optional(),
  /** string: length bounds (minLength defaults to 1: an empty cell is a missing value) and a pattern. */
  minLength: z.number().int().min(1).optional(),
  maxLength: z.number().int().min(1).max(DATA_MODEL_LIMITS.stringLength).optional(),
  pattern: z.string().min(1).max(DATA_MODEL_LIMITS.patternLength).optional(),
  /**
   * The identifier whose holder the policy's freezes bind (the applicant, the customer); at most one
   * field, an identifier.
   */
  subject: z.boolean().optional(),
  /** The amount asked for, which the policy's offers are priced on (at most one field, a number). */
  amount: z.boolean().optional(),
  /** A protected attribute (race, sex, marital status, age, national origin, religion…). */
  protected: z.boolean().default(false),
  /** Why rules or models may read this protected field; without it, any that does is refused at load. */
  protectedUse: z.string().min(10).max(1000).optional(),
});
export type Field = z.infer<typeof Field>;
export type FieldInput = z.input<typeof Field>;

const Duration = z.string().regex(/^[1-9][0-9]{0,5}(ms|s|m|h|d)$/, 'a duration such as 90s, 15m, 1h, 24h or 30d');

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export type DurationUnit = keyof typeof UNIT_MS;

/** Milliseconds of a duration the schema accepted (`24h`). */
export function durationMs(duration: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d)$/.exec(duration)!;
  return Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
}

export function unitMs(unit: DurationUnit): number {
  return UNIT_MS[unit];
}

/** A key derived from an identifier: its IPv4 network, an email's domain, a phone number's first digits. */
export const KeyDerivation = z.enum(['ipv4/8', 'ipv4/16', 'ipv4/24', 'email-domain', 'phone-prefix-4', 'phone-prefix-6']);
export type KeyDerivation = z.infer<typeof KeyDerivation>;

export const AggregateKey = z.union([FieldName, z.strictObject({ field: FieldName, derive: KeyDerivation.optional() })]);

/** One test on an earlier event's own field; an aggregate's `where` holds when all of its tests do. */
export const Condition = z.strictObject({
  field: FieldName,
  op: z.enum(['eq', 'ne', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte']),
  value: z.union([
    z.number().finite(),
    z.string().max(256),
    z.boolean(),
    z.array(z.union([z.number().finite(), z.string().max(256)])).max(100),
  ]),
});
export type Condition = z.infer<typeof Condition>;

export const AggregateKind = z.enum(['count', 'distinct', 'sum', 'mean', 'max', 'timeSince', 'firstSeen', 'ratioToMean']);
export type AggregateKind = z.infer<typeof AggregateKind>;

export const Aggregate = z.strictObject({
  name: FieldName,
  description: z.string().max(500).default(''),
  /** The identifier (or a key derived from one) whose earlier events are aggregated. */
  key: AggregateKey,
  /** How far back from the event's time: earlier events with time in [t − window, t] count. */
  window: Duration,
  aggregate: AggregateKind,
  /** distinct: the field whose other values are counted; sum, mean, max, ratioToMean: a number field. */
  of: FieldName.optional(),
  /** Only earlier events for which every test holds are aggregated. */
  where: z.array(Condition).max(10).default([]),
  /** timeSince: the unit of the answer (default h). */
  unit: z.enum(['ms', 's', 'm', 'h', 'd']).optional(),
  /** timeSince: the largest answer (it is also the answer when there is no earlier event). */
  cap: z.number().finite().positive().optional(),
  /** mean, ratioToMean, timeSince without a cap: the answer when no earlier event is in the window (default null). */
  whenNone: z.number().finite().nullable().optional(),
});
export type Aggregate = z.infer<typeof Aggregate>;

export const SignalKind = z.enum(['equal', 'mismatch', 'localHour', 'emailLocalDigits', 'phoneAreaMismatch']);
export type SignalKind = z.infer<typeof SignalKind>;

/**
 * A fact computed from the event's own fields by a built-in function: `equal` (true/false of two
 * fields), `mismatch` (1/0 of two fields differing), `localHour` (the hour where the event happened:
 * in the first US state among `fields` after the time field that is known, or in the timestamp's own
 * offset without them), `emailLocalDigits` (digits in an email's mailbox name), `phoneAreaMismatch`
 * (1 when a US phone number's area code belongs to another state than the second field's).
 * Null whenever a field it reads is missing.
 */
export const Signal = z.strictObject({
  name: FieldName,
  kind: SignalKind,
  fields: z.array(FieldName).min(1).max(4),
  description: z.string().max(500).default(''),
});
export type Signal = z.infer<typeof Signal>;

const SIGNAL_ARITY: Record<SignalKind, { min: number; max: number }> = {
  equal: { min: 2, max: 2 },
  mismatch: { min: 2, max: 2 },
  localHour: { min: 1, max: 4 },
  emailLocalDigits: { min: 1, max: 1 },
  phoneAreaMismatch: { min: 2, max: 2 },
};

/** A label's value that marks the bad outcome: text for string and enum labels, a number, or a boolean. */
const LabelValue = z.union([z.string().min(1).max(128), z.number().finite(), z.boolean()]);

/**
 * What the labels mean, for backtests and the trainers: which label field is the credit outcome and
 * which value of it is bad (defaulted); which is the fraud outcome, its fraud value, and the label naming
 * the fraud's kind; and what prices a loan (its yearly rate and its term). Each part is optional: a
 * backtest reports on the outcomes declared and says which it cannot.
 */
export const Outcomes = z.strictObject({
  credit: z.strictObject({ field: FieldName, bad: LabelValue }).optional(),
  fraud: z.strictObject({ field: FieldName, bad: LabelValue, kind: FieldName.optional() }).optional(),
  pricing: z
    .strictObject({
      /** The loan's yearly interest rate, in percent (15.77) or as a fraction (0.1577). */
      rate: z.strictObject({ field: FieldName, unit: z.enum(['percent', 'fraction']) }).optional(),
      /** The loan's term: a number of months, or an enum whose every value is given its months. */
      term: z
        .strictObject({
          field: FieldName,
          months: z.record(z.string(), z.number().int().positive().max(1200)).optional(),
        })
        .optional(),
    })
    .optional(),
});
export type Outcomes = z.infer<typeof Outcomes>;

const NUMERIC: ReadonlySet<FieldType> = new Set(['number', 'integer']);
const STRING_LIKE: ReadonlySet<FieldType> = new Set(['string', 'email', 'phone']);

export const DataModelFile = z
  .strictObject({
    format: z.literal(DATA_MODEL_FORMAT),
    version: z.literal(1),
    name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'a lower-case name such as lending-applications'),
    description: z.string().max(2000).default(''),
    /** Fields an event carries that the model does not declare: refused (the default: a misspelt field is an error) or ignored. */
    extra: z.enum(['refuse', 'ignore']).default('refuse'),
    /** CSV cells read as a missing value (the empty cell always is): "NA", say, where R wrote the file. */
    missingValues: z.array(z.string().max(16)).max(16).default(['']),
    fields: z.array(Field).min(1).max(DATA_MODEL_LIMITS.fields),
    aggregates: z.array(Aggregate).max(DATA_MODEL_LIMITS.aggregates).default([]),
    signals: z.array(Signal).max(DATA_MODEL_LIMITS.signals).default([]),
    outcomes: Outcomes.default({}),
  })
  .superRefine((model, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const byName = new Map<string, Field>();
    model.fields.forEach((field, index) => {
      const at = (key: string) => ['fields', index, key];
      if (byName.has(field.name)) issue(at('name'), `field ${field.name} is declared twice`);
      byName.set(field.name, field);
      checkFieldConstraints(field, (key, message) => issue(at(key), `field ${field.name}: ${message}`));
    });
    for (const role of ['id', 'time'] as const) {
      const holders = model.fields.filter((field) => field.role === role);
      if (holders.length > 1) issue(['fields'], `only one field may have role ${role}: ${holders.map((field) => field.name).join(', ')}`);
      const optional = holders.find((field) => field.missing !== 'required');
      if (optional !== undefined) issue(['fields'], `field ${optional.name}: the ${role} field must be required`);
    }
    const timeField = model.fields.find((field) => field.role === 'time');
    if (timeField !== undefined && timeField.type !== 'timestamp')
      issue(['fields'], `field ${timeField.name}: the time field must be a timestamp`);
    const idField = model.fields.find((field) => field.role === 'id');
    if (idField !== undefined && idField.type !== 'string' && idField.type !== 'integer') {
      issue(['fields'], `field ${idField.name}: the id field must be a string or an integer`);
    }
    const amounts = model.fields.filter((field) => field.amount === true);
    if (amounts.length > 1) issue(['fields'], `only one field may be the amount: ${amounts.map((field) => field.name).join(', ')}`);
    for (const amount of amounts) {
      if (!NUMERIC.has(amount.type) || amount.role !== 'feature')
        issue(['fields'], `field ${amount.name}: the amount must be a number feature`);
    }
    const subjects = model.fields.filter((field) => field.subject === true);
    if (subjects.length > 1) issue(['fields'], `only one field may be the subject: ${subjects.map((field) => field.name).join(', ')}`);
    for (const subject of subjects) {
      if (subject.role !== 'identifier') issue(['fields'], `field ${subject.name}: the subject must be an identifier`);
    }

    const factNames = new Set(byName.keys());
    const claim = (path: PropertyKey[], name: string, what: string) => {
      if (factNames.has(name)) issue(path, `${what} ${name}: the name is taken by a field or another aggregate or signal`);
      factNames.add(name);
    };
    model.aggregates.forEach((aggregate, index) => {
      const at = (key: string) => ['aggregates', index, key];
      claim(at('name'), aggregate.name, 'aggregate');
      const say = (key: string, message: string) => issue(at(key), `aggregate ${aggregate.name}: ${message}`);
      if (timeField === undefined) say('window', 'the data model has no time field, so no history to aggregate');
      checkAggregate(aggregate, byName, say);
    });
    model.signals.forEach((signal, index) => {
      const at = (key: string) => ['signals', index, key];
      claim(at('name'), signal.name, 'signal');
      const say = (key: string, message: string) => issue(at(key), `signal ${signal.name}: ${message}`);
      checkSignal(signal, byName, say);
    });
    checkOutcomes(model.outcomes, byName, (path, message) => issue(['outcomes', ...path], message));
  });
export type DataModelFile = z.infer<typeof DataModelFile>;
export type DataModelFileInput = z.input<typeof DataModelFile>;

function checkFieldConstraints(field: Field, say: (key: string, message: string) => void): void {
  const numeric = NUMERIC.has(field.type);
  for (const key of ['min', 'max', 'exclusiveMin', 'exclusiveMax'] as const) {
    if (field[key] !== undefined && !numeric) say(key, `${key} applies to number and integer fields, not ${field.type}`);
  }
  if (field.min !== undefined && field.exclusiveMin !== undefined) say('exclusiveMin', 'give min or exclusiveMin, not both');
  if (field.max !== undefined && field.exclusiveMax !== undefined) say('exclusiveMax', 'give max or exclusiveMax, not both');
  const lower = field.min ?? field.exclusiveMin;
  const upper = field.max ?? field.exclusiveMax;
  if (lower !== undefined && upper !== undefined && lower > upper) say('max', 'the lower bound is above the upper bound');
  for (const key of ['minLength', 'maxLength', 'pattern'] as const) {
    if (field[key] !== undefined && !STRING_LIKE.has(field.type))
      say(key, `${key} applies to string, email and phone fields, not ${field.type}`);
  }
  if (field.minLength !== undefined && field.maxLength !== undefined && field.minLength > field.maxLength) {
    say('maxLength', 'minLength is above maxLength');
  }
  if (field.pattern !== undefined) {
    try {
      new RegExp(field.pattern, 'u');
    } catch {
      say('pattern', 'not a valid regular expression');
    }
  }
  if (field.type === 'enum' && field.values === undefined) say('values', 'an enum field lists its values');
  if (field.type !== 'enum' && field.values !== undefined) say('values', `values apply to enum fields, not ${field.type}`);
  if (field.values !== undefined && new Set(field.values).size !== field.values.length) say('values', 'a value is listed twice');
  if (field.subject === true && field.role !== 'identifier') say('subject', 'only an identifier can be the subject');
  if (field.protectedUse !== undefined && !field.protected) say('protectedUse', 'protectedUse applies to a protected field');
  if (field.protected && (field.role === 'id' || field.role === 'time' || field.role === 'identifier')) {
    say('protected', `a protected attribute is a feature, metadata or label, not the ${field.role} field`);
  }
}

const NEEDS_NUMBER: ReadonlySet<string> = new Set(['sum', 'mean', 'max', 'ratioToMean']);

function checkAggregate(aggregate: Aggregate, byName: ReadonlyMap<string, Field>, say: (key: string, message: string) => void): void {
  const key = typeof aggregate.key === 'string' ? { field: aggregate.key } : aggregate.key;
  const keyField = byName.get(key.field);
  if (keyField === undefined) say('key', `key field ${key.field} is not declared`);
  else if (keyField.role !== 'identifier') say('key', `key field ${key.field} is a ${keyField.role}, not an identifier`);
  else if ('derive' in key && key.derive !== undefined) {
    const needs = key.derive.startsWith('ipv4') ? 'ipv4' : key.derive === 'email-domain' ? 'email' : 'phone';
    if (keyField.type !== needs) say('key', `${key.derive} derives from an ${needs} field; ${key.field} is ${keyField.type}`);
  }
  if (durationMs(aggregate.window) > DATA_MODEL_LIMITS.windowMs) say('window', 'longer than 400 days');
  const of = aggregate.of === undefined ? undefined : byName.get(aggregate.of);
  if (aggregate.of !== undefined && of === undefined) say('of', `field ${aggregate.of} is not declared`);
  if (of !== undefined && (of.role === 'label' || of.role === 'metadata'))
    say('of', `field ${of.name} is a ${of.role}, which no aggregate reads`);
  if (aggregate.aggregate === 'distinct' && aggregate.of === undefined) say('of', 'distinct counts the values of a field: name it in of');
  if (NEEDS_NUMBER.has(aggregate.aggregate)) {
    if (aggregate.of === undefined) say('of', `${aggregate.aggregate} reads a number field: name it in of`);
    else if (of !== undefined && !NUMERIC.has(of.type)) say('of', `${aggregate.aggregate} reads a number field; ${of.name} is ${of.type}`);
  }
  if (!NEEDS_NUMBER.has(aggregate.aggregate) && aggregate.aggregate !== 'distinct' && aggregate.of !== undefined) {
    say('of', `${aggregate.aggregate} reads no field`);
  }
  if ((aggregate.unit !== undefined || aggregate.cap !== undefined) && aggregate.aggregate !== 'timeSince') {
    say('unit', 'unit and cap apply to timeSince');
  }
  if (aggregate.whenNone !== undefined && !['mean', 'ratioToMean', 'timeSince'].includes(aggregate.aggregate)) {
    say('whenNone', 'whenNone applies to mean, ratioToMean and timeSince');
  }
  if (aggregate.whenNone !== undefined && aggregate.cap !== undefined) say('whenNone', 'with a cap, the answer when none is the cap');
  aggregate.where.forEach((condition, index) => {
    const field = byName.get(condition.field);
    if (field === undefined) say('where', `test ${index + 1} reads ${condition.field}, which is not declared`);
    else if (field.role === 'label' || field.role === 'metadata' || field.role === 'identifier') {
      say('where', `test ${index + 1} reads ${condition.field}, a ${field.role}, which no aggregate reads`);
    }
    const list = Array.isArray(condition.value);
    if ((condition.op === 'in' || condition.op === 'notIn') !== list)
      say('where', `test ${index + 1}: in and notIn take a list, the others one value`);
    if (['gt', 'gte', 'lt', 'lte'].includes(condition.op) && typeof condition.value !== 'number') {
      say('where', `test ${index + 1}: ${condition.op} compares with a number`);
    }
  });
}

function checkSignal(signal: Signal, byName: ReadonlyMap<string, Field>, say: (key: string, message: string) => void): void {
  const arity = SIGNAL_ARITY[signal.kind];
  if (signal.fields.length < arity.min || signal.fields.length > arity.max) {
    say(
      'fields',
      arity.min === arity.max ? `${signal.kind} reads ${arity.min} field(s)` : `${signal.kind} reads ${arity.min} to ${arity.max} fields`,
    );
  }
  const fields = signal.fields.map((name) => {
    const field = byName.get(name);
    if (field === undefined) say('fields', `field ${name} is not declared`);
    else if (field.role === 'label' || field.role === 'metadata') say('fields', `field ${name} is a ${field.role}, which no signal reads`);
    return field;
  });
  const [first] = fields;
  if (signal.kind === 'localHour' && first !== undefined && first.type !== 'timestamp')
    say('fields', `localHour reads a timestamp first; ${first.name} is ${first.type}`);
  if (signal.kind === 'emailLocalDigits' && first !== undefined && first.type !== 'email')
    say('fields', `emailLocalDigits reads an email field; ${first.name} is ${first.type}`);
  if (signal.kind === 'phoneAreaMismatch' && first !== undefined && first.type !== 'phone')
    say('fields', `phoneAreaMismatch reads a phone field first; ${first.name} is ${first.type}`);
}

const ROLE_WORDS: Record<FieldRole, string> = {
  id: 'the id field',
  time: 'the time field',
  identifier: 'an identifier',
  feature: 'a feature',
  metadata: 'metadata',
  label: 'a label',
};

function checkOutcomes(outcomes: Outcomes, byName: ReadonlyMap<string, Field>, say: (path: PropertyKey[], message: string) => void): void {
  const label = (path: PropertyKey[], what: string, name: string): Field | undefined => {
    const field = byName.get(name);
    if (field === undefined) say(path, `${what} field ${name} is not declared`);
    else if (field.role !== 'label') say(path, `${what} field ${name} is ${ROLE_WORDS[field.role]}; an outcome is read from a label`);
    else return field;
    return undefined;
  };
  for (const kind of ['credit', 'fraud'] as const) {
    const outcome = outcomes[kind];
    if (outcome === undefined) continue;
    const field = label([kind, 'field'], `the ${kind} outcome's`, outcome.field);
    if (field !== undefined) {
      const problem = labelValueProblem(field, outcome.bad);
      if (problem !== null) say([kind, 'bad'], `the ${kind} outcome's bad value ${JSON.stringify(outcome.bad)}: ${problem}`);
    }
  }
  if (outcomes.credit !== undefined && outcomes.fraud !== undefined && outcomes.credit.field === outcomes.fraud.field) {
    say(['fraud', 'field'], `the credit and fraud outcomes are both read from ${outcomes.fraud.field}`);
  }
  const kindName = outcomes.fraud?.kind;
  if (kindName !== undefined) {
    const field = label(['fraud', 'kind'], "the fraud kind's", kindName);
    if (field !== undefined && field.type !== 'string' && field.type !== 'enum')
      say(['fraud', 'kind'], `the fraud kind ${kindName} is a ${field.type}, not text`);
  }
  const pricing = outcomes.pricing ?? {};
  const priced = (key: 'rate' | 'term', name: string): Field | undefined => {
    const field = byName.get(name);
    if (field === undefined) say(['pricing', key, 'field'], `the ${key} field ${name} is not declared`);
    else if (field.role !== 'feature' && field.role !== 'metadata')
      say(['pricing', key, 'field'], `the ${key} field ${name} is a ${field.role}, not a feature or metadata`);
    else return field;
    return undefined;
  };
  if (pricing.rate !== undefined) {
    const field = priced('rate', pricing.rate.field);
    if (field !== undefined && !NUMERIC.has(field.type))
      say(['pricing', 'rate', 'field'], `the rate ${field.name} is a ${field.type}, not a number`);
  }
  if (pricing.term !== undefined) {
    const { months } = pricing.term;
    const field = priced('term', pricing.term.field);
    if (field !== undefined && field.type === 'enum') {
      const unpriced = field.values!.filter((value) => months === undefined || !Object.hasOwn(months, value));
      if (unpriced.length > 0)
        say(['pricing', 'term', 'months'], `give the months of every value of ${field.name}; missing: ${unpriced.join(', ')}`);
    } else if (field !== undefined) {
      if (!NUMERIC.has(field.type))
        say(['pricing', 'term', 'field'], `the term ${field.name} is a ${field.type}: a number of months, or an enum with months`);
      if (months !== undefined)
        say(['pricing', 'term', 'months'], `months maps an enum's values; ${field.name} is a number of months already`);
    }
  }
}

/** Why `value` cannot be a value of the label field, or null when it can. */
export function labelValueProblem(field: Field, value: string | number | boolean): string | null {
  switch (field.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : `${field.name} is a boolean`;
    case 'number':
    case 'integer':
      return typeof value !== 'number'
        ? `${field.name} is a ${field.type}`
        : field.type === 'integer' && !Number.isInteger(value)
          ? `${field.name} is an integer`
          : null;
    case 'enum':
      return typeof value === 'string' && field.values!.includes(value)
        ? null
        : `not one of ${field.name}'s values (${field.values!.join(', ')})`;
    case 'string':
      return typeof value === 'string' ? null : `${field.name} is text`;
    default:
      return `${field.name} is a ${field.type}, which no outcome is read from`;
  }
}
