import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalOf, exponentOf, formatDateTime, formatMoney, formatRate, parseMoney } from '../../src/web/client/format.js';
import { findCurrency } from '../../src/money/index.js';

/** The pages' formatting (src/web/client/format.ts) runs in Node too: Intl, no table of exponents. */
describe('the pages format money and dates with Intl', () => {
  it('uses the currency exponents of the API (Intl agrees with src/money for the currencies Hutong takes)', () => {
    for (const c of ['USD', 'CNY', 'EUR', 'HKD', 'JPY', 'KRW', 'KWD', 'BHD', 'GBP', 'SGD'])
      expect(exponentOf(c), c).toBe(findCurrency(c)?.exponent);
  });
  it('shows thousands separators and the locale currency form', () => {
    expect(formatMoney(123_456_789, 'USD', 'en')).toBe('$1,234,567.89');
    expect(formatMoney(123_456_789, 'USD', 'zh')).toBe('US$1,234,567.89');
    expect(formatMoney(100_000, 'CNY', 'zh')).toBe('¥1,000.00');
    expect(formatMoney(-5_000, 'CNY', 'en')).toBe('-CN¥50.00');
    expect(formatMoney(1_234, 'JPY', 'en')).toBe('¥1,234');
    expect(formatMoney(1_234_567, 'KWD', 'en')).toMatch(/^KWD\s1,234\.567$/);
  });
  it('parses what it formats, exactly (no floats)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_007_199_254_740 }), fc.constantFrom('USD', 'JPY', 'KWD', 'CNY'), (minor, c) => {
        expect(parseMoney(decimalOf(minor, c), c)).toBe(minor);
      }),
    );
    expect(parseMoney('12.345', 'USD')).toBeNull();
    expect(parseMoney('1,234.50', 'USD')).toBe(123_450);
    expect(parseMoney('abc', 'USD')).toBeNull();
  });
  it('shows dates in the given zone with the zone named, and rates to six significant digits', () => {
    expect(formatDateTime('2026-12-03T15:20:00Z', 'en', 'UTC')).toBe('Dec 3, 2026, 15:20 UTC');
    expect(formatDateTime('2026-12-03T15:20:00Z', 'zh', 'Asia/Shanghai')).toMatch(/2026年12月3日.*23:20/);
    expect(formatRate('7.1988479262', 'en')).toBe('7.19885');
  });
});
