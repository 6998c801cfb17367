/** Business failures of bill payment; src/api/problems.ts maps each to an HTTP status. */
export enum BillpayError {
  BillerNotFound = 'biller_not_found',
  BillerInvalid = 'biller_invalid',
  BillerCodeTaken = 'biller_code_taken',
  /** The biller's connector is not configured on this Hutong. */
  BillerConnectorUnknown = 'biller_connector_unknown',
  /** The biller did not answer: nothing was charged. */
  BillerUnavailable = 'biller_unavailable',
  /** The account number breaks the biller's rule (pattern, length or check digit), checked before any call. */
  AccountNumberInvalid = 'account_number_invalid',
  /** The biller does not know this customer account. */
  BillerCustomerNotFound = 'biller_customer_not_found',
  BillNotFound = 'bill_not_found',
  /** The bill has nothing to pay (nothing due, not found at the biller, or still being fetched). */
  BillNotPayable = 'bill_not_payable',
  /** The bill is already being paid, or paid. */
  BillAlreadyPaid = 'bill_already_paid',
  /** The amount breaks the biller's amount rule (exact, at least, at most, limits, whole periods). */
  AmountNotAllowed = 'bill_amount_not_allowed',
  /** This biller's payment model does not take this request (a fetch-model biller needs a fetched bill). */
  ModelMismatch = 'biller_model_mismatch',
  PaymentNotFound = 'bill_payment_not_found',
  CustomerNotFound = 'customer_not_found',
  InsufficientFunds = 'insufficient_funds',
  IdempotencyConflict = 'idempotency_key_reused',
  ComplaintNotFound = 'bill_complaint_not_found',
  ComplaintStateInvalid = 'bill_complaint_state_invalid',
  ReconExceptionNotFound = 'bill_recon_exception_not_found',
  /** No card payment gateway is wired to bill payment on this Hutong. */
  CardsUnavailable = 'bill_card_payments_unavailable',
  /** The card was not charged (declined, unknown or not accepted): nothing was paid. */
  CardNotCharged = 'bill_card_not_charged',
  SavedBillerNotFound = 'saved_biller_not_found',
  /** Auto-pay asks for a fetch-model biller (a bill with a due date) and a limit within the biller's. */
  AutopayInvalid = 'bill_autopay_invalid',
}
