/** The customs module's tables (migration 016-customs), composed into `Database` in src/store/schema.ts. */
export interface CustomsTables {
  customs_registrations: CustomsRegistrationsTable;
  customs_declarations: CustomsDeclarationsTable;
  customs_messages: CustomsMessagesTable;
  customs_history: CustomsHistoryTable;
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
