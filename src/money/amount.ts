// Exact money amounts: an integer count of minor units (bigint) plus an
// ISO 4217 code. There are no floats anywhere on this path; decimal text is
// converted by string manipulation, never through Number.
import assert from 'node:assert/strict';
import { findCurrency, type Currency } from './currency.js';

export enum MoneyError {
  AmountInvalid = 'amount_invalid',
  AmountTooPrecise = 'amount_too_precise',
  AmountNegative = 'amount_negative',
  AmountTooLarge = 'amount_too_large',
  CurrencyUnsupported = 'currency_unsupported',
}

/** A business failure returned as a value (bad user input, not a bug). */
export interface MoneyFailure {
  readonly failure: MoneyError;
  readonly detail: string;
}

export interface Amount {
  readonly minor: bigint;
  readonly currency: string;
}

/**
 * Largest absolute value of a single amount, in minor units (10^15 - 1).
 *
 * Why: amounts leave the system as JSON numbers, which most clients parse as
 * IEEE-754 doubles. Those are exact only up to Number.MAX_SAFE_INTEGER
 * (2^53 - 1, about 9.007e15). Capping at fifteen decimal digits keeps every
 * amount exactly representable, gives a bound that is easy to state and
 * validate ("at most 15 digits"), and still allows roughly 10 trillion USD or
 * 1 quadrillion JPY in one amount - far beyond any real payment.
 */
export const amountMinorMax: bigint = 999_999_999_999_999n;

const moneyErrorValues: ReadonlySet<string> = new Set(Object.values(MoneyError));

export function isMoneyFailure(x: unknown): x is MoneyFailure {
  if (typeof x !== 'object' || x === null) return false;
  const candidate = x as { failure?: unknown; detail?: unknown };
  return typeof candidate.failure === 'string' && moneyErrorValues.has(candidate.failure) && typeof candidate.detail === 'string';
}

export function moneyFailure(failure: MoneyError, detail: string): MoneyFailure {
  return Object.freeze({ failure, detail });
}

function absolute(value: bigint): bigint {
  return value < 0n ? -value : value;
}

function makeAmount(minor: bigint, currency: string): Amount {
  return Object.freeze({ minor, currency });
}

function unsupportedCurrency(code: string): MoneyFailure {
  return moneyFailure(MoneyError.CurrencyUnsupported, `currency ${JSON.stringify(code)} is not a supported upper-case ISO 4217 code`);
}

function tooLarge(currency: Currency): MoneyFailure {
  return moneyFailure(MoneyError.AmountTooLarge, `amount exceeds ${amountMinorMax} minor units of ${currency.code}`);
}

// Optional '-', one or more ASCII digits, optional '.' followed by one or more
// digits. No '+', exponents, separators or whitespace: one canonical grammar.
const decimalPattern = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;

/**
 * Parses decimal text in major units ("12.34") into exact minor units.
 * Checks run in order: currency, grammar, sign, precision, size.
 * More fraction digits than the currency's exponent is refused (even zeros,
 * "12.340" USD): silently dropping digits would be an implicit rounding.
 */
export function parseDecimal(text: string, currencyCode: string, options?: { allowNegative?: boolean }): Amount | MoneyFailure {
  const currency = findCurrency(currencyCode);
  if (currency === undefined) return unsupportedCurrency(currencyCode);
  const match = typeof text === 'string' ? decimalPattern.exec(text) : null;
  if (match === null) {
    return moneyFailure(MoneyError.AmountInvalid, 'amount must be a decimal like "12.34": digits, optional "." and fraction digits');
  }
  const [, sign = '', integerDigits = '', fractionDigits = ''] = match;
  if (sign === '-' && options?.allowNegative !== true) {
    return moneyFailure(MoneyError.AmountNegative, 'amount must not be negative');
  }
  if (fractionDigits.length > currency.exponent) {
    return moneyFailure(MoneyError.AmountTooPrecise, `${currency.code} allows at most ${currency.exponent} fraction digits`);
  }
  // More than 15 significant integer digits is >= 10^15 major units, which is
  // over the limit for every exponent; checking first keeps BigInt input short.
  if (integerDigits.replace(/^0+/, '').length > 15) return tooLarge(currency);
  const magnitude = BigInt(integerDigits + fractionDigits.padEnd(currency.exponent, '0'));
  if (magnitude > amountMinorMax) return tooLarge(currency);
  return makeAmount(sign === '-' ? -magnitude : magnitude, currency.code);
}

/**
 * Validates an integer count of minor units arriving from outside (JSON,
 * database). Only bigints and safe-integer numbers are accepted: a number
 * with a fraction or beyond 2^53 has already lost exactness.
 */
export function amountFromMinor(
  value: unknown,
  currencyCode: string,
  options?: { allowNegative?: boolean; allowZero?: boolean },
): Amount | MoneyFailure {
  const currency = findCurrency(currencyCode);
  if (currency === undefined) return unsupportedCurrency(currencyCode);
  let minor: bigint;
  if (typeof value === 'bigint') minor = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) minor = BigInt(value);
  else {
    return moneyFailure(MoneyError.AmountInvalid, 'amount must be an integer number of minor units');
  }
  if (minor < 0n && options?.allowNegative !== true) {
    return moneyFailure(MoneyError.AmountNegative, 'amount must not be negative');
  }
  if (minor === 0n && options?.allowZero === false) {
    return moneyFailure(MoneyError.AmountInvalid, 'amount must be positive, not zero');
  }
  if (absolute(minor) > amountMinorMax) return tooLarge(currency);
  return makeAmount(minor, currency.code);
}

function currencyOf(a: Amount): Currency {
  const currency = findCurrency(a.currency);
  assert.ok(currency !== undefined, `unsupported currency ${a.currency}`);
  return currency;
}

/** Formats with exactly `exponent` fraction digits: 5n USD -> "0.05". */
export function formatDecimal(a: Amount): string {
  const { exponent } = currencyOf(a);
  const digits = absolute(a.minor)
    .toString()
    .padStart(exponent + 1, '0');
  const sign = a.minor < 0n ? '-' : '';
  if (exponent === 0) return sign + digits;
  const cut = digits.length - exponent;
  return `${sign}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}

/**
 * Builds an amount from a trusted internal value. Invalid input here is a
 * programmer error, so it throws AssertionError instead of returning a value.
 */
export function amount(minor: bigint, currencyCode: string): Amount {
  assert.ok(typeof minor === 'bigint', 'minor must be a bigint');
  assert.ok(findCurrency(currencyCode) !== undefined, `unsupported currency ${currencyCode}`);
  assert.ok(absolute(minor) <= amountMinorMax, `${minor} minor units of ${currencyCode} exceeds amountMinorMax`);
  return makeAmount(minor, currencyCode);
}

function assertSameCurrency(a: Amount, b: Amount): void {
  assert.equal(a.currency, b.currency, 'amounts must share a currency');
}

/** Asserts same currency; a sum beyond amountMinorMax is also an AssertionError. */
export function add(a: Amount, b: Amount): Amount {
  assertSameCurrency(a, b);
  return amount(a.minor + b.minor, a.currency);
}

export function subtract(a: Amount, b: Amount): Amount {
  assertSameCurrency(a, b);
  return amount(a.minor - b.minor, a.currency);
}

export function negate(a: Amount): Amount {
  return amount(-a.minor, a.currency);
}

export function compare(a: Amount, b: Amount): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  if (a.minor < b.minor) return -1;
  return a.minor > b.minor ? 1 : 0;
}

export function isZero(a: Amount): boolean {
  return a.minor === 0n;
}

/** Minor units as a JSON number; exact because |minor| <= amountMinorMax < 2^53. */
export function toJSONMinor(a: Amount): number {
  const value = Number(a.minor);
  assert.ok(Number.isSafeInteger(value) && BigInt(value) === a.minor, `${a.minor} is not a safe JSON integer`);
  return value;
}
