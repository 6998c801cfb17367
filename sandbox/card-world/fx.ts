import cc from 'currency-codes';

/**
 * How sandbox issuers bill a cardholder for a transaction in another currency. The rates are
 * fixed, invented round numbers, not market data: they only need to be stable so that tests can
 * predict balances. Each is the value of one major unit in millionths of a US dollar.
 */
const usdMicrosPerMajor: ReadonlyMap<string, bigint> = new Map([
  ['USD', 1_000_000n],
  ['EUR', 1_080_000n],
  ['GBP', 1_250_000n],
  ['CNY', 140_000n],
  ['HKD', 128_000n],
  ['JPY', 6_700n],
  ['KWD', 3_250_000n],
  ['SGD', 740_000n],
  ['AUD', 650_000n],
  ['CAD', 730_000n],
  ['CHF', 1_130_000n],
  ['KRW', 720n],
]);

export interface SandboxCurrency {
  readonly code: string;
  /** ISO 4217 numeric, as DE 49 carries it. */
  readonly numeric: string;
  /** Minor-unit exponent from ISO 4217 (currency-codes). */
  readonly exponent: number;
  readonly usdMicros: bigint;
}

const currencies: readonly SandboxCurrency[] = [...usdMicrosPerMajor].map(([code, usdMicros]) => {
  const record = cc.code(code);
  if (record === undefined) throw new Error(`currency-codes does not know ${code}`);
  return { code, numeric: record.number, exponent: record.digits, usdMicros };
});

const byNumeric: ReadonlyMap<string, SandboxCurrency> = new Map(currencies.map((c) => [c.numeric, c]));
const byCode: ReadonlyMap<string, SandboxCurrency> = new Map(currencies.map((c) => [c.code, c]));

export function currencyByNumeric(numeric: string): SandboxCurrency | undefined {
  return byNumeric.get(numeric);
}

export function currencyByCode(code: string): SandboxCurrency | undefined {
  return byCode.get(code);
}

/**
 * Converts minor units exactly, rounding once at the end. Issuers round in their own favour:
 * charges and holds `up`, credits `down`.
 */
export function convertMinor(amountMinor: bigint, from: SandboxCurrency, to: SandboxCurrency, rounding: 'up' | 'down'): bigint {
  if (from.code === to.code) return amountMinor;
  const numerator = amountMinor * from.usdMicros * 10n ** BigInt(to.exponent);
  const denominator = to.usdMicros * 10n ** BigInt(from.exponent);
  return rounding === 'up' ? (numerator + denominator - 1n) / denominator : numerator / denominator;
}
