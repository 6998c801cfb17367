export enum PartyError {
  MerchantNotFound = 'merchant_not_found',
  MerchantSuspended = 'merchant_suspended',
  /** Also returned for another merchant's customer: existence is not leaked across tenants. */
  CustomerNotFound = 'customer_not_found',
  CountryInvalid = 'country_invalid',
  CurrencyUnsupported = 'currency_unsupported',
  IdDocumentInvalid = 'id_document_invalid',
  IdempotencyConflict = 'idempotency_key_reused',
  ApiKeyNotFound = 'api_key_not_found',
}
