import type { Kysely } from 'kysely';

/**
 * Escrow trades (src/escrow) and durable timers (src/events/timers.ts). A trade names its payment
 * (unique): the payment's capture looks the trade up to send the money to escrow instead of the
 * merchant. Timers are due jobs keyed by a unique key, so scheduling the same thing twice is one job.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('escrows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('payment_id', 'text', (c) => c.notNull().unique())
    .addColumn('merchant_order_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('goods_type', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('amount_held', 'bigint', (c) => c.notNull())
    .addColumn('amount_released', 'bigint', (c) => c.notNull())
    .addColumn('amount_refunded', 'bigint', (c) => c.notNull())
    .addColumn('fee', 'bigint', (c) => c.notNull())
    .addColumn('carrier', 'text')
    .addColumn('waybill_number', 'text')
    .addColumn('shipped_at', 'text')
    .addColumn('confirm_due_at', 'text')
    .addColumn('confirm_remaining_ms', 'bigint')
    .addColumn('extensions', 'bigint', (c) => c.notNull())
    .addColumn('refund_request', 'text')
    .addColumn('dispute', 'text')
    .addColumn('resolution', 'text')
    .addColumn('settlement', 'text')
    .addColumn('settle_seq', 'bigint', (c) => c.notNull())
    .addColumn('close_due_at', 'text', (c) => c.notNull())
    .addColumn('request_digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('escrows_merchant_created').on('escrows').columns(['merchant_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('timers')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('attempts', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('timers_due').on('timers').columns(['status', 'due_at']).execute();
}
