import type { Kysely } from 'kysely';

/**
 * Interconnection, part two (issue 14, docs/interop.md): Hutong's tills taking payment codes through
 * the switch, and refunds both ways. `interop_till_charges.id` is the payment attempt's id, the
 * order reference the switch keys the charge by: claimed (inserted) before the switch is asked, so
 * a crash leaves a row the sweep resolves. A refund's id is Hutong's refund id (till refunds) or the
 * switch's refund reference (refunds to a Hutong wallet user): each is one row, so a refund asked
 * twice moves money once.
 */
export async function up(db: Kysely<unknown>, _dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('interop_till_charges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('payer_institution', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('switch_reference', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('interop_till_charges_updated').on('interop_till_charges').columns(['status', 'updated_at']).execute();
  await db.schema
    .createTable('interop_till_refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('charge_id', 'text', (c) => c.notNull().references('interop_till_charges.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('switch_reference', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('interop_code_refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payment_code_id', 'text', (c) => c.notNull().references('interop_payment_codes.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // PBOC bar-code limits count static and dynamic codes apart (src/interop/barcode-limits.ts).
  await db.schema.alterTable('interop_scans').addColumn('code_kind', 'text').execute();
}
