import { type Kysely } from 'kysely';

/**
 * Money safety (issue 12).
 *
 * - `payments.claim_id`: the follow-up (a capture or a cancel) that holds an authorized payment
 *   while it talks to the acquirer. It is set in a writer unit before the message leaves, so a
 *   concurrent capture or cancel loses there with 409 and never sends its own message.
 *   `claimed_at` lets the recovery sweep release a claim whose process died.
 * - `idempotency_keys.locked_until`: a key is reserved when its request starts (status_code 0,
 *   an empty body) and holds that lease until the answer is saved; a reservation past its lease
 *   belongs to a process that died and is taken over by the retry. `content_type` is the answer's
 *   own, so a replayed problem stays `application/problem+json`.
 * - `escrow_periods`: the escrow timer periods the operator set per goods type (docs/escrow.md);
 *   a goods type without a row uses the defaults of src/escrow/state.ts.
 */
export async function up(db: Kysely<unknown>, _dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema.alterTable('payments').addColumn('claim_id', 'text').execute();
  await db.schema.alterTable('payments').addColumn('claimed_at', 'text').execute();
  await db.schema.alterTable('idempotency_keys').addColumn('locked_until', 'text').execute();
  await db.schema.alterTable('idempotency_keys').addColumn('content_type', 'text').execute();
  await db.schema.createIndex('payments_claimed').on('payments').columns(['claimed_at']).execute();
  await db.schema
    .createTable('escrow_periods')
    .addColumn('goods_type', 'text', (c) => c.primaryKey())
    .addColumn('confirm_after_ms', 'bigint', (c) => c.notNull())
    .addColumn('unpaid_close_after_ms', 'bigint', (c) => c.notNull())
    .addColumn('seller_answer_after_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
