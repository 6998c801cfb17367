import type { Kysely } from 'kysely';

/**
 * Settlement, payouts, clearing and reconciliation (issue 7, docs/settlement.md). Money columns are
 * bigint minor units; each statement line names one ledger posting group (entry × account) and is
 * unique on it, so a posting is settled exactly once, ever.
 */
export async function up(db: Kysely<unknown>, _dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('settlement_schedules')
    .addColumn('merchant_id', 'text', (c) => c.primaryKey().references('merchants.id'))
    .addColumn('delay_days', 'bigint', (c) => c.notNull())
    .addColumn('cutoff_hour', 'bigint', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('minimum_payout', 'bigint', (c) => c.notNull())
    .addColumn('reserve_bps', 'bigint', (c) => c.notNull())
    .addColumn('reserve_hold_days', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('merchant_bank_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('holder_name', 'text', (c) => c.notNull())
    .addColumn('iban', 'text')
    .addColumn('account_number', 'text')
    .addColumn('bank_code', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('merchant_bank_accounts_merchant')
    .on('merchant_bank_accounts')
    .columns(['merchant_id', 'currency', 'created_at'])
    .execute();

  await db.schema
    .createTable('settlement_statements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('window_end', 'text', (c) => c.notNull())
    .addColumn('carried_in', 'bigint', (c) => c.notNull())
    .addColumn('lines_total', 'bigint', (c) => c.notNull())
    .addColumn('lines_count', 'bigint', (c) => c.notNull())
    .addColumn('reserve', 'bigint', (c) => c.notNull())
    .addColumn('payout', 'bigint', (c) => c.notNull())
    .addColumn('carried_out', 'bigint', (c) => c.notNull())
    .addColumn('reserve_release_at', 'text')
    .addColumn('reserve_released', 'bigint', (c) => c.notNull())
    .addColumn('entry_id', 'text')
    .addColumn('payout_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('settlement_statements_merchant')
    .on('settlement_statements')
    .columns(['merchant_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('settlement_statements_window')
    .on('settlement_statements')
    .columns(['merchant_id', 'currency', 'window_end'])
    .unique()
    .execute();

  await db.schema
    .createTable('settlement_lines')
    .addColumn('statement_id', 'text', (c) => c.notNull())
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('link_type', 'text')
    .addColumn('link_id', 'text')
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('entry_created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('settlement_lines_posting').on('settlement_lines').columns(['entry_id', 'account_id']).unique().execute();
  await db.schema.createIndex('settlement_lines_statement').on('settlement_lines').columns(['statement_id', 'entry_created_at']).execute();

  await db.schema
    .createTable('payouts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('statement_id', 'text', (c) => c.notNull())
    .addColumn('bank_account_id', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('file_id', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payouts_status').on('payouts').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('payouts_merchant').on('payouts').columns(['merchant_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('bank_files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('response', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('clearing_windows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('window_end', 'text', (c) => c.notNull())
    .addColumn('positions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('recon_imports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('file_hash', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('lines', 'bigint', (c) => c.notNull())
    .addColumn('matched', 'bigint', (c) => c.notNull())
    .addColumn('exceptions', 'bigint', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('recon_exceptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('currency', 'text')
    .addColumn('expected_amount', 'bigint')
    .addColumn('actual_amount', 'bigint')
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolution', 'text')
    .addColumn('resolution_entry_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .execute();
  await db.schema.createIndex('recon_exceptions_status').on('recon_exceptions').columns(['status', 'created_at', 'id']).execute();

  await db.schema
    .createTable('recon_matched')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('import_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('recon_matched_key').on('recon_matched').columns(['account_id', 'reference', 'side']).unique().execute();
  // Reconciliation looks ledger entries up by their link id alone, and acquirer lines by their RRN.
  await db.schema.createIndex('ledger_entries_link_id').on('ledger_entries').column('link_id').execute();
  await db.schema.createIndex('payment_attempts_reference').on('payment_attempts').columns(['reference']).execute();
  // The acquirer reports a refund under its own RRN: keep it on the refund.
  await db.schema.alterTable('refunds').addColumn('channel_reference', 'text').execute();
  await db.schema.createIndex('refunds_channel_reference').on('refunds').column('channel_reference').execute();
}
