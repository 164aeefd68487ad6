// One replayed application with its labels and its decision: what backtests, tuning and economics read.
import type { Decision } from '../schema/decision.js';

export interface LabelledOutcome {
  /** 1-based data line in the file (header and blank lines excluded), as score/explain count rows. */
  line: number;
  /** The decision's applicationId: the id field, or `h:` and the input hash for a data model without one. */
  applicationId: string;
  /** The time field's value as written; '' for a data model without one. */
  appliedAt: string;
  /** The time in ms since the epoch; 0 without a time field (rows then keep the file's order). */
  appliedAtMs: number;
  /** The fraud label is the data model's fraud value; false everywhere when it declares no fraud outcome. */
  isFraud: boolean;
  /** The fraud kind's label (fraud_scenario); '' in the file → null. */
  fraudScenario: string | null;
  /** The credit label is the bad value (default = 1); null when missing; false everywhere when no credit outcome is declared (bad then means fraud). */
  defaulted: boolean | null;
  /** The data model's amount field (funded_amnt): the amount requested; null when the row or the data model has none (no economics then). */
  amount: number | null;
  /**
   * The amount the decision lends (economics.ts lentAmount): an approval's offer.approvedAmount (a
   * counter-offer lends less than was asked; the request when the approval carries no offer, as without
   * a credit model); for a review or a decline, which make no offer, the amount requested — what a review
   * would lend if funded (`reviewsFunded`); a decline is never funded, so its amount is never priced.
   */
  approvedAmount: number;
  /** The declared rate in percent (int_rate: 15.77 is 15.77% a year); null when missing or undeclared (economics then leaves the loan's revenue unpriced, counted). */
  intRatePercent: number | null;
  /** The declared term in months (36 or 60, from term_36 / term_60); null when missing or undeclared (revenue unpriced, counted). */
  termMonths: number | null;
  decision: Decision;
}
