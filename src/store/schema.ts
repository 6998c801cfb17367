import type { ColumnType } from 'kysely';
import type { InteropTables } from '../interop/schema.js';
import type { BillpayTables } from '../billpay/schema.js';

/**
 * The database as Kysely sees it. Money columns are bigint minor units (SQLite INTEGER, PostgreSQL
 * BIGINT), read back as JS bigint on both dialects. Times are ISO-8601 UTC strings so that both
 * dialects sort and compare them the same way.
 */
export interface Database extends InteropTables {
  settings: SettingsTable;
  merchants: MerchantsTable;
  api_keys: ApiKeysTable;
  customers: CustomersTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_entries: LedgerEntriesTable;
  ledger_postings: LedgerPostingsTable;
  ledger_holds: LedgerHoldsTable;
  wallet_movements: WalletMovementsTable;
  idempotency_keys: IdempotencyKeysTable;
  payments: PaymentsTable;
  payment_attempts: PaymentAttemptsTable;
  payment_transitions: PaymentTransitionsTable;
  refunds: RefundsTable;
  fee_plans: FeePlansTable;
  cards: CardsTable;
  events: EventsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  checkout_sessions: CheckoutSessionsTable;
  web_sessions: WebSessionsTable;
  dashboard_logins: DashboardLoginsTable;
  fx_settings: FxSettingsTable;
  fx_quotes: FxQuotesTable;
  payment_fx: PaymentFxTable;
  escrows: EscrowsTable;
  escrow_periods: EscrowPeriodsTable;
  timers: TimersTable;
  test_clocks: TestClocksTable;
  settlement_schedules: SettlementSchedulesTable;
  merchant_bank_accounts: MerchantBankAccountsTable;
  settlement_statements: SettlementStatementsTable;
  settlement_lines: SettlementLinesTable;
  payouts: PayoutsTable;
  bank_files: BankFilesTable;
  clearing_windows: ClearingWindowsTable;
  recon_imports: ReconImportsTable;
  recon_exceptions: ReconExceptionsTable;
  recon_matched: ReconMatchedTable;
  scheduled_runs: ScheduledRunsTable;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface MerchantsTable {
  id: string;
  name: string;
  country: string;
  settlement_currency: string;
  status: string;
  created_at: string;
  /** Migration 024: the merchant's city (EMV QR tag 60); optional on insert. */
  city: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ApiKeysTable {
  id: string;
  merchant_id: string;
  key_hash: string;
  key_hint: string;
  mode: string;
  created_at: string;
  revoked_at: string | null;
}

export interface CustomersTable {
  id: string;
  merchant_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  id_type: string | null;
  id_number_sealed: string | null;
  id_number_hint: string | null;
  request_digest: string;
  created_at: string;
}

export interface LedgerAccountsTable {
  id: string;
  owner_type: string;
  owner_id: string;
  code: string;
  currency: string;
  kind: string;
  normal_side: string;
  no_negative: bigint;
  debits_posted: bigint;
  credits_posted: bigint;
  debits_pending: bigint;
  credits_pending: bigint;
  created_at: string;
}

export interface LedgerEntriesTable {
  id: string;
  kind: string;
  pending_id: string | null;
  reason: string;
  link_type: string | null;
  link_id: string | null;
  digest: string;
  created_at: string;
}

export interface LedgerPostingsTable {
  entry_id: string;
  seq: bigint;
  account_id: string;
  currency: string;
  amount: bigint;
}

export interface LedgerHoldsTable {
  entry_id: string;
  state: string;
  resolved_by: string | null;
  updated_at: string;
}

export interface WalletMovementsTable {
  id: string;
  merchant_id: string;
  type: string;
  source_id: string | null;
  destination_id: string | null;
  currency: string;
  amount: bigint;
  status: string;
  description: string | null;
  entry_id: string;
  request_digest: string;
  created_at: string;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_digest: string;
  status_code: bigint;
  response_body: string;
  created_at: string;
  /** Added by 013-safety: a reservation's lease (status_code 0 until the answer is saved). */
  locked_until?: string | null;
  content_type?: string | null;
}

export interface PaymentsTable {
  id: string;
  merchant_id: string;
  merchant_order_id: string;
  amount: bigint;
  currency: string;
  amount_captured: bigint;
  amount_refunded: bigint;
  fee: bigint;
  status: string;
  capture_method: string;
  description: string | null;
  metadata: string;
  customer_id: string | null;
  return_url: string | null;
  method_type: string | null;
  card_id: string | null;
  card_brand: string | null;
  card_last4: string | null;
  card_expiry_yymm: string | null;
  channel: string | null;
  hold_entry_id: string | null;
  three_ds_transaction_id: string | null;
  next_action_url: string | null;
  next_action_qr: string | null;
  last_error_code: string | null;
  last_error_message: string | null;
  /** Set with last_error_code card_declined: the stable decline code (migration 014). */
  last_decline_code?: string | null;
  request_digest: string;
  expires_at: string;
  created_at: string;
  updated_at: string;
  /** Added by 006-fx: the conversion a cross-currency payment was captured with (null otherwise). */
  settlement_currency?: string | null;
  settlement_amount?: bigint | null;
  fx_rate?: string | null;
  fx_quote_id?: string | null;
  /** Added by 013-safety: the capture or cancel that holds the payment while it talks to the acquirer. */
  claim_id?: string | null;
  claimed_at?: string | null;
}

export interface PaymentAttemptsTable {
  id: string;
  payment_id: string;
  kind: string;
  channel: string;
  status: string;
  amount: bigint;
  currency: string;
  response_code: string | null;
  reason: string | null;
  reference: string | null;
  authorization_code: string | null;
  original_attempt_id: string | null;
  sent_at: string;
  created_at: string;
  updated_at: string;
}

export interface PaymentTransitionsTable {
  payment_id: string;
  seq: bigint;
  from_status: string | null;
  to_status: string;
  reason: string;
  at: string;
}

export interface RefundsTable {
  id: string;
  merchant_id: string;
  payment_id: string;
  amount: bigint;
  currency: string;
  fee_returned: bigint;
  status: string;
  reason: string | null;
  failure_code: string | null;
  request_digest: string;
  created_at: string;
  updated_at: string;
  /** The channel's reference of the refund (the acquirer's RRN), for reconciliation (007-settlement). */
  channel_reference?: string | null;
}

export interface FeePlansTable {
  merchant_id: string;
  rules: string;
  refund_fee_policy: string;
  updated_at: string;
}

export interface CardsTable {
  id: string;
  merchant_id: string;
  brand: string;
  last4: string;
  exp_month: bigint;
  exp_year: bigint;
  holder_name: string | null;
  fingerprint: string;
  pan_sealed: string;
  created_at: string;
}

export interface EventsTable {
  id: string;
  merchant_id: string;
  type: string;
  object_type: string;
  object_id: string;
  /** 1, 2, 3… per object: webhooks for one object are delivered in this order. */
  sequence: bigint;
  /** The object's API view at the time of the event, as JSON text. */
  data: string;
  created_at: string;
}

export interface WebhookEndpointsTable {
  id: string;
  merchant_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types; `["*"]` means every type. */
  enabled_events: string;
  /** The `whsec_…` signing secret, sealed with the vault cipher (context `webhook.secret:<id>`). */
  secret_sealed: string;
  status: string;
  request_digest: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  endpoint_id: string;
  /** Copied from the event, so the in-order rule is one indexed lookup. */
  object_id: string;
  sequence: bigint;
  status: string;
  /** Attempts started (an attempt number is reserved when the delivery is claimed). */
  attempts: bigint;
  /** When the next attempt is due; while an attempt runs, the end of its lease. Null once final. */
  next_attempt_at: string | null;
  last_status_code: bigint | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: bigint;
  at: string;
  status_code: bigint | null;
  error: string | null;
  duration_ms: bigint;
}

export interface CheckoutSessionsTable {
  /** SHA-256 of the bearer token in the cashier URL; the token itself is never stored. */
  token_hash: string;
  id: string;
  merchant_id: string;
  payment_id: string;
  expires_at: string;
  created_at: string;
  /** Where the cashier leads back after paying, when not the payment's return_url (012-harden). */
  return_url: string | null;
}

export interface WebSessionsTable {
  /** SHA-256 of the httpOnly cookie's value. */
  token_hash: string;
  /** 'merchant' or 'operator'. */
  kind: string;
  merchant_id: string | null;
  key_id: string | null;
  /** Set instead of key_id when a dashboard login (email and password) signed in. */
  login_id: string | null;
  /** Sent back in the X-CSRF-Token header on every unsafe request. */
  csrf_token: string;
  expires_at: string;
  created_at: string;
}

export interface DashboardLoginsTable {
  id: string;
  merchant_id: string;
  /** Lower-cased; unique across merchants. */
  email: string;
  /** scrypt$N$r$p$salt$hash, base64url. */
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
}

export interface FxSettingsTable {
  merchant_id: string;
  markup_bps: bigint;
  updated_at: string;
}

export interface FxQuotesTable {
  id: string;
  merchant_id: string;
  sell_currency: string;
  sell_amount: bigint;
  buy_currency: string;
  buy_amount: bigint;
  mid_rate: string;
  rate: string;
  markup_bps: bigint;
  rate_as_of: string;
  expires_at: string;
  request_digest: string;
  created_at: string;
}

/** The conversion and cross-border facts of one payment (006-fx); amounts in minor units. */
export interface PaymentFxTable {
  payment_id: string;
  merchant_id: string;
  presentment_currency: string;
  presentment_amount: bigint;
  settlement_currency: string;
  quote_id: string | null;
  mid_rate: string | null;
  rate: string | null;
  markup_bps: bigint | null;
  rate_as_of: string | null;
  locked_at: string | null;
  captured_presentment: bigint;
  settlement_amount: bigint;
  mid_amount: bigint;
  margin: bigint;
  refunded_presentment: bigint;
  refunded_settlement: bigint;
  refunded_mid: bigint;
  captured_at: string | null;
  import_order: bigint;
  customer_id: string | null;
  payer_name: string | null;
  payer_id_type: string | null;
  payer_id_hint: string | null;
  person_key: string | null;
  amount_cny: bigint | null;
  limit_year: bigint | null;
  refunded_cny: bigint;
  created_at: string;
  updated_at: string;
}

/** Added by 013-safety: escrow timer periods the operator set for one goods type (src/escrow). */
export interface EscrowPeriodsTable {
  goods_type: string;
  confirm_after_ms: bigint;
  unpaid_close_after_ms: bigint;
  seller_answer_after_ms: bigint;
  updated_at: string;
}

/** An escrow trade (src/escrow): JSON columns hold the open refund request, dispute and settlement. */
export interface EscrowsTable {
  id: string;
  merchant_id: string;
  payment_id: string;
  merchant_order_id: string;
  status: string;
  amount: bigint;
  currency: string;
  goods_type: string;
  description: string | null;
  customer_id: string | null;
  amount_held: bigint;
  amount_released: bigint;
  amount_refunded: bigint;
  fee: bigint;
  carrier: string | null;
  waybill_number: string | null;
  shipped_at: string | null;
  confirm_due_at: string | null;
  /** While a refund request pauses the confirm timer: what was left of it. */
  confirm_remaining_ms: bigint | null;
  extensions: bigint;
  refund_request: string | null;
  dispute: string | null;
  resolution: string | null;
  settlement: string | null;
  settle_seq: bigint;
  close_due_at: string;
  request_digest: string;
  created_at: string;
  updated_at: string;
  /** Migration 025: the test clock the trade runs on (test mode). */
  test_clock_id: string | null;
}

/** A durable timer (src/events/timers.ts): one due job per key. */
export interface TimersTable {
  key: string;
  kind: string;
  status: string;
  due_at: string;
  payload: string;
  attempts: bigint;
  locked_until: string | null;
  claimed_by: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  /** Migration 025: the test clock whose time this job is due on (null: the wall clock). */
  test_clock_id: string | null;
}

/** A test clock (migration 025, src/events/test-clocks.ts): a merchant's simulated time for test-mode objects. */
export interface TestClocksTable {
  id: string;
  merchant_id: string;
  name: string | null;
  status: string;
  frozen_time: string;
  advance_to: string | null;
  locked_until: string | null;
  claimed_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface SettlementSchedulesTable {
  merchant_id: string;
  delay_days: bigint;
  cutoff_hour: bigint;
  time_zone: string;
  minimum_payout: bigint;
  reserve_bps: bigint;
  reserve_hold_days: bigint;
  updated_at: string;
}

export interface MerchantBankAccountsTable {
  id: string;
  merchant_id: string;
  currency: string;
  holder_name: string;
  iban: string | null;
  account_number: string | null;
  bank_code: string | null;
  status: string;
  created_at: string;
  /** Migration 024 (cross-border pain.001): the bank's BIC, the bank code's clearing system, the holder's address. */
  bic: string | null;
  clearing_system: string | null;
  country: string | null;
  town: string | null;
  postcode: string | null;
  address_line: string | null;
}

export interface SettlementStatementsTable {
  id: string;
  merchant_id: string;
  currency: string;
  window_end: string;
  carried_in: bigint;
  lines_total: bigint;
  lines_count: bigint;
  reserve: bigint;
  payout: bigint;
  carried_out: bigint;
  reserve_release_at: string | null;
  reserve_released: bigint;
  entry_id: string | null;
  payout_id: string | null;
  created_at: string;
}

export interface SettlementLinesTable {
  statement_id: string;
  entry_id: string;
  account_id: string;
  reason: string;
  link_type: string | null;
  link_id: string | null;
  amount: bigint;
  entry_created_at: string;
}

export interface PayoutsTable {
  id: string;
  merchant_id: string;
  statement_id: string;
  bank_account_id: string | null;
  currency: string;
  amount: bigint;
  status: string;
  file_id: string | null;
  failure_code: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface BankFilesTable {
  id: string;
  kind: string;
  message_id: string;
  content: string;
  response: string | null;
  status: string;
  created_at: string;
}

export interface ClearingWindowsTable {
  id: string;
  currency: string;
  window_end: string;
  positions: string;
  created_at: string;
}

export interface ReconImportsTable {
  id: string;
  kind: string;
  file_hash: string;
  name: string;
  lines: bigint;
  matched: bigint;
  exceptions: bigint;
  summary: string;
  created_at: string;
}

export interface ReconExceptionsTable {
  id: string;
  import_id: string;
  kind: string;
  reference: string;
  account_id: string | null;
  currency: string | null;
  expected_amount: bigint | null;
  actual_amount: bigint | null;
  detail: string;
  status: string;
  resolution: string | null;
  resolution_entry_id: string | null;
  created_at: string;
  resolved_at: string | null;
}

export interface ReconMatchedTable {
  account_id: string;
  reference: string;
  side: string;
  import_id: string;
}

export interface ScheduledRunsTable {
  id: string;
  kind: string;
  occurrence: string;
  status: string;
  attempts: bigint;
  result: string | null;
  started_at: string;
  finished_at: string | null;
}

// Bill payment's tables (src/billpay/schema.ts), merged into Database.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Database extends BillpayTables {}
// Each module's tables join `Database` by interface merging: one additive line per module.
import type { RiskTables } from '../risk/schema.js';
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Database extends RiskTables {}
// The reports read model's rollups (src/read-models/schema.ts, issue 17).
import type { ReportTables } from '../read-models/schema.js';
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Database extends ReportTables {}
