// An event as the engine receives it, its schema generated from the data model: one zod validator per
// field (type, constraints, missing values), strict unless the model says `extra: "ignore"`.
import { z } from 'zod';
import { DATA_MODEL_LIMITS, type DataModelFile, type Field } from './dataModel.js';

/** A field's value once validated: missing is null. */
export type FieldValue = number | string | boolean | null;
/** A validated event: the data model's fields, each a value or null. */
export type EventRecord = Readonly<Record<string, FieldValue>>;

/** E.164: a plus, a country code not starting with 0, at most 15 digits in all. */
const E164 = /^\+[1-9][0-9]{6,14}$/;

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
/** Codes Intl names that are not ISO 3166-1 countries (groupings, private use, unknown). */
const NOT_COUNTRIES: ReadonlySet<string> = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ', 'XA', 'XB']);
const currencies: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** ISO 3166-1 alpha-2, upper case. */
export function isCountryCode(value: string): boolean {
  return /^[A-Z]{2}$/.test(value) && !NOT_COUNTRIES.has(value) && regionNames.of(value) !== undefined;
}

/** ISO 4217, upper case. */
export function isCurrencyCode(value: string): boolean {
  return /^[A-Z]{3}$/.test(value) && currencies.has(value);
}

function numberSchema(field: Field): z.ZodType {
  let schema = field.type === 'integer' ? z.number().int() : z.number().finite();
  if (field.min !== undefined) schema = schema.gte(field.min);
  if (field.max !== undefined) schema = schema.lte(field.max);
  if (field.exclusiveMin !== undefined) schema = schema.gt(field.exclusiveMin);
  if (field.exclusiveMax !== undefined) schema = schema.lt(field.exclusiveMax);
  return schema;
}

function stringSchema(field: Field, defaultMax: number): z.ZodString {
  let schema = z
    .string()
    .min(field.minLength ?? 1)
    .max(field.maxLength ?? defaultMax);
  if (field.pattern !== undefined) schema = schema.regex(new RegExp(field.pattern, 'u'), `must match the pattern of field ${field.name}`);
  return schema;
}

/** The validator of one field's present value. */
export function fieldValueSchema(field: Field): z.ZodType {
  switch (field.type) {
    case 'number':
    case 'integer':
      return numberSchema(field);
    case 'boolean':
      return z.boolean();
    case 'string':
      return stringSchema(field, DATA_MODEL_LIMITS.defaultStringLength);
    case 'enum':
      return z.enum(field.values as [string, ...string[]]);
    case 'timestamp':
      // Any offset (Z, +02:00); normalised to UTC for arithmetic by Date.parse, the text kept as given.
      return z.iso.datetime({ offset: true });
    case 'ipv4':
      return z.ipv4();
    case 'ipv6':
      return z.ipv6();
    case 'email':
      return z.email().max(field.maxLength ?? 254);
    case 'phone':
      return stringSchema(field, 16).regex(E164, 'expected a phone number in E.164 form (+ and up to 15 digits)');
    case 'country':
      return z.string().refine(isCountryCode, 'expected an ISO 3166-1 alpha-2 country code');
    case 'currency':
      return z.string().refine(isCurrencyCode, 'expected an ISO 4217 currency code');
  }
}

/** The validator of one field: its value, or null (also when left out) if the field may be missing. */
export function fieldSchema(field: Field): z.ZodType {
  const value = fieldValueSchema(field);
  return field.missing === 'required' ? value : value.nullable().default(null);
}

/** The event schema of a data model: every field, strict unless the model ignores extra fields. */
export function eventSchemaOf(model: DataModelFile): z.ZodType<EventRecord> {
  const shape = Object.fromEntries(model.fields.map((field) => [field.name, fieldSchema(field)]));
  return (model.extra === 'ignore' ? z.object(shape) : z.strictObject(shape)) as unknown as z.ZodType<EventRecord>;
}
