// Lean output for volume runs: each decision written as only the fields asked for, named by their
// dotted path in the decision (`outcome`, `stages.credit.score`, `reasons.primary`), one JSON object a
// line with the paths as keys, in the order given. A field a decision lacks (an offer on a decline,
// say) is written as null, so every line has the same keys. Paths are checked against the decision
// schema once, before any row is read: a mistyped field is an error naming it, not a column of nulls.
import { z } from 'zod';
import { ErrorCode, FengkongError } from '../errors.js';
import { Decision } from '../schema/decision.js';

/** What `--compact` writes: the verdict, the scores and what the applicant is told; about 0.3 KB a decision. */
export const COMPACT_FIELDS = [
  'applicationId',
  'outcome',
  'tier',
  'actions',
  'offer',
  'reasons.applicant',
  'stages.rules.fired',
  'stages.fraud.probability',
  'stages.credit.score',
  'stages.credit.pd',
  'audit.inputHash',
] as const;

export type DecisionProjection = (decision: Decision) => Record<string, unknown>;

/** A function that keeps only `paths` of a decision; throws FK_CONFIG_INVALID naming a path the schema does not have. */
export function decisionProjection(paths: readonly string[]): DecisionProjection {
  if (paths.length === 0) throw invalid('no field named');
  const seen = new Set<string>();
  const keys = paths.map((path) => {
    if (seen.has(path)) throw invalid(`field ${JSON.stringify(path)} is named twice`);
    seen.add(path);
    return checkedPath(path);
  });
  return (decision) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i += 1) {
      let value: unknown = decision;
      for (const key of keys[i]!) value = value === undefined || value === null ? undefined : (value as Record<string, unknown>)[key];
      out[paths[i]!] = value ?? null;
    }
    return out;
  };
}

/** The path's keys, each a property of the schema object reached so far. */
function checkedPath(path: string): string[] {
  const keys = path.split('.');
  let schema: z.ZodType = Decision;
  for (const [depth, key] of keys.entries()) {
    schema = unwrapped(schema);
    const where = keys.slice(0, depth).join('.');
    if (!(schema instanceof z.ZodObject)) {
      throw invalid(`field ${JSON.stringify(path)}: ${where} is not an object (name ${where} itself)`);
    }
    const shape = schema.shape as Record<string, z.ZodType>;
    if (!Object.hasOwn(shape, key)) {
      const known = Object.keys(shape).join(', ');
      throw invalid(
        `field ${JSON.stringify(path)}: ${where === '' ? 'a decision' : where} has no ${JSON.stringify(key)} (it has ${known})`,
      );
    }
    schema = shape[key]!;
  }
  return keys;
}

function unwrapped(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
  return current;
}

function invalid(message: string): FengkongError {
  return new FengkongError(ErrorCode.CONFIG_INVALID, `--fields: ${message}`);
}
