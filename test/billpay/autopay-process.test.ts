import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  billerSignature,
  electricityAccounts,
  sandboxBillerNames,
  startBillerWorld,
  type BillerWorld,
  type SandboxBillerName,
} from '../../sandbox/billers/index.js';
import { http, runCli, serverEnv, sleep, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';
import { sandboxBillerBodies } from './support.js';

/**
 * Auto-pay against the real `hutong start`: the durable timer pays an overdue electricity bill,
 * the process is killed (kill -9) while the biller holds the posting, and after a restart the
 * bill is paid exactly once: one bill payment, one booking at the biller, one debit.
 */
const waitMsMax = 150_000;

describeEachStore('auto-pay over HTTP across a kill -9', (dialect) => {
  let world: BillerWorld;
  let env: Record<string, string> = {};
  let drop: () => Promise<void> = async () => undefined;
  const servers: ServerProcess[] = [];
  let appKey = '';
  let electricity = '';
  const server = () => servers.at(-1) as ServerProcess;
  const start = async () => {
    servers.push(await startServer(env, { readyTimeoutMs: 150_000 }));
    return server();
  };
  const call = (method: string, path: string, body?: unknown) => http(server().url, method, path, { key: appKey, body, timeoutMs: 30_000 });
  const mode = async (value: string, slowMs?: number) =>
    (
      await fetch(`${world.urls.electricity}/_sandbox/mode`, { method: 'POST', body: JSON.stringify({ mode: value, slow_ms: slowMs }) })
    ).text();
  const bookedAtBiller = async (reference: string): Promise<number> => {
    const path = `/eod/${new Date().toISOString().slice(0, 10)}`;
    const timestamp = String(Date.now());
    const res = await fetch(`${world.urls.electricity}${path}`, {
      headers: {
        'x-hutong-timestamp': timestamp,
        'x-hutong-signature': billerSignature(world.keys.electricity, timestamp, 'GET', path, ''),
      },
    });
    return (await res.text()).split('\n').filter((line) => line.startsWith(`${reference},`)).length;
  };

  beforeAll(async () => {
    world = await startBillerWorld({});
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    const base = serverEnv(fresh.store);
    env = {
      ...base.env,
      HUTONG_BILLERS: sandboxBillerNames.map((name) => `${name}=${world.urls[name]}`).join(','),
      HUTONG_BILLER_TIMEOUT_MS: '3000',
      HUTONG_BILLPAY_POSTING_GRACE_MS: '1500',
      HUTONG_BILLPAY_SWEEP_MS: '200',
      HUTONG_BILLPAY_RECHECK_MS: '200',
    };
    await start();
    const merchant = async (name: string) => {
      const res = await http(server().url, 'POST', '/v1/merchants', {
        key: base.operatorKey,
        body: { name, country: 'CN', settlement_currency: 'CNY' },
      });
      return { id: res.body.id as string, key: res.body.api_key.secret_key as string };
    };
    appKey = (await merchant('Wallet app')).key;
    const billerMerchant = await merchant('Shanghai Electric');
    const bodies = sandboxBillerBodies(
      Object.fromEntries(sandboxBillerNames.map((n) => [n, billerMerchant.id])) as Record<SandboxBillerName, string>,
    );
    const registered = await http(server().url, 'POST', '/v1/billers', { key: base.operatorKey, body: bodies.electricity });
    expect(registered.status).toBe(201);
    electricity = registered.body.id;
  }, 300_000);

  afterAll(async () => {
    for (const s of servers) await s.kill();
    await world?.close();
    await drop();
  });

  it('the timer pays the overdue bill; killed mid-posting and restarted, it is paid exactly once', async () => {
    const customer = (await call('POST', '/v1/customers', { name: '李雷' })).body.id as string;
    expect((await call('POST', `/v1/customers/${customer}/top_ups`, { amount: 100_000, currency: 'CNY' })).status).toBe(201);
    await mode('hang', 3_000);
    const saved = await call('POST', '/v1/saved_billers', {
      customer,
      biller: electricity,
      account_number: electricityAccounts.overdue,
      nickname: '家里电费',
      autopay: { limit: 60_000, currency: 'CNY' },
    });
    expect(saved.status).toBe(201);
    let id: string | undefined;
    for (const deadline = Date.now() + waitMsMax; id === undefined && Date.now() < deadline; await sleep(20)) {
      const list = await call('GET', `/v1/bill_payments?customer=${customer}`);
      id = (list.body.data as { id: string; status: string }[]).find((p) => p.status === 'posting' || p.status === 'awaiting_biller')?.id;
    }
    expect(id, 'the timer started a bill payment').toBeDefined();
    await server().kill();
    await mode('normal');
    await start();
    let run: { status: string; bill_payment: string | null } | undefined;
    for (const deadline = Date.now() + waitMsMax; Date.now() < deadline; await sleep(500)) {
      const runs = (await call('GET', `/v1/saved_billers/${saved.body.id}/autopay_runs`)).body.data;
      const payment = (await call('GET', `/v1/bill_payments/${id}`)).body;
      run = runs[0];
      if (runs.length === 1 && run?.status === 'paid' && payment.status === 'accepted') break;
    }
    expect(run).toMatchObject({ status: 'paid', bill_payment: id });
    const history = (await call('GET', `/v1/bill_payments?customer=${customer}`)).body.data as { id: string; total_debited: number }[];
    expect(history.map((p) => p.id)).toEqual([id]);
    await sleep(3_200); // past the biller's hold: a late first posting cannot book it again
    expect(await bookedAtBiller(id as string)).toBe(1);
    const balances = await call('GET', `/v1/customers/${customer}/balances`);
    expect(balances.body.data[0].available).toBe(100_000 - (history[0]?.total_debited ?? 0));
    await server().kill();
    const verify = await runCli(['ledger', 'verify'], env, 120_000);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 600_000);
});
