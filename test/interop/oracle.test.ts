import fc from 'fast-check';
import { createStaticPix, hasError, parsePix } from 'pix-utils';
import { expect, it } from 'vitest';
import { parseMpm } from '../../src/interop/emv-mpm.js';
import { buildMpm, describeMpm } from '../../src/interop/mpm-code.js';

/**
 * pix-utils, a maintained EMV MPM parser (Brazil's PIX), as a test oracle (domain.md §5): codes
 * Hutong builds parse there with the same fields, codes it builds parse here without a violation,
 * and a changed character is refused by both.
 */
const letters = fc
  .string({ minLength: 1, maxLength: 15, unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ ') })
  .filter((s) => s.trim() === s);
const pixInput = fc.record({
  name: letters,
  city: letters,
  key: fc.string({ minLength: 5, maxLength: 30, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789@.') }),
  cents: fc.integer({ min: 1, max: 99_999_999 }),
});

const decimal = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

it("Hutong's builder writes codes pix-utils reads with the same fields; a changed character fails both", () => {
  fc.assert(
    fc.property(pixInput, fc.nat(), (p, at) => {
      const payload = buildMpm({
        dynamic: false,
        accounts: [{ id: '26', guid: 'br.gov.bcb.pix', sub: { '01': p.key } }],
        mcc: '0000',
        currencyNumeric: '986',
        amountDecimal: decimal(p.cents),
        country: 'BR',
        merchantName: p.name,
        city: p.city,
        additionalData: { referenceLabel: '***' },
      });
      const theirs = parsePix(payload);
      expect(hasError(theirs), JSON.stringify(theirs)).toBe(false);
      if (hasError(theirs)) return;
      expect(theirs).toMatchObject({ merchantName: p.name, merchantCity: p.city, pixKey: p.key, transactionAmount: p.cents / 100 });
      const chars = [...payload];
      const index = at % (chars.length - 8);
      chars[index] = chars[index] === 'Q' ? 'R' : 'Q';
      const changed = chars.join('');
      expect(parseMpm(changed).violations.length).toBeGreaterThan(0);
      expect(hasError(parsePix(changed))).toBe(true);
    }),
    { numRuns: 200 },
  );
});

it("pix-utils' builder writes codes Hutong reads with no violation and the same fields", () => {
  fc.assert(
    fc.property(pixInput, (p) => {
      const built = createStaticPix({
        merchantName: p.name,
        merchantCity: p.city,
        pixKey: p.key,
        infoAdicional: '',
        transactionAmount: p.cents / 100,
      });
      expect(hasError(built)).toBe(false);
      if (hasError(built)) return;
      const { fields, violations } = parseMpm(built.toBRCode());
      expect(violations).toEqual([]);
      const code = describeMpm(fields);
      expect(code.merchantAccounts[0]).toMatchObject({ guid: 'br.gov.bcb.pix', subFields: { '01': p.key } });
      expect(code.merchantName?.toUpperCase()).toBe(p.name.toUpperCase());
      expect(code.amountDecimal).toBe(decimal(p.cents));
    }),
    { numRuns: 200 },
  );
});
