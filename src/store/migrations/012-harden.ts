import { type Kysely } from 'kysely';

/**
 * A cashier session may carry its own way back (docs/web.md): a session the escrow buyer opens
 * from the buyer page returns to that page (`/escrow/{id}`), not to the merchant's shop.
 */
export async function up(db: Kysely<unknown>, _dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema.alterTable('checkout_sessions').addColumn('return_url', 'text').execute();
}
