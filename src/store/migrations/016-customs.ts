import type { Kysely } from 'kysely';

/**
 * Customs declarations (src/customs, docs/customs.md). A declaration is unique per (payment,
 * customs office, sub-order); every CEB message and receipt is kept, unique per (guid, kind,
 * direction, returnStatus) so a receipt polled and pushed is recorded once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('customs_registrations')
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('customs_office', 'text', (c) => c.notNull())
    .addColumn('ebp_code', 'text', (c) => c.notNull())
    .addColumn('ebp_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('customs_registrations_pk', ['merchant_id', 'customs_office'])
    .execute();
  await db.schema
    .createTable('customs_declarations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('customs_office', 'text', (c) => c.notNull())
    .addColumn('sub_order_no', 'text', (c) => c.notNull())
    .addColumn('order_no', 'text', (c) => c.notNull())
    .addColumn('ebp_code', 'text', (c) => c.notNull())
    .addColumn('ebp_name', 'text', (c) => c.notNull())
    .addColumn('amount_cny', 'bigint', (c) => c.notNull())
    .addColumn('payment_currency', 'text', (c) => c.notNull())
    .addColumn('payment_amount', 'bigint', (c) => c.notNull())
    .addColumn('cny_rate', 'text')
    .addColumn('payer_name', 'text', (c) => c.notNull())
    .addColumn('payer_id_type', 'text', (c) => c.notNull())
    .addColumn('payer_id_masked', 'text', (c) => c.notNull())
    .addColumn('person_key', 'text', (c) => c.notNull())
    .addColumn('limit_year', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('guid', 'text', (c) => c.notNull())
    .addColumn('app_type', 'text', (c) => c.notNull())
    .addColumn('return_status', 'text')
    .addColumn('return_info', 'text')
    .addColumn('push_attempts', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('request_digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('customs_declarations_scope', ['payment_id', 'customs_office', 'sub_order_no'])
    .execute();
  await db.schema.createIndex('customs_declarations_merchant').on('customs_declarations').columns(['merchant_id', 'id']).execute();
  await db.schema.createIndex('customs_declarations_person').on('customs_declarations').columns(['person_key', 'limit_year']).execute();
  await db.schema.createIndex('customs_declarations_guid').on('customs_declarations').column('guid').execute();
  await db.schema
    .createTable('customs_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('declaration_id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('guid', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('return_status', 'text')
    .addColumn('body_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('customs_messages_guid').on('customs_messages').columns(['guid', 'direction']).execute();
  await db.schema.createIndex('customs_messages_declaration').on('customs_messages').columns(['declaration_id', 'created_at']).execute();
  await db.schema
    .createTable('customs_history')
    .addColumn('declaration_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('return_status', 'text')
    .addColumn('return_info', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('customs_history_pk', ['declaration_id', 'seq'])
    .execute();
}
