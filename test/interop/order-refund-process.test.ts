import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSwitch, type SandboxSwitch } from '../../sandbox/switch/index.js';
import { serverEnv, sleep, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';

/**
 * Refunds of collection-code payments on the started `hutong start` (a second process) over HTTP,
 * with the sandbox switch in this process (HUTONG_SWITCH_URL), so the switch outlives Hutong:
 * hostile input, partial refunds racing for one payment, retries under one Idempotency-Key, and
 * kill -9 after the switch gave the money back but before Hutong heard — the restarted Hutong's
 * durable timer asks again and records the refund once. Then the day's clearing nets to zero.
 */
describeEachStore('collection-code refunds on the started service', (dialect) => {
  let server: ServerProcess;
  let sw: SandboxSwitch;
  let env: Record<string, string>;
  let operatorKey: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    sw = await startSwitch({ userBalanceMinor: 100_000n });
    ({ env, operatorKey } = serverEnv(fresh.store));
    env = { ...env, HUTONG_SWITCH_URL: sw.url };
    server = await startServer(env, { readyTimeoutMs: 150_000 });
    sw.setHutongUrl(server.url);
  }, 180_000);
  afterAll(async () => {
    await server?.kill();
    await sw?.close();
    await drop?.();
  });

  const call = async (method: string, url: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method,
      headers: {
        ...headers,
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, any> };
  };
  const until = async <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(value)}`);
      await sleep(300);
    }
  };

  it('refunds back through the switch under races, retries and kill -9; each refund moves money once', async () => {
    const merchant = await call('POST', `${server.url}/v1/merchants`, operatorKey, {
      name: '退款茶馆',
      country: 'CN',
      settlement_currency: 'CNY',
    });
    expect(merchant.status).toBe(201);
    const key = merchant.body.api_key.secret_key as string;
    const paidOrder = async (amount: number, user: string) => {
      const code = await call('POST', `${server.url}/v1/collection_codes`, key, { kind: 'dynamic', currency: 'CNY', amount, city: '杭州' });
      expect(code.status, JSON.stringify(code.body)).toBe(201);
      const paid = await call('POST', `${sw.url}/apps/wechat_sandbox/scan`, undefined, { payload: code.body.payload, user });
      expect(paid.body, JSON.stringify(paid.body)).toMatchObject({ status: 'paid', notified: true });
      return paid.body.order_id as string;
    };
    const refund = (order: string, body: unknown, headers: Record<string, string> = {}) =>
      call('POST', `${server.url}/v1/collection_code_payments/${order}/refunds`, key, body, headers);
    const payment = async (order: string) => (await call('GET', `${server.url}/v1/collection_code_payments/${order}`, key)).body;
    const pendingBalance = async () =>
      ((await call('GET', `${server.url}/v1/balance`, key)).body.data as { currency: string; pending_settlement: number }[]).find(
        (b) => b.currency === 'CNY',
      )?.pending_settlement ?? 0;

    const order = await paidOrder(10_000, 'racer');
    expect(sw.balanceOf('wechat_sandbox', 'racer')).toBe(90_000n);

    // Hostile input: a clear 400 problem, nothing claimed.
    for (const body of ['{"amount":', '[]', { amount: 'ten' }, { amount: 2 ** 60 }, { amount: 1, currency: 'CNY' }]) {
      const res = await refund(order, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.type).toContain('application/problem+json');
    }
    expect((await refund("qro_' OR 1=1 --", { amount: 1 })).status).toBe(404);

    // Five partial refunds of 3,000 race for a 10,000 payment: three are given back, two refused.
    const raced = await Promise.all(Array.from({ length: 5 }, () => refund(order, { amount: 3_000 })));
    expect(raced.filter((r) => r.status === 201 && r.body.status === 'succeeded')).toHaveLength(3);
    expect(raced.filter((r) => r.status === 422 && r.body.code === 'collection_code_refund_exceeds_paid')).toHaveLength(2);
    expect(sw.balanceOf('wechat_sandbox', 'racer')).toBe(99_000n);

    // Three retries at once under one Idempotency-Key, then one later: one refund of the last 1,000.
    const retried = await Promise.all([1, 2, 3].map(() => refund(order, {}, { 'idempotency-key': 'refund-rest' })));
    const later = await refund(order, {}, { 'idempotency-key': 'refund-rest' });
    const ids = new Set([...retried, later].filter((r) => r.status === 201).map((r) => r.body.id as string));
    expect(ids.size).toBe(1);
    expect(later.body).toMatchObject({ status: 'succeeded', amount: 1_000 });
    expect(sw.balanceOf('wechat_sandbox', 'racer')).toBe(100_000n);
    expect(await payment(order)).toMatchObject({ status: 'refunded', amount_refunded: 10_000 });
    expect(await pendingBalance()).toBe(0);

    // kill -9 after the switch gave the money back and before Hutong heard its answer.
    const crashed = await paidOrder(8_000, 'crash');
    sw.setAnswerDelay('order_refund', 120_000);
    const inFlight = refund(crashed, { amount: 5_000 }).catch(() => undefined);
    await until(
      'the switch giving the money back',
      async () => sw.balanceOf('wechat_sandbox', 'crash'),
      (balance) => balance === 97_000n,
    );
    await server.kill();
    await inFlight;
    sw.setAnswerDelay('order_refund', 0);
    server = await startServer(env, { readyTimeoutMs: 150_000 });
    sw.setHutongUrl(server.url);
    const claimed = await payment(crashed);
    expect(claimed.refunds).toHaveLength(1);
    const recovered = await until(
      'the refund after the restart',
      () => payment(crashed),
      (p) => p.refunds[0]?.status === 'succeeded',
    );
    expect(recovered).toMatchObject({ status: 'paid', amount_refunded: 5_000 });
    expect(sw.balanceOf('wechat_sandbox', 'crash')).toBe(97_000n);
    expect(await pendingBalance()).toBe(3_000);
    // The rest is still refundable, and only the rest.
    expect((await refund(crashed, { amount: 3_001 })).body.code).toBe('collection_code_refund_exceeds_paid');
    expect((await refund(crashed, {})).body).toMatchObject({ status: 'succeeded', amount: 3_000 });
    expect(sw.balanceOf('wechat_sandbox', 'crash')).toBe(100_000n);

    const date = new Date().toISOString().slice(0, 10);
    const clearing = await call('GET', `${server.url}/v1/operator/interop/clearing?date=${date}`, operatorKey);
    expect(clearing.body.exceptions).toEqual([]);
    expect(clearing.body.zero_sum).toBe(true);
    const wechat = (clearing.body.positions as { institution: string; receivable: number; payable: number }[]).find(
      (p) => p.institution === 'wechat_sandbox',
    );
    expect(wechat).toMatchObject({ receivable: 18_000, payable: 18_000 });
  }, 400_000);
});
