import { type Kysely } from 'kysely';

/**
 * Settlement operations (docs/settlement.md, "The daily cycle"): one row per occurrence of a
 * scheduled job (a cohort's daily settlement and payout run, the daily reserve check). The id names
 * the occurrence, so a job that runs again after a crash updates its row instead of adding one.
 */
export async function up(db: Kysely<unknown>, _dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('scheduled_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('occurrence', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'bigint', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('scheduled_runs_kind_occurrence').on('scheduled_runs').columns(['kind', 'occurrence']).execute();
}
