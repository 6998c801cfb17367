import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createHutong } from '../app.js';
import { createBillerConnector, type BillerConnector } from '../channels/billers/index.js';
import { loadConfig } from '../config.js';
import { verifyLedger } from '../ledger/index.js';
import type { Dialect } from '../store/index.js';
import { startBillerWorld, waterGasAccounts } from '../../sandbox/billers/index.js';
import { adminUrl, openPostgresDatabase, openSqliteDatabase, type BenchDatabase } from './databases.js';
import { closedLoop, ratePerSec } from './load.js';
import { formatCount, formatMs, renderTable } from './table.js';

/**
 * Bill payments end to end (issue 15): each operation is a fetch of the water and gas bill
 * (`POST /v1/bills`, the sandbox biller answering over HTTP) and a payment of 0.01 of it from a
 * wallet (`POST /v1/bill_payments`: re-fetch, debit into the biller payable, posting, acceptance),
 * over real HTTP against a started Hutong, `inFlight` callers in a closed loop. Reported: bill
 * payments/s and the p50/p99 of the whole fetch + pay. The ledger is verified afterwards.
 */
const inFlight = 16;
const customersCount = 32;

interface BillpayFigures {
  readonly store: Dialect;
  readonly paid: number;
  readonly failed: number;
  readonly perSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ledgerOk: boolean;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

async function measure(db: BenchDatabase, durationMs: number): Promise<BillpayFigures> {
  const world = await startBillerWorld({});
  const connector = createBillerConnector('water_gas', { baseUrl: world.urls.water_gas, key: world.keys.water_gas, timeoutMs: 5_000 });
  const config = { ...loadConfig({}), store: db.store, dataDir: undefined, port: 0, logLevel: 'silent' };
  const hutong = await createHutong(config, {
    logger: false,
    vaultKey: randomBytes(32),
    billers: (name): BillerConnector | undefined => (name === 'water_gas' ? connector : undefined),
  });
  const address = await hutong.server.listen({ port: 0, host: '127.0.0.1' });
  const ops = (await hutong.services.parties.ensureOperatorKey(undefined)).generated as string;
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${address}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { id: string; status: string; api_key: { secret_key: string } } };
  };
  try {
    const merchant = async (name: string) =>
      (await call('POST', '/v1/merchants', ops, { name, country: 'CN', settlement_currency: 'CNY' })).body as {
        id: string;
        api_key: { secret_key: string };
      };
    const app = await merchant('Bench wallet app');
    const company = await merchant('Bench water and gas');
    const biller = await call('POST', '/v1/billers', ops, {
      code: 'bench-water-gas',
      name: 'Water and gas',
      name_zh: '水务燃气',
      category: 'water_gas',
      region: 'CN-SH',
      connector: 'water_gas',
      model: 'fetch',
      account: {
        label: 'Customer number',
        label_zh: '用户编号',
        pattern: '\\d{9}',
        length_min: 9,
        length_max: 9,
        check_digit: 'weights_731',
      },
      amount_rule: 'at_most',
      min_amount: 1,
      max_amount: 5_000_000,
      currency: 'CNY',
      merchant: company.id,
    });
    const key = app.api_key.secret_key;
    const customers: string[] = [];
    for (let i = 0; i < customersCount; i++) {
      const id = (await call('POST', '/v1/customers', key, { name: `Payer ${i}` })).body.id;
      await call('POST', `/v1/customers/${id}/top_ups`, key, { amount: 1_000_000, currency: 'CNY' });
      customers.push(id);
    }
    const latencies: number[] = [];
    let failed = 0;
    let next = 0;
    const { durationMs: elapsedMs } = await closedLoop(inFlight, durationMs, async () => {
      const customer = customers[next++ % customersCount] as string;
      const startMs = performance.now();
      const bill = await call('POST', '/v1/bills', key, { biller: biller.body.id, account_number: waterGasAccounts.arrears, customer });
      const paid = await call('POST', '/v1/bill_payments', key, {
        customer,
        biller: biller.body.id,
        bill: bill.body.id,
        amount: 1,
        currency: 'CNY',
      });
      if (paid.status === 201 && paid.body.status === 'accepted') latencies.push(performance.now() - startMs);
      else failed += 1;
    });
    latencies.sort((a, b) => a - b);
    const verified = await verifyLedger(hutong.services.store.reader);
    return {
      store: db.dialect,
      paid: latencies.length,
      failed,
      perSec: ratePerSec(latencies.length, elapsedMs),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      ledgerOk: verified.ok,
    };
  } finally {
    await hutong.close();
    await world.close();
  }
}

export async function runBillpayBench(options: { stores: readonly string[]; quick: boolean }): Promise<BillpayFigures[]> {
  const durationMs = options.quick ? 5_000 : 20_000;
  const figures: BillpayFigures[] = [];
  for (const store of options.stores) {
    const db = store === 'postgres' ? await openPostgresDatabase(adminUrl()) : openSqliteDatabase();
    if ('unavailable' in db) {
      console.log(`billpay bench: ${db.unavailable}`);
      continue;
    }
    try {
      figures.push(await measure(db, durationMs));
    } finally {
      await db.drop();
    }
  }
  console.log(
    renderTable(
      ['store', 'bill payments (fetch + pay)', 'failed', 'per second', 'p50', 'p99', 'ledger'],
      figures.map((f) => [
        f.store,
        formatCount(f.paid),
        String(f.failed),
        formatCount(Math.round(f.perSec)),
        formatMs(f.p50Ms),
        formatMs(f.p99Ms),
        f.ledgerOk ? 'verified' : 'BROKEN',
      ]),
    ),
  );
  return figures;
}
