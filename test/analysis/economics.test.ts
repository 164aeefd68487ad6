// The stated economics, by hand: revenue = amount × rate × term/12 × average balance, loss = amount ×
// LGD for a genuine default, the whole amount for a fraud, nothing for an unfunded row.
import { describe, expect, it } from 'vitest';
import { loanEconomics, parseEconomics, portfolioEconomics } from '../../src/analysis/economics.js';

const loan = (outcome: 'approve' | 'review' | 'decline', isFraud: boolean, defaulted: boolean | null, amount = 10_000) => ({
  isFraud,
  defaulted,
  amount,
  intRatePercent: 12,
  termMonths: 36,
  decision: { outcome },
});

describe('economics', () => {
  const defaults = parseEconomics(undefined);

  it('has the stated defaults: average balance 0.5, LGD 0.6, fraud loses all, reviews unfunded', () => {
    expect(defaults).toEqual({ averageBalanceFactor: 0.5, lossGivenDefault: 0.6, fraudLoss: 1, reviewsFunded: false });
  });

  it('an approved genuine good earns 10,000 × 12% × 3 years × 0.5 = 1,800', () => {
    expect(loanEconomics(loan('approve', false, false), defaults)).toEqual({ revenue: 1800, defaultLoss: 0, fraudLoss: 0 });
    expect(loanEconomics({ ...loan('approve', false, false), termMonths: 60 }, defaults).revenue).toBeCloseTo(3000, 9);
  });

  it('an approved genuine default loses 10,000 × 0.6 and earns nothing; an approved fraud loses the amount, defaulted or not', () => {
    expect(loanEconomics(loan('approve', false, true), defaults)).toEqual({ revenue: 0, defaultLoss: 6000, fraudLoss: 0 });
    expect(loanEconomics(loan('approve', true, false, 5000), defaults)).toEqual({ revenue: 0, defaultLoss: 0, fraudLoss: 5000 });
    expect(loanEconomics(loan('approve', true, true, 5000), defaults)).toEqual({ revenue: 0, defaultLoss: 0, fraudLoss: 5000 });
  });

  it('declined and (by default) reviewed rows earn and lose nothing', () => {
    const none = { revenue: 0, defaultLoss: 0, fraudLoss: 0 };
    expect(loanEconomics(loan('decline', true, true), defaults)).toEqual(none);
    expect(loanEconomics(loan('review', false, true), defaults)).toEqual(none);
    expect(loanEconomics(loan('review', false, true), { ...defaults, reviewsFunded: true }).defaultLoss).toBe(6000);
  });

  it('sums a portfolio: revenue − (default loss + fraud loss)', () => {
    const rows = [
      loan('approve', false, false),
      loan('approve', false, false, 20_000),
      loan('approve', false, true),
      loan('approve', true, false, 5000),
      loan('decline', false, true),
      loan('approve', false, null),
    ];
    expect(portfolioEconomics(rows, parseEconomics({ lossGivenDefault: 0.5 }))).toEqual({
      fundedLoans: 5,
      fundedAmount: 55_000,
      revenue: 1800 + 3600,
      defaultLoss: 5000,
      fraudLoss: 5000,
      loss: 10_000,
      net: 5400 - 10_000,
      fundedUnlabelled: 1,
    });
  });

  it('refuses an economics outside its ranges, naming the file and field', () => {
    expect(() => parseEconomics({ lossGivenDefault: 1.5 }, 'e.json')).toThrow(/e\.json: .*lossGivenDefault/);
    expect(() => parseEconomics({ lgd: 0.5 }, 'e.json')).toThrow(/e\.json/);
  });
});
