import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cnyShareOf } from './refund.js';

describe('the CNY share of a refund', () => {
  it('a CNY payment: the share is the refund itself', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 12n }), (captured, r) => {
        const refund = r % (captured + 1n);
        expect(cnyShareOf(captured, captured, refund)).toBe(refund);
      }),
    );
  });

  it('any split of a payment into refunds: shares never fall short, what is left never exceeds the true remainder, a full refund leaves nothing', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 10n }), { minLength: 1, maxLength: 12 }),
        (captured, cnyTotal, parts) => {
          let refunded = 0n;
          let shares = 0n;
          for (const part of parts) {
            const refund = part % (captured - refunded + 1n);
            refunded += refund;
            const share = cnyShareOf(cnyTotal, captured, refund);
            expect(share).toBeGreaterThanOrEqual(0n);
            expect(share).toBeLessThanOrEqual(cnyTotal);
            shares += share;
            const left = cnyTotal - shares < 0n ? 0n : cnyTotal - shares;
            // Customs is never told more than the exact remainder (ceiling of each share).
            expect(left * captured).toBeLessThanOrEqual(cnyTotal * (captured - refunded));
          }
          expect(cnyShareOf(cnyTotal, captured, captured)).toBe(cnyTotal);
        },
      ),
      { numRuns: 300 },
    );
  });
});
