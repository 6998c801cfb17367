/** Business failures of interconnection; src/api/problems.ts maps each to an HTTP status. */
export enum InteropError {
  /** A strict decode found violations; the problem's `errors` names each one. */
  QrCodeInvalid = 'qr_code_invalid',
  /** Neither EMV MPM, EMV CPM nor a payment code of a known institution. */
  QrCodeUnrecognised = 'qr_code_unrecognised',
  /** The code's merchant account names no participant of the switch (unknown GUID or prefix). */
  InstitutionUnknown = 'qr_institution_unknown',
  CollectionCodeNotFound = 'collection_code_not_found',
  CollectionCodeInvalid = 'collection_code_invalid',
  /** A dynamic code past its expiry. */
  CollectionCodeExpired = 'collection_code_expired',
  /** A dynamic code that was paid already. */
  CollectionCodeUsed = 'collection_code_used',
  /** The amount paid is not the dynamic code's amount, or a static code was paid without one. */
  AmountMismatch = 'collection_code_amount_mismatch',
  MerchantSuspended = 'merchant_suspended',
  /** A switch message whose signature, participant or time does not verify. */
  SwitchMessageInvalid = 'switch_message_invalid',
  /** A switch notification for an order Hutong never issued. */
  SwitchOrderUnknown = 'switch_order_unknown',
  IdempotencyConflict = 'idempotency_key_reused',
  CustomerNotFound = 'customer_not_found',
  /** No payment code like this was issued, or it was used or expired: the till asks for a new one. */
  PaymentCodeInvalid = 'payment_code_invalid',
  InsufficientFunds = 'insufficient_funds',
  /** The switch or the merchant's institution refused the payment; the wallet hold was released. */
  ScanDeclined = 'scan_declined',
  /** The switch did not answer: the scan stays pending (the wallet amount held) until it is resolved. */
  SwitchUnavailable = 'switch_unavailable',
  /** The shopper's institution declined the payment code taken at a Hutong till (insufficient funds, limits, canceled). */
  PaymentCodeDeclined = 'payment_code_declined',
  /** The shopper never confirmed in the wallet app: the charge was reversed at the switch, nothing was taken. */
  PaymentCodeTimeout = 'payment_code_timeout',
  /** PBOC bar-code limits: a static code over CNY 500 a day, or a dynamic code over the payer's daily limit. */
  BarcodeLimitExceeded = 'barcode_limit_exceeded',
  /** No order of a collection code with this id for this merchant. */
  CodeOrderNotFound = 'collection_code_order_not_found',
  /** The order was never paid (the switch did not confirm it): nothing to refund. */
  CodeOrderNotPaid = 'collection_code_order_not_paid',
  /** Refunds of an order together may not exceed what was paid. */
  CodeOrderRefundExceedsPaid = 'collection_code_refund_exceeds_paid',
  /** No scan with this id among this merchant's customers'. */
  ScanNotFound = 'scan_not_found',
}
