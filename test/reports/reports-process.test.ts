import { afterAll, expect, it } from 'vitest';
import { http, mapPool, serverEnv, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';

/**
 * Reports against `hutong start` in a second process: card payments raced and retried under the
 * same Idempotency-Key land in the rollups exactly once each; hostile report and search input
 * answers 400 problems; the figures equal the ledger's balances.
 */
const servers: ServerProcess[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill();
  for (const d of drops) await d();
});

describeEachStore('reports over a started service', (dialect) => {
  it('raced and retried payments count once; hostile input is refused', { timeout: 240_000 }, async () => {
    const fresh = await freshStore(dialect);
    drops.push(fresh.drop);
    const { env, operatorKey } = serverEnv(fresh.store);
    const server = await startServer(env, { readyTimeoutMs: 120_000 });
    servers.push(server);
    const h = server.url;
    const merchant = await http(h, 'POST', '/v1/merchants', {
      key: operatorKey,
      body: { name: 'Racer', country: 'CN', settlement_currency: 'CNY' },
    });
    expect(merchant.status, JSON.stringify(merchant.body)).toBe(201);
    const key = merchant.body.api_key.secret_key as string;
    const orders = Array.from({ length: 12 }, (_, i) => i);
    // Each payment is created and confirmed twice at once under the same keys (a client retrying).
    await mapPool(orders, 6, async (i) => {
      const create = () =>
        http(h, 'POST', '/v1/payments', {
          key,
          headers: { 'idempotency-key': `rp-${i}` },
          body: { amount: 1_000 + i, currency: 'CNY', merchant_order_id: `rp-${i}` },
        });
      const [a, b] = await Promise.all([create(), create()]);
      const id = (a.status === 201 ? a.body.id : b.body.id) as string;
      const confirm = () =>
        http(h, 'POST', `/v1/payments/${id}/confirm`, {
          key,
          headers: { 'idempotency-key': `rc-${i}` },
          body: { payment_method: { type: 'card', card: { number: '6212345678901000', exp_month: 12, exp_year: 2030, cvc: '123' } } },
        });
      await Promise.all([confirm(), confirm()]);
      // And once more, later, as a retry after a lost answer.
      const again = await confirm();
      expect([200, 409]).toContain(again.status);
    });
    const summary = await http(h, 'GET', '/v1/reports/summary?time_zone=Asia/Shanghai', { key });
    expect(summary.status, JSON.stringify(summary.body)).toBe(200);
    const cny = summary.body.data.find((r: { currency: string }) => r.currency === 'CNY');
    const captured = orders.reduce((s, i) => s + 1_000 + i, 0);
    expect(cny).toMatchObject({ captured_count: 12, captured, approved: 12, declined: 0 });
    const balance = await http(h, 'GET', '/v1/reports/balances', { key });
    const pending = balance.body.data.find((x: { account: string; currency: string }) => x.account === 'pending' && x.currency === 'CNY');
    expect(pending.posted).toBe(cny.net);

    for (const path of [
      '/v1/reports/summary?time_zone=Not/AZone',
      '/v1/reports/summary?from=2026-02-30&to=2026-03-01',
      '/v1/reports/summary?from=2020-01-01&to=2026-01-01',
      '/v1/reports/volume?interval=fortnight',
      '/v1/reports/summary?format=pdf',
      '/v1/reports/summary?currency=XXX1',
      `/v1/search?q=${'x'.repeat(500)}`,
      '/v1/search?q=1000&amount=-1',
      '/v1/reports/breakdown?by=merchant_id;drop%20table%20payments',
    ]) {
      const res = await http(h, 'GET', path, { key });
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    // Search input that looks like SQL is a value like any other: nothing found, nothing broken.
    const injected = await http(h, 'GET', `/v1/search?q=${encodeURIComponent("' or 1=1 --")}`, { key });
    expect([injected.status, injected.body.data]).toEqual([200, []]);
    expect((await http(h, 'GET', '/v1/search?q=rp-3', { key })).body.data).toHaveLength(1);
  });
});
