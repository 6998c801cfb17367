import type { Kysely } from 'kysely';

/**
 * The card vault's table. Text and bigint only, like 001, so one migration serves both dialects.
 * The PAN is stored only sealed (`pan_sealed`); the security code has no column at all. The index
 * on (merchant_id, fingerprint) answers "has this merchant seen this card before" without the PAN.
 */
export async function up(db: Kysely<unknown>, _dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('cards')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('brand', 'text', (c) => c.notNull())
    .addColumn('last4', 'text', (c) => c.notNull())
    .addColumn('exp_month', 'bigint', (c) => c.notNull())
    .addColumn('exp_year', 'bigint', (c) => c.notNull())
    .addColumn('holder_name', 'text')
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('pan_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cards_merchant_fingerprint').on('cards').columns(['merchant_id', 'fingerprint']).execute();
}
