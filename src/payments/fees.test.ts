import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultFeePlan, feeFor, feeReturned, type FeePlan } from './fees.js';

describe('fees', () => {
  it('rounds the percentage half-up on minor units and adds the fixed part only in its currency', () => {
    const plan: FeePlan = {
      rules: [
        { method: 'card', brand: 'visa', percentBps: 250, fixedMinor: 30n, fixedCurrency: 'USD' },
        { method: '*', brand: '*', percentBps: 290, fixedMinor: 0n, fixedCurrency: null },
      ],
      refundFeePolicy: 'proportional',
    };
    expect(feeFor(plan, { method: 'card', brand: 'visa', amountMinor: 1_000n, currency: 'USD' })).toBe(55n); // 25 + 30
    expect(feeFor(plan, { method: 'card', brand: 'visa', amountMinor: 1_000n, currency: 'EUR' })).toBe(25n);
    expect(feeFor(plan, { method: 'card', brand: 'visa', amountMinor: 20n, currency: 'USD' })).toBe(20n); // capped at the amount
    expect(feeFor(plan, { method: 'card', brand: 'jcb', amountMinor: 50n, currency: 'JPY' })).toBe(1n); // 1.45 → 1
    expect(feeFor(plan, { method: 'card', brand: 'jcb', amountMinor: 1_000n, currency: 'KWD' })).toBe(29n);
    expect(feeFor(defaultFeePlan, { method: 'card', brand: 'jcb', amountMinor: 150n, currency: 'JPY' })).toBe(4n); // 4.35 → 4
    expect(feeFor(defaultFeePlan, { method: 'wallet', brand: null, amountMinor: 250n, currency: 'CNY' })).toBe(2n); // 1.5 → 2 (half-up)
  });

  it('property: refunds in any parts never return more than the fee, and exactly the whole fee once everything is refunded', () => {
    fc.assert(
      fc.property(
        fc.bigInt(1n, 10n ** 12n),
        fc.integer({ min: 0, max: 2_000 }),
        fc.array(fc.bigInt(1n, 10n ** 12n), { minLength: 1, maxLength: 8 }),
        (captured, bps, parts) => {
          const fee = feeFor(
            { rules: [{ method: '*', brand: '*', percentBps: bps, fixedMinor: 0n, fixedCurrency: null }], refundFeePolicy: 'proportional' },
            { method: 'card', brand: null, amountMinor: captured, currency: 'USD' },
          );
          let left = captured;
          let returned = 0n;
          const refundOf = (refund: bigint) => {
            const back = feeReturned('proportional', {
              feeMinor: fee,
              capturedMinor: captured,
              refundMinor: refund,
              refundedBeforeMinor: captured - left,
              alreadyReturnedMinor: returned,
            });
            expect(back >= 0n).toBe(true);
            returned += back;
            left -= refund;
            expect(returned <= fee).toBe(true);
          };
          for (const part of parts) if (left > 0n) refundOf(part > left ? left : part);
          if (left > 0n) refundOf(left);
          expect(returned).toBe(fee);
          expect(
            feeReturned('none', {
              feeMinor: fee,
              capturedMinor: captured,
              refundMinor: captured,
              refundedBeforeMinor: 0n,
              alreadyReturnedMinor: 0n,
            }),
          ).toBe(0n);
        },
      ),
    );
  });
});
