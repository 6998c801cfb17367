import type { Kysely } from 'kysely';

/**
 * The import limits live in customs (issue 13; src/customs/limits.ts): one row per person and
 * calendar year, taken (upserted) by every annual-allowance check before it reads what the person
 * used, so that concurrent checks for one person — across merchants and processes — run in turn.
 * It holds no amounts: what is used is read from the payments' and declarations' own rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('customs_limit_holds')
    .addColumn('person_key', 'text', (c) => c.notNull())
    .addColumn('limit_year', 'bigint', (c) => c.notNull())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('customs_limit_holds_pk', ['person_key', 'limit_year'])
    .execute();
}
