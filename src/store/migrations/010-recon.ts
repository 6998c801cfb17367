import type { Kysely } from 'kysely';

/**
 * Reconciliation throughput (docs/benchmarks.md "Settlement and reconciliation"): a statement's
 * lines are matched a chunk at a time by link id, and the postings no line claimed are found by a
 * scan of the reported account. Two covering indexes serve both without touching the tables:
 *  - ledger_entries (link_id, kind, id) replaces 007's (link_id): an entry found by its link id
 *    needs no table read;
 *  - ledger_postings (account_id, entry_id, amount) replaces 001's (account_id) (same leading
 *    column, so every query by account keeps its index): an entry's posting on one account is one
 *    index seek, and an account's postings are read from the index alone.
 * Each replaces one index, so a ledger write maintains as many indexes as before.
 */
export async function up(db: Kysely<unknown>, _dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema.createIndex('ledger_entries_link_kind').on('ledger_entries').columns(['link_id', 'kind', 'id']).execute();
  await db.schema.dropIndex('ledger_entries_link_id').execute();
  await db.schema
    .createIndex('ledger_postings_account_entry')
    .on('ledger_postings')
    .columns(['account_id', 'entry_id', 'amount'])
    .execute();
  await db.schema.dropIndex('ledger_postings_account').execute();
}
