import assert from 'node:assert/strict';
import cardValidator from 'card-validator';
import type { CardBrand } from '../channels/index.js';
import type { Clock } from '../core/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import { brandRules, matchBrand } from './brand.js';
import { CardError } from './errors.js';
import { luhnValid } from './luhn.js';
import { normalizePan, panLengthMax, panLengthMin } from './pan.js';

/** A card as a client sends it (the API's snake_case body). */
export interface CardInput {
  readonly number: string;
  readonly exp_month: number | string;
  readonly exp_year: number | string;
  readonly cvc?: string;
  readonly holder_name?: string;
}

/** A card that passed every check. It holds the PAN and the security code: memory only. */
export interface ValidCard {
  readonly pan: string;
  readonly brand: CardBrand;
  readonly expMonth: number;
  /** Four digits. */
  readonly expYear: number;
  readonly securityCode: string | undefined;
  readonly holderName: string | null;
}

/** 19 digits with a separator after every digit is the longest honest input; refuse before any regex. */
const numberInputLengthMax = 2 * panLengthMax;
/** Cards are issued for at most a few years; 20 bounds typos such as 2205 for 2025. */
export const expiryYearsAheadMax = 20;
/** EMV 3-D Secure 2 limits cardholderName to 45 characters. */
export const holderNameLengthMax = 45;
/** Twelve digits in a row (the shortest PAN) is a card number typed in the wrong field, not a name. */
const panLikeDigits = new RegExp(`\\d{${panLengthMin}}`);

export function validateCard(input: CardInput, clock: Clock): ValidCard | Failure<CardError> {
  const number = validateNumber(input.number);
  if (isFailure(number)) return number;
  const expiry = validateExpiry(input.exp_month, input.exp_year, clock.now());
  if (isFailure(expiry)) return expiry;
  const securityCode = input.cvc === undefined ? undefined : validateSecurityCode(input.cvc, number.brand);
  if (isFailure(securityCode)) return securityCode;
  const holderName = validateHolderName(input.holder_name);
  if (isFailure(holderName)) return holderName;
  return { pan: number.pan, brand: number.brand, expMonth: expiry.expMonth, expYear: expiry.expYear, securityCode, holderName };
}

/**
 * Digits, then brand, then the brand's lengths, then the Luhn check digit, except on UnionPay:
 * some UnionPay cards (older 62 debit ranges) do not carry a Luhn check digit, and
 * braintree/card-validator accepts UnionPay without Luhn unless `luhnValidateUnionPay: true`. We
 * keep that exception (domain.md §2); the acquirer is the final judge of those numbers.
 */
export function validateNumber(input: string): { pan: string; brand: CardBrand } | Failure<CardError> {
  if (input.length > numberInputLengthMax) return fail(CardError.CardNumberInvalid, `a card number has at most ${panLengthMax} digits`);
  const pan = normalizePan(input);
  if (!/^\d+$/.test(pan)) return fail(CardError.CardNumberInvalid, 'a card number has digits only (spaces and dashes are ignored)');
  if (pan.length < panLengthMin || pan.length > panLengthMax) {
    return fail(CardError.CardNumberInvalid, `a card number has ${panLengthMin} to ${panLengthMax} digits, not ${pan.length}`);
  }
  const match = matchBrand(pan);
  if (match.kind === 'unsupported') return fail(CardError.CardBrandUnsupported, `${match.network} cards are not accepted`);
  if (match.kind === 'unknown') return fail(CardError.CardBrandUnsupported, 'no card network we accept issues this number');
  const { brand, lengths } = brandRules(match.brand);
  if (!lengths.includes(pan.length))
    return fail(CardError.CardNumberInvalid, `a ${brand} number has ${lengths.join(', ')} digits, not ${pan.length}`);
  if (brand !== 'unionpay' && !luhnValid(pan))
    return fail(CardError.CardNumberInvalid, 'the card number fails its check digit (mistyped?)');
  // Pair assertion: our rules and card-validator's must agree on every number we accept.
  assert.ok(cardValidator.number(pan, { luhnValidateUnionPay: false }).isValid, `card-validator refuses a ${brand} number we accept`);
  return { pan, brand };
}

/**
 * Month 1–12; year as 4 digits, or 2 digits read as the year ending in them in the 100 years up
 * to `expiryYearsAheadMax` ahead (so '99' in 2026 is 1999: expired, not 2099). A card is valid
 * through the last day of its expiry month; months are compared in UTC.
 */
export function validateExpiry(
  month: number | string,
  year: number | string,
  now: Date,
): { expMonth: number; expYear: number } | Failure<CardError> {
  const expMonth = parseMonth(month);
  if (expMonth === undefined) return fail(CardError.ExpiryInvalid, 'the expiry month is 1 to 12');
  const nowYear = now.getUTCFullYear();
  const expYear = parseYear(year, nowYear);
  if (expYear === undefined) return fail(CardError.ExpiryInvalid, 'the expiry year has 4 digits (or 2)');
  if (expYear - nowYear > expiryYearsAheadMax)
    return fail(CardError.ExpiryInvalid, `the expiry year is at most ${expiryYearsAheadMax} years ahead`);
  if (expYear * 12 + (expMonth - 1) < nowYear * 12 + now.getUTCMonth()) return fail(CardError.CardExpired, 'the card has expired');
  return { expMonth, expYear };
}

function parseMonth(month: number | string): number | undefined {
  const value = typeof month === 'string' ? (/^\d{1,2}$/.test(month) ? Number(month) : undefined) : month;
  return value !== undefined && Number.isInteger(value) && value >= 1 && value <= 12 ? value : undefined;
}

function parseYear(year: number | string, nowYear: number): number | undefined {
  let value: number;
  if (typeof year === 'string') {
    if (!/^(\d{2}|\d{4})$/.test(year)) return undefined;
    value = Number(year);
    if (year.length === 4) return value;
  } else {
    if (!Number.isInteger(year) || !((year >= 0 && year <= 99) || (year >= 1000 && year <= 9999))) return undefined;
    if (year >= 1000) return year;
    value = year;
  }
  const latest = nowYear + expiryYearsAheadMax;
  return latest - (((latest % 100) - value + 100) % 100);
}

/** Digits only, the brand's length; surrounding whitespace is forgiven. */
export function validateSecurityCode(code: string, brand: CardBrand): string | Failure<CardError> {
  const { securityCodeLength } = brandRules(brand);
  const trimmed = code.trim();
  if (trimmed.length !== securityCodeLength || !/^\d+$/.test(trimmed)) {
    return fail(CardError.SecurityCodeInvalid, `a ${brand} security code has ${securityCodeLength} digits`);
  }
  return trimmed;
}

/** Optional: absent or blank is null. */
export function validateHolderName(name: string | undefined): string | null | Failure<CardError> {
  const trimmed = name?.trim() ?? '';
  if (trimmed === '') return null;
  if (trimmed.length > holderNameLengthMax)
    return fail(CardError.HolderNameInvalid, `the cardholder name has at most ${holderNameLengthMax} characters`);
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return fail(CardError.HolderNameInvalid, 'the cardholder name has control characters');
  // Stored in clear, so it must not become a second home for the PAN.
  if (panLikeDigits.test(normalizePan(trimmed))) {
    return fail(CardError.HolderNameInvalid, 'the cardholder name looks like a card number');
  }
  return trimmed;
}
