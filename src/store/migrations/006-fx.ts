import type { Kysely } from 'kysely';

/**
 * Cross-border payments (issue 5, docs/fx.md): merchants' FX settings, quotes, the conversion and
 * cross-border facts of each payment, and the payment's own view of its conversion (new nullable
 * columns on `payments`, so the payment API and its events show them).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('fx_settings')
    .addColumn('merchant_id', 'text', (c) => c.primaryKey().references('merchants.id'))
    .addColumn('markup_bps', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('fx_quotes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('sell_currency', 'text', (c) => c.notNull())
    .addColumn('sell_amount', 'bigint', (c) => c.notNull())
    .addColumn('buy_currency', 'text', (c) => c.notNull())
    .addColumn('buy_amount', 'bigint', (c) => c.notNull())
    .addColumn('mid_rate', 'text', (c) => c.notNull())
    .addColumn('rate', 'text', (c) => c.notNull())
    .addColumn('markup_bps', 'bigint', (c) => c.notNull())
    .addColumn('rate_as_of', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('request_digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('fx_quotes_merchant_created').on('fx_quotes').columns(['merchant_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('payment_fx')
    .addColumn('payment_id', 'text', (c) => c.primaryKey().references('payments.id'))
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('presentment_currency', 'text', (c) => c.notNull())
    .addColumn('presentment_amount', 'bigint', (c) => c.notNull())
    .addColumn('settlement_currency', 'text', (c) => c.notNull())
    .addColumn('quote_id', 'text')
    .addColumn('mid_rate', 'text')
    .addColumn('rate', 'text')
    .addColumn('markup_bps', 'bigint')
    .addColumn('rate_as_of', 'text')
    .addColumn('locked_at', 'text')
    .addColumn('captured_presentment', 'bigint', (c) => c.notNull())
    .addColumn('settlement_amount', 'bigint', (c) => c.notNull())
    .addColumn('mid_amount', 'bigint', (c) => c.notNull())
    .addColumn('margin', 'bigint', (c) => c.notNull())
    .addColumn('refunded_presentment', 'bigint', (c) => c.notNull())
    .addColumn('refunded_settlement', 'bigint', (c) => c.notNull())
    .addColumn('refunded_mid', 'bigint', (c) => c.notNull())
    .addColumn('captured_at', 'text')
    .addColumn('import_order', 'bigint', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('payer_name', 'text')
    .addColumn('payer_id_type', 'text')
    .addColumn('payer_id_hint', 'text')
    .addColumn('person_key', 'text')
    .addColumn('amount_cny', 'bigint')
    .addColumn('limit_year', 'bigint')
    .addColumn('refunded_cny', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payment_fx_person_year').on('payment_fx').columns(['person_key', 'limit_year']).execute();
  await db.schema.createIndex('payment_fx_merchant_captured').on('payment_fx').columns(['merchant_id', 'captured_at']).execute();
  await db.schema.createIndex('payment_fx_captured').on('payment_fx').columns(['captured_at', 'payment_id']).execute();

  await db.schema.alterTable('payments').addColumn('settlement_currency', 'text').execute();
  await db.schema.alterTable('payments').addColumn('settlement_amount', 'bigint').execute();
  await db.schema.alterTable('payments').addColumn('fx_rate', 'text').execute();
  await db.schema.alterTable('payments').addColumn('fx_quote_id', 'text').execute();
}
