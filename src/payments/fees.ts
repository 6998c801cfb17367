import { fail, type Failure } from '../core/index.js';
import { divideRounded } from '../money/index.js';
import { PaymentError } from './errors.js';

/**
 * A merchant's fee plan: rules by method and brand ('*' matches any), a percentage in basis
 * points plus a fixed fee in one named currency. The first matching rule wins.
 *
 * Rounding: the percentage part is rounded half-up on minor units (0.5 of a fen goes to Hutong),
 * and a fee never exceeds the amount.
 *
 * Refunds: with `proportional` (the default), a refund returns the same share of the fee as its
 * share of the captured amount (rounded half-up, never more than what is left of the fee); with
 * `none` the fee is kept. Documented in docs/payments.md.
 */
export interface FeeRule {
  readonly method: 'card' | 'wallet' | '*';
  readonly brand: string;
  readonly percentBps: number;
  readonly fixedMinor: bigint;
  /** The currency the fixed part is in; payments in other currencies pay the percentage only. */
  readonly fixedCurrency: string | null;
}

export type RefundFeePolicy = 'proportional' | 'none';

export interface FeePlan {
  readonly rules: readonly FeeRule[];
  readonly refundFeePolicy: RefundFeePolicy;
}

export const basisPointsPerUnit = 10_000n;
export const percentBpsMax = 2_000; // 20 %: anything above is a typo, not a price

/** Hutong's published default: 2.9 % for cards, 0.6 % for wallets, no fixed part. */
export const defaultFeePlan: FeePlan = {
  rules: [
    { method: 'card', brand: '*', percentBps: 290, fixedMinor: 0n, fixedCurrency: null },
    { method: 'wallet', brand: '*', percentBps: 60, fixedMinor: 0n, fixedCurrency: null },
  ],
  refundFeePolicy: 'proportional',
};

export function validateFeePlan(plan: FeePlan): Failure<PaymentError> | undefined {
  for (const rule of plan.rules) {
    if (!Number.isInteger(rule.percentBps) || rule.percentBps < 0 || rule.percentBps > percentBpsMax) {
      return fail(PaymentError.FeePlanInvalid, `percent_bps must be an integer from 0 to ${percentBpsMax}`);
    }
    if (rule.fixedMinor < 0n || (rule.fixedMinor > 0n && rule.fixedCurrency === null)) {
      return fail(PaymentError.FeePlanInvalid, 'a fixed fee needs a non-negative amount and its currency');
    }
  }
  return undefined;
}

export function feeFor(
  plan: FeePlan,
  payment: { method: 'card' | 'wallet'; brand: string | null; amountMinor: bigint; currency: string },
): bigint {
  const rule = plan.rules.find((r) => (r.method === '*' || r.method === payment.method) && (r.brand === '*' || r.brand === payment.brand));
  if (rule === undefined) return 0n;
  const percent = divideRounded(payment.amountMinor * BigInt(rule.percentBps), basisPointsPerUnit, 'half_up');
  const fixed = rule.fixedCurrency === payment.currency ? rule.fixedMinor : 0n;
  const fee = percent + fixed;
  return fee > payment.amountMinor ? payment.amountMinor : fee;
}

/**
 * The part of the fee a refund gives back to the merchant. The refund that completes the captured
 * amount returns whatever is left of the fee, so rounding in earlier parts never keeps a remainder.
 */
export function feeReturned(
  policy: RefundFeePolicy,
  fee: { feeMinor: bigint; capturedMinor: bigint; refundMinor: bigint; refundedBeforeMinor: bigint; alreadyReturnedMinor: bigint },
): bigint {
  if (policy === 'none' || fee.capturedMinor === 0n) return 0n;
  const left = fee.feeMinor - fee.alreadyReturnedMinor;
  if (fee.refundedBeforeMinor + fee.refundMinor >= fee.capturedMinor) return left;
  const share = divideRounded(fee.feeMinor * fee.refundMinor, fee.capturedMinor, 'half_up');
  return share > left ? left : share;
}
