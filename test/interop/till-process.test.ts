import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serverEnv, sleep, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';

/**
 * `POST /v1/payments` with a shopper's `payment_code`, on the started `hutong start` (its sandbox
 * switch in-process, durable through its journal) over HTTP: hostile input, six tills racing for one
 * code, retries with one Idempotency-Key, the "user is confirming" state resolved by polling, a
 * shopper who never confirms (reversed at the switch, nothing taken), kill -9 while the switch has
 * the money and Hutong has not heard yet, refunds back through the switch, and Hutong's own code
 * taken on-us.
 */
describeEachStore('payment codes at Hutong tills on the started service', (dialect) => {
  let server: ServerProcess;
  let env: Record<string, string>;
  let operatorKey: string;
  let drop: () => Promise<void>;
  let journalDir: string;

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    journalDir = mkdtempSync(join(tmpdir(), 'hutong-switch-'));
    ({ env, operatorKey } = serverEnv(fresh.store));
    env = { ...env, HUTONG_PAYMENT_CODE_CONFIRM_MS: '3000', SANDBOX_SWITCH_JOURNAL: join(journalDir, 'switch.jsonl') };
    server = await startServer(env, { readyTimeoutMs: 150_000 });
  }, 180_000);
  afterAll(async () => {
    await server?.kill();
    await drop?.();
    rmSync(journalDir, { recursive: true, force: true });
  });

  const call = async (method: string, url: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method,
      headers: {
        ...headers,
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const until = async <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(value)}`);
      await sleep(500);
    }
  };

  it('takes payment codes once under races and retries, polls the confirming user, reverses on timeout, survives kill -9, refunds', async () => {
    const merchant = await call('POST', `${server.url}/v1/merchants`, operatorKey, {
      name: 'Till Tea',
      country: 'CN',
      settlement_currency: 'CNY',
    });
    expect(merchant.status).toBe(201);
    const key = merchant.body.api_key.secret_key as string;
    let switchUrl = (await call('GET', `${server.url}/v1/interop/switch`, key)).body.url as string;
    const codeOf = async (app: string, user: string) =>
      (await call('POST', `${switchUrl}/apps/${app}/payment_codes`, undefined, { user })).body.payment_code as string;
    const balanceOf = async (app: string, user: string) =>
      (await call('GET', `${switchUrl}/apps/${app}/balance?user=${user}`, undefined)).body.balance as number;
    let order = 0;
    const till = (code: unknown, amount: number, headers: Record<string, string> = {}, orderId = `o-${++order}`) =>
      call('POST', `${server.url}/v1/payments`, key, { amount, currency: 'CNY', merchant_order_id: orderId, payment_code: code }, headers);
    const payment = async (id: string) => (await call('GET', `${server.url}/v1/payments/${id}`, key)).body;

    // Hostile input: a clear 400 before anything is claimed; an unknown prefix is a 422.
    expect((await till('abc', 100)).status).toBe(400);
    expect((await till("1' OR 1=1 --", 100)).status).toBe(400);
    expect((await till(1234567890123456, 100)).status).toBe(400);
    expect(await till('990000000000000000', 100)).toMatchObject({ status: 422, body: { code: 'payment_code_invalid' } });

    // Six tills race for one WeChat-like code: one is paid, five are declined, the shopper pays once.
    const raced = await codeOf('wechat_sandbox', 'racer');
    const results = await Promise.all(Array.from({ length: 6 }, () => till(raced, 2_500)));
    expect(results.filter((r) => r.status === 201 && r.body.status === 'succeeded')).toHaveLength(1);
    expect(results.filter((r) => r.status === 402 && r.body.code === 'payment_code_declined')).toHaveLength(5);
    expect(await balanceOf('wechat_sandbox', 'racer')).toBe(1_000_000 - 2_500);
    const racedPayment = results.find((r) => r.status === 201)?.body as Record<string, any>;
    expect(racedPayment).toMatchObject({ channel: 'switch', payment_method: { type: 'payment_code' }, amount_captured: 2_500 });

    // Retries with one Idempotency-Key (three at once, then one later): one payment, one charge.
    const retried = await codeOf('alipay_sandbox', 'retrier');
    const headers = { 'idempotency-key': 'till-retry-1' };
    const first = await Promise.all([1, 2, 3].map(() => till(retried, 3_000, headers, 'retry-order')));
    const later = await till(retried, 3_000, headers, 'retry-order');
    const ids = new Set([...first, later].filter((r) => r.status === 201).map((r) => r.body.id as string));
    expect(ids.size).toBe(1);
    expect(later).toMatchObject({ status: 201, body: { status: 'succeeded' } });
    expect(await balanceOf('alipay_sandbox', 'retrier')).toBe(1_000_000 - 3_000);

    // Above the password-free amount the wallet asks its user: processing, then paid once she confirms.
    const slow = await till(await codeOf('quickpass_sandbox', 'slow'), 150_000);
    expect(slow).toMatchObject({ status: 201, body: { status: 'processing' } });
    const details = await payment(slow.body.id);
    expect(details.attempts[0]).toMatchObject({ status: 'pending', reason: 'user_confirming' });
    expect((await call('POST', `${switchUrl}/apps/quickpass_sandbox/confirmations`, undefined, { user: 'slow' })).status).toBe(200);
    await until(
      'the confirmed payment',
      () => payment(slow.body.id),
      (p) => p.status === 'succeeded',
    );
    expect(await balanceOf('quickpass_sandbox', 'slow')).toBe(1_000_000 - 150_000);

    // A shopper who never confirms: reversed at the switch after the timeout, nothing taken.
    const never = await till(await codeOf('wechat_sandbox', 'never'), 120_000);
    expect(never.body.status).toBe('processing');
    const givenBack = await until(
      'the unconfirmed payment',
      () => payment(never.body.id),
      (p) => p.status === 'requires_payment_method',
    );
    expect(givenBack.last_error.code).toBe('payment_code_timeout');
    expect(givenBack.attempts[0].status).toBe('reversed');
    expect((await call('POST', `${switchUrl}/apps/wechat_sandbox/confirmations`, undefined, { user: 'never' })).body.confirmed).toEqual([]);
    expect(await balanceOf('wechat_sandbox', 'never')).toBe(1_000_000);

    // kill -9 after the shopper confirmed at the switch, before Hutong heard: the restarted switch
    // remembers (its journal), Hutong's poll captures it once.
    const crash = await till(await codeOf('alipay_sandbox', 'crash'), 130_000);
    expect(crash.body.status).toBe('processing');
    await call('POST', `${switchUrl}/apps/alipay_sandbox/confirmations`, undefined, { user: 'crash' });
    await server.kill();
    server = await startServer(env, { readyTimeoutMs: 150_000 });
    switchUrl = (await call('GET', `${server.url}/v1/interop/switch`, key)).body.url as string;
    expect(await balanceOf('alipay_sandbox', 'crash')).toBe(1_000_000 - 130_000);
    expect(await balanceOf('wechat_sandbox', 'racer')).toBe(1_000_000 - 2_500);
    const recovered = await until(
      'the payment after the restart',
      () => payment(crash.body.id),
      (p) => p.status === 'succeeded',
    );
    expect(recovered.amount_captured).toBe(130_000);

    // Refunds go back through the switch to the shopper's wallet; never more than was paid.
    const refund = await call('POST', `${server.url}/v1/refunds`, key, { payment: racedPayment.id, amount: 1_000 });
    expect(refund).toMatchObject({ status: 201, body: { status: 'succeeded' } });
    expect(await balanceOf('wechat_sandbox', 'racer')).toBe(1_000_000 - 1_500);
    expect((await call('POST', `${server.url}/v1/refunds`, key, { payment: racedPayment.id, amount: 2_000 })).body.code).toBe(
      'refund_exceeds_captured',
    );
    expect(await balanceOf('wechat_sandbox', 'racer')).toBe(1_000_000 - 1_500);

    // Hutong's own wallet code at Hutong's till: on-us through the switch.
    const customer = await call('POST', `${server.url}/v1/customers`, key, { name: 'Wang Fang' });
    await call('POST', `${server.url}/v1/customers/${customer.body.id}/top_ups`, key, { amount: 10_000, currency: 'CNY' });
    const own = await call('POST', `${server.url}/v1/customers/${customer.body.id}/payment_codes`, key, { currency: 'CNY' });
    const onUs = await till(own.body.code, 4_000);
    // Succeeded at once, or (a slow answer on a loaded machine) processing until the poll hears it: once either way.
    expect(onUs.status).toBe(201);
    await until(
      'the on-us payment',
      () => payment(onUs.body.id),
      (p) => p.status === 'succeeded',
    );
    const balances = await call('GET', `${server.url}/v1/customers/${customer.body.id}/balances`, key);
    expect(balances.body.data[0].available).toBe(6_000);
    expect((await till(own.body.code, 1_000)).status).toBe(402);
  }, 400_000);
});
