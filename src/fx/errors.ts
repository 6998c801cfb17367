/** Business failures of FX and cross-border payments; src/api/problems.ts maps each to an HTTP status. */
export enum FxError {
  /** A rate feed (ECB XML, CSV) could not be read; the last good rates stay in use. */
  FeedInvalid = 'fx_feed_invalid',
  /** No rate is known for one of the currencies. */
  PairUnsupported = 'fx_pair_unsupported',
  /** The newest rate is older than the staleness bound: no quote. */
  RateStale = 'fx_rate_stale',
  QuoteNotFound = 'fx_quote_not_found',
  QuoteExpired = 'fx_quote_expired',
  /** The quote is for another amount, currency pair or merchant than the payment. */
  QuoteMismatch = 'fx_quote_mismatch',
  /** The converted amount rounds to zero minor units. */
  AmountTooSmall = 'fx_amount_too_small',
  /** The payment's settlement currency may not be chosen (only the merchant's or the shopper's). */
  SettlementCurrencyNotAllowed = 'settlement_currency_not_allowed',
  MarkupInvalid = 'fx_markup_invalid',
  /** A cross-border import order needs a customer with a verified real-name identity. */
  PayerIdentityRequired = 'payer_identity_required',
  /** The payer's name or ID number is not the customer's verified identity. */
  PayerIdentityMismatch = 'payer_identity_mismatch',
  // The import limits (import_single_limit_exceeded, import_annual_limit_exceeded) are customs' (src/customs/limits.ts).
  /** The payer's name matches a sanctions list entry (open or confirmed hit): no cross-border order. */
  PayerScreeningHit = 'payer_screening_hit',
}
