import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createHutong } from '../app.js';
import { createSingleWindowClient } from '../channels/customs/index.js';
import { loadConfig } from '../config.js';
import type { Dialect } from '../store/index.js';
import { platform, startCustomsWorld } from '../../sandbox/customs/index.js';
import { cebMessage, cebTime, headAndList, newGuid, sign } from '../../sandbox/customs/wire.js';
import { adminUrl, openPostgresDatabase, openSqliteDatabase, type BenchDatabase } from './databases.js';
import { formatCount, formatMs, renderTable } from './table.js';

/**
 * Customs declarations end to end (issue 13): `count` succeeded CNY payments are declared over
 * HTTP (`POST /v1/customs_declarations`, `inFlight` callers); each is built, signed, stored and
 * queued in its unit, pushed by the durable timer worker (driven continuously here, as a busy
 * worker) to the sandbox single window over HTTP, and ends accepted when customs' signed 120
 * receipt is pushed back and applied. Reported: declarations/s from the first declare to the last
 * 120, and the p50/p99 of declare → 120 (the declaration's own history). Baseline in the same run:
 * the same number of CEB411 messages signed and posted straight to the single window with the same
 * concurrency (what the wire and the sandbox cost without Hutong): the ratio is Hutong's share of it.
 */
const inFlight = 16;

interface CustomsFigures {
  readonly store: Dialect;
  readonly declared: number;
  readonly accepted: number;
  readonly perSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly baselinePerSec: number;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

/** A valid PRC resident ID (ISO 7064 MOD 11-2 check character). */
function residentId(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * (weights[i] as number), 0);
  return first17 + '10X98765432'.charAt(sum % 11);
}

async function pool(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

async function measure(db: BenchDatabase, count: number): Promise<CustomsFigures> {
  const world = await startCustomsWorld();
  const config = { ...loadConfig({}), store: db.store, dataDir: undefined, port: 0, logLevel: 'silent' };
  const hutong = await createHutong(config, {
    logger: false,
    vaultKey: randomBytes(32),
    customs: { gateway: createSingleWindowClient(world.customs.baseUrl), customsPublicKeyPem: world.customs.certificate.publicKeyPem },
  });
  const address = await hutong.server.listen({ port: 0, host: '127.0.0.1' });
  const d = hutong.customsDeclarant;
  await fetch(`${world.customs.baseUrl}/ceb/declarants`, {
    method: 'POST',
    body: JSON.stringify({
      copCode: d.copCode,
      copName: d.copName,
      certNo: d.certNo,
      publicKeyPem: d.publicKeyPem,
      receiptUrl: `${address}/v1/customs/receipts`,
    }),
  });
  const ops = (await hutong.services.parties.ensureOperatorKey(undefined)).generated as string;
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${address}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { id: string; api_key: { secret_key: string } } };
  };
  let driving = true;
  const worker = (async () => {
    while (driving) if ((await hutong.timers.runDue({ roundsMax: 5 })) === 0) await new Promise((r) => setTimeout(r, 2));
  })();
  try {
    const merchant = (await call('POST', '/v1/merchants', ops, { name: 'Bench mall', country: 'CN', settlement_currency: 'CNY' })).body;
    const key = merchant.api_key.secret_key;
    await call('POST', '/v1/customs/registrations', key, { customs_office: '0101', ebp_code: platform.code, ebp_name: 'Bench mall' });
    // One buyer per 2,000 declarations of CNY 1.00 each stays inside the CNY 26,000 yearly allowance.
    const buyers: { id: string; idNumber: string }[] = [];
    for (let b = 0; b < Math.ceil(count / 2_000); b++) {
      const idNumber = residentId(`11010519800101${String(b).padStart(3, '0')}`);
      const c = (await call('POST', '/v1/customers', key, { name: 'Bench Buyer', identity: { type: 'resident_id', number: idNumber } }))
        .body;
      await call('POST', `/v1/customers/${c.id}/top_ups`, key, { amount: 100 * 2_000, currency: 'CNY' });
      buyers.push({ id: c.id, idNumber });
    }
    const paymentIds: string[] = new Array<string>(count);
    await pool(count, async (i) => {
      const buyer = buyers[Math.floor(i / 2_000)] as { id: string; idNumber: string };
      const p = await call('POST', '/v1/payments', key, {
        amount: 100,
        currency: 'CNY',
        merchant_order_id: `bench-${i}`,
        customer: buyer.id,
        import_order: { payer_name: 'Bench Buyer', id_type: 'resident_id', id_number: buyer.idNumber },
      });
      await call('POST', `/v1/payments/${p.body.id}/confirm`, key, { payment_method: { type: 'wallet', customer: buyer.id } });
      paymentIds[i] = p.body.id;
    });

    const startMs = performance.now();
    let declared = 0;
    await pool(count, async (i) => {
      const buyer = buyers[Math.floor(i / 2_000)] as { id: string; idNumber: string };
      const r = await call('POST', '/v1/customs_declarations', key, {
        payment: paymentIds[i],
        customs_office: '0101',
        order_no: `SO-BENCH-${i}`,
        payer: { name: 'Bench Buyer', id_type: 'resident_id', id_number: buyer.idNumber },
      });
      if (r.status === 201) declared++;
    });
    const reader = hutong.services.store.reader as unknown as import('kysely').Kysely<import('../customs/index.js').CustomsTables>;
    const deadline = performance.now() + 600_000;
    let accepted = 0;
    while (performance.now() < deadline) {
      const row = await reader
        .selectFrom('customs_declarations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '=', 'accepted')
        .executeTakeFirstOrThrow();
      accepted = Number(row.n);
      if (accepted >= declared) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const elapsedMs = performance.now() - startMs;
    const history = await reader
      .selectFrom('customs_history')
      .select(['declaration_id', 'status', 'at'])
      .where('status', 'in', ['pending', 'accepted'])
      .execute();
    const pendingAt = new Map<string, number>();
    const acceptedAt = new Map<string, number>();
    for (const h of history) (h.status === 'pending' ? pendingAt : acceptedAt).set(h.declaration_id, Date.parse(h.at));
    const latencies = [...acceptedAt].map(([id, at]) => at - (pendingAt.get(id) ?? at)).sort((a, b) => a - b);

    // Baseline: the same count of CEB411 messages signed and posted straight to the single window.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const raw = { copCode: 'BASELINE01', certNo: 'BASELINE-01' };
    await fetch(`${world.customs.baseUrl}/ceb/declarants`, {
      method: 'POST',
      body: JSON.stringify({
        copCode: raw.copCode,
        copName: 'Baseline',
        certNo: raw.certNo,
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      }),
    });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const baseStartMs = performance.now();
    await pool(count, async (i) => {
      const guid = newGuid();
      const head = {
        guid,
        appType: '1',
        appTime: cebTime(new Date()),
        appStatus: '2',
        payCode: raw.copCode,
        payName: 'Baseline',
        payTransactionId: `raw-${i}`,
        orderNo: `SO-RAW-${i}`,
        ebpCode: platform.code,
        ebpName: 'Bench mall',
        payerIdType: '1',
        payerIdNumber: residentId('11010519800101999'),
        payerName: 'Bench Buyer',
        telephone: '',
        amountPaid: '1.00',
        currency: '142',
        payTime: cebTime(new Date()),
        note: '',
      };
      const xml = sign(
        cebMessage('CEB411', guid, headAndList('Payment', 'PaymentHead', head), {
          copCode: raw.copCode,
          copName: 'Baseline',
          dxpMode: 'DXP',
          dxpId: 'DXPENT0000000002',
          note: '',
        }),
        {
          privateKeyPem: pem,
          certNo: raw.certNo,
        },
      );
      await fetch(`${world.customs.baseUrl}/ceb/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: xml,
      }).then((r) => r.text());
    });
    const baselineMs = performance.now() - baseStartMs;
    return {
      store: db.dialect,
      declared,
      accepted,
      perSec: (accepted * 1000) / elapsedMs,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      baselinePerSec: (count * 1000) / baselineMs,
    };
  } finally {
    driving = false;
    await worker;
    await hutong.close();
    await world.close();
  }
}

export async function runCustomsBench(options: { stores: readonly string[]; quick: boolean }): Promise<CustomsFigures[]> {
  const count = options.quick ? 300 : 10_000;
  const figures: CustomsFigures[] = [];
  for (const store of options.stores) {
    const db = store === 'postgres' ? await openPostgresDatabase(adminUrl()) : openSqliteDatabase();
    if ('unavailable' in db) {
      console.log(`customs bench: ${db.unavailable}`);
      continue;
    }
    try {
      figures.push(await measure(db, count));
    } finally {
      await db.drop();
    }
  }
  console.log(
    renderTable(
      ['store', 'declared', 'accepted (120)', 'per second', 'p50 declare→120', 'p99 declare→120', 'baseline (sign + post)/s', 'ratio'],
      figures.map((f) => [
        f.store,
        formatCount(f.declared),
        formatCount(f.accepted),
        formatCount(Math.round(f.perSec)),
        formatMs(f.p50Ms),
        formatMs(f.p99Ms),
        formatCount(Math.round(f.baselinePerSec)),
        `${(f.perSec / f.baselinePerSec).toFixed(2)}×`,
      ]),
    ),
  );
  return figures;
}
