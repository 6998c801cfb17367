import type { Kysely } from 'kysely';

/**
 * Bill payment, second part (src/billpay, issue 15; docs/billpay.md):
 *
 * - `billpay_payments` learns how the payer paid: `funding` (`wallet` or `card`), the card payment
 *   of src/payments that charged the card (`card_payment_id`), and whether the card still has a
 *   refund owed to it after the biller refused the bill (`card_refund`: null, `due`, `done`).
 * - `billpay_saved_billers`: a customer's saved biller accounts, with the auto-pay limit (null: no
 *   auto-pay) and the card auto-pay charges (null: the wallet).
 * - `billpay_autopay_runs`: one row per saved biller and biller bill, so a bill is auto-paid once,
 *   whatever restarts happen (its id derives the bill payment's idempotency key).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('billpay_payments')
    .addColumn('funding', 'text', (c) => c.notNull().defaultTo('wallet'))
    .execute();
  await db.schema.alterTable('billpay_payments').addColumn('card_payment_id', 'text').execute();
  await db.schema.alterTable('billpay_payments').addColumn('card_refund', 'text').execute();
  await db.schema.createIndex('billpay_payments_card_refund').on('billpay_payments').columns(['card_refund']).execute();

  await db.schema
    .createTable('billpay_saved_billers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('biller_id', 'text', (c) => c.notNull())
    .addColumn('account_number', 'text', (c) => c.notNull())
    .addColumn('nickname', 'text')
    .addColumn('autopay_limit', 'bigint')
    .addColumn('autopay_card_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('billpay_saved_billers_customer')
    .on('billpay_saved_billers')
    .columns(['merchant_id', 'customer_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('billpay_autopay_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('saved_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('bill_id', 'text')
    .addColumn('biller_bill_ref', 'text', (c) => c.notNull())
    .addColumn('due_date', 'text')
    .addColumn('amount', 'bigint')
    .addColumn('payment_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('billpay_autopay_runs_saved').on('billpay_autopay_runs').columns(['saved_id', 'created_at']).execute();
}
