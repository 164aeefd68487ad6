// Engine configuration: every part has a shipped default, and any part can be overridden.
import { z } from 'zod';

export const EngineConfig = z.strictObject({
  /** Rule pack files (json-rules-engine format plus reason metadata). Default: the shipped packs. */
  rulePacks: z.array(z.string().min(1)).min(1).optional(),
  /** Block/allow list files. Default: the shipped lists. */
  lists: z.array(z.string().min(1)).optional(),
  /** Derived-feature file (mathjs expressions). Default: the shipped file. */
  derivedFeatures: z.string().min(1).optional(),
  /** The anti-fraud model file. Default: the shipped models/fraud-lr.json; null runs without the stage. */
  fraudModel: z.string().min(1).nullable().optional(),
  /** The credit model's manifest. Default: the shipped models/credit.manifest.json; null runs without the stage. */
  creditModel: z.string().min(1).nullable().optional(),
  /**
   * Fraud probability from which an application goes to review (interim, until the policy pack):
   * default 0.5.
   */
  fraudReviewThreshold: z.number().gt(0).lt(1).default(0.5),
  /**
   * Salt for identifier hashing. Set your own in production: hashes under the public default salt can
   * be reversed by anyone who guesses the identifier.
   */
  identifierSalt: z.string().min(8).default('fengkong-default-salt-change-me'),
});
export type EngineConfig = z.infer<typeof EngineConfig>;
export type EngineConfigInput = z.input<typeof EngineConfig>;
