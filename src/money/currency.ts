// ISO 4217 currencies that Hutong can hold and move.
//
// The table comes from `currency-codes` (a copy of ISO 4217 List One). Its
// `digits` field is the ISO 4217 "minor unit": the number of decimal places
// between the major unit and the smallest unit we store (the exponent). For
// example ISO 4217 gives JPY 0, USD 2, KWD 3, CLF 4.
import cc, { type CurrencyCodeRecord } from 'currency-codes';

export interface Currency {
  /** Upper-case alphabetic ISO 4217 code, e.g. 'CNY'. */
  readonly code: string;
  /** Three-digit ISO 4217 numeric code, zero padded, e.g. '156'. */
  readonly numeric: string;
  /** ISO 4217 minor unit: amount in minor units = major units * 10^exponent. */
  readonly exponent: number;
  readonly name: string;
}

// ISO 4217 lists these codes with minor unit "N.A." (precious metals, bond
// market units, SDR, Sucre, the testing code XTS and "no currency" XXX).
// `currency-codes` flattens "N.A." to 0, which would make them look like
// zero-decimal currencies; they are units of account, not money anyone can
// pay with, so they are excluded. XAF, XOF, XPF and XCD are real currencies
// whose codes merely start with X; they stay.
const notPayableCodes: ReadonlySet<string> = new Set([
  'XAG',
  'XAU',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XPD',
  'XPT',
  'XSU',
  'XTS',
  'XUA',
  'XXX',
]);

function toCurrency(record: CurrencyCodeRecord): Currency {
  return Object.freeze({
    code: record.code,
    numeric: record.number,
    exponent: record.digits,
    // The upstream data has stray whitespace in some names ('Comorian Franc ').
    name: record.currency.trim(),
  });
}

function isWellFormed(record: CurrencyCodeRecord): boolean {
  return (
    /^[A-Z]{3}$/.test(record.code) &&
    /^\d{3}$/.test(record.number) &&
    Number.isInteger(record.digits) &&
    record.digits >= 0 &&
    record.digits <= 4
  );
}

const currenciesByCode: ReadonlyMap<string, Currency> = new Map(
  cc.data
    .filter((record) => !notPayableCodes.has(record.code) && isWellFormed(record))
    .map((record) => [record.code, toCurrency(record)] as const),
);

const currencyList: readonly Currency[] = Object.freeze([...currenciesByCode.values()].sort((a, b) => (a.code < b.code ? -1 : 1)));

/**
 * Looks up a payable ISO 4217 currency. Only the exact upper-case code
 * matches: 'usd' is not accepted, so every stored code has one spelling.
 */
export function findCurrency(code: string): Currency | undefined {
  return currenciesByCode.get(code);
}

export function isCurrencyCode(code: string): boolean {
  return currenciesByCode.has(code);
}

/** All payable currencies, sorted by code. */
export function listCurrencies(): readonly Currency[] {
  return currencyList;
}
