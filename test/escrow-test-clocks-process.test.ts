import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { http, serverEnv, sleep, startServer, type ServerProcess } from './support/process.js';
import { describeEachStore, freshStore } from './support/stores.js';

const dayMs = 24 * 60 * 60 * 1000;
const frozen = '2026-01-01T00:00:00.000Z';
const plus = (ms: number) => new Date(Date.parse(frozen) + ms).toISOString();

/**
 * Test clocks as a merchant uses them (issue 12): a second process drives `hutong start` over HTTP.
 * A clock, an escrow trade on it, paid and shipped; advancing past auto-confirm releases the trade
 * (the ledger shows the release, the webhook arrives); a live key is refused; another merchant
 * can neither see nor advance the clock; of two advances at once, one is refused with 409.
 */
describeEachStore('test clocks over HTTP against hutong start', (dialect) => {
  let server: ServerProcess;
  let drop: () => Promise<void>;
  let operatorKey: string;
  let receiver: Server;
  let hookUrl: string;
  const hooks: { type: string; data: { object: Record<string, unknown> } }[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    const { env, operatorKey: key } = serverEnv(fresh.store);
    operatorKey = key;
    server = await startServer({ ...env, HUTONG_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, { readyTimeoutMs: 120_000 });
  }, 180_000);

  afterAll(async () => {
    await server?.kill();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => (receiver === undefined ? resolve() : receiver.close(() => resolve())));
    await drop?.();
  });

  const call = (method: string, path: string, key: string, body?: unknown) => http(server.url, method, path, { key, body });

  async function merchant(name: string): Promise<{ id: string; key: string }> {
    const res = await call('POST', '/v1/merchants', operatorKey, { name, country: 'CN', settlement_currency: 'CNY' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { id: res.body.id, key: res.body.api_key.secret_key };
  }

  async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(value)}`);
      await sleep(200);
    }
  }

  it('create a clock, an escrow trade on it, advance past auto-confirm: released, in the ledger, by webhook', async () => {
    const a = await merchant('Silk shop');
    const b = await merchant('Other shop');
    const hook = await call('POST', '/v1/webhook_endpoints', a.key, {
      url: hookUrl,
      enabled_events: ['escrow.completed', 'test_clock.ready'],
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const buyer = (await call('POST', '/v1/customers', a.key, { name: 'Li Lei' })).body.id as string;
    expect((await call('POST', `/v1/customers/${buyer}/top_ups`, a.key, { amount: 50_000, currency: 'CNY' })).status).toBe(201);

    const clock = await call('POST', '/v1/test_helpers/test_clocks', a.key, { frozen_time: frozen, name: 'checkout demo' });
    expect(clock.status, JSON.stringify(clock.body)).toBe(201);
    const clockId = clock.body.id as string;
    const trade = await call('POST', '/v1/escrows', a.key, {
      amount: 10_000,
      currency: 'CNY',
      merchant_order_id: 'clock-order-1',
      goods_type: 'physical',
      test_clock: clockId,
    });
    expect(trade.status, JSON.stringify(trade.body)).toBe(201);
    expect(trade.body).toMatchObject({ test_clock: clockId, created_at: frozen });
    const paid = await call('POST', `/v1/payments/${trade.body.payment}/confirm`, a.key, {
      payment_method: { type: 'wallet', customer: buyer },
    });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    const shipped = await call('POST', `/v1/escrows/${trade.body.id}/ship`, a.key, { carrier: 'SF Express', waybill_number: 'SF42' });
    expect(shipped.body).toMatchObject({ status: 'shipped', confirm_due_at: plus(10 * dayMs) });

    // Another merchant neither sees nor moves the clock, nor puts a trade on it.
    for (const [method, path, body] of [
      ['GET', `/v1/test_helpers/test_clocks/${clockId}`, undefined],
      ['POST', `/v1/test_helpers/test_clocks/${clockId}/advance`, { frozen_time: plus(11 * dayMs) }],
      ['DELETE', `/v1/test_helpers/test_clocks/${clockId}`, undefined],
    ] as const) {
      const res = await call(method, path, b.key, body);
      expect([res.status, res.body.code, res.headers.get('content-type')]).toEqual([
        404,
        'test_clock_not_found',
        'application/problem+json; charset=utf-8',
      ]);
    }
    expect((await call('GET', '/v1/test_helpers/test_clocks', b.key)).body.data).toEqual([]);

    // A live key is refused, for its own merchant's clock too.
    const live = await call('POST', `/v1/merchants/${a.id}/api_keys`, operatorKey, { mode: 'live' });
    expect(live.status, JSON.stringify(live.body)).toBe(201);
    for (const [method, path, body] of [
      ['GET', `/v1/test_helpers/test_clocks/${clockId}`, undefined],
      ['POST', `/v1/test_helpers/test_clocks/${clockId}/advance`, { frozen_time: plus(11 * dayMs) }],
      ['POST', '/v1/test_helpers/test_clocks', { frozen_time: frozen }],
    ] as const) {
      const res = await call(method, path, live.body.secret_key, body);
      expect([res.status, res.body.code]).toEqual([403, 'test_mode_only']);
    }

    // Nine days: the real-time loop and the advance leave the trade shipped.
    expect((await call('POST', `/v1/test_helpers/test_clocks/${clockId}/advance`, a.key, { frozen_time: plus(9 * dayMs) })).status).toBe(
      200,
    );
    await until(
      'the clock after 9 days',
      async () => (await call('GET', `/v1/test_helpers/test_clocks/${clockId}`, a.key)).body,
      (c) => c.status === 'ready',
    );
    expect((await call('GET', `/v1/escrows/${trade.body.id}`, a.key)).body.status).toBe('shipped');

    // Two advances at once: one runs, the other is refused.
    const both = await Promise.all(
      [plus(11 * dayMs), plus(12 * dayMs)].map((to) =>
        call('POST', `/v1/test_helpers/test_clocks/${clockId}/advance`, a.key, { frozen_time: to }),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(both.find((r) => r.status === 409)?.body.code).toBe('test_clock_advancing');
    const target = both.find((r) => r.status === 200)?.body.advancing_to as string;
    const ready = await until(
      'the clock after the advance',
      async () => (await call('GET', `/v1/test_helpers/test_clocks/${clockId}`, a.key)).body,
      (c) => c.status === 'ready',
    );
    expect(ready.frozen_time).toBe(target);

    const released = (await call('GET', `/v1/escrows/${trade.body.id}`, a.key)).body;
    expect(released).toMatchObject({
      status: 'completed',
      amount_released: 10_000,
      amount_held: 0,
      resolution: { by: 'timer', decision: 'auto_confirmed', at: plus(10 * dayMs) },
    });
    const lines = (await call('GET', `/v1/payments/${trade.body.payment}/ledger_entries`, a.key)).body.data as {
      reason: string;
      account_code: string;
      amount: number;
    }[];
    const release = lines.filter((l) => l.reason === 'escrow.release');
    expect(release.length, JSON.stringify(lines)).toBeGreaterThan(0);
    expect(Math.abs(release.find((l) => l.account_code === 'escrow')?.amount ?? 0)).toBe(10_000);

    const completed = await until(
      'the escrow.completed webhook',
      async () => hooks.filter((h) => h.type === 'escrow.completed'),
      (h) => h.length > 0,
    );
    expect(completed).toHaveLength(1);
    expect(completed[0]?.data.object).toMatchObject({ id: trade.body.id, status: 'completed', test_clock: clockId });
    await until(
      'the test_clock.ready webhooks',
      async () => hooks.filter((h) => h.type === 'test_clock.ready'),
      (h) => h.length >= 2,
    );
  }, 240_000);
});
