/** The interconnection module's tables (migration 017-interop), composed into Database by src/store/schema.ts. */
export interface InteropTables {
  interop_collection_codes: InteropCollectionCodesTable;
  interop_code_orders: InteropCodeOrdersTable;
  interop_payment_codes: InteropPaymentCodesTable;
  interop_scans: InteropScansTable;
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
}
