import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sql } from 'kysely';
import { createHutong } from '../app.js';
import { loadConfig } from '../config.js';
import { isFailure } from '../core/index.js';
import { accountIdFor, chart } from '../ledger/index.js';
import { amount, formatDecimal } from '../money/index.js';
import { parseBatches, type FileMeta } from '../reconciliation/index.js';
import { fileLineBatches } from '../reconciliation/index.js';
import type { Dialect } from '../store/index.js';
import { adminUrl, openPostgresDatabase, openSqliteDatabase, type BenchDatabase } from './databases.js';
import { step } from './load.js';
import { formatCount } from './table.js';
import { verifyFigures } from './verify.js';

/**
 * The settlement and reconciliation benchmark (issue 7): N captured payments across M merchants are
 * seeded straight into the ledger tables in bulk SQL (not through the API), then
 *  1. a settlement run settles them all (one statement per merchant, one line per payment);
 *  2. an N-line acquirer CSV of the same payments is written, parsed alone (the baseline), then
 *     reconciled against the ledger (a hash pass, then parse + match) — streamed in 1 MiB line
 *     batches, matched set-based in 10,000-record chunks.
 * Time, lines/s and peak memory (RSS, heap) are sampled every 20 ms; the live heap (after a full
 * GC) at 10 % of the file is set beside the live heap at its end to show memory does not grow with
 * the file.
 */
export interface PhaseFigures {
  readonly lines: number;
  readonly seconds: number;
  readonly linesPerSec: number;
  readonly peakRssMb: number;
  readonly peakHeapMb: number;
  readonly startHeapMb: number;
}

export interface SettlementBenchReport {
  readonly store: Dialect;
  readonly payments: number;
  readonly merchants: number;
  readonly seedSeconds: number;
  readonly settlement: PhaseFigures & { readonly statements: number };
  readonly parseBaseline: PhaseFigures;
  readonly reconcile: PhaseFigures & {
    readonly matched: number;
    readonly exceptions: number;
    readonly heapAt10PercentMb: number;
    readonly heapAtEndMb: number;
  };
  readonly verifyOk: boolean;
}

/** A full garbage collection, so a heap figure is what is live (not garbage not yet collected). */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function measured<T>(lines: number, work: (sample: () => void) => Promise<T>): Promise<{ result: T; figures: PhaseFigures }> {
  global.gc?.();
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const timer = setInterval(sample, 20);
  const t0 = performance.now();
  try {
    const result = await work(sample);
    const seconds = (performance.now() - t0) / 1000;
    sample();
    return {
      result,
      figures: {
        lines,
        seconds,
        linesPerSec: Math.round(lines / seconds),
        peakRssMb: mb(peakRss),
        peakHeapMb: mb(peakHeap),
        startHeapMb: mb(start.heapUsed),
      },
    };
  } finally {
    clearInterval(timer);
  }
}

export async function benchSettlementStore(
  dialect: Dialect,
  options: { payments: number; merchants: number },
): Promise<SettlementBenchReport | { store: Dialect; skipped: string }> {
  const database: BenchDatabase | { unavailable: string } =
    dialect === 'sqlite' ? openSqliteDatabase() : await openPostgresDatabase(adminUrl());
  if ('unavailable' in database) return { store: dialect, skipped: database.unavailable };
  const dir = await mkdtemp(join(tmpdir(), 'hutong-settle-bench-'));
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: database.store.dialect === 'sqlite' ? `sqlite:${database.store.path}` : database.store.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
  };
  const hutong = await createHutong(loadConfig(env), { logger: false, vaultKey: randomBytes(32) });
  const { store, writer, ledger, settlement, reconciliation } = hutong.services;
  const N = options.payments;
  const M = options.merchants;
  const channel = 'bench_acquirer';
  const name = `settlement ${dialect}`;
  try {
    const t0 = performance.now();
    const createdAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const date = createdAt.slice(0, 10);
    await step(`${name}: seed ${formatCount(N)} captured payments across ${formatCount(M)} merchants (bulk SQL)`, async () => {
      const now = new Date().toISOString();
      for (let i = 0; i < M; i += 500) {
        const rows = Array.from({ length: Math.min(500, M - i) }, (_, k) => ({
          id: `mer_bench${String(i + k).padStart(8, '0')}`,
          name: `Bench ${i + k}`,
          country: 'CN',
          settlement_currency: 'CNY',
          status: 'active',
          created_at: now,
        }));
        await store.db.insertInto('merchants').values(rows).execute();
      }
      await writer.run(async (trx) => {
        await ledger.ensureAccount(trx, chart.channelReceivable(channel, 'CNY'));
        await ledger.ensureAccount(trx, chart.feeRevenue('CNY'));
        for (let i = 0; i < M; i++) await ledger.ensureAccount(trx, chart.merchantPending(`mer_bench${String(i).padStart(8, '0')}`, 'CNY'));
      });
      await sql`create table bench_merchants (idx integer primary key, account_id text not null)`.execute(store.db);
      for (let i = 0; i < M; i += 500) {
        const values = Array.from(
          { length: Math.min(500, M - i) },
          (_, k) => sql`(${i + k}, ${accountIdFor(chart.merchantPending(`mer_bench${String(i + k).padStart(8, '0')}`, 'CNY'))})`,
        );
        await sql`insert into bench_merchants (idx, account_id) values ${sql.join(values)}`.execute(store.db);
      }
      const receivable = accountIdFor(chart.channelReceivable(channel, 'CNY'));
      const revenue = accountIdFor(chart.feeRevenue('CNY'));
      const series =
        dialect === 'sqlite'
          ? sql`with recursive n(i) as (select 0 union all select i + 1 from n where i < ${N - 1})`
          : sql`with n(i) as (select generate_series(0, ${N - 1}))`;
      const gross = sql`(1000 + n.i % 997)`;
      const fee = sql`((1000 + n.i % 997) * 3 / 100)`;
      await sql`${series} insert into ledger_entries (id, kind, pending_id, reason, link_type, link_id, digest, created_at)
        select 'ent_bench_' || n.i, 'posted', null, 'payment.capture', 'payment', 'pay_bench_' || n.i, 'bench', ${createdAt} from n`.execute(
        store.db,
      );
      await sql`${series} insert into ledger_postings (entry_id, seq, account_id, currency, amount)
        select 'ent_bench_' || n.i, 0, ${receivable}, 'CNY', ${gross} from n`.execute(store.db);
      await sql`${series} insert into ledger_postings (entry_id, seq, account_id, currency, amount)
        select 'ent_bench_' || n.i, 1, m.account_id, 'CNY', -(${gross} - ${fee}) from n join bench_merchants m on m.idx = n.i % ${M}`.execute(
        store.db,
      );
      await sql`${series} insert into ledger_postings (entry_id, seq, account_id, currency, amount)
        select 'ent_bench_' || n.i, 2, ${revenue}, 'CNY', -${fee} from n`.execute(store.db);
      await sql`update ledger_accounts set
          debits_posted = coalesce((select sum(p.amount) from ledger_postings p where p.account_id = ledger_accounts.id and p.amount > 0), 0),
          credits_posted = coalesce((select -sum(p.amount) from ledger_postings p where p.account_id = ledger_accounts.id and p.amount < 0), 0)
        where owner_type in ('merchant', 'channel', 'platform')`.execute(store.db);
      await sql`drop table bench_merchants`.execute(store.db);
      // PostgreSQL: vacuumed as autovacuum would have done to a ledger that took days to fill (the
      // visibility map lets the covering indexes answer without visiting the table).
      if (dialect === 'postgres') await sql`vacuum analyze`.execute(store.db);
      else await sql`analyze`.execute(store.db);
    });
    const seedSeconds = (performance.now() - t0) / 1000;

    // HUTONG_BENCH_RECON_ONLY=1 skips the settlement run (it posts nothing the reconciliation reads).
    const reconOnly = process.env.HUTONG_BENCH_RECON_ONLY === '1';
    const settled = await step(
      `${name}: settlement run over ${formatCount(N)} payments${reconOnly ? ' (skipped: HUTONG_BENCH_RECON_ONLY)' : ''}`,
      () =>
        measured(N, async () => {
          if (reconOnly) return 0;
          const run = await settlement.run({});
          if (isFailure(run)) throw new Error(run.detail);
          if (run.statements.length !== M) throw new Error(`expected ${M} statements, got ${run.statements.length}`);
          const lines = run.statements.reduce((s, st) => s + st.linesCount, 0);
          if (lines !== N) throw new Error(`expected ${N} lines, got ${lines}`);
          for (const st of run.statements)
            if (st.carriedIn + st.linesTotal !== st.payout + st.reserve + st.carriedOut)
              throw new Error(`statement ${st.id} does not add up`);
          return run.statements.length;
        }),
      (r) => `${formatCount(r.figures.linesPerSec)} lines/s, peak RSS ${r.figures.peakRssMb} MB`,
    );

    const path = join(dir, 'acquirer.csv');
    await step(`${name}: write a ${formatCount(N)}-line acquirer CSV`, async () => {
      const out = createWriteStream(path);
      const write = (text: string) => new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', resolve)));
      await write('settlement_date,rrn,type,amount,currency\n');
      for (let i = 0; i < N; i += 10_000) {
        let chunk = '';
        for (let k = i; k < Math.min(N, i + 10_000); k++)
          chunk += `${date},pay_bench_${k},purchase,${formatDecimal(amount(BigInt(1000 + (k % 997)), 'CNY'))},CNY\n`;
        await write(chunk);
      }
      await write(`TRAILER,${N}\n`);
      await new Promise<void>((resolve) => out.end(resolve));
    });

    const parsed = await step(
      `${name}: baseline, parse the CSV only (streamed)`,
      () =>
        measured(N, async () => {
          const meta: FileMeta = { ownerType: 'channel', ownerId: '', code: 'receivable', until: '', records: 0 };
          let count = 0;
          for await (const lines of parseBatches('acquirer_csv', fileLineBatches(path), meta, { channel }))
            for (const line of lines) if (line.amountMinor !== 0n) count++;
          if (count !== N) throw new Error(`parsed ${count} lines`);
        }),
      (r) => `${formatCount(r.figures.linesPerSec)} lines/s, peak heap ${r.figures.peakHeapMb} MB`,
    );

    let heapAt10 = 0;
    const reconciled = await step(
      `${name}: reconcile the CSV against the ledger (hash pass, then parse + match)`,
      () =>
        measured(N, async (sample) => {
          const report = await reconciliation.importFile({
            kind: 'acquirer_csv',
            name: 'bench-acquirer.csv',
            channel,
            openBatches: () => fileLineBatches(path),
            onProgress: (lines) => {
              sample();
              if (heapAt10 === 0 && lines >= N / 10) {
                collectGarbage();
                heapAt10 = process.memoryUsage().heapUsed;
              }
              if (lines % 200_000 < 10_000) console.log(`  reconcile: ${formatCount(lines)} lines matched`);
            },
          });
          if (isFailure(report)) throw new Error(report.detail);
          return report;
        }),
      (r) =>
        `${formatCount(r.figures.linesPerSec)} lines/s, ${formatCount(r.result.matched)} matched, ${r.result.exceptions} exceptions, peak heap ${r.figures.peakHeapMb} MB`,
    );
    collectGarbage();
    const heapAtEnd = process.memoryUsage().heapUsed;
    const verify = await step(
      `${name}: verify the ledger`,
      () => verifyFigures(store.reader),
      (v) => (v.ok ? `ok (${formatCount(v.postingsCount)} postings)` : 'LEDGER INVARIANT BROKEN'),
    );
    return {
      store: dialect,
      payments: N,
      merchants: M,
      seedSeconds: Math.round(seedSeconds * 10) / 10,
      settlement: { ...settled.figures, statements: settled.result },
      parseBaseline: parsed.figures,
      reconcile: {
        ...reconciled.figures,
        matched: reconciled.result.matched,
        exceptions: reconciled.result.exceptions,
        heapAt10PercentMb: mb(heapAt10),
        heapAtEndMb: mb(heapAtEnd),
      },
      verifyOk: verify.ok,
    };
  } finally {
    await hutong.close();
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
}

export async function runSettlementBench(options: { stores: string[]; quick: boolean }): Promise<SettlementBenchReport[]> {
  // HUTONG_BENCH_SETTLE_PAYMENTS sets the payment (and line) count, e.g. 200000 while iterating.
  const payments = Number(process.env.HUTONG_BENCH_SETTLE_PAYMENTS ?? 0) || (options.quick ? 100_000 : 1_000_000);
  const merchants = options.quick ? 100 : 1_000;
  const reports: SettlementBenchReport[] = [];
  for (const dialect of ['sqlite', 'postgres'] as const) {
    if (!options.stores.includes(dialect)) continue;
    const r = await benchSettlementStore(dialect, { payments, merchants });
    if ('skipped' in r) {
      console.log(`*** settlement ${dialect}: SKIPPED: ${r.skipped} ***`);
      continue;
    }
    reports.push(r);
  }
  console.log(
    '\n| store | settlement run | parse only (baseline) | reconcile | reconcile ÷ parse | peak RSS / heap (reconcile) | live heap after GC at 10 % → end | ledger |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of reports) {
    console.log(
      `| ${r.store} | ${formatCount(r.settlement.linesPerSec)} lines/s (${r.settlement.seconds.toFixed(1)} s, ${r.merchants} statements) | ${formatCount(r.parseBaseline.linesPerSec)} lines/s (${r.parseBaseline.seconds.toFixed(1)} s) | ${formatCount(r.reconcile.linesPerSec)} lines/s (${r.reconcile.seconds.toFixed(1)} s) ${r.reconcile.linesPerSec >= 100_000 ? '≥ 100k met' : '≥ 100k MISSED'} | ${(r.reconcile.linesPerSec / r.parseBaseline.linesPerSec).toFixed(2)}× | ${r.reconcile.peakRssMb} / ${r.reconcile.peakHeapMb} MB | ${r.reconcile.heapAt10PercentMb} → ${r.reconcile.heapAtEndMb} MB | ${r.verifyOk ? 'verified' : 'BROKEN'} |`,
    );
  }
  return reports;
}
