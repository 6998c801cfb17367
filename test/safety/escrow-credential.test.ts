import { expect, it } from 'vitest';
import { useTestApp } from '../support/app.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { describeEachStore } from '../support/stores.js';
import { freshVisa } from './world.js';

/**
 * The escrow buyer's credential reaches the buyer only (issue 12). Before, the merchant's answers
 * carried the buyer's token and URL, and that token confirms receipt: the seller could release the
 * money to itself. Now the merchant's answers and events never carry it; the buyer gets the link in
 * the answer to the confirm it makes at the hosted cashier.
 */
describeEachStore('escrow: the buyer link goes to the buyer only', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });

  it('keeps the token out of the merchant API and events, and gives it to the buyer who pays at the cashier', async () => {
    const m = await t.makeMerchant();
    const created = await t.request('POST', '/v1/escrows', {
      key: m.key,
      body: { amount: 6_000, currency: 'CNY', merchant_order_id: 'scarf-1', goods_type: 'virtual' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const trade = created.body as { id: string; payment: string };
    const seen = [created.body, (await t.request('GET', `/v1/escrows/${trade.id}`, { key: m.key })).body];

    const session = await t.request('POST', '/v1/checkout_sessions', { key: m.key, body: { payment: trade.payment } });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    const sessionToken = new URL(session.body.url).pathname.split('/')[2] as string;
    const paid = await t.request('POST', `/v1/payments/${trade.payment}/confirm`, {
      key: sessionToken,
      headers: { 'idempotency-key': 'buyer-pays' },
      body: { payment_method: { type: 'card', card: { number: freshVisa(), exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body.status).toBe('succeeded');
    const buyerUrl = new URL(paid.body.buyer_url as string);
    expect(buyerUrl.pathname).toBe(`/escrow/${trade.id}`);
    const token = buyerUrl.searchParams.get('token') as string;
    expect(token.length).toBeGreaterThan(20);

    // Whoever else holds the cashier link (the merchant made it) does not get the link by asking again.
    seen.push((await t.request('GET', `/v1/payments/${trade.payment}`, { key: sessionToken })).body);
    seen.push((await t.request('GET', `/v1/payments/${trade.payment}`, { key: m.key })).body);
    const replayed = await t.request('POST', `/v1/payments/${trade.payment}/confirm`, {
      key: sessionToken,
      headers: { 'idempotency-key': 'buyer-pays' },
      body: { payment_method: { type: 'card', card: { number: '4539000000000000', exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    seen.push(replayed.body);
    // The merchant's view of the trade, its list and its events (what webhooks carry).
    const shipped = await t.request('POST', `/v1/escrows/${trade.id}/ship`, { key: m.key, body: { carrier: 'SF', waybill_number: 'SF1' } });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    seen.push(shipped.body, (await t.request('GET', '/v1/escrows', { key: m.key })).body);
    seen.push((await t.request('GET', '/v1/events?limit=100', { key: m.key })).body);
    for (const body of seen) {
      expect(JSON.stringify(body)).not.toContain(token.split('.')[1] as string);
      expect(JSON.stringify(body)).not.toContain('?token=');
    }

    // The buyer's link does what it is for.
    const confirmed = await t.request('POST', `/v1/buyer/escrows/${trade.id}/confirm_receipt`, {
      headers: { 'hutong-buyer-token': token },
    });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.status).toBe('completed');
  });
});
