import { expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { useTestApp } from '../support/app.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { describeEachStore } from '../support/stores.js';
import { ecbRates } from './fx-rates.js';

/** The cashier's currency offer through its checkout token, on both stores (docs/web.md, docs/fx.md). */
describeEachStore('cashier FX: a checkout token reads and accepts the offer for its own payment only', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture), fx: { convertToSettlement: true } });
  let order = 0;
  const visa = testCardFor('visa', 'approved').pan;

  async function session(key: string) {
    const res = await t.request('POST', '/v1/checkout_sessions', {
      key,
      body: { amount: 68_800, currency: 'CNY', merchant_order_id: `fx-${++order}` },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { token: new URL(res.body.url).pathname.split('/')[2] as string, paymentId: res.body.payment.id as string };
  }

  it("offers the card's currency, switches the payment, and refuses other payments with 403", async () => {
    expect(t.hutong.services.fx.loadEcbXml(ecbRates(t.clock.now()))).toMatchObject({ loaded: 5 });
    const m = await t.makeMerchant();
    const mine = await session(m.key);
    const other = await session(m.key);

    const options = await t.request('GET', `/v1/payments/${mine.paymentId}/presentment_options?bin=${visa.slice(0, 6)}`, {
      key: mine.token,
    });
    expect(options.status, JSON.stringify(options.body)).toBe(200);
    // 688.00 / (7.85 / 1.085 less 50 bps = 7.1988479262) → the smallest USD amount worth at least CNY 688.00.
    expect(options.body).toMatchObject({
      card: { brand: 'visa', currency: 'USD' },
      payment: { amount: 68_800, currency: 'CNY' },
      offer: { sell_currency: 'USD', sell_amount: 9_558, buy_currency: 'CNY', rate: '7.1988479262' },
    });
    // A UnionPay card bills in CNY: no offer.
    const unionpay = await t.request(
      'GET',
      `/v1/payments/${mine.paymentId}/presentment_options?bin=${testCardFor('unionpay', 'approved').pan.slice(0, 6)}`,
      { key: mine.token },
    );
    expect(unionpay.body).toMatchObject({ card: { currency: 'CNY' }, offer: null });

    // The token of one payment may not look at or switch another, nor quote for itself.
    const offerForOther = (
      await t.request('GET', `/v1/payments/${other.paymentId}/presentment_options?bin=${visa.slice(0, 6)}`, { key: m.key })
    ).body.offer;
    for (const [method, url, body] of [
      ['GET', `/v1/payments/${other.paymentId}/presentment_options?bin=${visa.slice(0, 6)}`, undefined],
      ['POST', `/v1/payments/${other.paymentId}/presentment`, { quote: offerForOther.id }],
      ['POST', '/v1/fx/quotes', { sell_currency: 'USD', buy_currency: 'CNY', buy_amount: 68_800 }],
    ] as const) {
      const res = await t.request(method, url, { key: mine.token, body });
      expect([url, res.status, res.body.code]).toEqual([url, 403, 'forbidden']);
    }
    expect((await t.request('GET', `/v1/payments/${other.paymentId}`, { key: m.key })).body).toMatchObject({
      amount: 68_800,
      currency: 'CNY',
      fx_quote: null,
    });

    // Its own payment: switched to the quote, then paid in USD and settled in CNY.
    const switched = await t.request('POST', `/v1/payments/${mine.paymentId}/presentment`, {
      key: mine.token,
      body: { quote: options.body.offer.id },
    });
    expect(switched.status, JSON.stringify(switched.body)).toBe(200);
    // The token gets the shopper's view (docs/web.md); the merchant's key sees the settlement side.
    expect(switched.body).toMatchObject({ amount: 9_558, currency: 'USD' });
    expect((await t.request('GET', `/v1/payments/${mine.paymentId}`, { key: m.key })).body).toMatchObject({
      amount: 9_558,
      currency: 'USD',
      settlement_currency: 'CNY',
      fx_quote: options.body.offer.id,
    });
    // Payments records the new price itself: its timeline, and an event carrying the new amount.
    const events = await t.request('GET', `/v1/events?object_id=${mine.paymentId}`, { key: m.key });
    const updated = (events.body.data as { type: string; data: { object: { amount: number; currency: string } } }[]).filter(
      (e) => e.type === 'payment.updated',
    );
    expect(updated.map((e) => [e.data.object.amount, e.data.object.currency])).toEqual([[9_558, 'USD']]);
    const detail = await t.request('GET', `/v1/payments/${mine.paymentId}`, { key: m.key });
    expect(detail.body.timeline.at(-1)).toMatchObject({ from: 'requires_payment_method', to: 'requires_payment_method' });
    const paid = await t.request('POST', `/v1/payments/${mine.paymentId}/confirm`, {
      key: mine.token,
      body: { payment_method: { type: 'card', card: { number: visa, exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(paid.body).toMatchObject({ status: 'succeeded', amount: 9_558, currency: 'USD' });
    expect((await t.request('GET', `/v1/payments/${mine.paymentId}`, { key: m.key })).body).toMatchObject({
      status: 'succeeded',
      amount_captured: 9_558,
      currency: 'USD',
      settlement_currency: 'CNY',
      settlement_amount: 68_807,
      fx_rate: '7.1988479262',
    });
  });

  it('refuses an expired quote, and a fresh one is given on asking again', async () => {
    expect(t.hutong.services.fx.loadEcbXml(ecbRates(t.clock.now()))).toMatchObject({ loaded: 5 });
    const m = await t.makeMerchant();
    const mine = await session(m.key);
    const first = await t.request('GET', `/v1/payments/${mine.paymentId}/presentment_options?bin=${visa.slice(0, 6)}`, { key: mine.token });
    t.clock.advance(16 * 60_000);
    const late = await t.request('POST', `/v1/payments/${mine.paymentId}/presentment`, {
      key: mine.token,
      body: { quote: first.body.offer.id },
    });
    expect([late.status, late.body.code]).toEqual([409, 'fx_quote_expired']);
    const again = await t.request('GET', `/v1/payments/${mine.paymentId}/presentment_options?bin=${visa.slice(0, 6)}`, { key: mine.token });
    expect(again.body.offer.id).not.toBe(first.body.offer.id);
    expect(Date.parse(again.body.offer.expires_at)).toBeGreaterThan(t.clock.now().getTime());
    const switched = await t.request('POST', `/v1/payments/${mine.paymentId}/presentment`, {
      key: mine.token,
      body: { quote: again.body.offer.id },
    });
    expect(switched.body).toMatchObject({ currency: 'USD' });
    expect((await t.request('GET', `/v1/payments/${mine.paymentId}`, { key: m.key })).body).toMatchObject({
      currency: 'USD',
      fx_quote: again.body.offer.id,
    });
  });

  it("the cashier page offers the card's currency only where the payment can still switch to it", async () => {
    expect(t.hutong.services.fx.loadEcbXml(ecbRates(t.clock.now()))).toMatchObject({ loaded: 5 });
    const m = await t.makeMerchant();
    const page = async (token: string) => (await t.hutong.server.inject({ method: 'GET', url: `/checkout/${token}` })).body;
    const cny = await session(m.key);
    expect(await page(cny.token)).toContain('data-fx-offer="1"');
    // Priced in another currency than the merchant settles in: converted at capture, nothing to offer.
    const usd = await t.request('POST', '/v1/checkout_sessions', {
      key: m.key,
      body: { amount: 2_500, currency: 'USD', merchant_order_id: `fx-${++order}` },
    });
    expect(await page(new URL(usd.body.url).pathname.split('/')[2] as string)).toContain('data-fx-offer=""');
    // After a declined attempt the payment cannot switch any more.
    const declined = await t.request('POST', `/v1/payments/${cny.paymentId}/confirm`, {
      key: cny.token,
      body: {
        payment_method: {
          type: 'card',
          card: { number: testCardFor('visa', 'do-not-honor').pan, exp_month: 12, exp_year: 2030, cvc: '123' },
        },
      },
    });
    expect(declined.body.code).toBe('card_declined');
    expect(await page(cny.token)).toContain('data-fx-offer=""');
  });
});
