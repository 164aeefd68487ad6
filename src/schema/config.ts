// Engine configuration: every part has a shipped default, and any part can be overridden. Challengers
// name other policies or models that run beside the champion on every event, recorded, never acted on.
import { z } from 'zod';
import { RuleEvaluator } from './decision.js';

const Path = z.string().min(1);

export const Challenger = z
  .strictObject({
    /** How the challenger is named in `shadow` and in the score summary. */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a lower-case name such as new-credit-model'),
    /** A policy pack to try; default: the champion's. */
    policyPack: Path.optional(),
    /** An anti-fraud model to try; default: the champion's; null runs the challenger without the stage. */
    fraudModel: Path.nullable().optional(),
    /** A credit manifest to try; default: the champion's; null runs the challenger without the stage. */
    creditModel: Path.nullable().optional(),
  })
  .refine(
    (challenger) => challenger.policyPack !== undefined || challenger.fraudModel !== undefined || challenger.creditModel !== undefined,
    {
      message: 'a challenger names at least one of policyPack, fraudModel, creditModel',
    },
  );
export type Challenger = z.infer<typeof Challenger>;

export const EngineConfig = z.strictObject({
  /**
   * The data model file: the fields of an event, their roles, the aggregates and signals. Default: the
   * shipped lending model, data/applications.data-model.json.
   */
  dataModel: Path.optional(),
  /**
   * Rule pack files (json-rules-engine format plus reason metadata); [] runs none. Default: the shipped
   * packs with the shipped data model, none with another (so too lists and derived features; and the
   * fraud and credit models, which then run only when named).
   */
  rulePacks: z.array(Path).optional(),
  /** Block/allow list files. Default: the shipped lists. */
  lists: z.array(Path).optional(),
  /** Derived-feature file (mathjs expressions). Default: the shipped file. */
  derivedFeatures: Path.optional(),
  /** The anti-fraud model file. Default: the shipped models/fraud-lr.json; null runs without the stage. */
  fraudModel: Path.nullable().optional(),
  /** The credit model's manifest. Default: the shipped models/credit.manifest.json; null runs without the stage. */
  creditModel: Path.nullable().optional(),
  /** The policy pack: outcomes, tiers, actions, offers. Default: the shipped rules/policy/default.json. */
  policyPack: Path.optional(),
  /**
   * How rule and policy packs run: compiled (json-rules-engine's semantics, synchronous, the default)
   * or json-rules-engine's own Engine.run (to compare, or as a fallback).
   */
  ruleEvaluator: RuleEvaluator.default('compiled'),
  /**
   * Also record, in each decision, the rules that did not fire and the values that decided them
   * (`stages.rules.failed`). Off by default: a decision shows the rules that fired; `fengkong explain`
   * turns it on.
   */
  recordFailedRules: z.boolean().default(false),
  /**
   * Which decisions get the credit model's Shapley attributions and adverse-action reasons (2^k more
   * network rows each, about ten times the cost of the score): `adverse` (the default) reviews and
   * declines, the decisions that must state reasons; `all` every decision (`fengkong explain` sets
   * it); `none` no decision, for volume runs that only count outcomes (a decline then states no
   * credit reason: not for adverse-action notices).
   */
  attributions: z.enum(['adverse', 'all', 'none']).default('adverse'),
  /** Challenger policies and models, run in shadow (at most 8). */
  challengers: z
    .array(Challenger)
    .max(8)
    .default([])
    .refine((challengers) => new Set(challengers.map((challenger) => challenger.name)).size === challengers.length, {
      message: 'challenger names must be unique',
    }),
  /**
   * Salt for identifier hashing. Set your own in production: hashes under the public default salt can
   * be reversed by anyone who guesses the identifier.
   */
  identifierSalt: z.string().min(8).default('fengkong-default-salt-change-me'),
});
export type EngineConfig = z.infer<typeof EngineConfig>;
export type EngineConfigInput = z.input<typeof EngineConfig>;
