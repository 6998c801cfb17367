import { sql, type Kysely } from 'kysely';

/**
 * Risk and compliance (issue 16, docs/risk.md).
 *
 * - `risk_limit_tiers`: the real-name table, one row per verification level: its PBOC class and
 *   its balance-payment limits (PBOC 2015 No.43). Seeded here; operators change it over the API.
 * - `risk_parties`: what risk knows of a party (customer or merchant): its verification level and
 *   its screening state. No row means: never verified, never screened.
 * - `risk_limit_usage`: the exact counters the limits are enforced on, one row per party and
 *   period (`life`, `year:2026`, `day:2026-12-03`), moved by a conditional upsert in the debit's
 *   own writer unit, so two concurrent debits cannot both pass a limit.
 * - `risk_lists` / `risk_list_entries`: the sanctions lists as imported (OFAC SDN, UN consolidated).
 * - `risk_hits`: the screening review queue.
 * - `audit_log`: operator actions and setting changes, append-only (triggers refuse UPDATE and
 *   DELETE) and hash-chained (each row's hash covers the previous row's), checked by `hutong audit verify`.
 */
export async function up(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('risk_limit_tiers')
    .addColumn('level', 'text', (c) => c.primaryKey())
    .addColumn('pboc_class', 'text', (c) => c.notNull())
    .addColumn('factors', 'bigint', (c) => c.notNull())
    .addColumn('debits_allowed', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('cumulative_minor', 'bigint')
    .addColumn('yearly_minor', 'bigint')
    .addColumn('daily_minor', 'bigint')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  const now = new Date(0).toISOString();
  // Defaults from domain.md §8. `none` keeps the behaviour before issue 16 (unverified customers
  // unrestricted); a regulated deployment sets its debits_allowed to false.
  const tiers = [
    { level: 'none', pboc_class: 'none', factors: 0n, debits_allowed: 1n, cumulative_minor: null, yearly_minor: null, daily_minor: null },
    {
      level: 'id',
      pboc_class: 'I',
      factors: 1n,
      debits_allowed: 1n,
      cumulative_minor: 100_000n,
      yearly_minor: null,
      daily_minor: 100_000n,
    },
    {
      level: 'id_bank_card',
      pboc_class: 'II',
      factors: 3n,
      debits_allowed: 1n,
      cumulative_minor: null,
      yearly_minor: 10_000_000n,
      daily_minor: 500_000n,
    },
    {
      level: 'in_person',
      pboc_class: 'III',
      factors: 5n,
      debits_allowed: 1n,
      cumulative_minor: null,
      yearly_minor: 20_000_000n,
      daily_minor: 500_000n,
    },
  ];
  await (db as Kysely<{ risk_limit_tiers: Record<string, unknown> }>)
    .insertInto('risk_limit_tiers')
    .values(tiers.map((t) => ({ ...t, currency: 'CNY', updated_at: now })))
    .execute();

  await db.schema
    .createTable('risk_parties')
    .addColumn('party_id', 'text', (c) => c.primaryKey())
    .addColumn('party_type', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('screening', 'text', (c) => c.notNull())
    .addColumn('screened_name', 'text')
    .addColumn('verified_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('risk_parties_screening').on('risk_parties').columns(['screening']).execute();

  await db.schema
    .createTable('risk_limit_usage')
    .addColumn('party_id', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('used_minor', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('risk_limit_usage_pk', ['party_id', 'period'])
    .execute();

  await db.schema
    .createTable('risk_lists')
    .addColumn('list', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('entries', 'bigint', (c) => c.notNull())
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('risk_list_entries')
    .addColumn('list', 'text', (c) => c.notNull())
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('names', 'text', (c) => c.notNull())
    .addColumn('programs', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('risk_list_entries_pk', ['list', 'entry_id'])
    .execute();

  await db.schema
    .createTable('risk_hits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('party_id', 'text', (c) => c.notNull())
    .addColumn('party_type', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('subject_name', 'text', (c) => c.notNull())
    .addColumn('list', 'text', (c) => c.notNull())
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('matched_name', 'text', (c) => c.notNull())
    .addColumn('score_permille', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .execute();
  await db.schema.createIndex('risk_hits_status').on('risk_hits').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('risk_hits_party').on('risk_hits').columns(['party_id', 'list', 'entry_id']).unique().execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .addColumn('request_id', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  if (dialect === 'sqlite') {
    for (const op of ['UPDATE', 'DELETE']) {
      await sql
        .raw(
          `CREATE TRIGGER audit_log_no_${op.toLowerCase()} BEFORE ${op} ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
        )
        .execute(db);
    }
    return;
  }
  await sql
    .raw(
      `CREATE FUNCTION hutong_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
    )
    .execute(db);
  await sql
    .raw(
      'CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION hutong_audit_append_only()',
    )
    .execute(db);
}
