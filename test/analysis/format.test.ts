// One spelling of shares and money across the analysis reports.
import { describe, expect, it } from 'vitest';
import { count, money, percent, rate } from '../../src/analysis/format.js';
import { wilsonRate } from '../../src/analysis/interval.js';

describe('format', () => {
  it('percent: one decimal, more below 1% so a rare share does not read 0.0%; fixed digits when asked; n/a for null', () => {
    expect(percent(0.7834)).toBe('78.3%');
    expect(percent(0)).toBe('0.0%');
    expect(percent(0.0042)).toBe('0.42%');
    expect(percent(0.00021)).toBe('0.021%');
    expect(percent(0.123456, 2)).toBe('12.35%');
    expect(percent(0.2, 0)).toBe('20%');
    expect(percent(null)).toBe('n/a');
  });

  it('rate: the rate, its 95% interval and its counts', () => {
    expect(rate(wilsonRate(7721, 9857))).toBe('78.3% (77.5%–79.1%), 7,721 of 9,857');
    expect(rate(wilsonRate(0, 0))).toBe('n/a (0 of 0)');
  });

  it('money and count: rounded, with thousands separators, never -0', () => {
    expect(money(19_170_425.4)).toBe('19,170,425');
    expect(money(-1234.6)).toBe('-1,235');
    expect(money(-0.2)).toBe('0');
    expect(count(9857)).toBe('9,857');
  });
});
