/** The risk module's tables (migration 019-risk), as Kysely row types. */
export interface RiskTables {
  risk_limit_tiers: RiskLimitTiersTable;
  risk_parties: RiskPartiesTable;
  risk_limit_usage: RiskLimitUsageTable;
  risk_lists: RiskListsTable;
  risk_list_entries: RiskListEntriesTable;
  risk_hits: RiskHitsTable;
  audit_log: AuditLogTable;
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
