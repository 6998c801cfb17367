import { expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { escrowKit } from './support/escrow.js';
import { describeEachStore } from './support/stores.js';

const dayMs = 24 * 60 * 60 * 1000;
const frozen = '2025-06-01T00:00:00.000Z';
const plus = (ms: number, from = frozen) => new Date(Date.parse(from) + ms).toISOString();

/**
 * Test clocks (issue 12): escrow trades created on a clock keep its time; advancing the clock fires
 * their timers (auto-confirm, auto-close, auto-agree) in due order, once, with their ledger
 * postings and events; the real-time loop leaves them alone. The suite's wall clock (a ManualClock
 * at 2026-03-01) is later than the clocks' times, so a trade the real-time loop wrongly took would
 * fire at once.
 */
describeEachStore('test clocks for escrow trades', (dialect) => {
  const t = useTestApp(dialect);
  const k = escrowKit(t);
  const clocks = () => t.hutong.services.testClocks;

  async function makeClock(key: string, at = frozen) {
    const res = await t.request('POST', '/v1/test_helpers/test_clocks', { key, body: { frozen_time: at, name: 'escrow run' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; status: string; frozen_time: string };
  }

  async function advance(key: string, id: string, to: string) {
    const res = await t.request('POST', `/v1/test_helpers/test_clocks/${id}/advance`, { key, body: { frozen_time: to } });
    await clocks().settled();
    return res;
  }

  const types = async (id: string) =>
    (
      await t.hutong.services.store.reader.selectFrom('events').select('type').where('object_id', '=', id).orderBy('sequence').execute()
    ).map((r) => r.type);

  it("the OpenAPI description has the test clock routes and the trade's test_clock", async () => {
    const spec = (await t.request('GET', '/openapi.json')).body;
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/test_helpers/test_clocks',
        '/v1/test_helpers/test_clocks/{id}',
        '/v1/test_helpers/test_clocks/{id}/advance',
      ]),
    );
    expect(Object.keys(spec.paths['/v1/test_helpers/test_clocks/{id}'])).toEqual(expect.arrayContaining(['get', 'delete']));
    expect(spec.paths['/v1/escrows'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('test_clock');
  });

  it('a trade on a clock keeps its time; advancing past auto-confirm releases it once, at the due time', async () => {
    const { m, c } = await k.setup();
    const clock = await makeClock(m.key);
    expect(clock).toMatchObject({ object: 'test_clock', status: 'ready', frozen_time: frozen, name: 'escrow run', advancing_to: null });

    const e = await k.create(m.key, { test_clock: clock.id });
    expect(e).toMatchObject({ test_clock: clock.id, created_at: frozen, close_due_at: plus(dayMs) });
    await k.pay(m.key, e.payment, c);
    expect((await k.get(m.key, e.id)).body).toMatchObject({ status: 'held', updated_at: frozen });
    const shipped = await k.seller(m.key, e.id, 'ship', { carrier: 'SF Express', waybill_number: 'SF1' });
    expect(shipped.body).toMatchObject({ status: 'shipped', shipping: { shipped_at: frozen }, confirm_due_at: plus(10 * dayMs) });

    // The real-time loop: the trade's confirm time (2025-06-11) is long past on the wall clock, yet it is not fired.
    await k.runTimers(30 * dayMs);
    expect((await k.get(m.key, e.id)).body.status).toBe('shipped');

    const first = await advance(m.key, clock.id, plus(9 * dayMs));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ status: 'advancing', advancing_to: plus(9 * dayMs), frozen_time: frozen });
    expect((await t.request('GET', `/v1/test_helpers/test_clocks/${clock.id}`, { key: m.key })).body).toMatchObject({
      status: 'ready',
      frozen_time: plus(9 * dayMs),
      advancing_to: null,
    });
    expect((await k.get(m.key, e.id)).body.status).toBe('shipped');
    expect(await k.merchantBalance(m.id, 'escrow')).toBe(10_000n);

    const second = await advance(m.key, clock.id, plus(11 * dayMs));
    expect(second.status).toBe(200);
    const done = (await k.get(m.key, e.id)).body;
    expect(done).toMatchObject({
      status: 'completed',
      amount_released: 10_000,
      resolution: { by: 'timer', decision: 'auto_confirmed', at: plus(10 * dayMs) },
      updated_at: plus(10 * dayMs),
    });
    expect(await k.merchantBalance(m.id, 'escrow')).toBe(0n);
    expect(await k.merchantBalance(m.id, 'pending')).toBe(9_940n);
    expect(await types(e.id)).toEqual(['escrow.created', 'escrow.held', 'escrow.shipped', 'escrow.completed']);
    expect(await types(clock.id)).toEqual([
      'test_clock.created',
      'test_clock.advancing',
      'test_clock.ready',
      'test_clock.advancing',
      'test_clock.ready',
    ]);
    await k.ledgerOk();

    // Nothing fires twice: another advance and the real-time loop leave it as it is.
    await advance(m.key, clock.id, plus(40 * dayMs));
    await k.runTimers(60_000);
    expect(await k.merchantBalance(m.id, 'pending')).toBe(9_940n);
    expect(await types(e.id)).toHaveLength(4);
  });

  it('fires every due timer of the clock in due order: auto-close, auto-agree of a refund request, auto-confirm', async () => {
    const { m, c } = await k.setup();
    const clock = await makeClock(m.key);
    const unpaid = await k.create(m.key, { test_clock: clock.id });
    const refunding = await k.paidTrade(m.key, c, { test_clock: clock.id, goods_type: 'virtual' });
    const shipped = await k.paidTrade(m.key, c, { test_clock: clock.id, goods_type: 'auto_delivery' });
    const off = await k.create(m.key);
    expect((off as Record<string, unknown>).test_clock).toBeNull();
    await k.seller(m.key, refunding.id, 'ship', { carrier: 'EMS', waybill_number: 'E1' });
    const asked = await k.buyer(refunding.buyer_token, refunding.id, 'refund_request', { reason: 'not_as_described', amount: 4_000 });
    expect(asked.body).toMatchObject({ status: 'refunding', refund_request: { requested_at: frozen } });
    await k.seller(m.key, shipped.id, 'ship', { carrier: 'EMS', waybill_number: 'E2' });

    const res = await advance(m.key, clock.id, plus(6 * dayMs));
    expect(res.status).toBe(200);
    expect((await k.get(m.key, unpaid.id)).body).toMatchObject({ status: 'closed', updated_at: plus(dayMs) });
    expect((await t.request('GET', `/v1/payments/${unpaid.payment}`, { key: m.key })).body.status).toBe('canceled');
    expect((await k.get(m.key, shipped.id)).body).toMatchObject({ status: 'completed', resolution: { at: plus(dayMs) } });
    // Agreed after 5 days of silence, in part: 4 000 back to the buyer; the virtual goods' confirm
    // timer (3 days, paused at 3 days left) resumes at day 5 and releases the rest at day 8, not yet.
    const partly = (await k.get(m.key, refunding.id)).body;
    expect(partly).toMatchObject({
      status: 'shipped',
      amount_refunded: 4_000,
      amount_held: 6_000,
      resolution: { by: 'timer', decision: 'refund_auto_agreed' },
      confirm_due_at: plus(8 * dayMs),
    });
    // The trade off the clock is as it was.
    expect((await k.get(m.key, off.id)).body.status).toBe('awaiting_payment');

    await advance(m.key, clock.id, plus(8 * dayMs));
    expect((await k.get(m.key, refunding.id)).body).toMatchObject({ status: 'completed', amount_released: 6_000 });
    const fired = await t.hutong.services.store.reader
      .selectFrom('events')
      .select(['type', 'data'])
      .where('object_id', 'in', [unpaid.id, refunding.id, shipped.id])
      .where('type', 'in', ['escrow.closed', 'escrow.completed', 'escrow.refunded'])
      .orderBy('sequence')
      .execute();
    expect(fired.map((f) => f.type).sort()).toEqual(['escrow.closed', 'escrow.completed', 'escrow.completed', 'escrow.refunded']);
    await k.ledgerOk();
  });

  it('moves only forward, by at most two years; one advance at a time; steps wait while it advances', async () => {
    const { m, c } = await k.setup();
    const clock = await makeClock(m.key);
    const e = await k.paidTrade(m.key, c, { test_clock: clock.id });
    for (const to of [frozen, plus(-1000), plus(733 * dayMs), 'tomorrow', '2025-06-02', '2100-01-01T00:00:00Z']) {
      const res = await t.request('POST', `/v1/test_helpers/test_clocks/${clock.id}/advance`, { key: m.key, body: { frozen_time: to } });
      expect([res.status, res.headers['content-type']], `${to}: ${JSON.stringify(res.body)}`).toEqual([
        400,
        'application/problem+json; charset=utf-8',
      ]);
    }
    for (const body of [{}, { frozen_time: 5 }, { frozen_time: plus(dayMs), extra: 1 }]) {
      const res = await t.request('POST', `/v1/test_helpers/test_clocks/${clock.id}/advance`, { key: m.key, body });
      expect(res.status).toBe(400);
    }
    expect(
      (await t.request('POST', '/v1/test_helpers/test_clocks', { key: m.key, body: { frozen_time: '1999-12-31T00:00:00Z' } })).status,
    ).toBe(400);

    // Two advances at once: one starts, the other is refused with 409.
    const both = await Promise.all(
      [plus(2 * dayMs), plus(3 * dayMs)].map((to) =>
        t.request('POST', `/v1/test_helpers/test_clocks/${clock.id}/advance`, { key: m.key, body: { frozen_time: to } }),
      ),
    );
    await clocks().settled();
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(both.find((r) => r.status === 409)?.body.code).toBe('test_clock_advancing');

    // A clock left advancing by a process that died (its lease still runs): steps on its trades, a
    // delete and another advance wait with 409; once the lease runs out, the loop resumes the advance.
    const leaseEnd = new Date(t.clock.now().getTime() + 30_000).toISOString();
    await t.hutong.services.writer.run((trx) =>
      trx
        .updateTable('test_clocks')
        .set({ status: 'advancing', advance_to: plus(20 * dayMs), claimed_by: 'dead-process', locked_until: leaseEnd })
        .where('id', '=', clock.id)
        .execute(),
    );
    const shipping = await k.seller(m.key, e.id, 'ship', { carrier: 'EMS', waybill_number: 'E3' });
    expect([shipping.status, shipping.body.code]).toEqual([409, 'test_clock_advancing']);
    expect((await t.request('DELETE', `/v1/test_helpers/test_clocks/${clock.id}`, { key: m.key })).status).toBe(409);
    const onAdvancing = await t.request('POST', '/v1/escrows', {
      key: m.key,
      body: { amount: 100, currency: 'CNY', merchant_order_id: `adv-${clock.id}`, goods_type: 'physical', test_clock: clock.id },
    });
    expect([onAdvancing.status, onAdvancing.body.code]).toEqual([409, 'test_clock_advancing']);
    expect(await clocks().resume()).toBe(0);
    t.clock.advance(30_001);
    expect(await clocks().resume()).toBe(1);
    await clocks().settled();
    expect((await t.request('GET', `/v1/test_helpers/test_clocks/${clock.id}`, { key: m.key })).body).toMatchObject({
      status: 'ready',
      frozen_time: plus(20 * dayMs),
    });
    // Held, not shipped: no timer runs; the step goes through now, at the clock's time.
    expect((await k.seller(m.key, e.id, 'ship', { carrier: 'EMS', waybill_number: 'E3' })).body).toMatchObject({
      status: 'shipped',
      confirm_due_at: plus(30 * dayMs),
    });
  });

  it('a crash mid-advance resumes: a timer claimed by a dead worker runs after its lease, every timer exactly once', async () => {
    const { m, c } = await k.setup(200_000);
    const clock = await makeClock(m.key);
    const trades: { id: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const e = await k.paidTrade(m.key, c, { test_clock: clock.id, goods_type: 'auto_delivery' });
      await k.seller(m.key, e.id, 'ship', { carrier: 'EMS', waybill_number: `C${i}` });
      trades.push(e);
    }
    // What a process leaves when it dies mid-advance: the clock advancing under its lease, one timer claimed.
    const lease = new Date(t.clock.now().getTime() + 60_000).toISOString();
    await t.hutong.services.writer.run(async (trx) => {
      await trx
        .updateTable('test_clocks')
        .set({ status: 'advancing', advance_to: plus(2 * dayMs), claimed_by: 'dead', locked_until: lease })
        .where('id', '=', clock.id)
        .execute();
      await trx
        .updateTable('timers')
        .set({ claimed_by: 'dead', locked_until: lease, attempts: 1n })
        .where('key', '=', `escrow.auto_confirm:${trades[0]!.id}`)
        .execute();
    });
    t.clock.advance(30_001);
    expect(await clocks().resume()).toBe(0);
    t.clock.advance(30_000);
    // The clock's lease is over, the timer's too: the advance resumes and runs all four.
    expect(await clocks().resume()).toBe(1);
    await clocks().settled();
    for (const e of trades) expect((await k.get(m.key, e.id)).body).toMatchObject({ status: 'completed', amount_released: 10_000 });
    expect(await k.merchantBalance(m.id, 'pending')).toBe(4n * 9_940n);
    for (const e of trades) expect((await types(e.id)).filter((x) => x === 'escrow.completed')).toHaveLength(1);
    expect((await t.request('GET', `/v1/test_helpers/test_clocks/${clock.id}`, { key: m.key })).body.status).toBe('ready');
    await k.ledgerOk();
  });

  it("is the merchant's own and test mode only; deleting hands the trades back to the wall clock", async () => {
    const { m, c } = await k.setup();
    const other = await t.makeMerchant('Other shop');
    const clock = await makeClock(m.key);
    const e = await k.paidTrade(m.key, c, { test_clock: clock.id });
    await k.seller(m.key, e.id, 'ship', { carrier: 'EMS', waybill_number: 'T1' });

    for (const [method, path, body] of [
      ['GET', `/v1/test_helpers/test_clocks/${clock.id}`, undefined],
      ['POST', `/v1/test_helpers/test_clocks/${clock.id}/advance`, { frozen_time: plus(dayMs) }],
      ['DELETE', `/v1/test_helpers/test_clocks/${clock.id}`, undefined],
    ] as const) {
      const res = await t.request(method, path, { key: other.key, body });
      expect([res.status, res.body.code], `${method} ${path}`).toEqual([404, 'test_clock_not_found']);
    }
    expect((await t.request('GET', '/v1/test_helpers/test_clocks', { key: other.key })).body.data).toEqual([]);
    expect((await t.request('GET', '/v1/test_helpers/test_clocks', { key: m.key })).body.data.map((x: { id: string }) => x.id)).toEqual([
      clock.id,
    ]);
    const foreign = await t.request('POST', '/v1/escrows', {
      key: other.key,
      body: { amount: 100, currency: 'CNY', merchant_order_id: 'foreign-1', goods_type: 'physical', test_clock: clock.id },
    });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'test_clock_not_found']);

    const live = await t.request('POST', `/v1/merchants/${m.id}/api_keys`, { key: t.operatorKey, body: { mode: 'live' } });
    expect(live.status).toBe(201);
    expect(live.body.secret_key).toMatch(/^sk_live_/);
    for (const [method, path, body] of [
      ['POST', '/v1/test_helpers/test_clocks', { frozen_time: frozen }],
      ['GET', '/v1/test_helpers/test_clocks', undefined],
      ['GET', `/v1/test_helpers/test_clocks/${clock.id}`, undefined],
      ['POST', `/v1/test_helpers/test_clocks/${clock.id}/advance`, { frozen_time: plus(dayMs) }],
      ['DELETE', `/v1/test_helpers/test_clocks/${clock.id}`, undefined],
      ['POST', '/v1/escrows', { amount: 100, currency: 'CNY', merchant_order_id: 'live-1', goods_type: 'physical', test_clock: clock.id }],
    ] as const) {
      const res = await t.request(method, path, { key: live.body.secret_key, body });
      expect([res.status, res.body.code], `${method} ${path}`).toEqual([403, 'test_mode_only']);
    }

    // Idempotency keys work as on every route: the same key and body answer the same clock.
    const once = { key: m.key, body: { frozen_time: frozen }, headers: { 'idempotency-key': 'clock-once' } };
    const a = await t.request('POST', '/v1/test_helpers/test_clocks', once);
    const b = await t.request('POST', '/v1/test_helpers/test_clocks', once);
    expect([a.status, b.status, b.body.id]).toEqual([201, 201, a.body.id]);

    const deleted = await t.request('DELETE', `/v1/test_helpers/test_clocks/${clock.id}`, { key: m.key });
    expect(deleted.body).toEqual({ id: clock.id, object: 'test_clock', deleted: true });
    expect((await t.request('GET', `/v1/test_helpers/test_clocks/${clock.id}`, { key: m.key })).status).toBe(404);
    // Its trade's confirm timer (due 2025-06-11) is the wall clock's now, and long due.
    await k.runTimers(1000);
    expect((await k.get(m.key, e.id)).body).toMatchObject({ status: 'completed', amount_released: 10_000 });
    await k.ledgerOk();
  });
});
