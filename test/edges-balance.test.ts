import { expect, it } from 'vitest';
import { testCardFor } from '../sandbox/card-world/index.js';
import { useTestApp } from './support/app.js';
import { cardWorldChannels, type CardWorldFixture } from './support/card-world.js';
import { escrowKit } from './support/escrow.js';
import { describeEachStore } from './support/stores.js';

/** Issue 12: GET /v1/balance shows a merchant's money in every state, not only its wallet balance. */
describeEachStore('the merchant balance in every state', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });
  const day = 86_400_000;

  it('a merchant paid by card sees the money pending settlement, then reserved and in payout, with the same total', async () => {
    const m = await t.makeMerchant();
    const created = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 10_000, currency: 'USD', merchant_order_id: 'bal-1' },
    });
    const pan = testCardFor('visa', 'approved').pan;
    const paid = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    const net = 10_000 - paid.body.fee;
    const before = await t.request('GET', '/v1/balance', { key: m.key });
    expect(before.body.data).toEqual([
      { currency: 'USD', available: 0, pending: 0, posted: 0, pending_settlement: net, escrow: 0, reserve: 0, in_payout: 0, total: net },
    ]);
    await t.request('POST', `/v1/merchants/${m.id}/settlement_schedule`, {
      key: t.operatorKey,
      body: { delay_days: 0, reserve_percent_bps: 1_000 },
    });
    t.clock.advance(day);
    const run = await t.request('POST', '/v1/operator/settlement_runs', { key: t.operatorKey, body: { merchant: m.id } });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const after = (await t.request('GET', '/v1/balance', { key: m.key })).body.data[0];
    expect(after.pending_settlement).toBe(0);
    expect(after.reserve).toBe(Math.round(net / 10));
    expect(after.reserve + after.in_payout + after.posted).toBe(net);
    expect(after.total).toBe(net);
  });

  it('escrow money shows as escrow until it is released', async () => {
    const kit = escrowKit(t);
    const { m, c } = await kit.setup();
    await kit.paidTrade(m.key, c);
    const row = (await t.request('GET', '/v1/balance', { key: m.key })).body.data.find((b: { currency: string }) => b.currency === 'CNY');
    expect(row).toMatchObject({ escrow: 10_000, total: 10_000 });
  });
});

describeEachStore("an escrow payment's ledger lines", (dialect) => {
  const t = useTestApp(dialect);
  it('include the release to the seller and its fee, balanced per entry', async () => {
    const kit = escrowKit(t);
    const { m, c } = await kit.setup();
    const e = await kit.paidTrade(m.key, c);
    expect((await kit.seller(m.key, e.id, 'ship', { carrier: 'SF Express', waybill_number: 'SF1' })).status).toBe(200);
    expect((await kit.buyer(e.buyer_token, e.id, 'confirm_receipt')).status).toBe(200);
    const lines = (await t.request('GET', `/v1/payments/${e.payment}/ledger_entries`, { key: m.key })).body.data as {
      entry: string;
      reason: string;
      amount: number;
      account_code: string;
    }[];
    const reasons = new Set(lines.map((l) => l.reason));
    expect(reasons).toContain('escrow.release');
    const release = lines.filter((l) => l.reason === 'escrow.release');
    expect(release.reduce((sum, l) => sum + l.amount, 0)).toBe(0);
    // The fee: a release line into Hutong's fee revenue.
    expect(release.some((l) => l.account_code === 'fees' && l.amount !== 0)).toBe(true);
  });
});
