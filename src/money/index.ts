// Public surface of the money module: exact amounts in bigint minor units,
// ISO 4217 currencies, and explicit rounding.
export { findCurrency, isCurrencyCode, listCurrencies, type Currency } from './currency.js';
export {
  add,
  amount,
  amountFromMinor,
  amountMinorMax,
  compare,
  formatDecimal,
  isMoneyFailure,
  isZero,
  moneyFailure,
  MoneyError,
  negate,
  parseDecimal,
  subtract,
  toJSONMinor,
  type Amount,
  type MoneyFailure,
} from './amount.js';
export { convert, divideRounded, multiplyRatio, parseRate, type DecimalRate, type RoundingMode } from './rounding.js';
