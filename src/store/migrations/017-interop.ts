import type { Kysely } from 'kysely';

/**
 * Interconnection (issue 14, docs/interop.md): collection codes (EMV MPM) and their orders through
 * the switch. `claim_key` is unique: a dynamic code's orders all claim the code's id, so a code
 * paid twice loses at the insert; `switch_reference` is unique, so a notification replayed by the
 * switch finds its order instead of paying again. Payment codes are one-time bearer tokens: only
 * their digest is stored, and `switch_reference` is unique so a charge replayed by the switch is one charge.
 */
export async function up(db: Kysely<unknown>, _dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('interop_collection_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint')
    .addColumn('merchant_order_id', 'text')
    .addColumn('description', 'text')
    .addColumn('mcc', 'text', (c) => c.notNull())
    .addColumn('merchant_name', 'text', (c) => c.notNull())
    .addColumn('merchant_name_local', 'text')
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('bill_number', 'text')
    .addColumn('store_label', 'text')
    .addColumn('terminal_label', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('request_digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('interop_collection_codes_order')
    .unique()
    .on('interop_collection_codes')
    .columns(['merchant_id', 'merchant_order_id'])
    .execute();
  await db.schema.createIndex('interop_collection_codes_merchant').on('interop_collection_codes').columns(['merchant_id', 'id']).execute();
  await db.schema
    .createTable('interop_code_orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code_id', 'text', (c) => c.notNull().references('interop_collection_codes.id'))
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('claim_key', 'text', (c) => c.notNull().unique())
    .addColumn('switch_reference', 'text', (c) => c.notNull().unique())
    .addColumn('payer_institution', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('entry_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('paid_at', 'text')
    .execute();
  await db.schema
    .createTable('interop_payment_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code_digest', 'text', (c) => c.notNull().unique())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('switch_reference', 'text', (c) => c.unique())
    .addColumn('payee_institution', 'text')
    .addColumn('amount', 'bigint')
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('interop_scans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('payee_institution', 'text', (c) => c.notNull())
    .addColumn('merchant_name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('switch_reference', 'text', (c) => c.unique())
    .addColumn('failure_reason', 'text')
    .addColumn('request_digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('interop_code_orders_code').on('interop_code_orders').columns(['code_id']).execute();
}
