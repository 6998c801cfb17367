import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createHutong } from '../app.js';
import { createAcquirer, createConnectorRegistry } from '../channels/index.js';
import { loadConfig } from '../config.js';
import { verifyLedger } from '../ledger/index.js';
import type { Dialect } from '../store/index.js';
import { startCardWorld } from '../../sandbox/card-world/index.js';
import { adminUrl, openPostgresDatabase, openSqliteDatabase, type BenchDatabase } from './databases.js';
import { closedLoop, ratePerSec } from './load.js';
import { runScreeningBench } from './screening.js';
import { formatCount, renderTable } from './table.js';

/**
 * The cost of the fraud rules on the card payment path (issue 16, `hutong bench --risk`): card
 * payments (create + confirm, over HTTP, the sandbox card world answering over ISO 8583) measured
 * in the same run with no rule enabled (the baseline: the check still logs velocity and stores its
 * decision) and with five enabled rules (amount, BIN, brand, two exact velocity counts). Reported:
 * payments/s and p50/p99 of each phase, and the p50/p99 of the evaluation itself (from the stored
 * decisions: velocity log, lists, rules, decision row). The budget is ≤ 1 ms p99.
 */
const inFlight = 8;

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

let panSeq = 0;
function visa(): string {
  const body = `4539${String(process.pid % 1e4).padStart(4, '0')}${String(panSeq++).padStart(7, '0')}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

interface Phase {
  readonly name: string;
  readonly paid: number;
  readonly other: number;
  readonly perSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly evalP50Us: number;
  readonly evalP99Us: number;
}

const rules = [
  { name: 'big amount', action: 'review', conditions: { all: [{ fact: 'amount', operator: 'greaterThan', value: 5_000_000 }] } },
  { name: 'risky BIN', action: 'block', conditions: { all: [{ fact: 'card_bin', operator: 'in', value: ['400000', '411111'] }] } },
  { name: 'brand', action: 'request_3ds', conditions: { all: [{ fact: 'card_brand', operator: 'equal', value: 'amex' }] } },
  {
    name: 'card velocity',
    action: 'review',
    conditions: {
      all: [{ fact: 'velocity', params: { dimension: 'card', window_minutes: 60, measure: 'count' }, operator: 'greaterThan', value: 50 }],
    },
  },
  {
    name: 'ip amount',
    action: 'review',
    conditions: {
      all: [
        { fact: 'velocity', params: { dimension: 'ip', window_minutes: 1440, measure: 'amount' }, operator: 'greaterThan', value: 1e12 },
      ],
    },
  },
];

async function measure(db: BenchDatabase, durationMs: number): Promise<Phase[]> {
  const world = await startCardWorld({ port: 0 });
  const registry = createConnectorRegistry({
    connectors: [createAcquirer('iso8583', { name: 'sandbox_acquirer', host: '127.0.0.1', port: world.acquirerPort, timeoutMs: 5_000 })],
  });
  const config = { ...loadConfig({}), store: db.store, dataDir: undefined, port: 0, logLevel: 'silent' };
  const hutong = await createHutong(config, {
    logger: false,
    vaultKey: randomBytes(32),
    channels: { route: (q) => registry.route(q), connector: (n) => registry.connector(n), acceptsBrand: (b) => registry.acceptsBrand(b) },
  });
  const address = await hutong.server.listen({ port: 0, host: '127.0.0.1' });
  const ops = (await hutong.services.parties.ensureOperatorKey(undefined)).generated as string;
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${address}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { id: string; status: string } };
  };
  try {
    const merchant = (await call('POST', '/v1/merchants', ops, { name: 'Bench risk', country: 'US', settlement_currency: 'USD' }))
      .body as unknown as {
      api_key: { secret_key: string };
    };
    const key = merchant.api_key.secret_key;
    const phase = async (name: string): Promise<Phase> => {
      const since = new Date().toISOString();
      const latencies: number[] = [];
      let paid = 0;
      let other = 0;
      let n = 0;
      const { durationMs: took } = await closedLoop(inFlight, durationMs, async () => {
        const i = n++;
        const started = performance.now();
        const created = await call('POST', '/v1/payments', key, {
          amount: 1_000 + (i % 500),
          currency: 'USD',
          merchant_order_id: `${name}-${i}`,
          metadata: { ip: `198.51.100.${i % 250}` },
        });
        const confirmed = await call('POST', `/v1/payments/${created.body.id}/confirm`, key, {
          payment_method: { type: 'card', card: { number: visa(), exp_month: 12, exp_year: 2030, cvc: '123' } },
        });
        latencies.push(performance.now() - started);
        if (confirmed.body.status === 'succeeded') paid++;
        else {
          other++;
          if (other === 1)
            process.stdout.write(
              `first payment not succeeded: ${JSON.stringify(created.body).slice(0, 300)} ${JSON.stringify(confirmed.body).slice(0, 200)}\n`,
            );
        }
      });
      const decisions = await hutong.services.store.reader.selectFrom('risk_decisions').select('micros').where('at', '>=', since).execute();
      const micros = decisions.map((d) => Number(d.micros)).sort((a, b) => a - b);
      latencies.sort((a, b) => a - b);
      return {
        name,
        paid,
        other,
        perSec: ratePerSec(paid + other, took),
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        evalP50Us: percentile(micros, 50),
        evalP99Us: percentile(micros, 99),
      };
    };
    const baseline = await phase('card, no rule enabled (baseline)');
    for (const rule of rules) await call('POST', '/v1/risk/rules', ops, { ...rule, status: 'enabled' });
    await new Promise((r) => setTimeout(r, 2_100)); // the rules cache
    const withRules = await phase('card, 5 rules enabled');
    const ledger = await verifyLedger(hutong.services.store.reader);
    if (!ledger.ok) throw new Error('ledger does not balance after the risk bench');
    return [baseline, withRules];
  } finally {
    await hutong.close();
    await registry.close();
    await world.close();
  }
}

export async function runRiskBench(options: { stores: string[]; quick: boolean }): Promise<void> {
  runScreeningBench(options);
  const durationMs = options.quick ? 5_000 : 20_000;
  for (const store of options.stores as Dialect[]) {
    const db = store === 'sqlite' ? openSqliteDatabase() : await openPostgresDatabase(adminUrl());
    if ('unavailable' in db) {
      process.stdout.write(`risk bench, ${store}: skipped (${db.unavailable})\n`);
      continue;
    }
    try {
      const phases = await measure(db, durationMs);
      process.stdout.write(`\nFraud rules on the card payment path — ${store}, ${inFlight} in flight, ${durationMs / 1000} s a phase\n`);
      process.stdout.write(
        renderTable(
          ['phase', 'payments/s', 'p50 ms', 'p99 ms', 'rule check p50 µs', 'rule check p99 µs', 'succeeded', 'other'],
          phases.map((p) => [
            p.name,
            formatCount(p.perSec),
            p.p50Ms.toFixed(1),
            p.p99Ms.toFixed(1),
            String(p.evalP50Us),
            String(p.evalP99Us),
            String(p.paid),
            String(p.other),
          ]),
        ) + '\n',
      );
    } finally {
      await db.drop();
    }
  }
}
