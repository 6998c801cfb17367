import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely } from 'kysely';

/**
 * Query statistics and reports (issue 17 §3, docs/reports.md): rollups kept up to date with the
 * payments in the same transaction as the movement they count, so a report reads a few thousand
 * rollup rows, never the payments.
 *
 * - `report_money`: money per merchant × UTC hour × currency × method × brand × channel, moved by
 *   the ledger observer (src/read-models/rollups.ts) in the writer unit of each payment-linked
 *   ledger entry: captures, refunds, fees, FX margin, the merchant's net, escrow in and out.
 * - `report_attempts`: authorisation outcomes per merchant × hour × dimensions × outcome × code,
 *   moved by a trigger on `payment_attempts` when an authorisation or purchase attempt leaves
 *   `pending` (approved, declined with its code, or `unknown` = a timeout), with the latency sum.
 * - `report_latency`: per merchant × channel × hour, a histogram of attempt latencies (fixed bucket
 *   bounds in milliseconds, `latencyBucketsMs`) for p50/p99. Keyed by merchant too, so that it is locked
 *   only with rows the writer already orders by merchant (one row per channel and hour was locked by
 *   every payment of every merchant, and concurrent PostgreSQL batches queued on it).
 *
 * Indexes for global search (src/read-models/search.ts): a card's last four with the amount, a
 * waybill, a customer's email; payment ids, order ids and RRNs were indexed already.
 */
export const latencyBucketsMs = [
  10, 20, 30, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 15000, 30000, 60000,
] as const;

/** The bucket of a latency: the smallest bound at or above it; past the last bound, -1 (off the scale). */
function bucketCase(latency: string): string {
  return `case ${latencyBucketsMs.map((b) => `when ${latency} <= ${b} then ${b}`).join(' ')} else -1 end`;
}

export async function up(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const dims = (t: CreateTableBuilder<string, never>) =>
    t
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('hour', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('brand', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull());
  const zero = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(0);
  let money = dims(db.schema.createTable('report_money'));
  for (const m of [
    'captured_count',
    'captured',
    'refunded_count',
    'refunded',
    'fees',
    'fx_margin',
    'net',
    'escrow_held',
    'escrow_released',
    'chargebacks',
  ]) {
    money = money.addColumn(m, 'bigint', zero);
  }
  await money
    .addPrimaryKeyConstraint('report_money_pk', ['merchant_id', 'hour', 'currency', 'method', 'brand', 'channel'] as never)
    .execute();
  await db.schema.createIndex('report_money_hour').on('report_money').columns(['hour']).execute();

  await dims(db.schema.createTable('report_attempts'))
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', zero)
    .addColumn('latency_ms', 'bigint', zero)
    .addPrimaryKeyConstraint('report_attempts_pk', [
      'merchant_id',
      'hour',
      'currency',
      'method',
      'brand',
      'channel',
      'outcome',
      'code',
    ] as never)
    .execute();
  await db.schema.createIndex('report_attempts_hour').on('report_attempts').columns(['hour', 'channel']).execute();

  await db.schema
    .createTable('report_latency')
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('hour', 'text', (c) => c.notNull())
    .addColumn('bucket_ms', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', zero)
    .addPrimaryKeyConstraint('report_latency_pk', ['merchant_id', 'channel', 'hour', 'bucket_ms'] as never)
    .execute();

  await db.schema.createIndex('payments_card_last4_amount').on('payments').columns(['card_last4', 'amount']).execute();
  // The operator searches order ids across merchants (the unique key leads with the merchant).
  await db.schema.createIndex('payments_order_id').on('payments').columns(['merchant_order_id']).execute();
  await db.schema.createIndex('escrows_waybill').on('escrows').columns(['waybill_number']).execute();
  await db.schema.createIndex('customers_email').on('customers').columns(['email']).execute();

  // The attempt trigger: one row per outcome into report_attempts, one into report_latency.
  const outcome = `case new.status when 'unknown' then 'timeout' else new.status end`;
  const when = `old.status in ('pending', 'unknown') and new.status in ('approved', 'declined', 'unknown') and old.status <> new.status
    and new.kind in ('authorize', 'purchase')`;
  if (dialect === 'sqlite') {
    const latency = `max(0, cast(round((julianday(new.updated_at) - julianday(new.sent_at)) * 86400000.0) as integer))`;
    await sql
      .raw(
        `create trigger report_attempts_outcome after update of status on payment_attempts when ${when} begin
        insert into report_attempts (merchant_id, hour, currency, method, brand, channel, outcome, code, count, latency_ms)
          select p.merchant_id, substr(new.sent_at, 1, 13), new.currency, coalesce(p.method_type, ''), coalesce(p.card_brand, ''), new.channel,
            ${outcome}, coalesce(new.response_code, ''), 1, ${latency}
          from payments p where p.id = new.payment_id
          on conflict (merchant_id, hour, currency, method, brand, channel, outcome, code)
          do update set count = report_attempts.count + 1, latency_ms = report_attempts.latency_ms + excluded.latency_ms;
        insert into report_latency (merchant_id, channel, hour, bucket_ms, count)
          select p.merchant_id, new.channel, substr(new.sent_at, 1, 13), ${bucketCase(latency)}, 1
          from payments p where p.id = new.payment_id and old.status = 'pending'
          on conflict (merchant_id, channel, hour, bucket_ms) do update set count = report_latency.count + 1;
      end`,
      )
      .execute(db);
  } else {
    const latency = `greatest(0, round(extract(epoch from (new.updated_at::timestamptz - new.sent_at::timestamptz)) * 1000))::bigint`;
    await sql
      .raw(
        `create function hutong_report_attempt() returns trigger language plpgsql as $$
        begin
          if ${when} then
            insert into report_attempts (merchant_id, hour, currency, method, brand, channel, outcome, code, count, latency_ms)
              select p.merchant_id, substr(new.sent_at, 1, 13), new.currency, coalesce(p.method_type, ''), coalesce(p.card_brand, ''),
                new.channel, ${outcome}, coalesce(new.response_code, ''), 1, ${latency}
              from payments p where p.id = new.payment_id
              on conflict (merchant_id, hour, currency, method, brand, channel, outcome, code)
              do update set count = report_attempts.count + 1, latency_ms = report_attempts.latency_ms + excluded.latency_ms;
            if old.status = 'pending' then
              insert into report_latency (merchant_id, channel, hour, bucket_ms, count)
                select p.merchant_id, new.channel, substr(new.sent_at, 1, 13), ${bucketCase(latency)}, 1
                from payments p where p.id = new.payment_id
                on conflict (merchant_id, channel, hour, bucket_ms) do update set count = report_latency.count + 1;
            end if;
          end if;
          return null;
        end $$`,
      )
      .execute(db);
    await sql
      .raw(
        'create trigger report_attempts_outcome after update of status on payment_attempts for each row execute function hutong_report_attempt()',
      )
      .execute(db);
  }
}
