import { expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { useTestApp } from '../support/app.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { describeEachStore } from '../support/stores.js';
import { ecbRates } from './fx-rates.js';

/**
 * Findings of the security audit, fixed (docs/web.md, "Security summary"): the cashier's token sees
 * the shopper's view of its payment only; a suspended merchant's cashier tokens and escrow buyer
 * links are refused like its API keys; a cashier opened from the buyer page leads back to it.
 */
describeEachStore('cashier and buyer credentials: narrow views, suspended merchants, the way back', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture), fx: { convertToSettlement: true } });
  /** The buyer's link token, as the cashier gives it to the buyer who pays (never the merchant's answer). */
  const buyerTokenOf = async (id: string): Promise<string> => {
    const found = await t.hutong.services.escrow.get({ kind: 'operator' }, id);
    if ('failure' in found) throw new Error(found.detail);
    return t.hutong.services.escrow.buyerLink(found).token;
  };
  let order = 0;
  const visa = testCardFor('visa', 'approved').pan;
  const card = (pan = visa) => ({ type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } });
  const shopperKeys = [
    'amount',
    'currency',
    'description',
    'expires_at',
    'id',
    'last_error',
    'merchant_order_id',
    'next_action',
    'object',
    'payment_method',
    'return_url',
    'status',
    'updated_at',
  ];

  async function session(key: string, body: Record<string, unknown> = {}) {
    const payment = await t.request('POST', '/v1/payments', {
      key,
      body: { amount: 68_800, currency: 'CNY', merchant_order_id: `h-${++order}`, ...body },
    });
    expect(payment.status, JSON.stringify(payment.body)).toBe(201);
    const res = await t.request('POST', '/v1/checkout_sessions', { key, body: { payment: payment.body.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { token: new URL(res.body.url).pathname.split('/')[2] as string, paymentId: res.body.payment.id as string };
  }

  it("the checkout token reads, switches and pays its payment through the shopper's view only", async () => {
    expect(t.hutong.services.fx.loadEcbXml(ecbRates(t.clock.now()))).toMatchObject({ loaded: 5 });
    const m = await t.makeMerchant();
    const customer = await t.makeCustomer(m.key, 'Wang Fang');
    const mine = await session(m.key, {
      customer,
      metadata: { crm: 'secret-segment' },
      description: 'Tea set',
      return_url: 'https://shop.example/back',
    });

    const read = await t.request('GET', `/v1/payments/${mine.paymentId}`, { key: mine.token });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(Object.keys(read.body).sort()).toEqual(shopperKeys);
    expect(read.body).toMatchObject({
      id: mine.paymentId,
      amount: 68_800,
      currency: 'CNY',
      status: 'requires_payment_method',
      description: 'Tea set',
      return_url: 'https://shop.example/back',
    });
    expect(JSON.stringify(read.body)).not.toContain('secret-segment');
    expect(JSON.stringify(read.body)).not.toContain(customer);
    // The merchant's key still gets everything.
    const full = await t.request('GET', `/v1/payments/${mine.paymentId}`, { key: m.key });
    expect(full.body).toMatchObject({ metadata: { crm: 'secret-segment' }, customer, fee: 0, attempts: [], timeline: expect.any(Array) });

    // The currency offer: the price and the rate the shopper pays at, not the merchant's markup.
    const options = await t.request('GET', `/v1/payments/${mine.paymentId}/presentment_options?bin=${visa.slice(0, 6)}`, {
      key: mine.token,
    });
    expect(options.status, JSON.stringify(options.body)).toBe(200);
    expect(options.body.offer).toMatchObject({ sell_currency: 'USD', sell_amount: 9_558, buy_currency: 'CNY', rate: '7.1988479262' });
    expect(Object.keys(options.body.offer).sort()).toEqual([
      'buy_amount',
      'buy_currency',
      'created_at',
      'expires_at',
      'id',
      'object',
      'rate',
      'sell_amount',
      'sell_currency',
    ]);
    const merchantOptions = await t.request('GET', `/v1/payments/${mine.paymentId}/presentment_options?bin=${visa.slice(0, 6)}`, {
      key: m.key,
    });
    expect(merchantOptions.body.offer).toMatchObject({ markup_bps: 50, mid_rate: expect.any(String) });

    const switched = await t.request('POST', `/v1/payments/${mine.paymentId}/presentment`, {
      key: mine.token,
      body: { quote: options.body.offer.id },
    });
    expect(switched.status, JSON.stringify(switched.body)).toBe(200);
    expect(Object.keys(switched.body).sort()).toEqual(shopperKeys);
    expect(switched.body).toMatchObject({ amount: 9_558, currency: 'USD' });

    const paid = await t.request('POST', `/v1/payments/${mine.paymentId}/confirm`, { key: mine.token, body: { payment_method: card() } });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(Object.keys(paid.body).sort()).toEqual(shopperKeys);
    expect(paid.body).toMatchObject({
      status: 'succeeded',
      payment_method: { type: 'card', card: { brand: 'visa', last4: visa.slice(-4), exp_month: 12, exp_year: 2030 } },
    });
    expect(Object.keys(paid.body.payment_method.card).sort()).toEqual(['brand', 'exp_month', 'exp_year', 'last4']);
    const after = await t.request('GET', `/v1/payments/${mine.paymentId}`, { key: mine.token });
    expect(Object.keys(after.body).sort()).toEqual(shopperKeys);
    expect((await t.request('GET', `/v1/payments/${mine.paymentId}`, { key: m.key })).body).toMatchObject({
      settlement_currency: 'CNY',
      settlement_amount: 68_807,
      attempts: [expect.objectContaining({ status: expect.any(String) })],
    });
  });

  it("a cashier's Idempotency-Key never replays the merchant's answer (keys are per checkout session)", async () => {
    const m = await t.makeMerchant();
    const customer = await t.makeCustomer(m.key, 'Li Lei');
    await t.request('POST', `/v1/customers/${customer}/top_ups`, { key: m.key, body: { amount: 100_000, currency: 'CNY' } });
    const mine = await session(m.key, { customer, metadata: { crm: 'secret-segment' } });
    const body = { payment_method: { type: 'wallet', customer } };
    const byMerchant = await t.request('POST', `/v1/payments/${mine.paymentId}/confirm`, {
      key: m.key,
      headers: { 'idempotency-key': 'order-1-confirm' },
      body,
    });
    expect(byMerchant.body).toMatchObject({ status: 'succeeded', metadata: { crm: 'secret-segment' } });
    // The record is kept in the background: wait for it, so the cashier's request could find it.
    const kept = () =>
      t.hutong.services.store.reader.selectFrom('idempotency_keys').select('scope').where('key', '=', 'order-1-confirm').execute();
    await expect.poll(async () => (await kept()).length).toBe(1);
    const byCashier = await t.request('POST', `/v1/payments/${mine.paymentId}/confirm`, {
      key: mine.token,
      headers: { 'idempotency-key': 'order-1-confirm' },
      body,
    });
    expect(byCashier.headers['idempotent-replayed']).toBeUndefined();
    expect(JSON.stringify(byCashier.body)).not.toContain('secret-segment');
    expect(byCashier.body).toMatchObject({ code: 'payment_state_invalid' });
  });

  it("a suspended merchant's cashier tokens and escrow buyer links are refused with merchant_suspended", async () => {
    const m = await t.makeMerchant();
    const open = await session(m.key);
    const trade = (
      await t.request('POST', '/v1/escrows', {
        key: m.key,
        body: { amount: 5_000, currency: 'CNY', merchant_order_id: `h-${++order}`, goods_type: 'virtual' },
      })
    ).body as { id: string; buyer_token: string };
    trade.buyer_token = await buyerTokenOf(trade.id);
    const buyer = { 'hutong-buyer-token': trade.buyer_token };
    // Before: both work.
    expect((await t.request('GET', `/v1/payments/${open.paymentId}`, { key: open.token })).status).toBe(200);
    expect((await t.request('GET', `/v1/buyer/escrows/${trade.id}`, { headers: buyer })).status).toBe(200);

    expect((await t.request('POST', `/v1/merchants/${m.id}/suspend`, { key: t.operatorKey })).status).toBe(200);
    const refused = [
      await t.request('GET', `/v1/payments/${open.paymentId}`, { key: open.token }),
      await t.request('POST', `/v1/payments/${open.paymentId}/confirm`, { key: open.token, body: { payment_method: card() } }),
      await t.request('GET', `/v1/payments/${open.paymentId}/presentment_options?bin=${visa.slice(0, 6)}`, { key: open.token }),
      await t.request('GET', `/v1/buyer/escrows/${trade.id}`, { headers: buyer }),
      await t.request('POST', `/v1/buyer/escrows/${trade.id}/checkout_session`, { headers: buyer }),
      await t.request('POST', `/v1/buyer/escrows/${trade.id}/refund_request`, { headers: buyer, body: { reason: 'not_received' } }),
      await t.request('POST', `/v1/buyer/escrows/${trade.id}/confirm_receipt`, { headers: buyer }),
    ];
    expect(refused.map((r) => [r.status, r.body.code])).toEqual(refused.map(() => [403, 'merchant_suspended']));
    // The pages say so; a wrong buyer token is still only an unknown link (no status is revealed).
    const cashierPage = await t.hutong.server.inject({ method: 'GET', url: `/checkout/${open.token}` });
    expect(cashierPage.statusCode).toBe(403);
    expect(cashierPage.body).toContain('id="suspended"');
    const buyerPage = await t.hutong.server.inject({
      method: 'GET',
      url: `/escrow/${trade.id}?token=${encodeURIComponent(trade.buyer_token)}`,
    });
    expect(buyerPage.statusCode).toBe(403);
    expect(buyerPage.body).toContain('id="suspended"');
    const wrong = await t.request('GET', `/v1/buyer/escrows/${trade.id}`, {
      headers: { 'hutong-buyer-token': `${trade.buyer_token.split('.')[0]}.${'A'.repeat(43)}` },
    });
    expect(wrong.body.code).toBe('escrow_buyer_token_invalid');
    // Nothing moved.
    expect((await t.request('GET', `/v1/escrows/${trade.id}`, { key: t.operatorKey })).body.status).toBe('awaiting_payment');
  });

  it("a cashier opened from the buyer page leads back to that page; a merchant's cashier link does not", async () => {
    const m = await t.makeMerchant();
    const trade = (
      await t.request('POST', '/v1/escrows', {
        key: m.key,
        body: { amount: 5_000, currency: 'CNY', merchant_order_id: `h-${++order}`, goods_type: 'virtual' },
      })
    ).body as { id: string; buyer_token: string; payment: string };
    trade.buyer_token = await buyerTokenOf(trade.id);
    const byBuyer = await t.request('POST', `/v1/buyer/escrows/${trade.id}/checkout_session`, {
      headers: { 'hutong-buyer-token': trade.buyer_token },
    });
    expect(byBuyer.status, JSON.stringify(byBuyer.body)).toBe(201);
    const page = await t.hutong.server.inject({ method: 'GET', url: new URL(byBuyer.body.url).pathname });
    expect(page.body).toContain(`data-order-url="/escrow/${trade.id}"`);
    expect(page.body).toMatch(/<a id="return-link" href="#" hidden>Back to your order<\/a>/);
    const byMerchant = await t.request('POST', '/v1/checkout_sessions', { key: m.key, body: { payment: trade.payment } });
    const merchantPage = await t.hutong.server.inject({ method: 'GET', url: new URL(byMerchant.body.url).pathname });
    expect(merchantPage.body).toContain('data-order-url=""');
  });
});
