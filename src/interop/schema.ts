/** The interconnection module's tables (migration 017-interop), composed into Database by src/store/schema.ts. */
export interface InteropTables {
  interop_collection_codes: InteropCollectionCodesTable;
  interop_code_orders: InteropCodeOrdersTable;
  interop_payment_codes: InteropPaymentCodesTable;
  interop_scans: InteropScansTable;
  interop_till_charges: InteropTillChargesTable;
  interop_till_refunds: InteropTillRefundsTable;
  interop_code_refunds: InteropCodeRefundsTable;
  interop_order_refunds: InteropOrderRefundsTable;
}

export interface InteropCollectionCodesTable {
  id: string;
  merchant_id: string;
  /** static (the shopper types the amount, reusable) or dynamic (one order, one amount, an expiry). */
  kind: string;
  currency: string;
  amount: bigint | null;
  merchant_order_id: string | null;
  description: string | null;
  mcc: string;
  merchant_name: string;
  merchant_name_local: string | null;
  city: string;
  bill_number: string | null;
  store_label: string | null;
  terminal_label: string | null;
  payload: string;
  /** active, paid (dynamic only) or disabled. */
  status: string;
  expires_at: string | null;
  request_digest: string;
  created_at: string;
}

/** One payment of a collection code through the switch: ordered, then paid (or refunded). */
export interface InteropCodeOrdersTable {
  id: string;
  code_id: string;
  merchant_id: string;
  /** The code id for a dynamic code (so a second order of it conflicts), the order id for a static one. */
  claim_key: string;
  switch_reference: string;
  payer_institution: string;
  currency: string;
  amount: bigint;
  /** ordered, paid, refunded. */
  status: string;
  entry_id: string | null;
  created_at: string;
  paid_at: string | null;
}

/** A Hutong wallet user's one-time payment code; the code itself is kept only as a digest. */
export interface InteropPaymentCodesTable {
  id: string;
  code_digest: string;
  merchant_id: string;
  customer_id: string;
  currency: string;
  /** active, used. */
  status: string;
  expires_at: string;
  switch_reference: string | null;
  payee_institution: string | null;
  amount: bigint | null;
  used_at: string | null;
  created_at: string;
}

/** A Hutong wallet user paying another participant's code through the switch: pending, then succeeded or failed. */
export interface InteropScansTable {
  id: string;
  merchant_id: string;
  customer_id: string;
  payee_institution: string;
  merchant_name: string;
  currency: string;
  amount: bigint;
  /** pending (the wallet holds the amount, the switch was asked), succeeded, failed. */
  status: string;
  switch_reference: string | null;
  failure_reason: string | null;
  request_digest: string;
  created_at: string;
  updated_at: string;
  /** static or dynamic: what the PBOC bar-code limits count it as (migration 021; null before it). */
  code_kind: string | null;
}

/** A payment code taken at a Hutong merchant's till, as the switch answered (migration 021). */
export interface InteropTillChargesTable {
  /** The payment attempt's id: the order reference the switch keys the charge by. */
  id: string;
  merchant_id: string;
  payment_id: string;
  payer_institution: string;
  currency: string;
  amount: bigint;
  /** sent, user_paying, paid, declined, reversed, unknown. */
  status: string;
  switch_reference: string | null;
  reason: string | null;
  created_at: string;
  updated_at: string;
}

/** A refund of a till charge back through the switch to the payer's institution. */
export interface InteropTillRefundsTable {
  /** Hutong's refund id (the switch's idempotency key for it). */
  id: string;
  charge_id: string;
  currency: string;
  amount: bigint;
  /** pending, succeeded, failed. */
  status: string;
  switch_reference: string | null;
  created_at: string;
  updated_at: string;
}

/** Money back to a Hutong wallet user whose payment code was refunded or reversed at another participant's till. */
export interface InteropCodeRefundsTable {
  /** The switch's reference of the refund (or `<charge reference>R` for a reversal). */
  id: string;
  payment_code_id: string;
  /** refund or reversal. */
  kind: string;
  currency: string;
  amount: bigint;
  created_at: string;
}

/** A merchant's refund of a collection-code order, back through the switch to the payer's institution (migration 028). */
export interface InteropOrderRefundsTable {
  /** Hutong's refund id: the switch's idempotency key for it. */
  id: string;
  order_id: string;
  merchant_id: string;
  /** The merchant's Idempotency-Key, unique per merchant (null: none given). */
  idempotency_key: string | null;
  request_digest: string;
  currency: string;
  amount: bigint;
  reason: string | null;
  /** pending (held on the merchant, the switch asked or to be asked), succeeded, failed. */
  status: string;
  /** The switch's reference of the refund booking (its clearing-file line). */
  switch_reference: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}
