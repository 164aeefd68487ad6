// The stated economics, by hand: revenue = amount × rate × term/12 × average balance, loss = amount ×
// LGD for a genuine default, the whole amount for a fraud, nothing for an unfunded row.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lentAmount, loanEconomics, parseEconomics, portfolioEconomics, readEconomicsFile } from '../../src/analysis/economics.js';

const loan = (outcome: 'approve' | 'review' | 'decline', isFraud: boolean, defaulted: boolean | null, amount = 10_000) => ({
  isFraud,
  defaulted,
  approvedAmount: amount,
  intRatePercent: 12 as number | null,
  termMonths: 36,
  decision: { outcome },
});

describe('economics', () => {
  const defaults = parseEconomics(undefined);

  it('has the stated defaults: average balance 0.5, LGD 0.6, fraud loses all, reviews unfunded', () => {
    expect(defaults).toEqual({ averageBalanceFactor: 0.5, lossGivenDefault: 0.6, fraudLoss: 1, reviewsFunded: false });
  });

  it('an approved genuine good earns 10,000 × 12% × 3 years × 0.5 = 1,800', () => {
    expect(loanEconomics(loan('approve', false, false), defaults)).toEqual({
      revenue: 1800,
      defaultLoss: 0,
      fraudLoss: 0,
      unpriced: false,
    });
    expect(loanEconomics({ ...loan('approve', false, false), termMonths: 60 }, defaults).revenue).toBeCloseTo(3000, 9);
  });

  it('an approved genuine default loses 10,000 × 0.6 and earns nothing; an approved fraud loses the amount, defaulted or not', () => {
    expect(loanEconomics(loan('approve', false, true), defaults)).toEqual({ revenue: 0, defaultLoss: 6000, fraudLoss: 0, unpriced: false });
    expect(loanEconomics(loan('approve', true, false, 5000), defaults)).toEqual({
      revenue: 0,
      defaultLoss: 0,
      fraudLoss: 5000,
      unpriced: false,
    });
    expect(loanEconomics(loan('approve', true, true, 5000), defaults)).toEqual({
      revenue: 0,
      defaultLoss: 0,
      fraudLoss: 5000,
      unpriced: false,
    });
  });

  it('declined and (by default) reviewed rows earn and lose nothing', () => {
    const none = { revenue: 0, defaultLoss: 0, fraudLoss: 0, unpriced: false };
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
      fundedUnpriced: 0,
    });
  });

  it('prices the amount lent: an approval lends its offer, a review or decline (no offer) the request', () => {
    expect(lentAmount({ outcome: 'approve', offer: { approvedAmount: 7000 } }, 10_000)).toBe(7000);
    expect(lentAmount({ outcome: 'approve' }, 10_000)).toBe(10_000);
    expect(lentAmount({ outcome: 'review' }, 10_000)).toBe(10_000);
    expect(lentAmount({ outcome: 'decline' }, 10_000)).toBe(10_000);
    // A counter-offer of 7,000 on a 10,000 request earns and loses on 7,000, not on the request.
    const counterOffer = {
      ...loan('approve', false, false),
      approvedAmount: lentAmount({ outcome: 'approve', offer: { approvedAmount: 7000 } }, 10_000),
    };
    expect(loanEconomics(counterOffer, defaults).revenue).toBeCloseTo(1260, 9);
    expect(loanEconomics({ ...counterOffer, defaulted: true }, defaults).defaultLoss).toBeCloseTo(4200, 9);
    expect(portfolioEconomics([counterOffer], defaults).fundedAmount).toBe(7000);
  });

  it('leaves a funded good loan without int_rate unpriced and counts it, instead of pricing it at 0%', () => {
    const noRate = { ...loan('approve', false, false), intRatePercent: null };
    expect(loanEconomics(noRate, defaults)).toEqual({ revenue: 0, defaultLoss: 0, fraudLoss: 0, unpriced: true });
    // Losses need no rate: a default or a fraud without int_rate is priced as usual.
    expect(loanEconomics({ ...noRate, defaulted: true }, defaults)).toMatchObject({ defaultLoss: 6000, unpriced: false });
    const summary = portfolioEconomics(
      [noRate, loan('approve', false, false), { ...noRate, decision: { outcome: 'decline' as const } }],
      defaults,
    );
    expect(summary).toMatchObject({ fundedLoans: 2, fundedUnpriced: 1, revenue: 1800 });
  });

  it('reads an economics file: a missing one is FK_FILE_READ naming it, bad JSON or fields FK_CONFIG_INVALID', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fk-economics-'));
    expect(() => readEconomicsFile(join(dir, 'nowhere.json'))).toThrow(
      expect.objectContaining({ code: 'FK_FILE_READ', message: expect.stringContaining('nowhere.json: cannot be read (ENOENT)') }),
    );
    writeFileSync(join(dir, 'broken.json'), '{ "lossGivenDefault": ');
    expect(() => readEconomicsFile(join(dir, 'broken.json'))).toThrow(
      expect.objectContaining({ code: 'FK_CONFIG_INVALID', message: expect.stringContaining('broken.json: not valid JSON') }),
    );
    writeFileSync(join(dir, 'good.json'), JSON.stringify({ lossGivenDefault: 0.4 }));
    expect(readEconomicsFile(join(dir, 'good.json'))).toEqual({ ...defaults, lossGivenDefault: 0.4 });
  });

  it('refuses an economics outside its ranges, naming the file and field', () => {
    expect(() => parseEconomics({ lossGivenDefault: 1.5 }, 'e.json')).toThrow(/e\.json: .*lossGivenDefault/);
    expect(() => parseEconomics({ lgd: 0.5 }, 'e.json')).toThrow(/e\.json/);
  });
});
