import type { CustomsError } from '../customs/index.js';
import type { InteropError } from '../interop/index.js';
import type { BillpayError } from '../billpay/index.js';
import type { RiskError } from '../risk/index.js';

/** Risk's codes (src/risk): every RiskError has its entry, or the type check fails. */
const riskProblems = {
  risk_limit_exceeded: { status: 422, title: "The payment would pass the customer's real-name balance-payment limit" },
  risk_verification_required: { status: 422, title: "The customer's verification level does not allow balance payments" },
  risk_limit_currency_unsupported: { status: 422, title: "The customer's real-name limits are kept in another currency" },
  risk_party_blocked: { status: 422, title: 'A sanctions screening hit stops this party from moving money' },
  customer_not_found: { status: 404, title: 'No such customer' },
  identity_mismatch: { status: 422, title: 'The identity service did not confirm this identity' },
  identity_service_unavailable: { status: 503, title: 'The identity service did not answer; nothing was changed' },
  verification_invalid: { status: 400, title: 'The verification request is not valid' },
  risk_tier_invalid: { status: 400, title: 'The real-name limit change is not valid' },
  risk_list_invalid: { status: 400, title: 'The sanctions list file is malformed; the old list is kept' },
  risk_hit_not_found: { status: 404, title: 'No such screening hit' },
  risk_hit_decided: { status: 409, title: 'The screening hit was already decided' },
  merchant_not_found: { status: 404, title: 'No such merchant' },
  onboarding_invalid: { status: 400, title: 'The merchant onboarding data is not valid' },
  operator_sign_in_failed: { status: 401, title: 'Wrong login, password or one-time code' },
  operator_locked: { status: 429, title: 'Too many failed sign-ins; the operator account is locked for a while' },
  operator_exists: { status: 409, title: 'An operator with this login exists' },
  operator_not_found: { status: 404, title: 'No such operator' },
  operator_invalid: { status: 400, title: 'The operator account data is not valid' },
  operator_forbidden: { status: 403, title: "The operator's role does not allow this action" },
  operator_key_not_for_browser: { status: 403, title: 'The operator key is for automation, not the console' },
  four_eyes_required: { status: 409, title: 'A second operator has to approve this change' },
  risk_rule_invalid: { status: 400, title: 'The fraud rule is not valid' },
  risk_rule_not_found: { status: 404, title: 'No such fraud rule' },
  risk_payment_blocked: { status: 402, title: 'The payment was refused by a fraud rule; nothing was charged' },
  risk_review_not_found: { status: 404, title: 'No such payment under review' },
  risk_review_decided: { status: 409, title: 'The review was already decided' },
  risk_review_pending: { status: 409, title: "The payment is held for an analyst's review" },
  risk_case_not_found: { status: 404, title: 'No such suspicious-activity case' },
  risk_case_decided: { status: 409, title: 'The case was already decided' },
  risk_case_invalid: { status: 400, title: 'The day to scan must be a calendar day (YYYY-MM-DD)' },
} as const satisfies Record<RiskError, { status: number; title: string }>;

/**
 * Every error the API can answer, with its HTTP status, in one place (RFC 9457 problem details).
 * Codes are stable: clients branch on `code`, never on `title` or `detail`.
 */
/** Interconnection (src/interop): every InteropError has its status here, or the type check fails. */
const interopProblems = {
  qr_code_invalid: { status: 422, title: 'The code breaks the EMV QR standard; errors names each violation' },
  qr_code_unrecognised: { status: 422, title: 'Not an EMV QR code or a payment code of a known institution' },
  qr_institution_unknown: { status: 422, title: 'The code names no participant of the switch' },
  collection_code_not_found: { status: 404, title: 'No such collection code' },
  collection_code_invalid: { status: 400, title: 'The collection code is not valid' },
  collection_code_expired: { status: 409, title: 'The dynamic collection code expired' },
  collection_code_used: { status: 409, title: 'The dynamic collection code was paid already' },
  collection_code_amount_mismatch: { status: 422, title: "The amount is not the code's amount" },
  merchant_suspended: { status: 403, title: 'The merchant is suspended' },
  switch_message_invalid: { status: 403, title: 'The switch message is not signed by a participant, or is too old' },
  switch_order_unknown: { status: 404, title: 'The switch names an order Hutong never issued' },
  idempotency_key_reused: { status: 422, title: 'The Idempotency-Key was used with a different request' },
  customer_not_found: { status: 404, title: 'No such customer' },
  payment_code_invalid: { status: 422, title: 'The payment code is unknown, used or expired; show a new one' },
  insufficient_funds: { status: 422, title: 'Insufficient funds' },
  scan_declined: { status: 422, title: "The merchant's institution declined the payment; nothing was charged" },
  switch_unavailable: { status: 503, title: 'The switch did not answer; the payment is pending until it is resolved' },
  payment_code_declined: { status: 402, title: "The shopper's institution declined the payment code; nothing was charged" },
  payment_code_timeout: { status: 402, title: 'The shopper did not confirm in time; the charge was reversed' },
  barcode_limit_exceeded: { status: 422, title: 'Over the PBOC bar-code payment limit for this payer today' },
  collection_code_order_not_found: { status: 404, title: 'No such collection-code payment' },
  collection_code_order_not_paid: { status: 409, title: 'The collection-code payment is not paid; there is nothing to refund' },
  collection_code_refund_exceeds_paid: { status: 422, title: 'Refunds may not exceed what the collection code was paid' },
  scan_not_found: { status: 404, title: 'No such scan' },
} as const satisfies Record<InteropError, { status: number; title: string }>;

export const problemCatalog = {
  ...interopProblems,
  ...riskProblems,
  request_invalid: { status: 400, title: 'The request is not valid' },
  json_invalid: { status: 400, title: 'The body is not valid JSON' },
  amount_invalid: { status: 400, title: 'The amount is not a positive integer of minor units' },
  amount_too_precise: { status: 400, title: 'The amount has more decimals than its currency' },
  amount_negative: { status: 400, title: 'The amount may not be negative' },
  amount_too_large: { status: 400, title: 'The amount is above the supported maximum' },
  currency_unsupported: { status: 400, title: 'The currency is not a supported ISO 4217 code' },
  country_invalid: { status: 400, title: 'The country is not an ISO 3166-1 alpha-2 code' },
  id_document_invalid: { status: 400, title: 'The identity document number is not valid' },
  cursor_invalid: { status: 400, title: 'The pagination cursor is not valid' },
  webhook_url_invalid: { status: 400, title: 'The webhook URL is not a valid http(s) URL' },
  webhook_events_invalid: { status: 400, title: 'The enabled events are not valid event types' },
  transfer_invalid: { status: 400, title: 'The transfer is not valid' },
  idempotency_key_invalid: { status: 400, title: 'The Idempotency-Key header is not valid' },
  authentication_required: { status: 401, title: 'An API key is required' },
  api_key_invalid: { status: 401, title: 'The API key is not valid' },
  forbidden: { status: 403, title: 'This key may not do that' },
  merchant_suspended: { status: 403, title: 'The merchant is suspended' },
  not_found: { status: 404, title: 'No such route' },
  merchant_not_found: { status: 404, title: 'No such merchant' },
  customer_not_found: { status: 404, title: 'No such customer' },
  transfer_not_found: { status: 404, title: 'No such transfer' },
  api_key_not_found: { status: 404, title: 'No such API key' },
  webhook_endpoint_not_found: { status: 404, title: 'No such webhook endpoint' },
  event_not_found: { status: 404, title: 'No such event' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  ledger_entry_conflict: { status: 409, title: 'A ledger entry with this id already exists with other content' },
  pending_already_posted: { status: 409, title: 'The pending entry was already posted' },
  pending_already_voided: { status: 409, title: 'The pending entry was already voided' },
  pending_not_found: { status: 404, title: 'No such pending entry' },
  post_exceeds_pending: { status: 409, title: 'Cannot post more than is pending' },
  ledger_account_not_found: { status: 404, title: 'No such ledger account' },
  ledger_currency_mismatch: { status: 409, title: 'The account holds another currency' },
  body_too_large: { status: 413, title: 'The body is too large' },
  unsupported_media_type: { status: 415, title: 'Send application/json' },
  uri_too_long: { status: 414, title: 'A path segment is too long' },
  idempotency_key_reused: { status: 422, title: 'The Idempotency-Key was used with a different request' },
  idempotency_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still running; retry' },
  insufficient_funds: { status: 422, title: 'Insufficient funds' },
  webhook_endpoints_too_many: { status: 422, title: 'The merchant has the most webhook endpoints allowed' },
  payment_not_found: { status: 404, title: 'No such payment' },
  refund_not_found: { status: 404, title: 'No such refund' },
  card_not_found: { status: 404, title: 'No such card' },
  payment_state_invalid: { status: 409, title: "The payment's state does not allow this" },
  merchant_order_id_taken: { status: 409, title: 'A payment with this merchant_order_id exists' },
  payment_expired: { status: 409, title: 'The payment expired' },
  payment_attempts_exhausted: { status: 409, title: 'Too many declined attempts; the payment failed' },
  capture_exceeds_authorized: { status: 422, title: 'The capture is larger than the authorization' },
  refund_exceeds_captured: { status: 422, title: 'Refunds may not exceed the captured amount' },
  currency_not_supported_by_channel: { status: 422, title: 'No channel accepts this card brand in this currency' },
  payment_method_invalid: { status: 400, title: 'The payment method is not valid' },
  fee_plan_invalid: { status: 400, title: 'The fee plan is not valid' },
  card_number_invalid: { status: 400, title: 'The card number is not valid' },
  card_brand_unsupported: { status: 400, title: 'This card brand is not accepted' },
  card_expired: { status: 400, title: 'The card has expired' },
  expiry_invalid: { status: 400, title: 'The expiry date is not valid' },
  security_code_invalid: { status: 400, title: 'The security code is not valid for this card' },
  wallet_notification_invalid: { status: 400, title: 'The wallet notification is not valid' },
  three_ds_result_invalid: { status: 400, title: 'The 3-D Secure result is not valid for this payment' },
  holder_name_invalid: { status: 400, title: 'The cardholder name is not valid' },
  card_declined: { status: 402, title: 'The card was declined' },
  channel_unavailable: { status: 503, title: 'The payment channel did not answer; nothing was charged' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal error' },
  overloaded: { status: 503, title: 'The service is overloaded; retry with the same Idempotency-Key' },
  checkout_session_not_found: { status: 404, title: 'No such checkout session, or it expired' },
  csrf_token_invalid: { status: 403, title: 'The X-CSRF-Token header does not match the session' },
  login_invalid: { status: 400, title: "The login's email or password is not acceptable" },
  login_email_taken: { status: 409, title: 'This email already has a dashboard login' },
  sign_in_failed: { status: 401, title: 'The email or password is wrong, or the login is disabled' },
  login_not_found: { status: 404, title: 'No such dashboard login' },
  fx_feed_invalid: { status: 422, title: 'The rate feed could not be read; the last good rates stay in use' },
  fx_pair_unsupported: { status: 422, title: 'No exchange rate is known for this currency pair' },
  fx_rate_stale: { status: 503, title: 'The exchange rate is older than the staleness bound; no quote is given' },
  fx_quote_not_found: { status: 404, title: 'No such FX quote' },
  fx_quote_expired: { status: 409, title: 'The FX quote expired' },
  fx_quote_mismatch: { status: 422, title: 'The FX quote is for another amount or currency pair' },
  fx_amount_too_small: { status: 422, title: 'The amount converts to less than one minor unit' },
  settlement_currency_not_allowed: { status: 422, title: 'The payment may not settle in this currency' },
  fx_markup_invalid: { status: 400, title: 'The FX markup is not valid' },
  payer_identity_required: { status: 422, title: 'A cross-border import order needs a payer with a verified identity' },
  payer_identity_mismatch: { status: 422, title: "The payer is not the customer's verified identity" },
  import_single_limit_exceeded: { status: 422, title: 'The order is above the cross-border import single-transaction limit' },
  import_annual_limit_exceeded: { status: 422, title: "The payer's annual cross-border import allowance would be exceeded" },
  card_bin_unknown: { status: 422, title: "The card's issuer is not known for this BIN" },
  escrow_not_found: { status: 404, title: 'No such escrow trade' },
  escrow_state_invalid: { status: 409, title: "The escrow trade's state does not allow this" },
  escrow_period_invalid: { status: 400, title: 'The escrow timer period is out of range' },
  escrow_settling: { status: 409, title: 'A refund is being paid out for this trade; try again when it is done' },
  escrow_refund_exceeds_held: { status: 422, title: 'The refund is more than the trade holds' },
  escrow_refund_failed: { status: 422, title: 'The payment channel refused the refund; nothing was refunded' },
  escrow_buyer_token_invalid: { status: 403, title: 'The buyer link is not valid for this trade, or has expired' },
  escrow_extension_invalid: { status: 422, title: 'The confirm period cannot be extended like this' },
  escrow_funds_held: { status: 409, title: "An escrow trade holds this payment's money; refund through the trade" },
  test_clock_not_found: { status: 404, title: 'No such test clock' },
  test_clock_advancing: { status: 409, title: 'The test clock is advancing; retry when it is ready' },
  test_clock_time_invalid: { status: 400, title: 'A test clock only moves forward, by at most two years, between 2000 and 2100' },
  test_clock_limit_reached: { status: 409, title: 'Too many test clocks, or too many objects on one clock' },
  test_mode_only: { status: 403, title: 'Test clocks are for test mode; this is a live key' },
  settlement_schedule_invalid: { status: 400, title: 'The settlement schedule is not valid' },
  bank_account_invalid: { status: 400, title: 'The bank account is not valid' },
  settlement_not_found: { status: 404, title: 'No such settlement' },
  payout_not_found: { status: 404, title: 'No such payout' },
  chargeback_invalid: { status: 422, title: 'The chargeback is not valid for this payment' },
  bank_unavailable: { status: 503, title: 'The settlement bank did not answer; retry later' },
  recon_file_invalid: { status: 400, title: 'The statement file is malformed or truncated' },
  recon_file_duplicate: { status: 409, title: 'This statement file was imported before' },
  recon_exception_not_found: { status: 404, title: 'No such reconciliation exception' },
  recon_exception_closed: { status: 409, title: 'The reconciliation exception cannot be resolved that way' },
  customs_declaration_not_found: { status: 404, title: 'No such customs declaration' },
  customs_registration_required: { status: 422, title: 'The merchant has no customs registration at this customs office' },
  customs_registration_invalid: { status: 400, title: 'The customs registration is not valid' },
  customs_declaration_invalid: { status: 400, title: 'The customs declaration is not valid' },
  customs_payment_not_declarable: { status: 409, title: 'Only a succeeded payment can be declared to customs' },
  customs_payer_mismatch: { status: 422, title: "The payer named is not the payment's payer" },
  customs_split_exceeds_payment: { status: 422, title: 'The sub-orders add up to more than the payment' },
  customs_currency_not_declarable: { status: 422, title: 'The payment has no locked CNY amount for customs' },
  customs_declaration_conflict: { status: 409, title: 'This payment was declared at this office with other parameters' },
  customs_declaration_state_invalid: { status: 409, title: "The declaration's state does not allow this" },
  customs_query_invalid: { status: 401, title: 'The query is not signed by customs, or not current' },
  customs_refund_after_release: { status: 409, title: 'Customs released the goods; the payment cannot be refunded' },
  biller_not_found: { status: 404, title: 'No such biller' },
  biller_invalid: { status: 400, title: 'The biller definition is not valid' },
  biller_code_taken: { status: 409, title: 'A biller with this code exists' },
  biller_connector_unknown: { status: 422, title: 'No biller connector of that name is configured' },
  biller_unavailable: { status: 503, title: 'The biller did not answer; nothing was charged' },
  account_number_invalid: { status: 400, title: "The account number breaks the biller's rule" },
  biller_customer_not_found: { status: 404, title: 'The biller does not know this account' },
  bill_not_found: { status: 404, title: 'No such bill' },
  bill_not_payable: { status: 409, title: 'The bill has nothing to pay' },
  bill_already_paid: { status: 409, title: 'The bill is paid or being paid' },
  bill_amount_not_allowed: { status: 422, title: "The amount breaks the biller's amount rule" },
  biller_model_mismatch: { status: 422, title: "The biller's payment model does not take this request" },
  bill_payment_not_found: { status: 404, title: 'No such bill payment' },
  bill_complaint_not_found: { status: 404, title: 'No such complaint' },
  bill_complaint_state_invalid: { status: 409, title: "The complaint's state does not allow this" },
  bill_recon_exception_not_found: { status: 404, title: 'No such bill reconciliation exception' },
  bill_card_payments_unavailable: { status: 422, title: 'Bills cannot be paid by card on this Hutong' },
  bill_card_not_charged: { status: 402, title: 'The card was not charged; nothing was paid' },
  saved_biller_not_found: { status: 404, title: 'No such saved biller' },
  bill_autopay_invalid: { status: 400, title: 'The auto-pay settings are not valid for this biller' },
  customs_refund_held: { status: 409, title: "The refund waits for customs: retry once customs answered the payment's declaration" },
  customs_export_trade_invalid: { status: 400, title: 'The export order or shipment is not valid' },
  customs_export_trade_not_found: { status: 404, title: 'No such export trade' },
  customs_export_not_eligible: { status: 422, title: 'The payment is not a succeeded cross-border receipt of this merchant' },
  payer_screening_hit: { status: 422, title: "The cross-border payer's name matches a sanctions list entry" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof problemCatalog;

/**
 * Answers that say "not yet, try again later" rather than what the request did: the idempotency
 * record does not keep them (src/api/idempotency.ts), so a retry with the same Idempotency-Key runs
 * again instead of replaying the refusal for ever. They carry Retry-After.
 */
export const retryLaterProblems: ReadonlySet<ProblemCode> = new Set<ProblemCode>(['customs_refund_held']);

// Every customs error is catalogued (the module convention): a new code without an entry fails the type check.
export const customsProblems: Record<CustomsError, { status: number; title: string }> = problemCatalog;
/** Bill payment's codes are all catalogued (a new BillpayError value fails the type check here). */
export const billpayProblems: Record<BillpayError, { status: number; title: string }> = problemCatalog;

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  instance: string;
  request_id: string;
  errors?: { field: string; message: string }[];
  /** card_declined: the stable reason (insufficient_funds, incorrect_cvc…) and a sentence for the shopper. */
  decline_code?: string;
  decline_message?: string;
}

export const problemTypeBase = 'https://hutong.dev/problems/';

export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(problemCatalog, code);
}

export function problem(code: ProblemCode, detail: string, instance: string, requestId: string): Problem {
  const { status, title } = problemCatalog[code];
  return { type: problemTypeBase + code, title, status, code, detail, instance, request_id: requestId };
}

/** Thrown by route code to answer with a problem; the error handler renders it. */
export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    detail: string,
    readonly errors?: { field: string; message: string }[],
    /** Extension members added to the problem document (RFC 9457 §3.2). */
    readonly extensions?: { decline_code?: string; decline_message?: string },
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

/** Turns a service failure value into a thrown problem for the error handler. */
export function problemFromFailure(failure: { failure: string; detail: string }): ProblemError {
  const code = isProblemCode(failure.failure) ? failure.failure : 'internal_error';
  const decline = failure as { declineCode?: unknown; declineMessage?: unknown };
  if (typeof decline.declineCode === 'string' && typeof decline.declineMessage === 'string')
    return new ProblemError(code, failure.detail, undefined, {
      decline_code: decline.declineCode,
      decline_message: decline.declineMessage,
    });
  return new ProblemError(code, failure.detail);
}
