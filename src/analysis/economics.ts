// A simple, stated economics for the backtest: what an approved loan earns or loses given its label.
// Deliberately plain (no funding cost, no prepayment, no recoveries timing): a yardstick to compare two
// policies on the same history, not a profit forecast.
import { z } from 'zod';
import { ErrorCode, FengkongError } from '../errors.js';
import { describeIssues } from '../schema/issues.js';
import { parseJsonFile, readFileBytes } from '../schema/jsonFile.js';
import type { Decision } from '../schema/decision.js';
import type { LabelledOutcome } from './labelledOutcome.js';

export const Economics = z.strictObject({
  /**
   * The average balance outstanding over the term as a share of the amount: an amortising loan's
   * balance falls from the amount to zero, about half on average.
   */
  averageBalanceFactor: z.number().min(0).max(1).default(0.5),
  /** Share of the amount lost when a genuine loan defaults. */
  lossGivenDefault: z.number().min(0).max(1).default(0.6),
  /** Share of the amount lost when a fraud is funded (the whole amount by default: nobody repays). */
  fraudLoss: z.number().min(0).max(1).default(1),
  /** Whether applications sent to review count as funded (default: no, they earn and lose nothing). */
  reviewsFunded: z.boolean().default(false),
});
export type Economics = z.infer<typeof Economics>;
export type EconomicsInput = z.input<typeof Economics>;

export const EconomicsSummary = z.strictObject({
  fundedLoans: z.number().int().nonnegative(),
  fundedAmount: z.number().nonnegative(),
  /** Interest earned on the funded genuine loans that did not default. */
  revenue: z.number().nonnegative(),
  /** Funded genuine defaults × loss given default. */
  defaultLoss: z.number().nonnegative(),
  /** Funded frauds × fraud loss. */
  fraudLoss: z.number().nonnegative(),
  /** defaultLoss + fraudLoss. */
  loss: z.number().nonnegative(),
  /** revenue − loss. */
  net: z.number(),
  /** Funded genuine rows without a default label: neither revenue nor loss is counted for them. */
  fundedUnlabelled: z.number().int().nonnegative(),
  /** Funded genuine goods without a rate or a term (int_rate, term): their revenue cannot be priced, so none is counted. */
  fundedUnpriced: z.number().int().nonnegative(),
});
export type EconomicsSummary = z.infer<typeof EconomicsSummary>;

export function parseEconomics(input: unknown, where = 'economics'): Economics {
  const parsed = Economics.safeParse(input ?? {});
  if (!parsed.success)
    throw new FengkongError(ErrorCode.CONFIG_INVALID, `${where}: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  return parsed.data;
}

/** A missing or unreadable file is FK_FILE_READ naming it; bad JSON or settings FK_CONFIG_INVALID. */
export function readEconomicsFile(path: string): Economics {
  return parseJsonFile(path, readFileBytes(path), Economics, ErrorCode.CONFIG_INVALID);
}

/**
 * The amount a decision lends, the one amount every command prices: an approval's offer.approvedAmount
 * (a counter-offer lends the band's maximum, less than was asked), or the request when the approval
 * carries no offer (no credit model); a review or a decline makes no offer, so the request — what a
 * review would lend were reviews funded; a decline is never funded, so its amount is never priced.
 */
export function lentAmount(
  decision: { outcome: Decision['outcome']; offer?: { approvedAmount: number } | undefined },
  requested: number,
): number {
  return decision.outcome === 'approve' ? (decision.offer?.approvedAmount ?? requested) : requested;
}

/** What pricing a row reads: its labels, the amount lent (lentAmount), the rate and term, and the outcome. */
export type EconomicsRow = Pick<LabelledOutcome, 'isFraud' | 'defaulted' | 'approvedAmount' | 'intRatePercent' | 'termMonths'> & {
  decision: { outcome: LabelledOutcome['decision']['outcome'] };
};

export function isFunded(row: EconomicsRow, economics: Economics): boolean {
  return row.decision.outcome === 'approve' || (economics.reviewsFunded && row.decision.outcome === 'review');
}

export interface LoanEconomics {
  revenue: number;
  defaultLoss: number;
  fraudLoss: number;
  /** A funded genuine good without a rate or a term: it would earn, but nothing prices it, so revenue is 0. */
  unpriced: boolean;
}

/**
 * Prices one row (backtest and tune alike), on the amount lent (row.approvedAmount): a funded genuine
 * good earns amount × rate × term/12 × average balance; a funded genuine default loses amount × LGD
 * (and earns nothing); a funded fraud loses amount × fraudLoss; an unfunded row earns and loses nothing.
 * A funded genuine good without a rate or a term earns nothing here and is marked `unpriced` (counted,
 * never priced at 0% silently).
 */
export function loanEconomics(row: EconomicsRow, economics: Economics): LoanEconomics {
  const none = { revenue: 0, defaultLoss: 0, fraudLoss: 0, unpriced: false };
  if (!isFunded(row, economics)) return none;
  const amount = row.approvedAmount;
  if (row.isFraud) return { ...none, fraudLoss: amount * economics.fraudLoss };
  if (row.defaulted === true) return { ...none, defaultLoss: amount * economics.lossGivenDefault };
  if (row.defaulted === false) {
    if (row.intRatePercent === null || row.termMonths === null) return { ...none, unpriced: true };
    return { ...none, revenue: amount * (row.intRatePercent / 100) * (row.termMonths / 12) * economics.averageBalanceFactor };
  }
  return none;
}

export function portfolioEconomics(rows: readonly EconomicsRow[], economics: Economics): EconomicsSummary {
  const summary = {
    fundedLoans: 0,
    fundedAmount: 0,
    revenue: 0,
    defaultLoss: 0,
    fraudLoss: 0,
    loss: 0,
    net: 0,
    fundedUnlabelled: 0,
    fundedUnpriced: 0,
  };
  for (const row of rows) {
    if (!isFunded(row, economics)) continue;
    summary.fundedLoans += 1;
    summary.fundedAmount += row.approvedAmount;
    if (!row.isFraud && row.defaulted === null) summary.fundedUnlabelled += 1;
    const loan = loanEconomics(row, economics);
    if (loan.unpriced) summary.fundedUnpriced += 1;
    summary.revenue += loan.revenue;
    summary.defaultLoss += loan.defaultLoss;
    summary.fraudLoss += loan.fraudLoss;
  }
  summary.loss = summary.defaultLoss + summary.fraudLoss;
  summary.net = summary.revenue - summary.loss;
  return summary;
}
