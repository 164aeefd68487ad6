// The derived-features file: named features declared as arithmetic expressions over the event's numeric
// feature columns and earlier-declared derived features. This schema checks the file's shape and the
// names; what an expression may contain is checked when it is compiled (src/features/expression.ts).
import { z } from 'zod';

/**
 * Words an expression gives a meaning of its own: operators spelt as words, literals, constants and
 * the callable functions. A feature with one of these names could not be referred to, so none may.
 */
export const reservedFeatureNames: ReadonlySet<string> = new Set([
  // operators and literals of the expression language
  'and',
  'or',
  'not',
  'xor',
  'mod',
  'to',
  'in',
  'true',
  'false',
  'null',
  'undefined',
  'end',
  // constants
  'pi',
  'e',
  // callable functions
  'abs',
  'min',
  'max',
  'sqrt',
  'log',
  'log10',
  'exp',
  'floor',
  'ceil',
  'round',
  'sign',
  'clamp',
]);

/** Units a derived feature may declare: documentation for readers of decisions, not used in arithmetic. */
export const featureUnits = ['ratio', 'share', 'band', 'currency', 'count', 'flag'] as const;

// Plain text: printable characters only, no control characters or line breaks.
const plainText = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^\p{Cc}]+$/u, 'must be plain text on one line (no control characters)');

export const DerivedFeatureName = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/, 'must be snake_case: lower-case letters, digits and single underscores')
  .refine((name) => !reservedFeatureNames.has(name), 'is a reserved word of the expression language');

export const DerivedFeature = z.strictObject({
  name: DerivedFeatureName,
  // Length and content are checked by the expression compiler, which reports them as expression errors.
  expression: z.string().min(1),
  description: plainText,
  unit: z.enum(featureUnits).optional(),
});
export type DerivedFeature = z.infer<typeof DerivedFeature>;

export const DerivedFeatureFile = z
  .strictObject({
    version: z.literal(1),
    features: z.array(DerivedFeature).min(1).max(64),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.features.forEach((feature, index) => {
      if (seen.has(feature.name)) {
        ctx.addIssue({ code: 'custom', path: ['features', index, 'name'], message: 'is declared twice' });
      }
      seen.add(feature.name);
    });
  });
export type DerivedFeatureFile = z.infer<typeof DerivedFeatureFile>;
