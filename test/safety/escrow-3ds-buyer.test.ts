import { expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { startThreeDSecureWorld } from '../../sandbox/three-d-secure/index.js';
import { createThreeDSecureClient } from '../../src/channels/three-d-secure/index.js';
import { systemClock } from '../../src/core/clock.js';
import { useTestApp } from '../support/app.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { describeEachStore } from '../support/stores.js';

const secret = 'test-3ds-secret-escrow-0123456789';

/**
 * The escrow buyer's link after 3-D Secure (issue 12): a buyer who pays an escrow trade at the
 * hosted cashier with a card its issuer challenges leaves Hutong for the issuer's page, so the
 * confirm's answer (which carries the buyer link) is never read. Before, the browser came back to a
 * bare "paid" page (or the shop's return_url) and the buyer never got the link. Now the 3-D Secure
 * return takes the buyer to the trade's buyer page; the merchant's answers still never carry it.
 */
describeEachStore('escrow: the buyer link after a 3-D Secure challenge at the cashier', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, {
    channels: cardWorldChannels(fixture),
    threeDSecure: async () => {
      const world = await startThreeDSecureWorld({ port: 0, secret, clock: systemClock });
      return { port: createThreeDSecureClient({ baseUrl: world.baseUrl, secret, clock: systemClock }), close: () => world.close() };
    },
  });

  /** The buyer's browser at the issuer's page: answers it and follows it back to Hutong. */
  async function passChallenge(url: string, form: Record<string, string>): Promise<string> {
    const page = await fetch(url);
    expect(await page.text()).toContain('id="otp"');
    const res = await fetch(url, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location') as string);
    return `${back.pathname}${back.search}`;
  }

  async function challengedAtCashier(order: string) {
    const m = await t.makeMerchant();
    const created = await t.request('POST', '/v1/escrows', {
      key: m.key,
      body: { amount: 8_800, currency: 'CNY', merchant_order_id: order, goods_type: 'physical' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const trade = created.body as { id: string; payment: string };
    const session = await t.request('POST', '/v1/checkout_sessions', { key: m.key, body: { payment: trade.payment } });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    const sessionToken = new URL(session.body.url).pathname.split('/')[2] as string;
    const confirmed = await t.request('POST', `/v1/payments/${trade.payment}/confirm`, {
      key: sessionToken,
      headers: { 'idempotency-key': `${order}-pay` },
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
    expect(confirmed.body.buyer_url).toBeUndefined();
    return { m, trade, acsUrl: confirmed.body.next_action.url as string };
  }

  it('takes the buyer who passed the challenge to the trade’s buyer page, whose token works', async () => {
    const { m, trade, acsUrl } = await challengedAtCashier('3ds-escrow-1');
    const back = await passChallenge(acsUrl, { otp: '123456' });
    expect(back).toContain(`/v1/payments/${trade.payment}/3ds_return?result=`);
    const landed = await t.hutong.server.inject({ method: 'GET', url: back, headers: { accept: 'text/html' } });
    expect(landed.statusCode, landed.body).toBe(303);
    const target = new URL(landed.headers.location as string, 'http://hutong.test');
    expect(target.pathname).toBe(`/escrow/${trade.id}`);
    const token = target.searchParams.get('token') as string;
    expect(token.length).toBeGreaterThan(20);
    expect(landed.headers['referrer-policy']).toBe('no-referrer');

    // The buyer page opens with it, and the token does what it is for.
    const page = await t.hutong.server.inject({ method: 'GET', url: `${target.pathname}${target.search}` });
    expect(page.statusCode).toBe(200);
    const shipped = await t.request('POST', `/v1/escrows/${trade.id}/ship`, { key: m.key, body: { carrier: 'SF', waybill_number: 'SF9' } });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    const received = await t.request('POST', `/v1/buyer/escrows/${trade.id}/confirm_receipt`, { headers: { 'hutong-buyer-token': token } });
    expect(received.status, JSON.stringify(received.body)).toBe(200);
    expect(received.body.status).toBe('completed');

    // A browser without HTML (an API client following the redirect) is taken there alike.
    const json = await t.hutong.server.inject({ method: 'GET', url: back });
    expect(json.statusCode).toBe(303);
    expect(json.headers.location).toContain(`/escrow/${trade.id}?token=`);

    // The merchant's answers still never carry the credential.
    const seen = [
      (await t.request('GET', `/v1/payments/${trade.payment}`, { key: m.key })).body,
      (await t.request('GET', `/v1/escrows/${trade.id}`, { key: m.key })).body,
      (await t.request('GET', '/v1/events?limit=100', { key: m.key })).body,
    ];
    for (const body of seen) expect(JSON.stringify(body)).not.toContain(token.split('.')[1] as string);
  });

  it('gives no link when the buyer fails the challenge', async () => {
    const { acsUrl } = await challengedAtCashier('3ds-escrow-2');
    const back = await passChallenge(acsUrl, { cancel: '1' });
    const landed = await t.hutong.server.inject({ method: 'GET', url: back, headers: { accept: 'text/html' } });
    expect(String(landed.headers.location ?? '')).not.toContain('token=');
    expect(landed.body).not.toContain('token=');
  });
});
