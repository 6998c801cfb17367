import { expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { assets } from '../../src/web/assets.js';
import { useTestApp } from '../support/app.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { describeEachStore } from '../support/stores.js';

/** The API behind the web pages, on both stores: checkout scoping, browser sessions, read models. */
describeEachStore('web API: checkout sessions, dashboard sessions, reports', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });
  let order = 0;
  const card = (outcome: 'approved' | 'do-not-honor' = 'approved') => ({
    type: 'card',
    card: { number: testCardFor('visa', outcome).pan, exp_month: 12, exp_year: 2030, cvc: '123' },
  });

  async function session(key: string, body: Record<string, unknown> = {}) {
    const res = await t.request('POST', '/v1/checkout_sessions', {
      key,
      body: { amount: 2_500, currency: 'USD', merchant_order_id: `o-${++order}`, ...body },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const token = new URL(res.body.url).pathname.split('/')[2] as string;
    return { token, paymentId: res.body.payment.id as string, body: res.body };
  }

  async function signIn(secret: string) {
    const res = await t.hutong.server.inject({ method: 'POST', url: '/v1/dashboard_sessions', payload: { secret_key: secret } });
    const cookies = ([] as (string | undefined)[])
      .concat(res.headers['set-cookie'] as string[] | string | undefined)
      .filter((c): c is string => c !== undefined);
    const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
    return { status: res.statusCode, body: res.json(), cookies, cookie };
  }

  it('scopes a checkout token to reading and confirming its one payment', async () => {
    const m = await t.makeMerchant();
    const { token, paymentId, body } = await session(m.key, { return_url: 'https://shop.example/back' });
    expect(body).toMatchObject({
      object: 'checkout_session',
      payment: { status: 'requires_payment_method', amount: 2_500, return_url: 'https://shop.example/back' },
    });
    expect(body.url).toBe(`http://127.0.0.1:4000/checkout/${token}`);
    const other = await session(m.key);
    expect((await t.request('GET', `/v1/payments/${paymentId}`, { key: token })).status).toBe(200);
    for (const [method, url, payload] of [
      ['GET', `/v1/payments/${other.paymentId}`, undefined],
      ['GET', '/v1/payments', undefined],
      ['GET', '/v1/balance', undefined],
      ['POST', '/v1/refunds', { payment: paymentId }],
      ['POST', `/v1/payments/${paymentId}/cancel`, undefined],
      ['POST', `/v1/payments/${other.paymentId}/confirm`, { payment_method: card() }],
    ] as const) {
      const res = await t.request(method, url, { key: token, body: payload });
      expect([url, res.status, res.body.code]).toEqual([url, 403, 'forbidden']);
    }
    const declined = await t.request('POST', `/v1/payments/${paymentId}/confirm`, {
      key: token,
      body: { payment_method: card('do-not-honor') },
    });
    expect(declined.body.code).toBe('card_declined');
    const paid = await t.request('POST', `/v1/payments/${paymentId}/confirm`, { key: token, body: { payment_method: card() } });
    expect(paid.body).toMatchObject({ id: paymentId, status: 'succeeded' });
    // A paid payment gets no new cashier link.
    const again = await t.request('POST', '/v1/checkout_sessions', { key: m.key, body: { payment: paymentId } });
    expect([again.status, again.body.code]).toEqual([409, 'payment_state_invalid']);
    // Another merchant's payment is not found.
    const stranger = await t.makeMerchant('Other');
    expect((await t.request('POST', '/v1/checkout_sessions', { key: stranger.key, body: { payment: other.paymentId } })).body.code).toBe(
      'payment_not_found',
    );
  });

  it('expires checkout links', async () => {
    const m = await t.makeMerchant();
    const { token, paymentId } = await session(m.key, { expires_in: 120 });
    expect((await t.hutong.server.inject({ method: 'GET', url: `/checkout/${token}` })).statusCode).toBe(200);
    t.clock.advance(121_000);
    const res = await t.request('GET', `/v1/payments/${paymentId}`, { key: token });
    expect([res.status, res.body.code]).toEqual([404, 'checkout_session_not_found']);
    expect((await t.hutong.server.inject({ method: 'GET', url: `/checkout/${token}` })).statusCode).toBe(404);
  });

  it('renders the cashier escaped, under a CSP, with hashed long-cached assets', async () => {
    const m = await t.makeMerchant('<script>alert(1)</script> & Sons');
    const { token } = await session(m.key, { description: '"><img src=x onerror=alert(1)>', currency: 'CNY' });
    const page = await t.hutong.server.inject({
      method: 'GET',
      url: `/checkout/${token}`,
      headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' },
    });
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('<html lang="zh-CN">');
    expect(page.body).toContain('data-wallet="alipay_sandbox"');
    expect(page.body.match(/<script[^>]*>/g)).toEqual([`<script src="${assets.cashier.path}" defer>`]);
    const js = await t.hutong.server.inject({ method: 'GET', url: assets.cashier.path });
    expect(js.headers['cache-control']).toContain('immutable');
    const cached = await t.hutong.server.inject({
      method: 'GET',
      url: assets.cashier.path,
      headers: { 'if-none-match': js.headers.etag as string },
    });
    expect(cached.statusCode).toBe(304);
    expect((await t.hutong.server.inject({ method: 'GET', url: '/assets/cashier.000000000000.js' })).statusCode).toBe(404);
  });

  it('signs the dashboard in with a cookie and demands the CSRF token on writes', async () => {
    const m = await t.makeMerchant();
    const wrong = await signIn('sk_test_not_a_real_key_at_all');
    expect([wrong.status, wrong.body.code]).toEqual([401, 'api_key_invalid']);
    const s = await signIn(m.key);
    expect(s.status).toBe(201);
    expect(s.cookies.find((c) => c.startsWith('hutong_session='))).toMatch(/HttpOnly; SameSite=Strict/);
    expect(s.cookies.join()).not.toContain(m.key);
    const read = await t.request('GET', '/v1/balance', { headers: { cookie: s.cookie } });
    expect(read.status).toBe(200);
    const noCsrf = await t.request('POST', '/v1/customers', { headers: { cookie: s.cookie }, body: { name: 'Li Lei' } });
    expect([noCsrf.status, noCsrf.body.code]).toEqual([403, 'csrf_token_invalid']);
    const badCsrf = await t.request('POST', '/v1/customers', {
      headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(32) },
      body: { name: 'Li Lei' },
    });
    expect(badCsrf.body.code).toBe('csrf_token_invalid');
    const ok = await t.request('POST', '/v1/customers', {
      headers: { cookie: s.cookie, 'x-csrf-token': s.body.csrf_token },
      body: { name: 'Li Lei' },
    });
    expect(ok.status).toBe(201);
    expect((await t.request('GET', '/v1/merchants', { headers: { cookie: s.cookie } })).status).toBe(403);
    // The page itself needs the session; signing out ends it.
    expect((await t.hutong.server.inject({ method: 'GET', url: '/dashboard', headers: { cookie: s.cookie } })).statusCode).toBe(200);
    expect((await t.hutong.server.inject({ method: 'GET', url: '/dashboard' })).headers.location).toBe('/dashboard/login');
    expect(
      (await t.request('DELETE', '/v1/dashboard_sessions/current', { headers: { cookie: s.cookie, 'x-csrf-token': s.body.csrf_token } }))
        .status,
    ).toBe(200);
    expect((await t.request('GET', '/v1/balance', { headers: { cookie: s.cookie } })).status).toBe(401);
  });

  it('ends a dashboard session when its key is revoked', async () => {
    const m = await t.makeMerchant();
    const s = await signIn(m.key);
    expect((await t.request('GET', '/v1/balance', { headers: { cookie: s.cookie } })).status).toBe(200);
    const keys = await t.request('GET', '/v1/api_keys', { key: m.key });
    expect(keys.body.data).toHaveLength(1);
    expect(keys.body.data[0].secret_key).toBeNull();
    await t.request('POST', `/v1/merchants/${m.id}/api_keys/${keys.body.data[0].id}/revoke`, { key: t.operatorKey });
    expect((await t.request('GET', '/v1/balance', { headers: { cookie: s.cookie } })).status).toBe(401);
  });

  it("filters payments, shows a payment's ledger lines and the daily volume", async () => {
    const m = await t.makeMerchant();
    const a = await session(m.key, { currency: 'USD', merchant_order_id: 'find-me' });
    await session(m.key, { currency: 'CNY' });
    await t.request('POST', `/v1/payments/${a.paymentId}/confirm`, { key: m.key, body: { payment_method: card() } });
    const refund = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: a.paymentId, amount: 500 } });
    expect(refund.body.status).toBe('succeeded');
    const ids = async (query: string) =>
      (await t.request('GET', `/v1/payments?${query}`, { key: m.key })).body.data.map((p: { id: string }) => p.id);
    expect(await ids('merchant_order_id=find-me')).toEqual([a.paymentId]);
    expect(await ids('currency=USD&method=card&brand=visa&status=succeeded')).toEqual([a.paymentId]);
    expect(await ids('currency=CNY&method=card')).toEqual([]);
    expect(await ids('created_gte=2026-03-01&created_lt=2026-03-02&currency=USD')).toEqual([a.paymentId]);
    expect(await ids('created_gte=2026-03-02')).toEqual([]);
    // Filters hold across pages.
    await session(m.key, { currency: 'CNY' });
    await session(m.key, { currency: 'CNY' });
    const first = (await t.request('GET', '/v1/payments?currency=CNY&limit=2', { key: m.key })).body;
    expect([first.data.length, first.has_more]).toEqual([2, true]);
    const second = (await t.request('GET', `/v1/payments?currency=CNY&limit=2&cursor=${first.next_cursor}`, { key: m.key })).body;
    expect([second.data.length, second.has_more]).toEqual([1, false]);
    expect(new Set([...first.data, ...second.data].map((p: { currency: string }) => p.currency))).toEqual(new Set(['CNY']));
    const lines = (await t.request('GET', `/v1/payments/${a.paymentId}/ledger_entries`, { key: m.key })).body.data;
    expect([...new Set(lines.map((l: { reason: string }) => l.reason))]).toEqual(['payment.capture', 'refund']);
    const byEntry = new Map<string, number>();
    for (const l of lines) byEntry.set(l.entry, (byEntry.get(l.entry) ?? 0) + l.amount);
    expect([...byEntry.values()].every((sum) => sum === 0)).toBe(true);
    const refundLines = lines.filter((l: { reason: string }) => l.reason === 'refund');
    expect(
      refundLines.find((l: { account_owner_type: string; amount: number }) => l.account_owner_type === 'merchant' && l.amount > 0)?.amount,
    ).toBeGreaterThanOrEqual(500);
    const stranger = await t.makeMerchant('Other');
    expect((await t.request('GET', `/v1/payments/${a.paymentId}/ledger_entries`, { key: stranger.key })).body.code).toBe(
      'payment_not_found',
    );
    const volume = await t.request('GET', '/v1/reports/daily_volume?days=7', { key: m.key });
    expect(volume.body.data).toEqual([{ date: '2026-03-01', currency: 'USD', method: 'card', count: 1, amount: 2_500 }]);
    const balances = await t.request('GET', '/v1/reports/balances', { key: m.key });
    expect(balances.body.data.find((b: { account: string }) => b.account === 'pending')).toMatchObject({ currency: 'USD' });
  });

  it('signs staff in with an operator-created login, and ends it when disabled', async () => {
    const m = await t.makeMerchant();
    const weak = await t.request('POST', `/v1/merchants/${m.id}/logins`, {
      key: t.operatorKey,
      body: { email: 'a@shop.example', password: 'short' },
    });
    expect([weak.status, weak.body.code]).toEqual([400, 'login_invalid']);
    expect(
      (
        await t.request('POST', `/v1/merchants/${m.id}/logins`, {
          key: m.key,
          body: { email: 'a@shop.example', password: 'correct horse battery' },
        })
      ).status,
    ).toBe(403);
    const login = await t.request('POST', `/v1/merchants/${m.id}/logins`, {
      key: t.operatorKey,
      body: { email: `Staff-${dialect}@Shop.example`, password: 'correct horse battery' },
    });
    expect(login.body).toMatchObject({
      object: 'dashboard_login',
      merchant: m.id,
      email: `staff-${dialect}@shop.example`,
      disabled_at: null,
    });
    const taken = await t.request('POST', `/v1/merchants/${m.id}/logins`, {
      key: t.operatorKey,
      body: { email: `staff-${dialect}@shop.example`, password: 'another long password' },
    });
    expect([taken.status, taken.body.code]).toEqual([409, 'login_email_taken']);
    const signInWith = (email: string, password: string) =>
      t.hutong.server.inject({ method: 'POST', url: '/v1/dashboard_sessions', payload: { email, password } });
    expect((await signInWith(`staff-${dialect}@shop.example`, 'wrong horse battery')).json().code).toBe('sign_in_failed');
    expect((await signInWith('nobody@shop.example', 'correct horse battery')).json().code).toBe('sign_in_failed');
    const ok = await signInWith(`STAFF-${dialect}@shop.example`, 'correct horse battery');
    expect(ok.statusCode).toBe(201);
    const cookie = ([] as string[])
      .concat(ok.headers['set-cookie'] as string[])
      .map((c) => c.split(';')[0])
      .join('; ');
    expect((await t.request('GET', '/v1/balance', { headers: { cookie } })).status).toBe(200);
    expect((await t.request('GET', `/v1/merchants/${m.id}/logins`, { key: t.operatorKey })).body.data).toHaveLength(1);
    expect((await t.request('POST', `/v1/merchants/${m.id}/logins/${login.body.id}/disable`, { key: t.operatorKey })).status).toBe(200);
    expect((await t.request('GET', '/v1/balance', { headers: { cookie } })).status).toBe(401);
    expect((await signInWith(`staff-${dialect}@shop.example`, 'correct horse battery')).statusCode).toBe(401);
  });

  it('refuses an address after ten failed sign-ins, for fifteen minutes', async () => {
    const m = await t.makeMerchant();
    const from = (secret: string) =>
      t.hutong.server.inject({
        method: 'POST',
        url: '/v1/dashboard_sessions',
        payload: { secret_key: secret },
        remoteAddress: '203.0.113.7',
      });
    for (let i = 0; i < 10; i++) expect((await from(`sk_test_guess_${i}_xxxxxxxx`)).statusCode).toBe(401);
    expect((await from(m.key)).json().code).toBe('rate_limited');
    t.clock.advance(15 * 60 * 1000 + 1);
    expect((await from(m.key)).statusCode).toBe(201);
  });

  it('gives the operator the merchant list and a ledger verify button', async () => {
    const m = await t.makeMerchant('Listed');
    const list = await t.request('GET', '/v1/merchants?limit=100', { key: t.operatorKey });
    expect(list.body.data.map((x: { id: string }) => x.id)).toContain(m.id);
    expect((await t.request('GET', '/v1/merchants', { key: m.key })).status).toBe(403);
    const verified = await t.request('POST', '/v1/ledger/verify', { key: t.operatorKey });
    expect(verified.body.ok).toBe(true);
    expect(verified.body.checks.length).toBeGreaterThan(3);
    // The operator key is for automation: the console signs in with an operator account (issue 16).
    const s = await signIn(t.operatorKey);
    expect([s.status, s.body.code, s.cookies]).toEqual([403, 'operator_key_not_for_browser', []]);
  });
});
