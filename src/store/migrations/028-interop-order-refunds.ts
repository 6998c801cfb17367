import type { Kysely } from 'kysely';

/**
 * Interconnection, part three (issue 14, docs/interop.md): refunds of collection-code orders, Hutong
 * as the merchant's institution giving money back through the switch to the payer's institution.
 * The row is the claim, inserted with the ledger hold before the switch is asked; its id is the
 * switch's idempotency key for the refund, so asking again (a retry, the durable timer after a
 * crash) never refunds twice. An Idempotency-Key of the merchant's is unique per merchant.
 */
export async function up(db: Kysely<unknown>, _dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('interop_order_refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('interop_code_orders.id'))
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('idempotency_key', 'text')
    .addColumn('request_digest', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('switch_reference', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('interop_order_refunds_order').on('interop_order_refunds').column('order_id').execute();
  await db.schema
    .createIndex('interop_order_refunds_key')
    .on('interop_order_refunds')
    .columns(['merchant_id', 'idempotency_key'])
    .unique()
    .execute();
  await db.schema.createIndex('interop_order_refunds_updated').on('interop_order_refunds').columns(['status', 'updated_at']).execute();
}
