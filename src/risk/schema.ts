/** The risk module's tables (migration 019-risk), as Kysely row types. */
export interface RiskTables {
  risk_limit_tiers: RiskLimitTiersTable;
  risk_parties: RiskPartiesTable;
  risk_limit_usage: RiskLimitUsageTable;
  risk_lists: RiskListsTable;
  risk_list_entries: RiskListEntriesTable;
  risk_hits: RiskHitsTable;
  audit_log: AuditLogTable;
  risk_operators: RiskOperatorsTable;
  risk_operator_sessions: RiskOperatorSessionsTable;
  risk_rules: RiskRulesTable;
  risk_decisions: RiskDecisionsTable;
  risk_velocity: RiskVelocityTable;
  risk_list_items: RiskListItemsTable;
  risk_reviews: RiskReviewsTable;
  risk_cases: RiskCasesTable;
  risk_limit_charges: RiskLimitChargesTable;
  risk_daily_runs: RiskDailyRunsTable;
}

export interface RiskLimitTiersTable {
  level: string;
  pboc_class: string;
  factors: bigint;
  /** 1 or 0: whether a party at this level may pay from its balance at all. */
  debits_allowed: bigint;
  currency: string;
  cumulative_minor: bigint | null;
  yearly_minor: bigint | null;
  daily_minor: bigint | null;
  updated_at: string;
}

export interface RiskPartiesTable {
  party_id: string;
  party_type: string;
  merchant_id: string;
  level: string;
  /** clear | review | confirmed */
  screening: string;
  screened_name: string | null;
  verified_at: string | null;
  updated_at: string;
}

export interface RiskLimitUsageTable {
  party_id: string;
  period: string;
  currency: string;
  used_minor: bigint;
}

export interface RiskListsTable {
  list: string;
  source: string;
  digest: string;
  entries: bigint;
  imported_at: string;
}

export interface RiskListEntriesTable {
  list: string;
  entry_id: string;
  kind: string;
  name: string;
  /** JSON: every name of the entry (primary, aliases, original script). */
  names: string;
  programs: string;
}

export interface RiskHitsTable {
  id: string;
  party_id: string;
  party_type: string;
  merchant_id: string;
  context: string;
  subject_name: string;
  list: string;
  entry_id: string;
  matched_name: string;
  score_permille: bigint;
  /** open | confirmed | false_positive */
  status: string;
  reason: string | null;
  created_at: string;
  decided_at: string | null;
}

export interface AuditLogTable {
  seq: bigint;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  /** JSON of the object before and after the action, secrets removed. */
  before: string | null;
  after: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

/** Migration 020-risk-operators. */
export interface RiskOperatorsTable {
  id: string;
  login: string;
  name: string;
  role: string;
  password_hash: string;
  totp_secret: string;
  /** The last TOTP time step accepted (a code is never accepted twice). */
  totp_last_step: bigint;
  failed_attempts: bigint;
  locked_until: string | null;
  /** active | disabled */
  status: string;
  created_at: string;
  updated_at: string;
}

export interface RiskOperatorSessionsTable {
  token_hash: string;
  operator_id: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  /** Migration 029: the CSRF token for the console's cookie (null for sessions made before it). */
  csrf_token: string | null;
}

export interface RiskRulesTable {
  id: string;
  version: bigint;
  name: string;
  /** request_3ds | allow | block | review */
  action: string;
  /** JSON: json-rules-engine conditions. */
  conditions: string;
  /** draft | enabled | disabled */
  status: string;
  /** open | closed: what a rule that fails to evaluate does. */
  fail_mode: string;
  created_by: string;
  created_at: string;
}

export interface RiskDecisionsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  action: string;
  /** JSON: [{ id, version, name, action }] of the rules that fired. */
  fired: string;
  /** JSON: [{ id, version, error, failMode }] of the rules that failed to evaluate. */
  errors: string;
  /** JSON: the check the rules saw (fingerprint and BIN, never the card number), replayed by backtests. */
  facts: string;
  micros: bigint;
  at: string;
}

export interface RiskVelocityTable {
  /** card | customer | ip | device | email */
  dimension: string;
  value: string;
  payment_id: string;
  amount_minor: bigint;
  currency: string;
  at: string;
}

export interface RiskListItemsTable {
  /** card | email | ip */
  kind: string;
  value: string;
  /** block | allow */
  list: string;
  reason: string;
  created_at: string;
}

export interface RiskReviewsTable {
  payment_id: string;
  merchant_id: string;
  decision_id: string;
  /** open | released | canceled */
  status: string;
  analyst: string | null;
  reason: string | null;
  created_at: string;
  decided_at: string | null;
}

export interface RiskCasesTable {
  id: string;
  party_id: string;
  merchant_id: string;
  /** structuring | rapid_in_out | many_payers */
  typology: string;
  period: string;
  detail: string;
  /** open | reported | closed */
  status: string;
  analyst: string | null;
  reason: string | null;
  created_at: string;
  decided_at: string | null;
}

export interface RiskLimitChargesTable {
  /** The debit's business reference (a payment id). */
  ref: string;
  party_id: string;
  period: string;
  amount_minor: bigint;
  released_minor: bigint;
}

/** Migration 029: one row per Beijing day the daily AML job scanned. */
export interface RiskDailyRunsTable {
  day: string;
  /** running | done */
  status: string;
  runs: bigint;
  /** timer | hand */
  trigger: string;
  cases_opened: bigint;
  large_value_lines: bigint;
  large_value_csv: string;
  started_at: string;
  finished_at: string | null;
}
