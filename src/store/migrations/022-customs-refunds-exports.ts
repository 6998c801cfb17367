import type { Kysely } from 'kysely';

/**
 * Customs, second part (src/customs, docs/customs.md): the refunds of payments customs knows of
 * (the CNY share of each, so a later declaration sees what is left), and the export side: the
 * shipment attached to an export payment, the authenticity flags and the balance-of-payments
 * records of cross-border receipts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('customs_refunds')
    .addColumn('refund_id', 'text', (c) => c.primaryKey())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('cny_minor', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('customs_refunds_payment').on('customs_refunds').column('payment_id').execute();
  await db.schema
    .createTable('customs_export_trades')
    .addColumn('payment_id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('order_no', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('card_country', 'text')
    .addColumn('paid_at', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text')
    .addColumn('waybill_no', 'text')
    .addColumn('destination_country', 'text')
    .addColumn('shipped_at', 'text')
    .addColumn('authenticity', 'text', (c) => c.notNull())
    .addColumn('flags', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('customs_export_trades_merchant')
    .on('customs_export_trades')
    .columns(['merchant_id', 'payment_id'])
    .execute();
  await db.schema
    .createTable('customs_bop_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('payment_id', 'text', (c) => c.notNull().unique())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('counterparty_country', 'text', (c) => c.notNull())
    .addColumn('transaction_code', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('recorded_on', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('customs_bop_records_day').on('customs_bop_records').columns(['merchant_id', 'recorded_on', 'id']).execute();
}
