import { readFileSync } from 'node:fs';
import creditCardType from 'credit-card-type';
import { describe, expect, it } from 'vitest';
import { convertMinor, currencyByCode } from './fx.js';
import { luhnValid } from './luhn.js';
import { createNetworks, networkFor } from './networks.js';
import { issuerProfiles, sandboxBrands, testCardFor, testCards, type TestCardOutcome } from './test-cards.js';

const everyBrandOutcomes: readonly TestCardOutcome[] = [
  'approved',
  'do-not-honor',
  'insufficient-funds',
  'expired',
  'issuer-inoperative',
  'no-answer',
  '3ds-challenge',
];

describe('test-card table', () => {
  it('has every outcome for every brand, each number once', () => {
    for (const brand of sandboxBrands) {
      for (const outcome of everyBrandOutcomes) expect(testCardFor(brand, outcome).brand).toBe(brand);
    }
    expect(new Set(testCards.map((c) => c.pan)).size).toBe(testCards.length);
  });

  it('passes Luhn everywhere except the two UnionPay non-Luhn examples', () => {
    for (const card of testCards) {
      const nonLuhn = card.outcome === 'approved-non-luhn' || card.outcome === 'invalid-number';
      expect(luhnValid(card.pan), card.pan).toBe(!nonLuhn);
      if (nonLuhn) expect(card.brand).toBe('unionpay');
    }
  });

  it('agrees with braintree/credit-card-type on every brand, and with the sandbox networks', () => {
    const networks = createNetworks(() => new Date('2026-06-15T00:00:00Z'));
    for (const card of testCards) {
      expect(
        creditCardType(card.pan).map((t) => t.type),
        card.pan,
      ).toEqual([card.brand]);
      expect(networkFor(networks, card.pan)?.brand, card.pan).toBe(card.brand);
      expect(issuerProfiles[card.brand].panLengths, card.pan).toContain(card.pan.length);
    }
  });

  it('routes by the most specific IIN range and refuses other networks', () => {
    const networks = createNetworks(() => new Date());
    expect(networkFor(networks, '2221000000000009')?.brand).toBe('mastercard');
    expect(networkFor(networks, '3528000000000007')?.brand).toBe('jcb');
    expect(networkFor(networks, '8171000000000000')?.brand).toBe('unionpay');
    expect(networkFor(networks, '6011000995500000')).toBeUndefined(); // Discover: no sandbox network
    expect(networkFor(networks, '3600000000000008')).toBeUndefined(); // Diners
  });

  it('issues cards in the brand home country and currency, with the flagged 3-D Secure card', () => {
    expect(testCardFor('visa', 'approved')).toMatchObject({ country: 'US', currency: 'USD', creditLimitMinor: 100_000_000n });
    expect(testCardFor('unionpay', 'approved')).toMatchObject({ country: 'CN', currency: 'CNY' });
    expect(testCardFor('jcb', 'approved')).toMatchObject({ country: 'JP', currency: 'JPY', creditLimitMinor: 1_000_000n });
    expect(testCardFor('american-express', 'approved')).toMatchObject({ country: 'US', currency: 'USD' });
    expect(testCardFor('mastercard', 'approved')).toMatchObject({ country: 'GB', currency: 'GBP' });
    expect(
      testCards
        .filter((c) => c.threeDSecure === 'challenge')
        .map((c) => c.brand)
        .sort(),
    ).toEqual([...sandboxBrands].sort());
  });

  it('is documented, number for number, in docs/test-cards.md', () => {
    const doc = readFileSync(new URL('../../docs/test-cards.md', import.meta.url), 'utf8');
    for (const card of testCards) expect(doc, `${card.brand} ${card.outcome}`).toContain(card.pan);
  });
});

describe('sandbox FX', () => {
  it('converts exactly and rounds charges up, credits down', () => {
    const usd = currencyByCode('USD')!;
    const cny = currencyByCode('CNY')!;
    const jpy = currencyByCode('JPY')!;
    const kwd = currencyByCode('KWD')!;
    expect(convertMinor(10_000n, cny, usd, 'up')).toBe(1_400n); // CNY 100.00 = USD 14.00
    expect(convertMinor(1n, cny, usd, 'up')).toBe(1n); // 0.14 cent
    expect(convertMinor(1n, cny, usd, 'down')).toBe(0n);
    expect(convertMinor(1_000n, jpy, usd, 'up')).toBe(670n); // JPY 1,000 = USD 6.70
    expect(convertMinor(1_000n, kwd, usd, 'up')).toBe(325n); // KWD 1.000 = USD 3.25
    expect(convertMinor(123n, usd, usd, 'up')).toBe(123n);
  });
});
