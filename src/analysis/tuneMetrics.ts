// What a policy's outcomes on a slice of labelled applications come to: approval rate, bad rate among
// the approved, share of fraud caught (each a count of a total with its 95% Wilson interval), expected
// profit; and whether they meet tune's constraints.
//   bad: an approved application that is fraud or defaulted (its `default` label is 1); approved rows
//        with no default label and no fraud are left out of the bad rate;
//   caught: a fraud application declined or sent to review (anything but an approval);
//   profit: the backtest's economics (economics.ts, its defaults: a genuine good earns amount ×
//        int_rate/100 × term/12 × 0.5, a genuine default loses amount × 0.6, a fraud the amount; reviews
//        are not funded), on the amount approved: a counter-offer lends the band's maximum, not the
//        request, which is how the offer bands' minScores move profit.
// On the tuning slice a constraint can be asked to hold with a stated confidence: the one-sided Wilson
// bound of the rate (the bad rate's upper bound, fraud caught's lower bound) must meet it, not the rate
// itself. The search picks, among hundreds of candidates, the one whose rate sits right at the cap on
// some 1,500 approvals (a standard error of about half a point), so a point estimate at the cap is as
// likely as not to miss it on the next slice.
import type { Outcome } from '../schema/decision.js';
import { type Economics, loanEconomics, parseEconomics } from './economics.js';
import { standardNormalQuantile } from '../metrics/auc.js';
import { percent } from './format.js';
import { type Rate, wilsonRate } from './interval.js';
import { badLabel } from './replay.js';

/** The labels and economics of one application. */
export interface LabelledApplication {
  readonly isFraud: boolean;
  readonly defaulted: boolean | null;
  /** null when the file leaves int_rate empty: such a good loan earns nothing here (economics.ts). */
  readonly intRatePercent: number | null;
  readonly termMonths: number | null;
}

export interface SliceMetrics {
  readonly rows: number;
  readonly approved: number;
  /** Approved of all rows, with its 95% Wilson interval. */
  readonly approvalRate: Rate;
  /** Bad (fraud or default) of the approved rows with a known outcome; rate null when none is labelled. */
  readonly badRate: Rate;
  /** Fraud rows declined or reviewed, of all fraud rows; rate null without fraud rows. */
  readonly fraudCaught: Rate;
  readonly profit: number;
}

export interface Constraints {
  readonly maxBadRate?: number | undefined;
  readonly minFraudCaught?: number | undefined;
}

/** One-sided confidence with which a constraint must hold (0: on the rate itself). */
export type Confidence = number;

const DEFAULT_ECONOMICS: Economics = parseEconomics({});

/** What the application earns (or loses, negative) if approved for approvedAmount: the backtest's pricing. */
export function profitOf(application: LabelledApplication, approvedAmount: number, economics: Economics = DEFAULT_ECONOMICS): number {
  const loan = loanEconomics({ ...application, approvedAmount, decision: { outcome: 'approve' } }, economics);
  return loan.revenue - loan.defaultLoss - loan.fraudLoss;
}

// The search tallies each row thousands of times; its profit is linear in the amount, so a row's
// profit per unit lent is computed once.
const profitPerUnit = new WeakMap<LabelledApplication, number>();
function unitProfitOf(application: LabelledApplication): number {
  let unit = profitPerUnit.get(application);
  if (unit === undefined) {
    unit = profitOf(application, 1);
    profitPerUnit.set(application, unit);
  }
  return unit;
}

/** Accumulates one slice's outcomes, one application at a time (the search's inner loop: no allocation). */
export class SliceTally {
  private rows = 0;
  private approved = 0;
  private approvedKnown = 0;
  private approvedBad = 0;
  private fraudRows = 0;
  private fraudCaught = 0;
  private profit = 0;

  add(application: LabelledApplication, outcome: Outcome, approvedAmount: number): void {
    this.rows += 1;
    if (application.isFraud) {
      this.fraudRows += 1;
      if (outcome !== 'approve') this.fraudCaught += 1;
    }
    if (outcome !== 'approve') return;
    this.approved += 1;
    const bad = badLabel(application);
    if (bad !== null) this.approvedKnown += 1;
    if (bad === true) this.approvedBad += 1;
    this.profit += unitProfitOf(application) * approvedAmount;
  }

  metrics(): SliceMetrics {
    return {
      rows: this.rows,
      approved: this.approved,
      approvalRate: wilsonRate(this.approved, this.rows),
      badRate: wilsonRate(this.approvedBad, this.approvedKnown),
      fraudCaught: wilsonRate(this.fraudCaught, this.fraudRows),
      profit: Math.round(this.profit * 100) / 100,
    };
  }
}

/**
 * How far the metrics are from the constraints: 0 when they are met, else the sum of the shortfalls
 * (in rate units), each rate taken at its one-sided bound of the given confidence (0: the rate).
 * No approved row meets a bad-rate cap; no fraud row meets a fraud-caught floor.
 */
export function violation(metrics: SliceMetrics, constraints: Constraints, confidence: Confidence = 0): number {
  const z = confidence === 0 ? 0 : standardNormalQuantile(confidence);
  let total = 0;
  const { badRate, fraudCaught } = metrics;
  if (constraints.maxBadRate !== undefined && badRate.rate !== null) {
    const bound = z === 0 ? badRate.rate : wilsonRate(badRate.count, badRate.total, z).upper!;
    total += Math.max(0, bound - constraints.maxBadRate);
  }
  if (constraints.minFraudCaught !== undefined && fraudCaught.rate !== null) {
    const bound = z === 0 ? fraudCaught.rate : wilsonRate(fraudCaught.count, fraudCaught.total, z).lower!;
    total += Math.max(0, constraints.minFraudCaught - bound);
  }
  // Rates computed from counts land a rounding error away from a cap they equal.
  return total <= 1e-12 ? 0 : total;
}

export function meets(metrics: SliceMetrics, constraints: Constraints, confidence: Confidence = 0): boolean {
  return violation(metrics, constraints, confidence) === 0;
}

export function describeConstraints(constraints: Constraints): string {
  const parts = [
    ...(constraints.maxBadRate === undefined ? [] : [`bad rate among approved ≤ ${percent(constraints.maxBadRate, 2)}`]),
    ...(constraints.minFraudCaught === undefined ? [] : [`fraud caught ≥ ${percent(constraints.minFraudCaught, 2)}`]),
  ];
  return parts.length === 0 ? 'no constraint' : parts.join(' and ');
}
