// What `score` writes and counts of one decision: its output line (the whole decision, or the fields
// asked for) and the few fields the run's summary counts. Made where the decision is: on the main
// thread, or on the worker thread that decided it (src/batch/scoreWorker.ts), so only this crosses back.
import { decisionJson } from '../engine/decide.js';
import type { Decision, Outcome } from '../schema/decision.js';
import type { DecisionProjection } from './fields.js';

export interface WrittenDecision {
  /** The output line, without its newline. */
  readonly text: string;
  readonly outcome: Outcome;
  readonly tier: Decision['tier'];
  readonly repeated: boolean;
  /** Each challenger's outcome, or null where it failed, in the decision's order. */
  readonly shadow: ReadonlyArray<{ readonly challenger: string; readonly outcome: Outcome | null }>;
}

/**
 * A decision's output line: the fields asked for; else the text the engine made when it decided (when
 * the decisions are as it made them, `asBuilt`); else the decision serialised anew.
 */
export function lineWriter(project: DecisionProjection | undefined, asBuilt: boolean): (decision: Decision) => string {
  if (project !== undefined) return (decision) => JSON.stringify(project(decision));
  return asBuilt ? decisionJson : (decision) => JSON.stringify(decision);
}

export function writtenDecision(decision: Decision, lineOf: (decision: Decision) => string): WrittenDecision {
  return {
    text: lineOf(decision),
    outcome: decision.outcome,
    tier: decision.tier,
    repeated: decision.audit.repeated === true,
    shadow: (decision.shadow ?? []).map((verdict) => ({
      challenger: verdict.challenger,
      outcome: 'error' in verdict ? null : verdict.outcome,
    })),
  };
}
