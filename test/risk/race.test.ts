import { afterAll, beforeAll, expect, it } from 'vitest';
import { http, serverEnv, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';
import { zhangWei } from '../support/identity.js';

/**
 * The real `hutong start` (with its in-process sandbox identity service) under concurrent debits
 * at a class II customer's daily limit: transfers, withdrawals and wallet payments race over HTTP,
 * and retries with the same Idempotency-Key are mixed in. Exactly floor(limit / amount) pass;
 * after a kill -9 in the middle of a second load and a restart, the limit counter equals the sum
 * of the debits the ledger kept (the counter and the debit commit in one unit, or neither does).
 */
const dailyLimitMinor = 500_000;
const debitMinor = 15_000;
const debitsCount = 60;

describeEachStore('real-name limits over HTTP, with races, retries and kill -9', (dialect) => {
  let server: ServerProcess;
  let env: Record<string, string>;
  let operatorKey: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    ({ env, operatorKey } = serverEnv(fresh.store));
    server = await startServer(env, { readyTimeoutMs: 90_000 });
  }, 150_000);
  afterAll(async () => {
    await server?.kill();
    await drop?.();
  });

  async function setUp(): Promise<{ key: string; payer: string; payee: string }> {
    const merchant = await http(server.url, 'POST', '/v1/merchants', {
      key: operatorKey,
      body: { name: 'Race', country: 'CN', settlement_currency: 'CNY' },
    });
    const key = merchant.body.api_key.secret_key as string;
    const payer = (await http(server.url, 'POST', '/v1/customers', { key, body: { name: '张伟' } })).body.id as string;
    const payee = (await http(server.url, 'POST', '/v1/customers', { key, body: { name: 'Payee' } })).body.id as string;
    expect(
      (await http(server.url, 'POST', `/v1/customers/${payer}/top_ups`, { key, body: { amount: 5_000_000, currency: 'CNY' } })).status,
    ).toBe(201);
    const verified = await http(server.url, 'POST', `/v1/customers/${payer}/verifications`, {
      key,
      body: { level: 'id_bank_card', ...zhangWei },
    });
    expect(verified.body).toMatchObject({ pboc_class: 'II', screening: 'clear' });
    return { key, payer, payee };
  }

  function debit(key: string, payer: string, payee: string, i: number) {
    const headers = { 'idempotency-key': `race-${payer}-${i}` };
    if (i % 3 === 1)
      return http(server.url, 'POST', `/v1/customers/${payer}/withdrawals`, {
        key,
        headers,
        body: { amount: debitMinor, currency: 'CNY' },
      });
    return http(server.url, 'POST', '/v1/transfers', {
      key,
      headers,
      body: { source: payer, destination: payee, amount: debitMinor, currency: 'CNY' },
    });
  }

  async function payByWallet(key: string, payer: string, i: number) {
    const created = await http(server.url, 'POST', '/v1/payments', {
      key,
      body: { amount: debitMinor, currency: 'CNY', merchant_order_id: `race-${payer}-${i}` },
    });
    return http(server.url, 'POST', `/v1/payments/${created.body.id}/confirm`, {
      key,
      body: { payment_method: { type: 'wallet', customer: payer } },
    });
  }

  const usedToday = async (key: string, payer: string) =>
    (await http(server.url, 'GET', `/v1/customers/${payer}/limits`, { key })).body.limits.find(
      (l: { period: string }) => l.period === 'day',
    ).used as number;

  it('concurrent transfers, withdrawals and wallet payments at the limit never pass it; retries are not counted twice', async () => {
    const { key, payer, payee } = await setUp();
    const answers = await Promise.all(
      Array.from({ length: debitsCount }, (_, i) => (i % 3 === 2 ? payByWallet(key, payer, i) : debit(key, payer, payee, i))),
    );
    const passed = answers.filter((r) => r.status === 201 || (r.status === 200 && r.body.status === 'succeeded')).length;
    const refused = answers.filter((r) => r.status === 422);
    expect(passed).toBe(Math.floor(dailyLimitMinor / debitMinor));
    expect(passed + refused.length).toBe(debitsCount);
    expect(refused.every((r) => r.body.code === 'risk_limit_exceeded')).toBe(true);
    // The same requests again: replays of the ones that passed, refusals again for the others.
    const retried = await Promise.all(
      Array.from({ length: debitsCount }, (_, i) => (i % 3 === 2 ? undefined : debit(key, payer, payee, i))),
    );
    expect(retried.filter((r) => r?.status === 201).length).toBe(answers.filter((r, i) => i % 3 !== 2 && r.status === 201).length);
    expect(await usedToday(key, payer)).toBe(passed * debitMinor);
    const balances = (await http(server.url, 'GET', `/v1/customers/${payer}/balances`, { key })).body.data;
    expect(balances.find((b: { currency: string }) => b.currency === 'CNY').available).toBe(5_000_000 - passed * debitMinor);
  }, 240_000);

  it('after kill -9 mid-load and a restart, the counter equals the debits the ledger kept', async () => {
    const { key, payer, payee } = await setUp();
    let acked = 0;
    const load = Promise.allSettled(
      Array.from({ length: debitsCount }, (_, i) =>
        debit(key, payer, payee, 1_000 + i).then((r) => {
          if (r.status === 201) acked += 1;
        }),
      ),
    );
    // Kill once a few debits were acknowledged, while the rest are in flight.
    for (let waitedMs = 0; acked < 3 && waitedMs < 20_000; waitedMs += 5) await new Promise((r) => setTimeout(r, 5));
    await server.kill();
    await load;
    server = await startServer(env, { readyTimeoutMs: 90_000 });
    const movements = (await http(server.url, 'GET', `/v1/customers/${payer}/transfers?limit=100`, { key })).body.data as {
      source: string | null;
      status: string;
      amount: number;
    }[];
    const debited = movements.filter((m) => m.source === payer).reduce((sum, m) => sum + m.amount, 0);
    expect(debited).toBeGreaterThan(0);
    expect(debited).toBeLessThanOrEqual(dailyLimitMinor);
    expect(await usedToday(key, payer)).toBe(debited);
    const verify = await http(server.url, 'POST', '/v1/ledger/verify', { key: operatorKey });
    expect(verify.body.ok).toBe(true);
  }, 240_000);
});
