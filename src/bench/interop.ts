import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createHutong } from '../app.js';
import { loadConfig } from '../config.js';
import { verifyLedger } from '../ledger/index.js';
import type { Dialect } from '../store/index.js';
import { startSwitch } from '../../sandbox/switch/index.js';
import { adminUrl, openPostgresDatabase, openSqliteDatabase, type BenchDatabase } from './databases.js';
import { closedLoop, ratePerSec } from './load.js';
import { formatCount, formatMs, renderTable } from './table.js';

/**
 * Code payments end to end through the interconnection switch (issue 14), over real HTTP against a
 * started Hutong and the sandbox switch (its journal on disk), `inFlight` callers in a closed loop:
 *  - collection codes: a dynamic code (`POST /v1/collection_codes`) scanned by the WeChat-like app at
 *    the switch, which orders it at Hutong (signed `qr_order`), debits its user and notifies (signed `qr_paid`);
 *  - payment codes: the Alipay-like app shows a code, Hutong's till takes it (`POST /v1/payments` with
 *    `payment_code`: claim, signed charge at the switch, capture);
 *  - the baseline, in the same run on the same store: a Hutong wallet payment (create + confirm),
 *    the same HTTP and ledger work without the switch.
 * Reported: payments/s and the p50/p99 of the whole operation. The ledger is verified afterwards.
 */
const inFlight = 16;

/** The fields of Hutong's and the switch's answers this benchmark reads. */
interface Answer {
  readonly id?: string;
  readonly status?: string;
  readonly payload?: string;
  readonly payment_code?: string;
  readonly api_key?: { readonly secret_key: string };
}
const usersCount = 64;

interface Figures {
  readonly store: Dialect;
  readonly flow: string;
  readonly paid: number;
  readonly failed: number;
  readonly perSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

async function loop(store: Dialect, flow: string, durationMs: number, operation: (n: number) => Promise<boolean>): Promise<Figures> {
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const { durationMs: elapsedMs } = await closedLoop(inFlight, durationMs, async () => {
    const startMs = performance.now();
    if (await operation(next++)) latencies.push(performance.now() - startMs);
    else failed += 1;
  });
  latencies.sort((a, b) => a - b);
  return {
    store,
    flow,
    paid: latencies.length,
    failed,
    perSec: ratePerSec(latencies.length, elapsedMs),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

async function measure(db: BenchDatabase, durationMs: number): Promise<{ figures: Figures[]; ledgerOk: boolean }> {
  const journalDir = mkdtempSync(join(tmpdir(), 'hutong-bench-switch-'));
  const sw = await startSwitch({ journalPath: join(journalDir, 'switch.jsonl'), userBalanceMinor: 100_000_000n });
  const config = { ...loadConfig({}), store: db.store, dataDir: undefined, port: 0, logLevel: 'silent' };
  const hutong = await createHutong(config, { logger: false, vaultKey: randomBytes(32), interopSwitchUrl: sw.url });
  const address = await hutong.server.listen({ port: 0, host: '127.0.0.1' });
  sw.setHutongUrl(address);
  const ops = (await hutong.services.parties.ensureOperatorKey(undefined)).generated as string;
  const call = async (base: string, method: string, path: string, key: string | undefined, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Answer };
  };
  try {
    const merchant = (await call(address, 'POST', '/v1/merchants', ops, { name: 'Bench Tea', country: 'CN', settlement_currency: 'CNY' }))
      .body;
    const key = merchant.api_key?.secret_key as string;
    const customers: string[] = [];
    for (let i = 0; i < usersCount; i++) {
      const id = (await call(address, 'POST', '/v1/customers', key, { name: `Payer ${i}` })).body.id as string;
      await call(address, 'POST', `/v1/customers/${id}/top_ups`, key, { amount: 10_000_000, currency: 'CNY' });
      customers.push(id);
    }
    const figures: Figures[] = [];
    figures.push(
      await loop(db.dialect, 'Hutong wallet payment (baseline)', durationMs, async (n) => {
        const created = await call(address, 'POST', '/v1/payments', key, { amount: 1, currency: 'CNY', merchant_order_id: `w-${n}` });
        const paid = await call(address, 'POST', `/v1/payments/${created.body.id}/confirm`, key, {
          payment_method: { type: 'wallet', customer: customers[n % usersCount] },
        });
        return paid.status === 200 && paid.body.status === 'succeeded';
      }),
    );
    figures.push(
      await loop(db.dialect, 'collection code: make, app scans, paid', durationMs, async (n) => {
        const code = await call(address, 'POST', '/v1/collection_codes', key, {
          kind: 'dynamic',
          currency: 'CNY',
          amount: 1,
          city: 'Beijing',
        });
        const paid = await call(sw.url, 'POST', '/apps/wechat_sandbox/scan', undefined, {
          payload: code.body.payload,
          user: `u${n % usersCount}`,
        });
        return paid.status === 200 && paid.body.status === 'paid';
      }),
    );
    figures.push(
      await loop(db.dialect, 'payment code: app shows, till takes', durationMs, async (n) => {
        const shown = await call(sw.url, 'POST', '/apps/alipay_sandbox/payment_codes', undefined, { user: `u${n % usersCount}` });
        const taken = await call(address, 'POST', '/v1/payments', key, {
          amount: 1,
          currency: 'CNY',
          merchant_order_id: `c-${n}`,
          payment_code: shown.body.payment_code,
        });
        return taken.status === 201 && taken.body.status === 'succeeded';
      }),
    );
    const verified = await verifyLedger(hutong.services.store.reader);
    return { figures, ledgerOk: verified.ok };
  } finally {
    await hutong.close();
    await sw.close();
    rmSync(journalDir, { recursive: true, force: true });
  }
}

export async function runInteropBench(options: { stores: readonly string[]; quick: boolean }): Promise<Figures[]> {
  const durationMs = options.quick ? 5_000 : 20_000;
  const figures: Figures[] = [];
  const ledgers: string[] = [];
  for (const store of options.stores) {
    const db = store === 'postgres' ? await openPostgresDatabase(adminUrl()) : openSqliteDatabase();
    if ('unavailable' in db) {
      console.log(`interop bench: ${db.unavailable}`);
      continue;
    }
    try {
      const measured = await measure(db, durationMs);
      figures.push(...measured.figures);
      ledgers.push(`${store}: ledger ${measured.ledgerOk ? 'verified' : 'BROKEN'}`);
      if (!measured.ledgerOk) process.exitCode = 1;
    } finally {
      await db.drop();
    }
  }
  console.log(
    renderTable(
      ['store', 'flow', 'paid', 'failed', 'per second', 'p50', 'p99'],
      figures.map((f) => [
        f.store,
        f.flow,
        formatCount(f.paid),
        String(f.failed),
        formatCount(Math.round(f.perSec)),
        formatMs(f.p50Ms),
        formatMs(f.p99Ms),
      ]),
    ),
  );
  console.log(ledgers.join('\n'));
  return figures;
}
