import { divideRounded, findCurrency, type Amount } from '../money/index.js';
import { rateScale, toScaled, type Rational } from './rates.js';

/**
 * Conversion arithmetic (docs/fx.md "Rounding"). Every rate Hutong uses is a decimal with
 * `rateScale` (10) fraction digits, stored as text, so a conversion can be recomputed exactly:
 *
 * - mid rate = the feed's cross rate, rounded half-up to 10 digits;
 * - client rate = mid × (10 000 − markup bps) / 10 000, rounded down to 10 digits (a difference
 *   in the 11th digit, far below one minor unit of any amount Hutong accepts);
 * - an amount converts as round_half_up(amount × rate) in the target currency's minor units, with
 *   both ISO 4217 exponents applied (JPY 0, USD 2, KWD 3);
 * - the merchant receives `merchant` = amount at the client rate; the platform's FX margin is
 *   `mid − merchant`, where `mid` = amount at the mid rate. So
 *   amount × mid rate − margin = merchant, within half a minor unit.
 */
export const bpsDenominator = 10_000n;

export function midScaled(rate: Rational): bigint {
  return toScaled(rate, 'half_up');
}

export function clientScaled(mid: bigint, markupBps: number): bigint {
  return divideRounded(mid * (bpsDenominator - BigInt(markupBps)), bpsDenominator, 'down');
}

/**
 * round_half_up(amount × scaled/10^rateScale) in `to` minor units (the same formula as
 * money.convert, without its bound: callers check the result against amountMinorMax).
 */
export function convertMinor(amount: Amount, scaled: bigint, to: string): bigint {
  const source = findCurrency(amount.currency);
  const target = findCurrency(to);
  if (source === undefined || target === undefined) throw new Error(`unsupported currency ${amount.currency}/${to}`);
  return divideRounded(amount.minor * scaled * 10n ** BigInt(target.exponent), 10n ** BigInt(rateScale + source.exponent), 'half_up');
}

export interface Converted {
  /** What the merchant is credited (gross, before Hutong's fee), in settlement minor units. */
  readonly merchantMinor: bigint;
  /** The amount at the mid rate; `mid − merchant` is Hutong's FX margin. */
  readonly midMinor: bigint;
  readonly marginMinor: bigint;
}

export function convertWithMargin(amount: Amount, to: string, mid: bigint, client: bigint): Converted {
  const midMinor = convertMinor(amount, mid, to);
  const merchantMinor = convertMinor(amount, client, to);
  return { merchantMinor, midMinor, marginMinor: midMinor - merchantMinor };
}

/**
 * The smallest amount of `from` that converts to at least `target` of `to` at `scaled`: what a
 * shopper pays for a price in the merchant's currency. Rounded up, then checked.
 */
export function sellFor(target: Amount, from: string, scaled: bigint): bigint {
  const source = findCurrency(from);
  const dest = findCurrency(target.currency);
  if (source === undefined || dest === undefined) throw new Error('unsupported currency');
  // Half-up reaches the target once the exact value is at least target − ½:
  // sell = ceil((2·target − 1) · 10^(scale + from exponent) / (2 · rate · 10^(to exponent))).
  const numerator = (2n * target.minor - 1n) * 10n ** BigInt(rateScale + source.exponent);
  const denominator = 2n * scaled * 10n ** BigInt(dest.exponent);
  let sell = divideRounded(numerator, denominator, 'ceiling');
  if (sell < 1n) sell = 1n;
  while (convertMinor({ minor: sell, currency: from }, scaled, target.currency) < target.minor) sell++;
  while (sell > 1n && convertMinor({ minor: sell - 1n, currency: from }, scaled, target.currency) >= target.minor) sell--;
  return sell;
}

/**
 * A share of a converted total for refunds: cumulative, so that refunding everything in parts
 * returns exactly the total. share(total, part, whole) = round_half_up(total × part / whole).
 */
export function shareOf(total: bigint, part: bigint, whole: bigint): bigint {
  return whole === 0n ? 0n : divideRounded(total * part, whole, 'half_up');
}
