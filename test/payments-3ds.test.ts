import { expect, it } from 'vitest';
import { testCardFor } from '../sandbox/card-world/index.js';
import { startThreeDSecureWorld } from '../sandbox/three-d-secure/index.js';
import { createThreeDSecureClient } from '../src/channels/three-d-secure/index.js';
import { systemClock } from '../src/core/clock.js';
import { useTestApp } from './support/app.js';
import { cardWorldChannels, type CardWorldFixture } from './support/card-world.js';
import { describeEachStore } from './support/stores.js';

const secret = 'test-3ds-secret-0123456789';

describeEachStore('card payments with a 3-D Secure challenge', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, {
    channels: cardWorldChannels(fixture),
    threeDSecure: async () => {
      const world = await startThreeDSecureWorld({ port: 0, secret, clock: systemClock });
      return { port: createThreeDSecureClient({ baseUrl: world.baseUrl, secret, clock: systemClock }), close: () => world.close() };
    },
  });
  let order = 0;

  async function challenged(key: string) {
    const created = await t.request('POST', '/v1/payments', {
      key,
      body: { amount: 1_500, currency: 'USD', merchant_order_id: `3ds-${++order}`, return_url: 'https://shop.example/return' },
    });
    const confirmed = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key,
      body: {
        payment_method: {
          type: 'card',
          card: { number: testCardFor('visa', '3ds-challenge').pan, exp_month: 12, exp_year: 2030, cvc: '123' },
        },
      },
    });
    expect(confirmed.body, JSON.stringify(confirmed.body)).toMatchObject({
      status: 'requires_action',
      next_action: { type: 'redirect_to_url' },
    });
    return { id: created.body.id as string, url: confirmed.body.next_action.url as string };
  }

  /** The shopper's browser at the issuer's page: returns where the page sends it back to Hutong. */
  async function answer(url: string, form: Record<string, string>): Promise<string> {
    const page = await fetch(url);
    expect(await page.text()).toContain('id="otp"');
    const res = await fetch(url, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location') as string);
    return `${back.pathname}${back.search}`;
  }

  it('challenges, and after the right code authorizes and sends the shopper back to the shop', async () => {
    const m = await t.makeMerchant();
    const { id, url } = await challenged(m.key);
    const back = await answer(url, { otp: '123456' });
    expect(back).toContain(`/v1/payments/${id}/3ds_return?result=`);
    const done = await t.hutong.server.inject({ method: 'GET', url: back });
    expect(done.statusCode, done.body).toBe(303);
    expect(done.headers.location).toBe(`https://shop.example/return?payment_id=${id}&status=succeeded`);
    const detail = await t.request('GET', `/v1/payments/${id}`, { key: m.key });
    expect(detail.body.status).toBe('succeeded');
    expect(detail.body.next_action).toBeNull();
    expect(detail.body.timeline.map((s: { to: string }) => s.to)).toEqual([
      'requires_payment_method',
      'processing',
      'requires_action',
      'processing',
      'succeeded',
    ]);
    // The result is single-use: coming back again changes nothing.
    const again = await t.hutong.server.inject({ method: 'GET', url: back });
    expect(again.headers.location).toContain('status=succeeded');
    expect((await t.request('GET', `/v1/payments/${id}`, { key: m.key })).body.attempts).toHaveLength(1);
  });

  it('reopens the payment when the shopper fails the challenge', async () => {
    const m = await t.makeMerchant();
    const { id, url } = await challenged(m.key);
    const back = await answer(url, { cancel: '1' });
    const done = await t.hutong.server.inject({ method: 'GET', url: back });
    expect(done.headers.location).toContain('status=requires_payment_method');
    const detail = await t.request('GET', `/v1/payments/${id}`, { key: m.key });
    expect(detail.body).toMatchObject({ status: 'requires_payment_method', last_error: { code: 'three_ds_failed' } });
    expect(detail.body.attempts).toEqual([]);
  });

  it('refuses a tampered result or one for another payment', async () => {
    const m = await t.makeMerchant();
    const first = await challenged(m.key);
    const back = await answer(first.url, { otp: '123456' });
    const token = new URL(back, 'http://x').searchParams.get('result') as string;
    const tampered = await t.hutong.server.inject({
      method: 'GET',
      url: `/v1/payments/${first.id}/3ds_return?result=${token.slice(0, -2)}xx`,
    });
    expect(tampered.json().code).toBe('three_ds_result_invalid');
    const second = await challenged(m.key);
    const wrongPayment = await t.hutong.server.inject({ method: 'GET', url: `/v1/payments/${second.id}/3ds_return?result=${token}` });
    expect(wrongPayment.json().code).toBe('three_ds_result_invalid');
    expect((await t.request('GET', `/v1/payments/${second.id}`, { key: m.key })).body.status).toBe('requires_action');
  });

  it('keeps a review hold through the challenge: authorized, not captured, the merchant cannot capture', async () => {
    const m = await t.makeMerchant();
    const rule = await t.hutong.services.risk.createRule(
      {
        name: 'review this merchant',
        action: 'review',
        status: 'enabled',
        conditions: { all: [{ fact: 'merchant_id', operator: 'equal', value: m.id }] },
      },
      'test',
    );
    expect(rule).toHaveProperty('id');
    const { id, url } = await challenged(m.key);
    const back = await answer(url, { otp: '123456' });
    const done = await t.hutong.server.inject({ method: 'GET', url: back });
    expect(done.headers.location).toContain('status=requires_capture');
    const detail = await t.request('GET', `/v1/payments/${id}`, { key: m.key });
    expect(detail.body).toMatchObject({ status: 'requires_capture', amount_captured: 0 });
    expect(detail.body.attempts).toMatchObject([{ kind: 'authorize', status: 'approved' }]);
    const reviews = await t.hutong.services.risk.reviews({ status: 'open' });
    expect(reviews.map((r) => r.paymentId)).toContain(id);
    const capture = await t.request('POST', `/v1/payments/${id}/capture`, { key: m.key, body: {} });
    expect(capture.status).toBe(409);
    expect(capture.body.code).toBe('risk_review_pending');
  });

  it('does not challenge other cards (frictionless)', async () => {
    const m = await t.makeMerchant();
    const created = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 700, currency: 'USD', merchant_order_id: `3ds-${++order}` },
    });
    const res = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: {
        payment_method: { type: 'card', card: { number: testCardFor('visa', 'approved').pan, exp_month: 12, exp_year: 2030, cvc: '123' } },
      },
    });
    expect(res.body.status).toBe('succeeded');
  });
});
