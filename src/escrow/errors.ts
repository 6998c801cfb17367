/** Business failures of escrow trades; src/api/problems.ts maps each to an HTTP status. */
export enum EscrowError {
  EscrowNotFound = 'escrow_not_found',
  /** The trade's state does not allow this step (one transition table: state.ts). */
  StateInvalid = 'escrow_state_invalid',
  /** A refund is being paid out for this trade; nothing else may happen until it is done. */
  Settling = 'escrow_settling',
  RefundExceedsHeld = 'escrow_refund_exceeds_held',
  /** The payment's channel refused the refund; the decision was undone and may be taken again. */
  RefundFailed = 'escrow_refund_failed',
  BuyerTokenInvalid = 'escrow_buyer_token_invalid',
  ExtensionInvalid = 'escrow_extension_invalid',
  /** A direct refund of an escrow payment while the trade still holds its money. */
  FundsHeld = 'escrow_funds_held',
  IdempotencyConflict = 'idempotency_key_reused',
  OrderIdTaken = 'merchant_order_id_taken',
  /** The trade's merchant is suspended: its buyer link is refused, as its API keys are. */
  MerchantSuspended = 'merchant_suspended',
  /** An escrow timer period outside what the operator may set. */
  PeriodInvalid = 'escrow_period_invalid',
  /** The named test clock is not the merchant's (or does not exist). */
  TestClockNotFound = 'test_clock_not_found',
  /** The trade's test clock is advancing: only its timers act until it is ready. */
  TestClockAdvancing = 'test_clock_advancing',
  TestClockLimitReached = 'test_clock_limit_reached',
}
