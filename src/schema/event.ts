// The application as the engine receives it. Column roles are declared here once; the CSV header, the
// event validation, identifier hashing and the label firewall all read them from this table.
import { z } from 'zod';

/** The 50 states and DC: the stated address and the IP's geolocation are one of these. */
export const US_STATE_CODES = [
  'AK',
  'AL',
  'AR',
  'AZ',
  'CA',
  'CO',
  'CT',
  'DC',
  'DE',
  'FL',
  'GA',
  'HI',
  'IA',
  'ID',
  'IL',
  'IN',
  'KS',
  'KY',
  'LA',
  'MA',
  'MD',
  'ME',
  'MI',
  'MN',
  'MO',
  'MS',
  'MT',
  'NC',
  'ND',
  'NE',
  'NH',
  'NJ',
  'NM',
  'NV',
  'NY',
  'OH',
  'OK',
  'OR',
  'PA',
  'RI',
  'SC',
  'SD',
  'TN',
  'TX',
  'UT',
  'VA',
  'VT',
  'WA',
  'WI',
  'WV',
  'WY',
] as const;
const UsState = z.enum(US_STATE_CODES);

export type ColumnRole = 'id' | 'time' | 'identifier' | 'feature' | 'metadata' | 'label';

// A missing value is `null`; an event may also leave the key out.
const nullableNumber = z.number().finite().nullable().default(null);
const nonNegative = z.number().finite().nonnegative().nullable().default(null);

/** Every column of an application, in CSV order, with its role and schema. */
export const columns = {
  application_id: { role: 'id', schema: z.string().min(1).max(64) },
  applied_at: { role: 'time', schema: z.iso.datetime({ offset: false }) },
  applicant_id: { role: 'identifier', schema: z.string().min(1).max(128).nullable().default(null) },
  device_id: { role: 'identifier', schema: z.string().min(1).max(128).nullable().default(null) },
  ip: { role: 'identifier', schema: z.ipv4().nullable().default(null) },
  email: { role: 'identifier', schema: z.email().max(254).nullable().default(null) },
  phone: {
    role: 'identifier',
    schema: z
      .string()
      .regex(/^\+?[0-9]{7,15}$/)
      .nullable()
      .default(null),
  },
  ip_region: { role: 'feature', schema: UsState.nullable().default(null) },
  channel: { role: 'feature', schema: z.enum(['web', 'mobile_app', 'broker', 'branch']) },
  addr_state: { role: 'feature', schema: UsState },
  funded_amnt: { role: 'feature', schema: z.number().finite().positive() },
  term: { role: 'feature', schema: z.enum(['term_36', 'term_60']) },
  annual_inc: { role: 'feature', schema: z.number().finite().nonnegative() },
  emp_length: {
    role: 'feature',
    schema: z
      .enum(['emp_lt_1', 'emp_1', 'emp_2', 'emp_3', 'emp_4', 'emp_5', 'emp_6', 'emp_7', 'emp_8', 'emp_9', 'emp_ge_10', 'emp_unk'])
      .nullable()
      .default(null),
  },
  verification_status: { role: 'feature', schema: z.enum(['Not_Verified', 'Source_Verified', 'Verified']).nullable().default(null) },
  delinq_2yrs: { role: 'feature', schema: nonNegative },
  inq_last_6mths: { role: 'feature', schema: nonNegative },
  revol_util: { role: 'feature', schema: nonNegative },
  acc_now_delinq: { role: 'feature', schema: nonNegative },
  open_il_6m: { role: 'feature', schema: nonNegative },
  open_il_12m: { role: 'feature', schema: nonNegative },
  open_il_24m: { role: 'feature', schema: nonNegative },
  total_bal_il: { role: 'feature', schema: nonNegative },
  all_util: { role: 'feature', schema: nonNegative },
  inq_fi: { role: 'feature', schema: nonNegative },
  inq_last_12m: { role: 'feature', schema: nonNegative },
  delinq_amnt: { role: 'feature', schema: nonNegative },
  num_il_tl: { role: 'feature', schema: nonNegative },
  total_il_high_credit_limit: { role: 'feature', schema: nonNegative },
  // Lending Club's own pricing of the loan: the output of an earlier credit model. Kept for analysis,
  // never an input to a decision.
  int_rate: { role: 'metadata', schema: nullableNumber },
  sub_grade: {
    role: 'metadata',
    schema: z
      .string()
      .regex(/^[A-G][1-5]$/)
      .nullable()
      .default(null),
  },
  default: {
    role: 'label',
    schema: z
      .union([z.literal(0), z.literal(1)])
      .nullable()
      .default(null),
  },
  is_fraud: {
    role: 'label',
    schema: z
      .union([z.literal(0), z.literal(1)])
      .nullable()
      .default(null),
  },
  fraud_scenario: { role: 'label', schema: z.string().max(64).nullable().default(null) },
} as const satisfies Record<string, { role: ColumnRole; schema: z.ZodType }>;

export type ColumnName = keyof typeof columns;
export const columnNames = Object.keys(columns) as ColumnName[];

export function columnsWithRole(role: ColumnRole): ColumnName[] {
  return columnNames.filter((name) => columns[name].role === role);
}

/** Columns whose values are numbers (the CSV reader converts these and only these). */
export const numericColumns: ReadonlySet<ColumnName> = new Set(columnNames.filter((name) => isNumericSchema(columns[name].schema)));

/** Columns a CSV must carry: all but metadata and labels, which may be absent. */
export const requiredColumns: ColumnName[] = columnNames.filter(
  (name) => columns[name].role !== 'metadata' && columns[name].role !== 'label',
);

function isNumericSchema(schema: z.ZodType): boolean {
  // A schema is numeric when it accepts a number (0 or 1: some refuse 0) and refuses its text.
  return (schema.safeParse(0).success || schema.safeParse(1).success) && !schema.safeParse('0').success && !schema.safeParse('1').success;
}

const shape = Object.fromEntries(columnNames.map((name) => [name, columns[name].schema])) as {
  [K in ColumnName]: (typeof columns)[K]['schema'];
};

/**
 * An application event. Unknown keys are refused: a misspelt field is an error, not a silent missing
 * value. Missing optional values are `null`.
 */
export const ApplicationEvent = z.strictObject(shape);
export type ApplicationEvent = z.infer<typeof ApplicationEvent>;
export type ApplicationEventInput = z.input<typeof ApplicationEvent>;
