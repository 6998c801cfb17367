/** The tables of src/billpay (migration 018), as Kysely row types; composed into Database by src/store/schema.ts. */
export interface BillpayBillersTable {
  id: string;
  code: string;
  name: string;
  name_zh: string;
  category: string;
  region: string;
  connector: string;
  model: string;
  /** JSON: the account number's label, pattern, lengths and check digit. */
  account_rule: string;
  amount_rule: string;
  min_amount: bigint;
  max_amount: bigint;
  currency: string;
  payer_fee_fixed: bigint;
  biller_fee_bps: bigint;
  merchant_id: string;
  status: string;
  created_at: string;
}

export interface BillpayBillsTable {
  id: string;
  merchant_id: string;
  customer_id: string | null;
  biller_id: string;
  account_number: string;
  status: string;
  biller_bill_ref: string | null;
  currency: string;
  amount_due: bigint | null;
  late_fee: bigint;
  due_date: string | null;
  customer_name: string | null;
  /** JSON: [{ label, amount }] with amounts as decimal strings of minor units. */
  lines: string | null;
  /** JSON: [{ period, amount }] for billers paid in whole periods. */
  periods: string | null;
  detail: string | null;
  created_at: string;
  updated_at: string;
}

export interface BillpayPaymentsTable {
  id: string;
  merchant_id: string;
  customer_id: string;
  biller_id: string;
  bill_id: string | null;
  account_number: string;
  currency: string;
  amount: bigint;
  payer_fee: bigint;
  biller_fee: bigint;
  periods: bigint | null;
  biller_bill_ref: string | null;
  status: string;
  biller_receipt: string | null;
  reason: string | null;
  attempts: bigint;
  next_check_at: string | null;
  request_digest: string;
  created_at: string;
  updated_at: string;
  /** Migration 023: `wallet` or `card`. */
  funding: string;
  /** The card payment (src/payments) that charged the payer's card. */
  card_payment_id: string | null;
  /** A refused card-funded payment: `due` until the card payment is refunded, then `done`. */
  card_refund: string | null;
}

export interface BillpayComplaintsTable {
  id: string;
  merchant_id: string;
  payment_id: string;
  reason: string;
  description: string | null;
  status: string;
  resolution: string | null;
  created_at: string;
  updated_at: string;
}

export interface BillpayReconExceptionsTable {
  id: string;
  biller_id: string;
  file_date: string;
  reference: string;
  kind: string;
  expected_amount: bigint | null;
  actual_amount: bigint | null;
  status: string;
  resolution: string | null;
  created_at: string;
}

/** A customer's saved biller account, with its auto-pay settings (migration 023). */
export interface BillpaySavedBillersTable {
  id: string;
  merchant_id: string;
  customer_id: string;
  biller_id: string;
  account_number: string;
  nickname: string | null;
  /** Auto-pay pays a new bill on its due date up to this amount; null: no auto-pay. */
  autopay_limit: bigint | null;
  /** The stored card auto-pay charges; null: the customer's wallet. */
  autopay_card_id: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

/** One auto-pay decision per saved biller and biller bill (migration 023). */
export interface BillpayAutopayRunsTable {
  id: string;
  saved_id: string;
  merchant_id: string;
  bill_id: string | null;
  biller_bill_ref: string;
  due_date: string | null;
  amount: bigint | null;
  payment_id: string | null;
  status: string;
  reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface BillpayTables {
  billpay_billers: BillpayBillersTable;
  billpay_bills: BillpayBillsTable;
  billpay_payments: BillpayPaymentsTable;
  billpay_complaints: BillpayComplaintsTable;
  billpay_recon_exceptions: BillpayReconExceptionsTable;
  billpay_saved_billers: BillpaySavedBillersTable;
  billpay_autopay_runs: BillpayAutopayRunsTable;
}
