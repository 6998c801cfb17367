import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSwitch, type SandboxSwitch } from '../../sandbox/switch/index.js';
import { accountIdFor, balanceOf, chart } from '../../src/ledger/index.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

/**
 * Refunds of collection-code payments (Hutong as the merchant's institution), in process over HTTP
 * with the sandbox switch: full and partial refunds back to the payer's sandbox wallet, never above
 * what was paid, one refund per Idempotency-Key, a slow switch leaving a refund pending that the
 * durable timer resolves once, the ledger and the day's clearing (no exception, zero sum).
 */
describeEachStore('refunds of collection-code payments through the switch', (dialect) => {
  let sw: SandboxSwitch;
  beforeAll(async () => {
    sw = await startSwitch({ now: () => t.clock.now().getTime(), userBalanceMinor: 100_000n });
  });
  const t = useTestApp(dialect, { interopSwitchUrl: () => sw.url });
  beforeAll(async () => {
    sw.setHutongUrl(await t.hutong.server.listen({ port: 0, host: '127.0.0.1' }));
  });
  afterAll(async () => {
    await sw?.close();
  });

  const scan = async (app: string, body: Record<string, unknown>) => {
    const res = await fetch(`${sw.url}/apps/${app}/scan`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const posted = async (spec: ReturnType<typeof chart.merchantPending>) => {
    const account = await t.hutong.services.ledger.getAccount(t.hutong.services.store.db, accountIdFor(spec));
    return account === undefined ? 0n : balanceOf(account).postedMinor;
  };
  /** A dynamic code of `amount` paid by `user` of the WeChat-like app: the order id. */
  const paidOrder = async (key: string, amount: number, user: string) => {
    const code = await t.request('POST', '/v1/collection_codes', {
      key,
      body: { kind: 'dynamic', currency: 'CNY', amount, city: 'Beijing' },
    });
    expect(code.status, JSON.stringify(code.body)).toBe(201);
    const paid = await scan('wechat_sandbox', { payload: code.body.payload, user });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('paid');
    return paid.body.order_id as string;
  };
  const refund = (key: string, order: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.request('POST', `/v1/collection_code_payments/${order}/refunds`, { key, body, headers });
  const wallet = async (user: string) => sw.balanceOf('wechat_sandbox', user);

  it('refunds in parts up to the paid amount, back to the payer, once per key; the clearing still nets to zero', async () => {
    const m = await t.makeMerchant('Refund Noodles');
    const order = await paidOrder(m.key, 10_000, 'r1');
    expect(await wallet('r1')).toBe(90_000n);
    expect(await posted(chart.merchantPending(m.id, 'CNY'))).toBe(10_000n);

    const first = await refund(m.key, order, { amount: 3_000, reason: 'one dish missing' }, { 'idempotency-key': 'rf-1' });
    expect(first).toMatchObject({ status: 201, body: { status: 'succeeded', amount: 3_000, object: 'collection_code_refund' } });
    expect(first.body.switch_reference).toMatch(/^SW/);
    expect(await wallet('r1')).toBe(93_000n);
    // The same key again: the same refund, nothing moves.
    const replay = await refund(m.key, order, { amount: 3_000, reason: 'one dish missing' }, { 'idempotency-key': 'rf-1' });
    expect(replay.body.id).toBe(first.body.id);
    expect(await wallet('r1')).toBe(93_000n);
    // The same key with another request: refused, nothing moves.
    expect((await refund(m.key, order, { amount: 1_000 }, { 'idempotency-key': 'rf-1' })).status).toBe(422);

    expect(await refund(m.key, order, { amount: 7_001 })).toMatchObject({
      status: 422,
      body: { code: 'collection_code_refund_exceeds_paid' },
    });
    expect((await refund(m.key, order, { amount: 4_000 })).body.status).toBe('succeeded');
    // No amount: the rest.
    const rest = await refund(m.key, order, {});
    expect(rest).toMatchObject({ status: 201, body: { status: 'succeeded', amount: 3_000 } });
    expect((await refund(m.key, order, {})).body.code).toBe('collection_code_refund_exceeds_paid');
    expect(await wallet('r1')).toBe(100_000n);
    expect(await posted(chart.merchantPending(m.id, 'CNY'))).toBe(0n);

    const detail = await t.request('GET', `/v1/collection_code_payments/${order}`, { key: m.key });
    expect(detail.body).toMatchObject({ status: 'refunded', amount: 10_000, amount_refunded: 10_000 });
    expect(detail.body.refunds).toHaveLength(3);
    const events = await t.request('GET', '/v1/events', { key: m.key });
    expect(events.body.data.filter((e: { type: string }) => e.type === 'collection_code.refunded')).toHaveLength(3);

    // Another merchant sees none of it.
    const other = await t.makeMerchant('Other');
    expect((await t.request('GET', `/v1/collection_code_payments/${order}`, { key: other.key })).status).toBe(404);
    expect((await refund(other.key, order, { amount: 1 })).status).toBe(404);

    const date = t.clock.now().toISOString().slice(0, 10);
    const clearing = await t.request('GET', `/v1/operator/interop/clearing?date=${date}`, { key: t.operatorKey });
    expect(clearing.body.exceptions).toEqual([]);
    expect(clearing.body.zero_sum).toBe(true);
    expect(clearing.body.matched).toBeGreaterThanOrEqual(4);
  });

  it('a slow switch leaves the refund pending, held on the merchant; the timer asks again and it succeeds once', async () => {
    const m = await t.makeMerchant('Slow Switch Tea');
    const order = await paidOrder(m.key, 5_000, 'r2');
    sw.setAnswerDelay('order_refund', 12_000); // Hutong gives up on an answer after 10 s
    try {
      const pending = await refund(m.key, order, { amount: 2_000 });
      expect(pending).toMatchObject({ status: 202, body: { status: 'pending' } });
      // The switch did act: the payer has the money; Hutong holds the amount on the merchant.
      expect(await wallet('r2')).toBe(97_000n);
      expect(await posted(chart.merchantPending(m.id, 'CNY'))).toBe(5_000n);
      expect((await refund(m.key, order, { amount: 3_001 })).body.code).toBe('collection_code_refund_exceeds_paid');
    } finally {
      sw.setAnswerDelay('order_refund', 0);
    }
    t.clock.advance(6_000);
    await t.hutong.timers.runDue();
    const detail = await t.request('GET', `/v1/collection_code_payments/${order}`, { key: m.key });
    expect(detail.body).toMatchObject({ status: 'paid', amount_refunded: 2_000 });
    expect(detail.body.refunds[0]).toMatchObject({ status: 'succeeded', amount: 2_000 });
    expect(await wallet('r2')).toBe(97_000n);
    expect(await posted(chart.merchantPending(m.id, 'CNY'))).toBe(3_000n);
    // Asked again later: nothing more moves.
    t.clock.advance(6_000);
    await t.hutong.timers.runDue();
    await t.hutong.services.interop.resolveOrderRefund(detail.body.refunds[0].id);
    expect(await wallet('r2')).toBe(97_000n);
  }, 60_000);

  it('refuses bad input and unpaid orders with a clear problem', async () => {
    const m = await t.makeMerchant('Faults Refund');
    const order = await paidOrder(m.key, 1_000, 'r3');
    for (const body of [{ amount: 0 }, { amount: -5 }, { amount: 1.5 }, { amount: '100' }, { amount: 100, extra: true }]) {
      const res = await refund(m.key, order, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await refund(m.key, 'qro_nope', { amount: 1 })).body.code).toBe('collection_code_order_not_found');
    expect(await wallet('r3')).toBe(99_000n);
  });

  it('any sequence of refund requests never gives back more than was paid (fast-check)', async () => {
    const m = await t.makeMerchant('Property Tea');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 5 }), async (amounts) => {
        const user = `prop${++n}`;
        const order = await paidOrder(m.key, 1_000, user);
        const results = await Promise.all(amounts.map((amount) => refund(m.key, order, { amount })));
        const refunded = results.filter((r) => r.status === 201).reduce((sum, r) => sum + (r.body.amount as number), 0);
        expect(refunded).toBeLessThanOrEqual(1_000);
        expect(results.every((r) => r.status === 201 || r.body.code === 'collection_code_refund_exceeds_paid')).toBe(true);
        expect(await wallet(user)).toBe(99_000n + BigInt(refunded));
        const detail = await t.request('GET', `/v1/collection_code_payments/${order}`, { key: m.key });
        expect(detail.body.amount_refunded).toBe(refunded);
      }),
      { numRuns: 8 },
    );
  }, 120_000);
});
