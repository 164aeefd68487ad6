// The threshold search. Each candidate threshold set is written into the policy pack and compiled by
// the engine's own policy evaluator, which then decides every tuning row again from the policy facts
// its decision recorded: the rules, models and velocity history are not run again, only the policy.
// Deterministic, in two steps:
//   1. a grid over the two cut-offs that decide approvals: the fraud probability at which review
//      starts (0.05 to 0.3 by 0.05, then to 0.9 by 0.1; decline stays where it is, or moves up with
//      review) and the lowest score approved (500 to 640 by 2; the marginal band keeps its width below it);
//   2. coordinate search from the grid's best: each threshold in turn over its fine grid (0.01 in
//      probability, 1 point in score from 440 to 680; the offer bands' minScores too under the profit objective, the
//      only objective they change), until a full pass changes nothing.
// Best: meets the constraints at the stated confidence (else the smallest shortfall), then the most approvals (or profit),
// then the smallest change from the current thresholds (a hundredth of probability weighs as one
// point of score), then the thresholds' text: ties never depend on the order of evaluation. Declining
// and reviewing are alike to every objective here (neither is an approval nor funded), so the
// tie-break keeps the split between them as it is.
import { ErrorCode, FengkongError } from '../errors.js';
import { lentAmount } from './economics.js';
import { LENDING_AMOUNT, type PolicyFacts } from '../policy/facts.js';
import { createPolicyEvaluator } from '../policy/evaluate.js';
import type { LoadedPolicyPack } from '../policy/load.js';
import { type Constraints, type LabelledApplication, SliceTally, type SliceMetrics, violation } from './tuneMetrics.js';
import { type PolicyThresholds, thresholdProblem, withThresholds } from './tuneThresholds.js';

export interface TuningRow extends LabelledApplication {
  /** The facts the policy read for this row (tunePolicyInputs), with the amount requested under the data model's amount field. */
  readonly facts: PolicyFacts;
  /** The amount requested (0 when the data model has no amount field: no offer is made, nothing is priced). */
  readonly amount: number;
}

export type Objective = 'approvals' | 'profit';

export interface SearchSpec {
  readonly objective: Objective;
  readonly constraints: Constraints;
  /** The one-sided confidence with which the constraints must hold on the tuning rows (0: on the rates themselves). */
  readonly confidence: number;
}

export interface Candidate {
  readonly thresholds: PolicyThresholds;
  readonly metrics: SliceMetrics;
}

export interface SearchResult {
  readonly current: Candidate;
  readonly chosen: Candidate;
  /** Whether the chosen thresholds meet the constraints on the tuning rows. */
  readonly feasible: boolean;
  /** Candidates no other beats on both approval rate and bad rate, by falling approval rate. */
  readonly frontier: Candidate[];
  /** The same for approval rate and fraud caught (a different set: the chosen thresholds need not be on it). */
  readonly fraudCaughtFrontier: Candidate[];
  readonly evaluated: number;
}

export interface SearchGrid {
  readonly fraudCoarse: readonly number[];
  readonly fraudFine: readonly number[];
  /** Lowest approved scores for the grid step. */
  readonly approvalFloorCoarse: readonly number[];
  readonly creditFine: readonly number[];
  readonly marginalWidths: readonly number[];
}

const range = (from: number, to: number, step: number): number[] =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, index) => from + index * step);
const hundredths = (values: number[]): number[] => values.map((value) => Math.round(value) / 100);

export const DEFAULT_GRID: SearchGrid = {
  fraudCoarse: hundredths([...range(5, 30, 5), ...range(40, 90, 10)]),
  fraudFine: hundredths(range(1, 99, 1)),
  approvalFloorCoarse: range(500, 640, 2),
  creditFine: range(440, 680, 1),
  marginalWidths: range(1, 40, 1),
};

export function searchThresholds(
  base: LoadedPolicyPack,
  currentThresholds: PolicyThresholds,
  rows: readonly TuningRow[],
  spec: SearchSpec,
  grid: SearchGrid = DEFAULT_GRID,
  /** The data model's amount field, which offers price (null: none). */
  amountFact: string | null = LENDING_AMOUNT,
): SearchResult {
  const evaluated = new Map<string, Candidate>();
  const evaluate = (thresholds: PolicyThresholds): Candidate | null => {
    if (thresholdProblem(thresholds, base.pack) !== null) return null;
    const key = keyOf(thresholds);
    let candidate = evaluated.get(key);
    if (candidate === undefined) {
      candidate = { thresholds, metrics: decideRows(base, thresholds, rows, amountFact) };
      evaluated.set(key, candidate);
    }
    return candidate;
  };
  const current = evaluate(currentThresholds);
  if (current === null) {
    throw new FengkongError(
      ErrorCode.POLICY_INVALID,
      `${base.path}: the current thresholds are out of order: ${thresholdProblem(currentThresholds, base.pack)}`,
    );
  }
  const better = (a: Candidate, b: Candidate): boolean => compare(a, b, spec, currentThresholds) < 0;
  const bestOf = (candidates: ReadonlyArray<Candidate | null>, start: Candidate): Candidate =>
    candidates.reduce<Candidate>((best, candidate) => (candidate !== null && better(candidate, best) ? candidate : best), start);

  // 1. The grid.
  const width = currentThresholds.creditMarginal - currentThresholds.creditDecline;
  let best = current;
  for (const fraudReview of grid.fraudCoarse) {
    for (const floor of grid.approvalFloorCoarse) {
      const fraudDecline = Math.max(currentThresholds.fraudDecline, fraudReview);
      best = bestOf(
        [evaluate({ ...currentThresholds, fraudReview, fraudDecline, creditDecline: floor - width, creditMarginal: floor })],
        best,
      );
    }
  }

  // 2. Coordinate search.
  const coordinates: Array<(at: PolicyThresholds) => PolicyThresholds[]> = [
    (at) => grid.fraudFine.map((fraudReview) => ({ ...at, fraudReview })),
    (at) => grid.fraudFine.map((fraudDecline) => ({ ...at, fraudDecline })),
    (at) =>
      grid.creditFine.map((creditDecline) => ({
        ...at,
        creditDecline,
        creditMarginal: creditDecline + at.creditMarginal - at.creditDecline,
      })),
    (at) => grid.marginalWidths.map((marginalWidth) => ({ ...at, creditMarginal: at.creditDecline + marginalWidth })),
  ];
  if (spec.objective === 'profit') {
    currentThresholds.offerMinScores.forEach((_, band) => {
      coordinates.push((at) =>
        grid.creditFine.map((minScore) => ({
          ...at,
          offerMinScores: at.offerMinScores.map((score, index) => (index === band ? minScore : score)),
        })),
      );
    });
  }
  for (let pass = 0; pass < 20; pass += 1) {
    const before = best;
    for (const values of coordinates) best = bestOf(values(best.thresholds).map(evaluate), best);
    if (best === before) break;
  }

  const candidates = [...evaluated.values()];
  return {
    current,
    chosen: best,
    feasible: violation(best.metrics, spec.constraints, spec.confidence) === 0,
    frontier: frontierOf(candidates, spec, currentThresholds),
    fraudCaughtFrontier: frontierOf(candidates, spec, currentThresholds, 'fraudCaught'),
    evaluated: candidates.length,
  };
}

/** The policy's outcomes on the rows under these thresholds, by the engine's compiled policy evaluator. */
export function decideRows(
  base: LoadedPolicyPack,
  thresholds: PolicyThresholds,
  rows: readonly TuningRow[],
  amountFact: string | null = LENDING_AMOUNT,
): SliceMetrics {
  const pack = withThresholds(base.pack, thresholds, base.pack, base.path);
  const evaluate = createPolicyEvaluator({ ...base, pack }, 'compiled', {}, amountFact);
  const tally = new SliceTally();
  for (const row of rows) {
    const verdict = evaluate(row.facts);
    // The shipped operators compile to a synchronous evaluator; only custom operators run asynchronously.
    if (verdict instanceof Promise) {
      throw new FengkongError(
        ErrorCode.POLICY_INVALID,
        `${base.path}: the policy pack does not compile (a custom operator?): tune evaluates compiled packs only`,
      );
    }
    tally.add(row, verdict.outcome, lentAmount(verdict, row.amount));
  }
  return tally.metrics();
}

function compare(a: Candidate, b: Candidate, spec: SearchSpec, current: PolicyThresholds): number {
  const shortfallA = violation(a.metrics, spec.constraints, spec.confidence);
  const shortfallB = violation(b.metrics, spec.constraints, spec.confidence);
  if ((shortfallA === 0) !== (shortfallB === 0) || (shortfallA > 0 && shortfallA !== shortfallB)) return shortfallA - shortfallB;
  const value = (candidate: Candidate) => (spec.objective === 'approvals' ? candidate.metrics.approved : candidate.metrics.profit);
  if (value(a) !== value(b)) return value(b) - value(a);
  const distance = distanceFrom(current);
  return distance(a.thresholds) - distance(b.thresholds) || keyOf(a.thresholds).localeCompare(keyOf(b.thresholds));
}

/** How far thresholds are from the current ones: a hundredth of probability weighs as a point of score. */
function distanceFrom(current: PolicyThresholds) {
  return (thresholds: PolicyThresholds): number =>
    Math.abs(thresholds.fraudDecline - current.fraudDecline) * 100 +
    Math.abs(thresholds.fraudReview - current.fraudReview) * 100 +
    Math.abs(thresholds.creditDecline - current.creditDecline) +
    Math.abs(thresholds.creditMarginal - current.creditMarginal) +
    thresholds.offerMinScores.reduce((sum, score, index) => sum + Math.abs(score - current.offerMinScores[index]!), 0);
}

function keyOf(thresholds: PolicyThresholds): string {
  const { fraudDecline, fraudReview, creditDecline, creditMarginal, offerMinScores } = thresholds;
  return [fraudDecline.toFixed(4), fraudReview.toFixed(4), creditDecline, creditMarginal, ...offerMinScores].join('/');
}

/** The measure a frontier trades against the approval rate: a bad rate is better lower, fraud caught higher. */
export type FrontierMeasure = 'badRate' | 'fraudCaught';

/**
 * The frontier of approval rate against a measure: by falling approval rate, each candidate better on
 * the measure than every candidate approving more; of candidates alike on both, the best ranked.
 */
export function frontierOf(
  candidates: readonly Candidate[],
  spec: SearchSpec,
  current: PolicyThresholds,
  measure: FrontierMeasure = 'badRate',
): Candidate[] {
  // Lower is better once fraud caught is negated.
  const sign = measure === 'badRate' ? 1 : -1;
  const cost = (candidate: Candidate): number => sign * candidate.metrics[measure].rate!;
  const ranked = candidates
    .filter((candidate) => candidate.metrics[measure].rate !== null)
    .sort((a, b) => b.metrics.approved - a.metrics.approved || cost(a) - cost(b) || compare(a, b, { ...spec, constraints: {} }, current));
  const frontier: Candidate[] = [];
  for (const candidate of ranked) {
    const last = frontier.at(-1);
    if (last === undefined || cost(candidate) < cost(last)) frontier.push(candidate);
  }
  return frontier;
}
