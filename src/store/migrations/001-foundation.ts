import { sql, type Kysely } from 'kysely';

/**
 * One migration set for both dialects: only types both understand (text, bigint) and plain
 * indexes. Journal entries and postings are immutable: triggers on each dialect refuse UPDATE and
 * DELETE, so even a buggy module cannot rewrite history.
 */
export async function up(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('merchants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('settlement_currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_hint', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('id_type', 'text')
    .addColumn('id_number_sealed', 'text')
    .addColumn('id_number_hint', 'text')
    .addColumn('request_digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('customers_merchant_created').on('customers').columns(['merchant_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('ledger_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_type', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('normal_side', 'text', (c) => c.notNull())
    .addColumn('no_negative', 'bigint', (c) => c.notNull())
    .addColumn('debits_posted', 'bigint', (c) => c.notNull())
    .addColumn('credits_posted', 'bigint', (c) => c.notNull())
    .addColumn('debits_pending', 'bigint', (c) => c.notNull())
    .addColumn('credits_pending', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('ledger_accounts_owner_code', ['owner_type', 'owner_id', 'code', 'currency'])
    .execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('pending_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('link_type', 'text')
    .addColumn('link_id', 'text')
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_entries_link').on('ledger_entries').columns(['link_type', 'link_id']).execute();

  await db.schema
    .createTable('ledger_postings')
    // No foreign keys here, on purpose: they were a third of the cost of recording an entry on
    // PostgreSQL (two RI trigger queries per posting). The ledger writes postings only after their
    // entry and accounts, in the same unit, and `ledger verify` proves there are no orphans.
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_postings_pk', ['entry_id', 'seq'])
    .execute();
  await db.schema.createIndex('ledger_postings_account').on('ledger_postings').column('account_id').execute();

  await db.schema
    .createTable('ledger_holds')
    .addColumn('entry_id', 'text', (c) => c.primaryKey().references('ledger_entries.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('resolved_by', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('wallet_movements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text')
    .addColumn('destination_id', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('request_digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('wallet_movements_merchant_created')
    .on('wallet_movements')
    .columns(['merchant_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_digest', 'text', (c) => c.notNull())
    .addColumn('status_code', 'bigint', (c) => c.notNull())
    .addColumn('response_body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
    .execute();

  await immutableJournal(db, dialect);
}

async function immutableJournal(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const tables = ['ledger_entries', 'ledger_postings'];
  if (dialect === 'sqlite') {
    for (const table of tables) {
      for (const op of ['UPDATE', 'DELETE']) {
        await sql
          .raw(
            `CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is immutable'); END`,
          )
          .execute(db);
      }
    }
    return;
  }
  await sql
    .raw(
      `CREATE FUNCTION hutong_journal_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '% is immutable', TG_TABLE_NAME; END $$`,
    )
    .execute(db);
  for (const table of tables) {
    await sql
      .raw(`CREATE TRIGGER ${table}_immutable BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION hutong_journal_immutable()`)
      .execute(db);
  }
}
