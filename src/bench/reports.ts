import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import { createHutong } from '../app.js';
import { loadConfig } from '../config.js';
import { chart, createLedger, type Ledger } from '../ledger/index.js';
import { createRollups, observeLedger } from '../read-models/index.js';
import type { Database, Dialect } from '../store/index.js';
import { adminUrl, openPostgresDatabase, openSqliteDatabase, type BenchDatabase } from './databases.js';
import { formatCount, formatMs, renderTable } from './table.js';

/**
 * `npm run bench -- --reports` (issue 17 §3, docs/reports.md).
 *
 * 1. Report latency at 1,000,000 payments. The payments are seeded in bulk by one SQL statement
 *    per table (SQLite: a recursive CTE; PostgreSQL: generate_series): 50 merchants, a year of
 *    hours, four brands, three channels, two currencies, 7% declined. The rollups are then built
 *    from those rows by one grouping INSERT … SELECT — the figures the ledger observer and the
 *    attempt trigger would have written one payment at a time. Each report is then asked over
 *    HTTP (the operator key, a started service) 20 times: p50 and p99.
 * 2. The rollups' cost on the payment path: the database part of an automatic-capture card payment
 *    (payment row, attempt inserted and settled, capture entry with fee) run through the writer, 64
 *    in flight, with the rollups (observer + trigger) and without (plain ledger, trigger dropped).
 */
const merchantsCount = 50;
const askRuns = 20;
const pathRuns = 20_000;

interface ReportFigure {
  readonly store: Dialect;
  readonly report: string;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly rows: number;
}

async function seed(db: Kysely<Database>, dialect: Dialect, count: number): Promise<number> {
  const t0 = performance.now();
  const now = new Date().toISOString();
  for (let m = 0; m < merchantsCount; m++) {
    await db
      .insertInto('merchants')
      .values({ id: `mch_bench_${m}`, name: `Bench ${m}`, country: 'CN', settlement_currency: 'CNY', status: 'active', created_at: now })
      .execute();
  }
  // One payment every (a year / count) seconds, ending now.
  const stepMs = Math.floor((365 * 86_400_000) / count);
  const startMs = Date.now() - count * stepMs;
  const series =
    dialect === 'sqlite'
      ? sql.raw(`with recursive n(i) as (select 0 union all select i + 1 from n where i < ${count - 1}) select i from n`)
      : sql.raw(`select generate_series(0::bigint, ${count - 1}::bigint) as i`);
  const at =
    dialect === 'sqlite'
      ? sql.raw(`strftime('%Y-%m-%dT%H:%M:%fZ', (${startMs} + i * ${stepMs}) / 1000.0, 'unixepoch')`)
      : sql.raw(`to_char(to_timestamp((${startMs} + i * ${stepMs}) / 1000.0) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
  const text = dialect === 'sqlite' ? sql.raw(`cast(i as text)`) : sql.raw(`i::text`);
  await sql`insert into payments (id, merchant_id, merchant_order_id, amount, currency, amount_captured, amount_refunded, fee, status,
      capture_method, description, metadata, customer_id, return_url, method_type, card_id, card_brand, card_last4, card_expiry_yymm,
      channel, hold_entry_id, three_ds_transaction_id, next_action_url, next_action_qr, last_error_code, last_error_message,
      request_digest, expires_at, created_at, updated_at)
    select 'pay_bench_' || ${text}, 'mch_bench_' || ${sql.raw(dialect === 'sqlite' ? `cast(i % ${merchantsCount} as text)` : `(i % ${merchantsCount})::text`)},
      'o' || ${text}, 100 + (i * 7919) % 100000, case when i % 5 = 0 then 'USD' else 'CNY' end,
      case when i % 100 < 7 then 0 else 100 + (i * 7919) % 100000 end, 0, case when i % 100 < 7 then 0 else (100 + (i * 7919) % 100000) * 6 / 1000 end,
      case when i % 100 < 7 then 'failed' else 'succeeded' end, 'automatic', null, '{}', null, null, 'card', null,
      case i % 4 when 0 then 'visa' when 1 then 'mastercard' when 2 then 'unionpay' else 'jcb' end,
      ${sql.raw(dialect === 'sqlite' ? `substr('000' || cast(i as text), -4, 4)` : `right('000' || i::text, 4)`)}, null,
      case i % 3 when 0 then 'sandbox_acquirer' when 1 then 'http_acquirer' else 'acq_backup' end,
      null, null, null, null, null, null, 'x', ${at}, ${at}, ${at}
    from (${series}) s`.execute(db);
  // The rollups, as the observer and the trigger would have left them.
  await sql`insert into report_money (merchant_id, hour, currency, method, brand, channel, captured_count, captured, refunded_count,
      refunded, fees, fx_margin, net, escrow_held, escrow_released, chargebacks)
    select merchant_id, substr(created_at, 1, 13), currency, method_type, card_brand, channel,
      sum(case when status = 'succeeded' then 1 else 0 end), sum(amount_captured), 0, 0, sum(fee), 0, sum(amount_captured - fee), 0, 0, 0
    from payments where id like 'pay_bench_%' and status = 'succeeded'
    group by merchant_id, substr(created_at, 1, 13), currency, method_type, card_brand, channel`.execute(db);
  await sql`insert into report_attempts (merchant_id, hour, currency, method, brand, channel, outcome, code, count, latency_ms)
    select merchant_id, substr(created_at, 1, 13), currency, method_type, card_brand, channel,
      case when status = 'succeeded' then 'approved' else 'declined' end, case when status = 'succeeded' then '' else '51' end,
      count(*), count(*) * 85
    from payments where id like 'pay_bench_%'
    group by merchant_id, substr(created_at, 1, 13), currency, method_type, card_brand, channel, status`.execute(db);
  await sql`insert into report_latency (merchant_id, channel, hour, bucket_ms, count)
    select merchant_id, channel, substr(created_at, 1, 13), case when amount % 100 = 0 then 300 else 100 end, count(*)
    from payments where id like 'pay_bench_%'
    group by merchant_id, channel, substr(created_at, 1, 13), case when amount % 100 = 0 then 300 else 100 end`.execute(db);
  if (dialect === 'postgres') await sql`analyze`.execute(db);
  return performance.now() - t0;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

async function askReports(db: BenchDatabase, count: number): Promise<{ figures: ReportFigure[]; seedMs: number; rollupRows: number }> {
  const config = { ...loadConfig({}), store: db.store, dataDir: undefined, port: 0, logLevel: 'silent' };
  const hutong = await createHutong(config, { logger: false, vaultKey: randomBytes(32) });
  try {
    const store = hutong.services.store;
    const seedMs = await seed(store.db, db.dialect, count);
    const rollupRows = Number((await sql<{ n: string }>`select count(*) as n from report_money`.execute(store.db)).rows[0]?.n ?? 0);
    const address = await hutong.server.listen({ port: 0, host: '127.0.0.1' });
    const ops = (await hutong.services.parties.ensureOperatorKey(undefined)).generated as string;
    const today = new Date().toISOString().slice(0, 10);
    const yearAgo = new Date(Date.now() - 364 * 86_400_000).toISOString().slice(0, 10);
    const monthAgo = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
    const year = `from=${yearAgo}&to=${today}`;
    const asks: [string, string][] = [
      ['one merchant, summary, a year', `/v1/operator/reports/summary?merchant=mch_bench_7&${year}&time_zone=Asia/Shanghai`],
      [
        'one merchant, volume by day, a year (Shanghai)',
        `/v1/operator/reports/volume?merchant=mch_bench_7&${year}&time_zone=Asia/Shanghai`,
      ],
      ['one merchant, by brand, a year', `/v1/operator/reports/breakdown?by=brand&merchant=mch_bench_7&${year}`],
      ['one merchant, declines, a year', `/v1/operator/reports/declines?merchant=mch_bench_7&${year}`],
      ['platform, by merchant, a month', `/v1/operator/reports/breakdown?by=merchant&from=${monthAgo}&to=${today}`],
      ['platform, volume by month, a year', `/v1/operator/reports/volume?interval=month&${year}`],
      ['platform, channel health, a month', `/v1/operator/reports/channel_health?from=${monthAgo}&to=${today}`],
      ['platform, revenue by week, a year (New York)', `/v1/operator/reports/revenue?interval=week&${year}&time_zone=America/New_York`],
      ['search: card last 4 + amount', `/v1/operator/search?q=0042&amount=${100 + ((42 * 7919) % 100000)}`],
      ['search: order id', `/v1/operator/search?q=o123456`],
    ];
    const figures: ReportFigure[] = [];
    for (const [report, path] of asks) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < askRuns; i++) {
        const t0 = performance.now();
        const res = await fetch(`${address}${path}`, { headers: { authorization: `Bearer ${ops}` } });
        const body = (await res.json()) as { data: unknown[] };
        times.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
        rows = body.data.length;
      }
      times.sort((a, b) => a - b);
      figures.push({ store: db.dialect, report, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), rows });
    }
    return { figures, seedMs, rollupRows };
  } finally {
    await hutong.close();
  }
}

interface PathFigure {
  readonly store: Dialect;
  readonly withRollups: boolean;
  readonly perSec: number;
  readonly usPerPayment: number;
}

/** The database part of a card payment, through the writer, with or without the rollups. */
async function paymentPath(db: BenchDatabase, withRollups: boolean, runs: number): Promise<PathFigure> {
  const config = { ...loadConfig({}), store: db.store, dataDir: undefined, port: 0, logLevel: 'silent' };
  const hutong = await createHutong(config, { logger: false, vaultKey: randomBytes(32) });
  try {
    const { store, writer } = hutong.services;
    const plain: Ledger = createLedger({ clock: hutong.services.clock, exec: store.exec, dialect: store.dialect });
    const ledger = withRollups ? observeLedger(plain, createRollups({ exec: store.exec })) : plain;
    if (!withRollups)
      await sql`drop trigger report_attempts_outcome${sql.raw(db.dialect === 'postgres' ? ' on payment_attempts' : '')}`.execute(store.db);
    const merchantId = `mch_path_${withRollups ? 'on' : 'off'}`;
    await store.db
      .insertInto('merchants')
      .values({
        id: merchantId,
        name: 'Path',
        country: 'CN',
        settlement_currency: 'CNY',
        status: 'active',
        created_at: new Date().toISOString(),
      })
      .execute();
    const tag = withRollups ? 'on' : 'off';
    const one = async (i: number) => {
      const id = `pay_path_${tag}_${i}`;
      const at = new Date().toISOString();
      await writer.run(async (trx) => {
        await sql`insert into payments (id, merchant_id, merchant_order_id, amount, currency, amount_captured, amount_refunded, fee, status,
            capture_method, metadata, method_type, card_brand, card_last4, channel, request_digest, expires_at, created_at, updated_at)
          values (${id}, ${merchantId}, ${id}, 4200, 'CNY', 4200, 0, 25, 'succeeded', 'automatic', '{}', 'card', 'unionpay', '0042',
            'sandbox_acquirer', 'x', ${at}, ${at}, ${at})`.execute(trx);
        await sql`insert into payment_attempts (id, payment_id, kind, channel, status, amount, currency, sent_at, created_at, updated_at)
          values (${`att_${tag}_${i}`}, ${id}, 'purchase', 'sandbox_acquirer', 'pending', 4200, 'CNY', ${at}, ${at}, ${at})`.execute(trx);
        await sql`update payment_attempts set status = 'approved', response_code = '00', updated_at = ${at} where id = ${`att_${tag}_${i}`}`.execute(
          trx,
        );
        // What an automatic capture posts (src/payments/postings.ts): gross from the channel to the merchant, the fee to revenue.
        const source = await ledger.ensureAccount(trx, chart.channelReceivable('sandbox_acquirer', 'CNY'));
        const merchant = await ledger.ensureAccount(trx, chart.merchantPending(merchantId, 'CNY'));
        const revenue = await ledger.ensureAccount(trx, chart.feeRevenue('CNY'));
        await ledger.post(trx, {
          id: `${id}:cap`,
          reason: 'payment.capture',
          link: { type: 'payment', id },
          postings: [
            { accountId: source, currency: 'CNY', amountMinor: 4200n },
            { accountId: merchant, currency: 'CNY', amountMinor: -4200n },
            { accountId: merchant, currency: 'CNY', amountMinor: 25n },
            { accountId: revenue, currency: 'CNY', amountMinor: -25n },
          ],
        });
      });
    };
    await Promise.all(Array.from({ length: 256 }, (_, i) => one(-1 - i))); // warm-up
    const inFlight = 64;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < runs) await one(next++);
      }),
    );
    const ms = performance.now() - t0;
    return { store: db.dialect, withRollups, perSec: (runs / ms) * 1000, usPerPayment: (ms * 1000) / runs };
  } finally {
    await hutong.close();
  }
}

export async function runReportsBench(options: { stores: string[]; quick: boolean }): Promise<void> {
  const count = options.quick ? 100_000 : 1_000_000;
  const reportFigures: ReportFigure[] = [];
  const pathFigures: PathFigure[] = [];
  const notes: string[] = [];
  for (const dialect of options.stores as Dialect[]) {
    for (const phase of ['reports', 'path-on', 'path-off'] as const) {
      const db = dialect === 'sqlite' ? openSqliteDatabase() : await openPostgresDatabase(adminUrl());
      if ('unavailable' in db) {
        notes.push(`${dialect}: ${db.unavailable}`);
        break;
      }
      try {
        if (phase === 'reports') {
          const r = await askReports(db, count);
          reportFigures.push(...r.figures);
          for (const x of r.figures)
            console.log(`${dialect} ${x.report}: p50 ${formatMs(x.p50Ms)} ms, p99 ${formatMs(x.p99Ms)} ms (${x.rows} rows)`);
          notes.push(
            `${dialect}: seeded ${formatCount(count)} payments and ${formatCount(r.rollupRows)} money rollup rows in ${formatMs(r.seedMs)}`,
          );
        } else {
          const p = await paymentPath(db, phase === 'path-on', options.quick ? 4_000 : pathRuns);
          pathFigures.push(p);
          console.log(
            `${dialect} payment path, rollups ${p.withRollups ? 'on' : 'off'}: ${Math.round(p.perSec)}/s, ${p.usPerPayment.toFixed(0)} µs`,
          );
        }
      } finally {
        await db.drop();
      }
    }
  }
  console.log(`\nReports at ${formatCount(count)} payments (HTTP, operator key, ${askRuns} asks each; target p99 ≤ 300 ms)\n`);
  console.log(
    renderTable(
      ['store', 'report', 'rows', 'p50', 'p99', 'target'],
      reportFigures.map((f) => [
        f.store,
        f.report,
        String(f.rows),
        formatMs(f.p50Ms),
        formatMs(f.p99Ms),
        f.p99Ms <= 300 ? 'met' : 'MISSED',
      ]),
    ),
  );
  console.log('\nThe rollups on the payment path (payment row + attempt + capture entry with fee, through the writer, 64 in flight)\n');
  console.log(
    renderTable(
      ['store', 'rollups', 'payments/s', 'µs per payment'],
      pathFigures.map((f) => [f.store, f.withRollups ? 'on' : 'off', formatCount(Math.round(f.perSec)), f.usPerPayment.toFixed(0)]),
    ),
  );
  for (const dialect of new Set(pathFigures.map((f) => f.store))) {
    const on = pathFigures.find((f) => f.store === dialect && f.withRollups);
    const off = pathFigures.find((f) => f.store === dialect && !f.withRollups);
    if (on !== undefined && off !== undefined) {
      notes.push(
        `${dialect}: the rollups cost ${(on.usPerPayment - off.usPerPayment).toFixed(0)} µs per payment of writer time (${(((off.perSec - on.perSec) / off.perSec) * 100).toFixed(1)}% of this path's throughput)`,
      );
    }
  }
  for (const n of notes) console.log(n);
}
