import { afterAll, beforeAll, expect, it } from 'vitest';
import { billerSignature, charityProjects, sandboxBillerNames, startBillerWorld, type BillerWorld } from '../../sandbox/billers/index.js';
import { http, runCli, serverEnv, sleep, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';
import { sandboxBillerBodies } from './support.js';

/**
 * kill -9 of the real `hutong start` between the wallet debit and the biller's answer. The billers
 * run in this test process, so they outlive Hutong. After a restart the sweeper finds the payment
 * still `posting`, asks the biller by Hutong's id and posts again only if it was never booked:
 * the biller's end-of-day file shows each payment exactly once, and the wallet was debited once.
 */
const topUpMinor = 10_000;
const waitMsMax = 20_000;

describeEachStore('bill payment: kill -9 between the debit and the posting', (dialect) => {
  let world: BillerWorld;
  let env: Record<string, string> = {};
  let drop: () => Promise<void> = async () => undefined;
  const servers: ServerProcess[] = [];
  let appKey = '';
  let charity = '';
  let customer = '';

  const start = async () => {
    const server = await startServer(env, { readyTimeoutMs: 120_000 });
    servers.push(server);
    return server;
  };
  const mode = async (value: string, slowMs?: number) =>
    (await fetch(`${world.urls.charity}/_sandbox/mode`, { method: 'POST', body: JSON.stringify({ mode: value, slow_ms: slowMs }) })).text();
  /** The biller's own file of the day, fetched as Hutong would (signed). */
  const bookedAtBiller = async (reference: string): Promise<number> => {
    const path = `/eod/${new Date().toISOString().slice(0, 10)}`;
    const timestamp = String(Date.now());
    const res = await fetch(`${world.urls.charity}${path}`, {
      headers: { 'x-hutong-timestamp': timestamp, 'x-hutong-signature': billerSignature(world.keys.charity, timestamp, 'GET', path, '') },
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
      HUTONG_BILLPAY_POSTING_GRACE_MS: '500',
      HUTONG_BILLPAY_SWEEP_MS: '200',
      HUTONG_BILLPAY_RECHECK_MS: '200',
    };
    const server = await start();
    const operator = base.operatorKey;
    const merchant = async (name: string) => {
      const res = await http(server.url, 'POST', '/v1/merchants', {
        key: operator,
        body: { name, country: 'CN', settlement_currency: 'CNY' },
      });
      return { id: res.body.id as string, key: res.body.api_key.secret_key as string };
    };
    const app = await merchant('Wallet app');
    appKey = app.key;
    const charityMerchant = await merchant('Hope Foundation');
    const ids = Object.fromEntries(sandboxBillerNames.map((name) => [name, charityMerchant.id])) as Record<
      (typeof sandboxBillerNames)[number],
      string
    >;
    const registered = await http(server.url, 'POST', '/v1/billers', { key: operator, body: sandboxBillerBodies(ids).charity });
    expect(registered.status).toBe(201);
    charity = registered.body.id;
    customer = (await http(server.url, 'POST', '/v1/customers', { key: appKey, body: { name: 'Han Meimei' } })).body.id;
    await http(server.url, 'POST', `/v1/customers/${customer}/top_ups`, { key: appKey, body: { amount: topUpMinor, currency: 'CNY' } });
  }, 240_000);

  afterAll(async () => {
    for (const server of servers) await server.kill();
    await world?.close();
    await drop();
  });

  /** Sends the payment, kills the server once the debit is committed (status `posting`), restarts it. */
  async function killDuringPosting(
    faultMode: 'hang' | 'lose',
    key: string,
    amount: number,
  ): Promise<{ server: ServerProcess; id: string }> {
    await mode(faultMode, 1_500);
    const victim = servers.at(-1) as ServerProcess;
    const body = { customer, biller: charity, account_number: charityProjects.open, amount, currency: 'CNY' };
    const inFlight = http(victim.url, 'POST', '/v1/bill_payments', { key: appKey, body, headers: { 'idempotency-key': key } }).catch(
      () => undefined,
    );
    let id: string | undefined;
    for (const deadline = Date.now() + waitMsMax; id === undefined && Date.now() < deadline; await sleep(20)) {
      const list = await http(victim.url, 'GET', `/v1/bill_payments?customer=${customer}&limit=5`, { key: appKey });
      id = (list.body.data as { id: string; status: string; amount: number }[]).find(
        // Debited and not settled: `posting`, or `awaiting_biller` at once when the posting was lost (the
        // socket closes immediately, so `posting` may last only a few milliseconds).
        (p) => (p.status === 'posting' || p.status === 'awaiting_biller') && p.amount === amount,
      )?.id;
    }
    expect(id).toBeDefined();
    await victim.kill();
    await inFlight;
    await mode('normal');
    return { server: await start(), id: id as string };
  }

  async function settled(server: ServerProcess, id: string): Promise<{ status: string; attempts: number; biller_receipt: string | null }> {
    for (const deadline = Date.now() + waitMsMax; Date.now() < deadline; await sleep(100)) {
      const res = await http(server.url, 'GET', `/v1/bill_payments/${id}`, { key: appKey });
      if (res.body.status === 'accepted' || res.body.status === 'refunded') return res.body;
    }
    throw new Error(`bill payment ${id} was not settled in ${waitMsMax} ms`);
  }

  it('the biller booked it but the answer died with Hutong: found by a query, accepted once', async () => {
    const { server, id } = await killDuringPosting('hang', 'crash-hang', 1_200);
    const after = await settled(server, id);
    expect(after.status).toBe('accepted');
    expect(after.biller_receipt).toMatch(/^CH/);
    await sleep(1_600); // past the biller's hold: a late first posting cannot book it again
    expect(await bookedAtBiller(id)).toBe(1);
    // The client retries with its key: same payment, no second debit.
    const retry = await http(server.url, 'POST', '/v1/bill_payments', {
      key: appKey,
      body: { customer, biller: charity, account_number: charityProjects.open, amount: 1_200, currency: 'CNY' },
      headers: { 'idempotency-key': 'crash-hang' },
    });
    expect(retry.body.id).toBe(id);
    const balances = await http(server.url, 'GET', `/v1/customers/${customer}/balances`, { key: appKey });
    expect(balances.body.data[0].available).toBe(topUpMinor - 1_200);
  }, 240_000);

  it('the posting never reached the biller: posted again under the same id after the restart, booked once', async () => {
    const { server, id } = await killDuringPosting('lose', 'crash-lose', 800);
    const after = await settled(server, id);
    expect(after.status).toBe('accepted');
    // The lost posting and at least one more under the same id (the dying process may have reposted once).
    expect(after.attempts).toBeGreaterThanOrEqual(2);
    expect(await bookedAtBiller(id)).toBe(1);
    const balances = await http(server.url, 'GET', `/v1/customers/${customer}/balances`, { key: appKey });
    expect(balances.body.data[0].available).toBe(topUpMinor - 1_200 - 800);
    await server.kill();
    const verify = await runCli(['ledger', 'verify'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 240_000);
});
