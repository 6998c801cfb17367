/**
 * Business failures of the card module. The codes are stable: they reach API clients and the
 * problem table in src/api/problems.ts. A `detail` never carries a digit of the card number or
 * the security code, because details may be logged.
 */
export enum CardError {
  /** Not digits, a length the brand does not issue, or a failed Luhn check digit. */
  CardNumberInvalid = 'card_number_invalid',
  /** No network we know issues the number, or a network we know but do not accept (Elo, Mir…). */
  CardBrandUnsupported = 'card_brand_unsupported',
  /** Expiry before the current month: a card is valid through the end of its expiry month. */
  CardExpired = 'card_expired',
  /** Month outside 1–12, a year that is neither 2 nor 4 digits, or more than 20 years ahead. */
  ExpiryInvalid = 'expiry_invalid',
  /** Not digits, or not the brand's length (4 for American Express, 3 for the others). */
  SecurityCodeInvalid = 'security_code_invalid',
  /** Longer than EMV 3-D Secure allows, control characters, or a run of digits like a card number. */
  HolderNameInvalid = 'holder_name_invalid',
  /** Also returned for another merchant's card: existence is not leaked across tenants. */
  CardNotFound = 'card_not_found',
}
