// A data model loaded once: the file validated and hashed, its event schema built, and what the rest of
// the engine asks of it answered from tables (which fields are identifiers, which are numbers, which
// field is the id and which the time). The shipped lending model is data/applications.data-model.json.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { ErrorCode, FengkongError } from '../errors.js';
import { DATA_MODEL_LIMITS, DataModelFile, type DataModelFileInput, type Field, type FieldRole } from '../schema/dataModel.js';
import { eventSchemaOf, type EventRecord } from '../schema/event.js';
import { describeIssues } from '../schema/issues.js';
import { parseJsonFile, readFileBytes } from '../schema/jsonFile.js';

/** A day of clock skew allowed: an event time later than this is a typo or a forgery. */
const FUTURE_SKEW_MS = 86_400_000;

export interface DataModel {
  readonly file: DataModelFile;
  /** sha256 of the file's bytes (of its canonical JSON when built in code): in every decision's audit. */
  readonly sha256: string;
  /** Where it came from, as messages name it. */
  readonly sourceName: string;
  readonly fields: readonly Field[];
  readonly fieldNames: readonly string[];
  field(name: string): Field | undefined;
  fieldsWithRole(role: FieldRole): readonly Field[];
  /** Fields whose values are numbers (the CSV reader converts these). */
  readonly numericFields: ReadonlySet<string>;
  readonly booleanFields: ReadonlySet<string>;
  /** Fields a CSV must carry: all but metadata and labels, which may be absent. */
  readonly requiredColumns: readonly string[];
  /** The id field, the time field and the subject identifier, when declared. */
  readonly idField: Field | null;
  readonly timeField: Field | null;
  readonly subjectField: Field | null;
  /** The amount asked for, which offers price and backtests count (`amount: true`), when declared. */
  readonly amountField: Field | null;
  readonly eventSchema: z.ZodType<EventRecord>;
  /** One record as an event, or FK_EVENT_INVALID naming the field; a time more than a day ahead is refused. */
  parseEvent(input: unknown, nowMs?: number): EventRecord;
  /** The event's id field as text; null for a model without one (the engine then names an event by its input hash). */
  idOf(event: EventRecord): string | null;
  /** The event's time in ms since the epoch (UTC); 0 for a model without a time field. */
  timeMsOf(event: EventRecord): number;
}

/** Builds a data model from its file contents; `sourceName` names it in messages. */
export function compileDataModel(input: DataModelFileInput | DataModelFile, sourceName: string, sha256?: string): DataModel {
  const parsed = DataModelFile.safeParse(input);
  if (!parsed.success) {
    throw new FengkongError(ErrorCode.DATA_MODEL_INVALID, `${sourceName}: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  }
  // Frozen: a compiled model is shared (loadDataModel's cache) and its tables were built from this file.
  const file = deepFreeze(parsed.data);
  const byName = new Map(file.fields.map((field) => [field.name, field]));
  const fieldNames = file.fields.map((field) => field.name);
  const one = (role: FieldRole) => file.fields.find((field) => field.role === role) ?? null;
  const idField = one('id');
  const timeField = one('time');
  const subjectField = file.fields.find((field) => field.subject === true) ?? null;
  const amountField = file.fields.find((field) => field.amount === true) ?? null;
  const eventSchema = eventSchemaOf(file);
  // A strict schema refuses unknown keys itself; one that ignores them is capped here, so an event's
  // size stays bounded by its model's whatever it carries.
  const maxKeys = file.extra === 'ignore' ? file.fields.length + DATA_MODEL_LIMITS.fields : Number.POSITIVE_INFINITY;
  const idName = idField?.name;
  const timeName = timeField?.name;

  const parseEvent = (input: unknown, nowMs: number = Date.now()): EventRecord => {
    if (maxKeys !== Number.POSITIVE_INFINITY && typeof input === 'object' && input !== null && Object.keys(input).length > maxKeys) {
      throw new FengkongError(ErrorCode.EVENT_INVALID, `invalid event: more than ${maxKeys} fields`);
    }
    const result = eventSchema.safeParse(input);
    if (!result.success) {
      throw new FengkongError(ErrorCode.EVENT_INVALID, `invalid event: ${describeIssues(result.error)}`, { cause: result.error });
    }
    if (timeName !== undefined && Date.parse(result.data[timeName] as string) > nowMs + FUTURE_SKEW_MS) {
      throw new FengkongError(ErrorCode.EVENT_INVALID, `invalid event: ${timeName}: more than a day in the future`);
    }
    return result.data;
  };

  return Object.freeze<DataModel>({
    file,
    sha256: sha256 ?? createHash('sha256').update(JSON.stringify(file)).digest('hex'),
    sourceName,
    fields: file.fields,
    fieldNames,
    field: (name) => byName.get(name),
    fieldsWithRole: (role) => file.fields.filter((field) => field.role === role),
    numericFields: new Set(file.fields.filter((field) => field.type === 'number' || field.type === 'integer').map((field) => field.name)),
    booleanFields: new Set(file.fields.filter((field) => field.type === 'boolean').map((field) => field.name)),
    requiredColumns: file.fields.filter((field) => field.role !== 'metadata' && field.role !== 'label').map((field) => field.name),
    idField,
    timeField,
    subjectField,
    amountField,
    eventSchema,
    parseEvent,
    idOf: idName === undefined ? () => null : (event) => String(event[idName]),
    timeMsOf: timeName === undefined ? () => 0 : (event) => Date.parse(event[timeName] as string),
  });
}

/**
 * Reads, validates and compiles a data model file; FK_DATA_MODEL_INVALID names the file and the field.
 * A command loads the same file several times (the engine, the reader, a trainer's replay): the bytes
 * are read each time, but the same path with the same content is validated and compiled once.
 */
export function loadDataModel(path: string): DataModel {
  const bytes = readFileBytes(path, ErrorCode.DATA_MODEL_INVALID);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const key = `${sha256}:${path}`;
  const cached = compiledModels.get(key);
  if (cached !== undefined) return cached;
  const file = parseJsonFile(path, bytes, DataModelFile, ErrorCode.DATA_MODEL_INVALID);
  const model = compileDataModel(file, path, sha256);
  if (compiledModels.size >= MAX_CACHED_MODELS) compiledModels.delete(compiledModels.keys().next().value!);
  compiledModels.set(key, model);
  return model;
}

/** Compiled data models by content hash and path (a compiled model and its file are frozen); the oldest leaves first. */
const compiledModels = new Map<string, DataModel>();
const MAX_CACHED_MODELS = 32;

/** Where the shipped data model is, relative to this module (also once built). */
export function shippedDataModelPath(): string {
  return fileURLToPath(new URL('../../data/applications.data-model.json', import.meta.url));
}

let shipped: DataModel | undefined;

/** The shipped lending data model, loaded once. */
export function shippedDataModel(): DataModel {
  shipped ??= loadDataModel(shippedDataModelPath());
  return shipped;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
