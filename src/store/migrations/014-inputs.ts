import { type Kysely } from 'kysely';

/**
 * Issue 12: a declined payment keeps its stable decline code (insufficient_funds, incorrect_cvc…)
 * beside `last_error_code`, so `last_error` says why without parsing the issuer's message.
 */
export async function up(db: Kysely<unknown>, _dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema.alterTable('payments').addColumn('last_decline_code', 'text').execute();
}
