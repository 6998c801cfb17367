/** Business failures of customs declarations; src/api/problems.ts maps each to an HTTP status. */
export enum CustomsError {
  DeclarationNotFound = 'customs_declaration_not_found',
  /** No customs registration (platform codes) for this merchant at this customs office. */
  RegistrationRequired = 'customs_registration_required',
  RegistrationInvalid = 'customs_registration_invalid',
  DeclarationInvalid = 'customs_declaration_invalid',
  /** Only a succeeded payment is declared. */
  PaymentNotDeclarable = 'customs_payment_not_declarable',
  PaymentNotFound = 'payment_not_found',
  /** The payment has no payer with a verified identity (name and ID number). */
  PayerIdentityRequired = 'payer_identity_required',
  /** The payer named in the declaration is not the payment's payer. */
  PayerMismatch = 'customs_payer_mismatch',
  /** The sub-orders of a payment add up to more than the payment. */
  SplitExceedsPayment = 'customs_split_exceeds_payment',
  /** Customs sees CNY; this payment has no locked CNY amount. */
  CurrencyNotDeclarable = 'customs_currency_not_declarable',
  /** The same (payment, office, sub-order) was declared with other parameters. */
  DeclarationConflict = 'customs_declaration_conflict',
  /** The declaration's state does not allow this step (one transition table: state.ts). */
  StateInvalid = 'customs_declaration_state_invalid',
  SingleLimitExceeded = 'import_single_limit_exceeded',
  AnnualLimitExceeded = 'import_annual_limit_exceeded',
  /** Refunding a payment whose goods customs released, while the setting refuses it. */
  RefundAfterRelease = 'customs_refund_after_release',
  /** A refund that must wait: customs has not answered a declaration of the payment, or the declarations changed meanwhile. */
  RefundHeld = 'customs_refund_held',
  ExportTradeInvalid = 'customs_export_trade_invalid',
  ExportTradeNotFound = 'customs_export_trade_not_found',
  /** Only a succeeded payment of the merchant paid from abroad is an export receipt. */
  ExportNotEligible = 'customs_export_not_eligible',
  CursorInvalid = 'cursor_invalid',
  /** A raw-payment-data query not signed by customs, or too old. */
  QueryInvalid = 'customs_query_invalid',
}
