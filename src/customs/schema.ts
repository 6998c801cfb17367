/** The customs module's tables (migration 016-customs), composed into `Database` in src/store/schema.ts. */
export interface CustomsTables {
  customs_registrations: CustomsRegistrationsTable;
  customs_declarations: CustomsDeclarationsTable;
  customs_messages: CustomsMessagesTable;
  customs_history: CustomsHistoryTable;
  customs_refunds: CustomsRefundsTable;
  customs_export_trades: CustomsExportTradesTable;
  customs_bop_records: CustomsBopRecordsTable;
  customs_limit_holds: CustomsLimitHoldsTable;
}

/** A merchant's customs codes at one customs office (the platform it declares for). */
export interface CustomsRegistrationsTable {
  merchant_id: string;
  customs_office: string;
  ebp_code: string;
  ebp_name: string;
  created_at: string;
  updated_at: string;
}

export interface CustomsDeclarationsTable {
  id: string;
  merchant_id: string;
  payment_id: string;
  customs_office: string;
  /** '' when the payment is declared whole. */
  sub_order_no: string;
  order_no: string;
  ebp_code: string;
  ebp_name: string;
  /** What customs sees, in CNY fen. */
  amount_cny: bigint;
  payment_currency: string;
  payment_amount: bigint;
  /** The payment's locked rate when it is not in CNY. */
  cny_rate: string | null;
  payer_name: string;
  payer_id_type: string;
  payer_id_masked: string;
  /** HMAC of the payer's ID document: the per-person allowance across merchants. */
  person_key: string;
  limit_year: bigint;
  status: string;
  version: bigint;
  /** The guid of the current version's CEB411. */
  guid: string;
  app_type: string;
  return_status: string | null;
  return_info: string | null;
  push_attempts: bigint;
  last_error: string | null;
  request_digest: string;
  created_at: string;
  updated_at: string;
}

/** Every CEB message sent and receipt received (the body sealed: it names the payer). */
export interface CustomsMessagesTable {
  id: string;
  declaration_id: string;
  version: bigint;
  guid: string;
  kind: string;
  direction: string;
  return_status: string | null;
  body_sealed: string;
  created_at: string;
}

export interface CustomsHistoryTable {
  declaration_id: string;
  seq: bigint;
  version: bigint;
  status: string;
  return_status: string | null;
  return_info: string | null;
  at: string;
}

/** A refund of a payment, as customs counts it (migration 022): its CNY share, written in the refund's unit. */
export interface CustomsRefundsTable {
  refund_id: string;
  payment_id: string;
  cny_minor: bigint;
  created_at: string;
}

/** An export payment (a foreign shopper paying a Chinese exporter) with its order and shipment. */
export interface CustomsExportTradesTable {
  payment_id: string;
  merchant_id: string;
  order_no: string;
  amount: bigint;
  currency: string;
  /** The card's issuing country (BIN), when the payment was by card. */
  card_country: string | null;
  paid_at: string;
  carrier: string | null;
  waybill_no: string | null;
  destination_country: string | null;
  shipped_at: string | null;
  /** 'matched' (order, payment, logistics agree), 'awaiting_shipment' or 'flagged'. */
  authenticity: string;
  /** JSON array of flag codes. */
  flags: string;
  created_at: string;
  updated_at: string;
}

/** One balance-of-payments declaration record of a cross-border receipt. */
export interface CustomsBopRecordsTable {
  id: string;
  merchant_id: string;
  payment_id: string;
  amount: bigint;
  currency: string;
  counterparty_country: string;
  transaction_code: string;
  direction: string;
  /** The day (China time) the receipt is recorded in, yyyy-mm-dd. */
  recorded_on: string;
  created_at: string;
}

/** A person's calendar year, taken by every annual import-allowance check (src/customs/limits.ts, migration 026). */
export interface CustomsLimitHoldsTable {
  person_key: string;
  limit_year: bigint;
  checked_at: string;
}
