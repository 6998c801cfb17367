import { expect, it } from 'vitest';
import { useTestApp } from '../support/app.js';
import { escrowKit } from '../support/escrow.js';
import { describeEachStore } from '../support/stores.js';

/**
 * Escrow timer periods are the operator's, per goods type (issue 12). Before, they were constants
 * (virtual goods: 3 days to auto-confirm, 1 day to close unpaid, 5 days to agree to a refund) and no
 * operator could set them or reach a timer in a test of reasonable length.
 */
describeEachStore('escrow timer periods set by the operator', (dialect) => {
  const t = useTestApp(dialect);
  const k = escrowKit(t);
  const ops = (method: string, url: string, body?: unknown) => t.request(method, url, { key: t.operatorKey, body });

  it('lists the defaults, refuses bad periods and merchants, and keeps what the operator sets', async () => {
    const listed = await ops('GET', '/v1/operator/escrow_periods');
    expect(listed.status).toBe(200);
    expect(listed.body.data.find((p: { goods_type: string }) => p.goods_type === 'physical')).toMatchObject({
      confirm_after_seconds: 10 * 86_400,
      unpaid_close_after_seconds: 86_400,
      seller_answer_after_seconds: 5 * 86_400,
      updated_at: null,
    });
    const { m } = await k.setup();
    expect(
      (await t.request('POST', '/v1/operator/escrow_periods/virtual', { key: m.key, body: { confirm_after_seconds: 120 } })).status,
    ).toBe(403);
    for (const body of [{ confirm_after_seconds: 59 }, { confirm_after_seconds: 1.5 }, {}, { confirm_after_days: 1 }])
      expect((await ops('POST', '/v1/operator/escrow_periods/virtual', body)).status).toBe(400);
    expect((await ops('POST', '/v1/operator/escrow_periods/furniture', { confirm_after_seconds: 120 })).status).toBe(400);
    const set = await ops('POST', '/v1/operator/escrow_periods/virtual', { confirm_after_seconds: 120, seller_answer_after_seconds: 300 });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({
      goods_type: 'virtual',
      confirm_after_seconds: 120,
      unpaid_close_after_seconds: 86_400,
      seller_answer_after_seconds: 300,
    });
    const again = await ops('POST', '/v1/operator/escrow_periods/virtual', { unpaid_close_after_seconds: 600 });
    expect(again.body).toMatchObject({ confirm_after_seconds: 120, unpaid_close_after_seconds: 600, seller_answer_after_seconds: 300 });
  });

  it('runs new virtual-goods trades on the operator periods: auto-confirm, auto-agree and auto-close fire on time', async () => {
    await ops('POST', '/v1/operator/escrow_periods/virtual', {
      confirm_after_seconds: 120,
      seller_answer_after_seconds: 300,
      unpaid_close_after_seconds: 600,
    });
    const { m, c } = await k.setup();
    const unpaid = await k.create(m.key, { goods_type: 'virtual' });
    const confirmed = await k.paidTrade(m.key, c, { goods_type: 'virtual' });
    const refunded = await k.paidTrade(m.key, c, { goods_type: 'virtual' });
    const physical = await k.paidTrade(m.key, c, { goods_type: 'physical' });
    for (const e of [confirmed, physical])
      expect((await k.seller(m.key, e.id, 'ship', { carrier: 'SF', waybill_number: e.id })).status).toBe(200);
    const shipped = (await k.get(m.key, confirmed.id)).body;
    expect(Date.parse(shipped.confirm_due_at) - t.clock.now().getTime()).toBe(120_000);
    expect((await k.buyer(refunded.buyer_token, refunded.id, 'refund_request', { reason: 'not_received' })).status).toBe(200);

    const statusOf = async (id: string) => (await k.get(m.key, id)).body.status as string;
    t.clock.advance(119_000);
    await t.hutong.timers.runDue();
    expect(await statusOf(confirmed.id)).toBe('shipped');
    t.clock.advance(2_000);
    await t.hutong.timers.runDue();
    expect(await statusOf(confirmed.id)).toBe('completed');
    expect(await statusOf(refunded.id)).toBe('refunding');
    t.clock.advance(180_000);
    await t.hutong.timers.runDue();
    expect(await statusOf(refunded.id)).toBe('refunded');
    expect(await statusOf(unpaid.id)).toBe('awaiting_payment');
    t.clock.advance(300_000);
    await t.hutong.timers.runDue();
    expect(await statusOf(unpaid.id)).toBe('closed');
    // Physical goods kept their default: ten days.
    expect(await statusOf(physical.id)).toBe('shipped');
  });
});
