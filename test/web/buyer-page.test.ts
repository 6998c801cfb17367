import { expect, it } from 'vitest';
import { assets } from '../../src/web/assets.js';
import { useTestApp } from '../support/app.js';
import { escrowKit } from '../support/escrow.js';
import { describeEachStore } from '../support/stores.js';

/** The escrow buyer page on both stores: the link's token, its cookie, what the page shows and offers. */
describeEachStore('escrow buyer page', (dialect) => {
  const t = useTestApp(dialect);
  const k = escrowKit(t);
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await t.hutong.server.inject({ method: 'GET', url, headers });
    return {
      status: res.statusCode,
      body: res.body,
      headers: res.headers,
      cookies: ([] as string[]).concat((res.headers['set-cookie'] as string | string[] | undefined) ?? []),
    };
  };

  it('opens from buyer_url, keeps the token in a cookie for this trade only, and shows each state', async () => {
    const { m, c } = await k.setup();
    const e = await k.create(m.key, { description: '<img src=x onerror=alert(1)> tea' });
    expect(e.buyer_url).toBe(`http://127.0.0.1:4000/escrow/${e.id}?token=${e.buyer_token}`);
    const first = await get(new URL(e.buyer_url).pathname + new URL(e.buyer_url).search);
    expect(first.status).toBe(200);
    expect(first.headers['content-security-policy']).toContain("script-src 'self'");
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toContain(assets.buyer.path);
    expect(first.body).toContain('&lt;img src=x onerror=alert(1)&gt; tea');
    expect(first.body).not.toContain('<img src=x');
    expect(first.body).toContain('Awaiting payment');
    expect(first.body).not.toContain('id="confirm-receipt"');
    const cookie = first.cookies.find((x) => x.startsWith('hutong_buyer='));
    expect(cookie).toBeDefined();
    expect(cookie).toContain(`Path=/escrow/${e.id};`);
    expect(cookie).toContain('HttpOnly');
    const jar = (cookie as string).split(';')[0] as string;

    // Later loads carry the cookie, not the token; the page offers what the state allows.
    await k.pay(m.key, e.payment, c);
    const held = await get(`/escrow/${e.id}`, { cookie: jar });
    expect(held.status).toBe(200);
    expect(held.cookies.some((x) => x.startsWith('hutong_buyer='))).toBe(false);
    expect(held.body).toContain('id="refund-form"');
    expect(held.body).not.toContain('id="confirm-receipt"');
    expect((await k.seller(m.key, e.id, 'ship', { carrier: 'SF <Express>', waybill_number: 'SF1' })).status).toBe(200);
    const shipped = await get(`/escrow/${e.id}?lang=zh`, { cookie: jar });
    expect(shipped.body).toContain('<html lang="zh-CN"');
    expect(shipped.body).toContain('id="confirm-receipt"');
    expect(shipped.body).toContain('<td id="carrier">SF &lt;Express&gt;</td>');
    expect(shipped.body).toMatch(/<td id="confirm-due"><time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time><\/td>/);
    expect((await k.buyer(e.buyer_token, e.id, 'refund_request', { amount: 2_500, reason: 'not_received' })).status).toBe(200);
    const refunding = await get(`/escrow/${e.id}`, { cookie: jar });
    expect(refunding.body).toContain('id="withdraw-refund"');
    expect(refunding.body).toContain('<td id="request">CN¥25.00 · Goods not received</td>');
    expect(refunding.body).toContain('id="confirm-paused"');
    expect(refunding.body).not.toContain('id="refund-form"');
  });

  it('answers an unknown, foreign or missing token with the expired page, and leaves the JSON API as it was', async () => {
    const { m } = await k.setup();
    const a = await k.create(m.key);
    const b = await k.create(m.key);
    for (const url of [
      `/escrow/${a.id}`,
      `/escrow/${a.id}?token=${b.buyer_token}`,
      `/escrow/${a.id}?token=nonsense`,
      `/escrow/esc_unknown?token=${a.buyer_token}`,
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(res.body).toContain('id="expired"');
      expect(
        res.cookies.some((x) => x.startsWith('hutong_buyer=')),
        url,
      ).toBe(false);
    }
    expect((await get(`/escrow/${a.id}`, { cookie: `hutong_buyer=${b.buyer_token}` })).status).toBe(404);
    const json = await t.request('GET', `/v1/buyer/escrows/${a.id}`, { headers: { 'hutong-buyer-token': a.buyer_token } });
    expect(json.body).toMatchObject({ id: a.id, status: 'awaiting_payment' });
    expect(json.body.fee).toBeUndefined();
    // A cashier link for the unpaid trade's payment, only with this trade's token.
    const path = `/v1/buyer/escrows/${a.id}/checkout_session`;
    expect((await t.request('POST', path, {})).status).toBe(403);
    expect((await t.request('POST', path, { headers: { 'hutong-buyer-token': b.buyer_token } })).body.code).toBe(
      'escrow_buyer_token_invalid',
    );
    const made = await t.request('POST', path, { headers: { 'hutong-buyer-token': a.buyer_token } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.url).toMatch(/^http:\/\/127\.0\.0\.1:4000\/checkout\/cs_/);
    const cashier = await get(new URL(made.body.url).pathname);
    expect(cashier.status).toBe(200);
    expect(cashier.body).toContain(`data-payment="${a.payment}"`);
    expect((await t.request('POST', `/v1/escrows/${a.id}/cancel`, { key: m.key, body: {} })).status).toBe(200);
    expect((await t.request('POST', path, { headers: { 'hutong-buyer-token': a.buyer_token } })).body.code).toBe('escrow_state_invalid');
  });
});
