// A rule pack: json-rules-engine's rule format, with the metadata a decision needs on every rule
// (a stable reason code, a severity, a plain-text reason). Validated once at load.
import { z } from 'zod';

/** json-rules-engine's built-in operators. Others must be registered in code (createEngine's `operators`). */
export const RuleOperator = z.enum([
  'equal',
  'notEqual',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
]);

export const BUILT_IN_OPERATOR_NAMES: ReadonlySet<string> = new Set(RuleOperator.options);

/** An operator's name: a built-in one, or one registered in code. */
export const OperatorName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,47}$/, 'an operator name such as greaterThan');

const FactValue = z.union([z.number().finite(), z.string(), z.boolean(), z.null(), z.array(z.union([z.number().finite(), z.string()]))]);

export const FactCondition = z.strictObject({
  fact: z.string().min(1),
  /** A built-in operator, or one registered in code; checked at load. */
  operator: OperatorName,
  value: FactValue,
  // `path` goes through jsonpath-plus in json-rules-engine (a past remote-code-execution hole); our facts
  // are flat, so a pack may not use it.
  path: z.never({ error: 'path (jsonpath) is not supported: facts are flat values' }).optional(),
  params: z.never({ error: 'fact params are not supported: facts are flat values' }).optional(),
  name: z.string().optional(),
  priority: z.number().int().positive().optional(),
});

export type Condition =
  | z.infer<typeof FactCondition>
  | { all: Condition[]; name?: string | undefined; priority?: number | undefined }
  | { any: Condition[]; name?: string | undefined; priority?: number | undefined }
  | { not: Condition; name?: string | undefined; priority?: number | undefined };

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    FactCondition,
    z.strictObject({ all: z.array(Condition).min(1), name: z.string().optional(), priority: z.number().int().positive().optional() }),
    z.strictObject({ any: z.array(Condition).min(1), name: z.string().optional(), priority: z.number().int().positive().optional() }),
    z.strictObject({ not: Condition, name: z.string().optional(), priority: z.number().int().positive().optional() }),
  ]),
);

export const Severity = z.enum(['decline', 'review', 'info']);
export type Severity = z.infer<typeof Severity>;

/** bureau and application rules are credit policy; anomaly, velocity and list rules are fraud signals. */
export const RuleCategory = z.enum(['bureau', 'application', 'anomaly', 'velocity', 'list']);
export type RuleCategory = z.infer<typeof RuleCategory>;

export const ReasonCode = z.string().regex(/^[A-Z][A-Z0-9_]{2,47}$/, 'an upper-case reason code such as R_DTI_HIGH');

/** A rule's top-level conditions: one non-empty all / any, or a not. */
export const RuleConditions = z.union([
  z.strictObject({ all: z.array(Condition).min(1) }),
  z.strictObject({ any: z.array(Condition).min(1) }),
  z.strictObject({ not: Condition }),
]);

/** What every rule has, in rule packs and policy packs alike: its code (the name), priority and conditions. */
export const ruleHead = {
  name: ReasonCode,
  priority: z.number().int().positive().max(100).default(1),
  conditions: RuleConditions,
};

export const Rule = z.strictObject({
  ...ruleHead,
  event: z.strictObject({
    type: ReasonCode,
    params: z.strictObject({
      severity: Severity,
      category: RuleCategory,
      reason: z.string().min(1).max(200),
    }),
  }),
});
export type Rule = z.infer<typeof Rule>;

export const RulePack = z
  .strictObject({
    pack: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/),
    version: z.string().min(1),
    description: z.string().min(1),
    rules: z.array(Rule).min(1),
  })
  .superRefine((pack, context) => {
    pack.rules.forEach((rule, index) => {
      if (rule.event.type !== rule.name) {
        context.addIssue({ code: 'custom', path: ['rules', index, 'event', 'type'], message: `must equal the rule name ${rule.name}` });
      }
    });
  });
export type RulePack = z.infer<typeof RulePack>;
