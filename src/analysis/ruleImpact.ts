// Radar-style rule metrics: for every rule of the rule packs and of the policy pack, how often it fires,
// how often its hits are what it hunts (fraud for fraud-signal rules, default for credit rules) and how
// many applications it alone caught (its incremental impact, defined below).
import { z } from 'zod';
import { loadDecisionInputs, parseEngineConfig } from '../engine/loadInputs.js';
import { shippedPaths } from '../engine/paths.js';
import { loadPolicyPack } from '../policy/load.js';
import { FRAUD_RULE_CATEGORIES } from '../policy/facts.js';
import type { EngineConfigInput } from '../schema/config.js';
import type { Decision, Outcome } from '../schema/decision.js';
import type { RuleCategory } from '../schema/rulePack.js';
import { createMemoryStore } from '../state/memory.js';
import { historyStoreOptions } from '../features/aggregates.js';
import { Rate, wilsonRate } from './interval.js';

/** How harsh an outcome is: a rule "gives the same or a harsher outcome" by this order. */
export const HARSHNESS: Readonly<Record<Outcome, number>> = { approve: 0, review: 1, decline: 2 };
/** The outcome a rule-pack severity asks for (an info rule asks for nothing). */
const SEVERITY_OUTCOME = { decline: 'decline', review: 'review', info: 'approve' } as const satisfies Record<string, Outcome>;

/**
 * The policy facts that relay the rule packs' hits: a policy rule reading one of these passes a rule's
 * verdict on (P_FRAUD_RULE_DECLINE and the like); one reading none decides on its own (the scores, a frozen identity).
 */
export const RULE_RELAY_FACTS: ReadonlySet<string> = new Set([
  'firedRuleCodes',
  'declineRuleCount',
  'reviewRuleCount',
  'infoRuleCount',
  'fraudDeclineRuleCount',
  'creditDeclineRuleCount',
  'fraudReviewRuleCount',
  'creditReviewRuleCount',
  'listHits',
  'blockListHitCount',
]);

export const RuleSource = z.enum(['rule pack', 'policy']);
/** The label a rule's precision counts: fraud-signal rules hunt fraud, credit rules default. */
export const PrecisionLabel = z.enum(['fraud', 'default']);

export const CatalogueRule = z.strictObject({
  code: z.string(),
  source: RuleSource,
  /** The rule pack's name, or the policy pack's. */
  pack: z.string(),
  category: z.string(),
  /** A rule-pack rule's severity (decline, review, info) or a policy rule's outcome (decline, review, approve). */
  verdict: z.enum(['decline', 'review', 'info', 'approve']),
  precisionLabel: PrecisionLabel,
});
export type CatalogueRule = z.infer<typeof CatalogueRule>;

/** Every rule the config's packs hold, rule packs first (in load order), then the policy pack's. */
export function ruleCatalogue(config: EngineConfigInput = {}): CatalogueRule[] {
  const settings = parseEngineConfig(config);
  const inputs = loadDecisionInputs(settings, (aggregates) => createMemoryStore(historyStoreOptions(aggregates)));
  const policy = loadPolicyPack(settings.policyPack ?? shippedPaths.policyPack, new Set(Object.keys(inputs.facts)));
  const packRules = inputs.packs.rules.map(({ rule, pack }) => ({
    code: rule.name,
    source: 'rule pack' as const,
    pack,
    category: rule.event.params.category,
    verdict: rule.event.params.severity,
    precisionLabel: FRAUD_RULE_CATEGORIES.has(rule.event.params.category as RuleCategory) ? ('fraud' as const) : ('default' as const),
  }));
  const policyRules = policy.pack.rules.map((rule) => ({
    code: rule.name,
    source: 'policy' as const,
    pack: policy.pack.policy,
    category: rule.event.params.category,
    verdict: rule.event.params.outcome,
    precisionLabel: rule.event.params.category === 'fraud' ? ('fraud' as const) : ('default' as const),
  }));
  return [...packRules, ...policyRules];
}

/** What incremental impact reads of a decision. */
export interface FiredRules {
  outcome: Outcome;
  rules: ReadonlyArray<{ code: string; severity: 'decline' | 'review' | 'info' }>;
  policy: ReadonlyArray<{ code: string; outcome: Outcome; values: Readonly<Record<string, unknown>> }>;
}

export function firedRulesOf(decision: Decision): FiredRules {
  return { outcome: decision.outcome, rules: decision.stages.rules.fired, policy: decision.stages.policy.fired };
}

const relaysRules = (hit: FiredRules['policy'][number]) => Object.keys(hit.values).some((fact) => RULE_RELAY_FACTS.has(fact));

/**
 * The codes of the rules that alone caught this application. With O the decision's outcome, nothing is
 * caught when O is approve; otherwise:
 * - a policy rule P is incremental when it fired with outcome O and no other policy rule that fired has
 *   an outcome as harsh as O (without P the pack would have given a milder outcome);
 * - a rule-pack rule R is incremental when its severity asks for O, a policy rule that relays rule hits
 *   (reads RULE_RELAY_FACTS) fired with outcome O, no other rule-pack rule that fired asks for O or
 *   harsher, and no policy rule that does not relay rule hits (a score cut-off, a frozen identity) fired
 *   with O or harsher.
 * Counted per application, on its own decision: a fraud decline's later effect (the freeze it puts on the
 * applicant's next applications) is credited to P_IDENTITY_FROZEN on those, not to the rule that froze.
 */
export function incrementalRules(fired: FiredRules): string[] {
  const harshness = HARSHNESS[fired.outcome];
  if (harshness === 0) return [];
  const caught: string[] = [];
  const asHarsh = fired.policy.filter((hit) => HARSHNESS[hit.outcome] >= harshness);
  if (asHarsh.length === 1 && HARSHNESS[asHarsh[0]!.outcome] === harshness) caught.push(asHarsh[0]!.code);
  const relayed = fired.policy.some((hit) => hit.outcome === fired.outcome && relaysRules(hit));
  const decidedElsewhere = asHarsh.some((hit) => !relaysRules(hit));
  if (!relayed || decidedElsewhere) return caught;
  const askingAsHarsh = fired.rules.filter((hit) => HARSHNESS[SEVERITY_OUTCOME[hit.severity]] >= harshness);
  if (askingAsHarsh.length === 1 && HARSHNESS[SEVERITY_OUTCOME[askingAsHarsh[0]!.severity]] === harshness) {
    caught.push(askingAsHarsh[0]!.code);
  }
  return caught;
}

export const RuleMetrics = z.strictObject({
  ...CatalogueRule.shape,
  hits: z.number().int().nonnegative(),
  /** hits / decided applications. */
  hitRate: Rate,
  /** Hits carrying the rule's precision label, among its hits with that label known. */
  precision: Rate,
  /** Applications this rule alone caught (incrementalRules). */
  incremental: z.number().int().nonnegative(),
  /** Of those, the share carrying the rule's precision label. */
  incrementalPrecision: Rate,
});
export type RuleMetrics = z.infer<typeof RuleMetrics>;

export interface RuleRow {
  isFraud: boolean;
  defaulted: boolean | null;
  fired: FiredRules;
}

/** Metrics for every catalogued rule (in catalogue order), and for any rule that fired but is not catalogued. */
export function ruleMetrics(catalogue: readonly CatalogueRule[], rows: readonly RuleRow[]): RuleMetrics[] {
  const tallies = new Map<
    string,
    { hits: number; positive: number; known: number; incremental: number; incPositive: number; incKnown: number }
  >();
  const tally = (code: string) => {
    let entry = tallies.get(code);
    if (entry === undefined) tallies.set(code, (entry = { hits: 0, positive: 0, known: 0, incremental: 0, incPositive: 0, incKnown: 0 }));
    return entry;
  };
  const labelOf = new Map(catalogue.map((rule) => [rule.code, rule.precisionLabel]));
  const positive = (row: RuleRow, code: string): boolean | null =>
    (labelOf.get(code) ?? 'fraud') === 'fraud' ? row.isFraud : row.defaulted;
  for (const row of rows) {
    for (const code of new Set([...row.fired.rules.map((hit) => hit.code), ...row.fired.policy.map((hit) => hit.code)])) {
      const entry = tally(code);
      entry.hits += 1;
      const label = positive(row, code);
      if (label !== null) {
        entry.known += 1;
        if (label) entry.positive += 1;
      }
    }
    for (const code of incrementalRules(row.fired)) {
      const entry = tally(code);
      entry.incremental += 1;
      const label = positive(row, code);
      if (label !== null) {
        entry.incKnown += 1;
        if (label) entry.incPositive += 1;
      }
    }
  }
  const uncatalogued = [...tallies.keys()].filter((code) => !labelOf.has(code)).sort();
  const rules: CatalogueRule[] = [
    ...catalogue,
    ...uncatalogued.map((code) => ({
      code,
      source: 'rule pack' as const,
      pack: '?',
      category: '?',
      verdict: 'info' as const,
      precisionLabel: 'fraud' as const,
    })),
  ];
  return rules.map((rule) => {
    const entry = tallies.get(rule.code) ?? { hits: 0, positive: 0, known: 0, incremental: 0, incPositive: 0, incKnown: 0 };
    return {
      ...rule,
      hits: entry.hits,
      hitRate: wilsonRate(entry.hits, rows.length),
      precision: wilsonRate(entry.positive, entry.known),
      incremental: entry.incremental,
      incrementalPrecision: wilsonRate(entry.incPositive, entry.incKnown),
    };
  });
}
