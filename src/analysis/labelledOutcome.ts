// One replayed application with its labels and its decision: what backtests, tuning and economics read.
import type { Decision } from '../schema/decision.js';

export interface LabelledOutcome {
  /** 1-based data line in the file (header and blank lines excluded), as score/explain count rows. */
  line: number;
  applicationId: string;
  appliedAt: string;
  appliedAtMs: number;
  isFraud: boolean;
  /** '' in the file → null. */
  fraudScenario: string | null;
  /** The `default` label; null when missing. */
  defaulted: boolean | null;
  /** funded_amnt: the amount requested. */
  amount: number;
  /**
   * The amount the decision lends (economics.ts lentAmount): an approval's offer.approvedAmount (a
   * counter-offer lends less than was asked; the request when the approval carries no offer, as without
   * a credit model); for a review or a decline, which make no offer, the amount requested — what a review
   * would lend if funded (`reviewsFunded`); a decline is never funded, so its amount is never priced.
   */
  approvedAmount: number;
  /** int_rate in percent (15.77 is 15.77% a year); null when the file leaves it empty (economics then leaves the loan's revenue unpriced, counted). */
  intRatePercent: number | null;
  /** 36 or 60, from term_36 / term_60. */
  termMonths: number;
  decision: Decision;
}
