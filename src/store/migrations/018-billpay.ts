import type { Kysely } from 'kysely';

/**
 * Bill payment (src/billpay, issue 15): the biller registry, fetched bills, bill payments (held
 * in a biller payable until the biller accepts), complaints, and the exceptions found when a
 * biller's end-of-day file is reconciled. Amounts are bigint minor units.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('billpay_billers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('connector', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('account_rule', 'text', (c) => c.notNull())
    .addColumn('amount_rule', 'text', (c) => c.notNull())
    .addColumn('min_amount', 'bigint', (c) => c.notNull())
    .addColumn('max_amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('payer_fee_fixed', 'bigint', (c) => c.notNull())
    .addColumn('biller_fee_bps', 'bigint', (c) => c.notNull())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('billpay_billers_category').on('billpay_billers').columns(['category', 'region']).execute();

  await db.schema
    .createTable('billpay_bills')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('biller_id', 'text', (c) => c.notNull())
    .addColumn('account_number', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('biller_bill_ref', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_due', 'bigint')
    .addColumn('late_fee', 'bigint', (c) => c.notNull())
    .addColumn('due_date', 'text')
    .addColumn('customer_name', 'text')
    .addColumn('lines', 'text')
    .addColumn('periods', 'text')
    .addColumn('detail', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('billpay_bills_merchant').on('billpay_bills').columns(['merchant_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('billpay_payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('biller_id', 'text', (c) => c.notNull())
    .addColumn('bill_id', 'text')
    .addColumn('account_number', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('payer_fee', 'bigint', (c) => c.notNull())
    .addColumn('biller_fee', 'bigint', (c) => c.notNull())
    .addColumn('periods', 'bigint')
    .addColumn('biller_bill_ref', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('biller_receipt', 'text')
    .addColumn('reason', 'text')
    .addColumn('attempts', 'bigint', (c) => c.notNull())
    .addColumn('next_check_at', 'text')
    .addColumn('request_digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('billpay_payments_merchant').on('billpay_payments').columns(['merchant_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('billpay_payments_due').on('billpay_payments').columns(['status', 'next_check_at']).execute();
  await db.schema.createIndex('billpay_payments_biller').on('billpay_payments').columns(['biller_id', 'created_at']).execute();

  await db.schema
    .createTable('billpay_complaints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolution', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('billpay_complaints_payment').on('billpay_complaints').columns(['payment_id']).execute();

  await db.schema
    .createTable('billpay_recon_exceptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('biller_id', 'text', (c) => c.notNull())
    .addColumn('file_date', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('expected_amount', 'bigint')
    .addColumn('actual_amount', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolution', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('billpay_recon_exceptions_biller')
    .on('billpay_recon_exceptions')
    .columns(['biller_id', 'file_date'])
    .execute();
}
