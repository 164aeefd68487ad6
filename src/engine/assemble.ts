// Step 5 of a decision: the ranked reasons, the challengers' verdicts and the audit (versions, hashes,
// each stage's time) put together as the Decision the schema defines.
import { performance } from 'node:perf_hooks';
import { DECISION_SCHEMA_VERSION, type Decision } from '../schema/decision.js';
import type { PolicyStage } from '../policy/stage.js';
import { shadowVerdict } from './challengers.js';
import { microseconds, tenths } from './runStages.js';
import type { Verdict } from './verdict.js';

/** The audit fields every decision carries (versions and hashes). */
export type AuditBase = Readonly<
  Pick<Decision['audit'], 'version' | 'dataModelSha256' | 'rulePackSha256' | 'listsSha256' | 'derivedFeaturesSha256' | 'policySha256'>
> &
  Readonly<Partial<Pick<Decision['audit'], 'fraudModelSha256' | 'creditManifestSha256' | 'creditModelSha256'>>>;

export function assembleDecision(policy: PolicyStage, hasChallengers: boolean, audit: AuditBase, verdict: Verdict): Decision {
  const { item, run, input, output } = verdict;
  const { rules, fraud, credit } = input;
  const reasonsStarted = performance.now();
  const reasons = policy.reasons(input, output);
  const policyUs = tenths(verdict.us.policy + microseconds(reasonsStarted, performance.now()));
  const shadowStarted = performance.now();
  const shadow = verdict.shadow.map(shadowVerdict);
  const shadowUs = tenths(verdict.us.shadow + microseconds(shadowStarted, performance.now()));
  const rulesUs = run.latencyUs.rules ?? 0;
  const fraudUs = run.latencyUs.fraud ?? 0;
  const creditUs = tenths((run.latencyUs.credit ?? 0) + verdict.us.attribution);
  return {
    schemaVersion: DECISION_SCHEMA_VERSION,
    applicationId: item.id,
    outcome: output.outcome,
    tier: output.tier,
    actions: output.actions,
    ...(output.offer === undefined ? {} : { offer: output.offer }),
    reasons,
    stages: {
      rules: rules.result,
      ...(fraud === undefined ? {} : { fraud: fraud.result }),
      ...(credit === undefined ? {} : { credit: credit.result }),
      policy: output.result,
    },
    ...(hasChallengers ? { shadow } : {}),
    audit: {
      ...audit,
      inputHash: item.inputHash,
      featuresUs: item.featuresUs,
      rulesUs,
      ...(fraud === undefined ? {} : { fraudUs }),
      ...(credit === undefined ? {} : { creditUs }),
      policyUs,
      ...(hasChallengers ? { shadowUs } : {}),
      totalUs: tenths(item.featuresUs + rulesUs + fraudUs + creditUs + policyUs),
      decidedAt: new Date().toISOString(),
    },
  };
}
