// Explicit rounding of exact rationals, and currency conversion built on it.
// Every division of money goes through divideRounded so that the rounding
// mode is always a visible argument, never an accident of integer division.
import assert from 'node:assert/strict';
import { amount, moneyFailure, MoneyError, type Amount, type MoneyFailure } from './amount.js';
import { findCurrency } from './currency.js';

export type RoundingMode =
  | 'half_up' // ties away from zero: the usual commercial rounding
  | 'half_even' // ties to the even neighbour (banker's): only where a spec asks
  | 'half_down' // ties toward zero
  | 'down' // toward zero (truncate)
  | 'up' // away from zero
  | 'floor' // toward negative infinity
  | 'ceiling'; // toward positive infinity

/** Rounds a nonzero remainder whose tie status is `half` (-1 below, 0 tie, 1 above). */
function roundInexact(quotient: bigint, sign: bigint, half: number, mode: RoundingMode): bigint {
  const away = quotient + sign;
  switch (mode) {
    case 'down':
      return quotient;
    case 'up':
      return away;
    case 'floor':
      return sign < 0n ? away : quotient;
    case 'ceiling':
      return sign > 0n ? away : quotient;
    case 'half_up':
      return half >= 0 ? away : quotient;
    case 'half_down':
      return half > 0 ? away : quotient;
    case 'half_even':
      if (half !== 0) return half > 0 ? away : quotient;
      return quotient % 2n === 0n ? quotient : away;
    default: {
      const unknown: never = mode;
      return assert.fail(`unknown rounding mode ${String(unknown)}`);
    }
  }
}

/** numerator / denominator rounded to an integer by `mode`, exactly, for any signs. */
export function divideRounded(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  assert.ok(denominator !== 0n, 'division by zero');
  // Make the denominator positive so the sign of the result is the sign of n.
  const n = denominator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = n / d; // BigInt division truncates toward zero
  const remainder = n % d; // same sign as n
  if (remainder === 0n) return quotient;
  const twiceRemainder = 2n * (remainder < 0n ? -remainder : remainder);
  const half = twiceRemainder < d ? -1 : twiceRemainder > d ? 1 : 0;
  return roundInexact(quotient, n < 0n ? -1n : 1n, half, mode);
}

/** round(minor * ratioNumerator / ratioDenominator), e.g. a fee of 29/1000. */
export function multiplyRatio(minor: bigint, ratioNumerator: bigint, ratioDenominator: bigint, mode: RoundingMode): bigint {
  return divideRounded(minor * ratioNumerator, ratioDenominator, mode);
}

/** An exact decimal rate: scaled / 10^scale. "7.1234" -> { scaled: 71234n, scale: 4 }. */
export interface DecimalRate {
  readonly scaled: bigint;
  readonly scale: number;
}

/** Twelve fraction digits is finer than any published FX rate. */
const rateFractionDigitsMax = 12;
/** Bounds the integer part so BigInt input stays small; no real rate needs more. */
const rateIntegerDigitsMax = 15;

const ratePattern = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;

/** Parses a positive decimal rate (same grammar as parseDecimal, no sign). */
export function parseRate(text: string): DecimalRate | MoneyFailure {
  const match = typeof text === 'string' ? ratePattern.exec(text) : null;
  if (match === null) {
    return moneyFailure(MoneyError.AmountInvalid, 'rate must be a decimal like "7.1234"');
  }
  const [, sign = '', integerDigits = '', fractionDigits = ''] = match;
  if (sign === '-') return moneyFailure(MoneyError.AmountNegative, 'rate must be positive');
  if (fractionDigits.length > rateFractionDigitsMax) {
    return moneyFailure(MoneyError.AmountTooPrecise, `rate allows at most ${rateFractionDigitsMax} fraction digits`);
  }
  if (integerDigits.replace(/^0+/, '').length > rateIntegerDigitsMax) {
    return moneyFailure(MoneyError.AmountTooLarge, `rate allows at most ${rateIntegerDigitsMax} integer digits`);
  }
  const scaled = BigInt(integerDigits + fractionDigits);
  if (scaled === 0n) return moneyFailure(MoneyError.AmountInvalid, 'rate must be positive, not zero');
  return Object.freeze({ scaled, scale: fractionDigits.length });
}

/**
 * Converts `from` at `rate` (units of the target currency per one major unit
 * of the source currency), adjusting for both ISO 4217 exponents:
 *   toMinor = round(from.minor * scaled * 10^toExp / (10^scale * 10^fromExp)).
 * Unknown currencies, a non-positive rate, or a result beyond amountMinorMax
 * are programmer errors (AssertionError): validate inputs first.
 */
export function convert(from: Amount, rate: DecimalRate, toCurrencyCode: string, mode: RoundingMode): Amount {
  const source = findCurrency(from.currency);
  const target = findCurrency(toCurrencyCode);
  assert.ok(source !== undefined, `unsupported currency ${from.currency}`);
  assert.ok(target !== undefined, `unsupported currency ${toCurrencyCode}`);
  assert.ok(rate.scaled > 0n && Number.isInteger(rate.scale) && rate.scale >= 0, 'rate must be a positive DecimalRate');
  const numerator = from.minor * rate.scaled * 10n ** BigInt(target.exponent);
  const denominator = 10n ** BigInt(rate.scale + source.exponent);
  return amount(divideRounded(numerator, denominator, mode), target.code);
}
