import type { Kysely } from 'kysely';

/**
 * Test clocks (issue 12, "Operators cannot see or test what matters"; Stripe's test clocks are the
 * model): a merchant's simulated time for test-mode objects (src/events/test-clocks.ts).
 *
 * - `test_clocks`: one clock per row, owned by a merchant. `frozen_time` is the clock's time now;
 *   while `status` is `advancing`, `advance_to` is where it is going, and `locked_until` /
 *   `claimed_by` are the lease of the process that moves it (a crash leaves the lease to run out,
 *   and another run resumes the advance).
 * - `timers.test_clock_id`: a timer of a clock's object; the real-time loop leaves it alone, and
 *   it is due on the clock's time (an advance runs it).
 * - `escrows.test_clock_id`: the clock an escrow trade was created on (named at creation only).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('test_clocks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('frozen_time', 'text', (c) => c.notNull())
    .addColumn('advance_to', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('test_clocks_merchant').on('test_clocks').columns(['merchant_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('test_clocks_advancing').on('test_clocks').columns(['status', 'locked_until']).execute();
  await db.schema.alterTable('timers').addColumn('test_clock_id', 'text').execute();
  await db.schema.createIndex('timers_test_clock').on('timers').columns(['test_clock_id', 'status', 'due_at']).execute();
  await db.schema.alterTable('escrows').addColumn('test_clock_id', 'text').execute();
  await db.schema.createIndex('escrows_test_clock').on('escrows').columns(['test_clock_id']).execute();
}
