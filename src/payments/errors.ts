/** Business failures of payments and refunds; src/api/problems.ts maps each to an HTTP status. */
export enum PaymentError {
  PaymentNotFound = 'payment_not_found',
  RefundNotFound = 'refund_not_found',
  /** The payment's state does not allow this (e.g. capturing a canceled payment). */
  StateInvalid = 'payment_state_invalid',
  OrderIdTaken = 'merchant_order_id_taken',
  IdempotencyConflict = 'idempotency_key_reused',
  CaptureExceedsAuthorized = 'capture_exceeds_authorized',
  RefundExceedsCaptured = 'refund_exceeds_captured',
  CardDeclined = 'card_declined',
  ChannelUnavailable = 'channel_unavailable',
  CurrencyNotSupported = 'currency_not_supported_by_channel',
  /** No channel carries this card network at all (Discover, Diners with the sandbox acquirer). */
  CardBrandUnsupported = 'card_brand_unsupported',
  PaymentExpired = 'payment_expired',
  AttemptsExhausted = 'payment_attempts_exhausted',
  MethodInvalid = 'payment_method_invalid',
  FeePlanInvalid = 'fee_plan_invalid',
}
