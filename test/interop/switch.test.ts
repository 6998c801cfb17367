import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSwitch, type SandboxSwitch } from '../../sandbox/switch/index.js';
import { accountIdFor, balanceOf, chart } from '../../src/ledger/index.js';
import { buildMpm } from '../../src/interop/mpm-code.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

const switchKey = 'hutong-sandbox-switch-key-not-for-production';

/**
 * Hutong as the merchant's institution, end to end over HTTP: a collection code made through the
 * API, scanned by a sandbox participant's app at the sandbox switch, which asks Hutong for the order
 * and tells it the payment (both signed), then books it for clearing. Faults: each a clear refusal,
 * nothing moved.
 */
describeEachStore('collection codes paid through the switch', (dialect) => {
  const t = useTestApp(dialect);
  let sw: SandboxSwitch;
  let hutongUrl: string;

  beforeAll(async () => {
    hutongUrl = await t.hutong.server.listen({ port: 0, host: '127.0.0.1' });
    sw = await startSwitch({ hutongUrl, now: () => t.clock.now().getTime(), userBalanceMinor: 100_000n });
  });
  afterAll(async () => {
    await sw?.close();
  });

  const scan = async (app: string, body: Record<string, unknown>) => {
    const res = await fetch(`${sw.url}/apps/${app}/scan`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const pendingOf = async (merchantId: string) => {
    const account = await t.hutong.services.ledger.getAccount(
      t.hutong.services.store.db,
      accountIdFor(chart.merchantPending(merchantId, 'CNY')),
    );
    return account === undefined ? 0n : balanceOf(account).postedMinor;
  };
  const code = async (key: string, body: Record<string, unknown>) => {
    const res = await t.request('POST', '/v1/collection_codes', { key, body: { currency: 'CNY', city: '上海', ...body } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; payload: string };
  };
  const signed = (body: string) => {
    const ts = Math.floor(t.clock.now().getTime() / 1000);
    return `t=${ts},v1=${createHmac('sha256', switchKey).update(`${ts}.${body}`).digest('hex')}`;
  };
  const toHutong = async (message: Record<string, string>, signature?: string) => {
    const body = JSON.stringify(message);
    const res = await fetch(`${hutongUrl}/v1/interop/switch/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'switch-signature': signature ?? signed(body) },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('a dynamic code is paid by the WeChat-like app once: merchant credited, webhook event, clearing files net to zero', async () => {
    const m = await t.makeMerchant('互通咖啡');
    const c = await code(m.key, { kind: 'dynamic', amount: 2_372, merchant_order_id: 'ORD-1', terminal_label: 'T01' });
    const decoded = await t.request('POST', '/v1/qr_codes/decode', { key: m.key, body: { payload: c.payload } });
    expect(decoded.body).toMatchObject({
      valid: true,
      institution: 'hutong',
      merchant_presented: { merchant_name: 'HU TONG KA FEI', city: 'SHANG HAI', amount: '23.72', language: { merchant_name: '互通咖啡' } },
    });

    const paid = await scan('wechat_sandbox', { payload: c.payload, user: 'u1' });
    expect(paid).toMatchObject({
      status: 200,
      body: { status: 'paid', amount: 2_372, currency: 'CNY', notified: true, balance: 100_000 - 2_372 },
    });
    expect(await pendingOf(m.id)).toBe(2_372n);
    expect((await t.request('GET', `/v1/collection_codes/${c.id}`, { key: m.key })).body.status).toBe('paid');
    const events = await t.request('GET', '/v1/events', { key: m.key });
    expect(events.body.data.map((e: { type: string }) => e.type)).toContain('collection_code.paid');

    const again = await scan('alipay_sandbox', { payload: c.payload, user: 'u2' });
    expect(again).toMatchObject({ status: 422, body: { code: 'declined', reason: 'collection_code_used' } });
    expect(await pendingOf(m.id)).toBe(2_372n);

    const date = t.clock.now().toISOString().slice(0, 10);
    const nets = await Promise.all(
      ['hutong', 'wechat_sandbox', 'alipay_sandbox'].map(async (p) => {
        const file = await (await fetch(`${sw.url}/clearing/${p}?date=${date}`)).text();
        const net = file.split('\n').find((line) => line.startsWith('NET,'));
        return net === undefined ? 0n : BigInt(net.split(',')[5] as string);
      }),
    );
    expect(nets.reduce((a, b) => a + b, 0n)).toBe(0n);
    expect(nets[0]).toBeGreaterThanOrEqual(2_372n);
  });

  it('a static code takes the amount the shopper types, as often as it is scanned', async () => {
    const m = await t.makeMerchant('Noodle Bar');
    const c = await code(m.key, { kind: 'static', store_label: 'S1' });
    expect((await scan('quickpass_sandbox', { payload: c.payload, user: 'u3', amount: 1_500 })).body.status).toBe('paid');
    expect((await scan('alipay_sandbox', { payload: c.payload, user: 'u4', amount: 800 })).body.status).toBe('paid');
    expect((await scan('alipay_sandbox', { payload: c.payload, user: 'u4' })).body).toMatchObject({
      reason: 'collection_code_amount_mismatch',
    });
    expect(await pendingOf(m.id)).toBe(2_300n);
  });

  it('refuses a tampered CRC, an unknown GUID, an expired code and a suspended merchant: nothing moves', async () => {
    const m = await t.makeMerchant('Faults');
    const c = await code(m.key, { kind: 'dynamic', amount: 500, expires_in_seconds: 60 });
    const tampered = c.payload.slice(0, -1) + (c.payload.endsWith('0') ? '1' : '0');
    expect(await scan('wechat_sandbox', { payload: tampered, user: 'u5' })).toMatchObject({
      status: 422,
      body: { code: 'code_invalid', reason: 'CRC mismatch' },
    });
    const pix =
      '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D';
    expect(await scan('wechat_sandbox', { payload: pix, user: 'u5' })).toMatchObject({
      status: 422,
      body: { code: 'institution_unknown' },
    });
    t.clock.advance(61_000);
    expect((await scan('wechat_sandbox', { payload: c.payload, user: 'u5' })).body).toMatchObject({ reason: 'collection_code_expired' });

    const s = await code(m.key, { kind: 'static' });
    expect((await t.request('POST', `/v1/merchants/${m.id}/suspend`, { key: t.operatorKey, body: {} })).status).toBe(200);
    expect((await scan('wechat_sandbox', { payload: s.payload, user: 'u5', amount: 100 })).body).toMatchObject({
      reason: 'merchant_suspended',
    });
    expect(await pendingOf(m.id)).toBe(0n);
  });

  it('the switch messages: a replayed notice pays once, an unknown order and a bad signature are refused', async () => {
    const m = await t.makeMerchant('Direct');
    const c = await code(m.key, { kind: 'dynamic', amount: 900 });
    const order = await toHutong({
      message_type: 'qr_order',
      switch_reference: 'REF1',
      payer_institution: 'wechat_sandbox',
      payload: c.payload,
      currency: 'CNY',
    });
    expect(order).toMatchObject({ status: 200, body: { status: 'ordered', amount: '900' } });
    const notice = { message_type: 'qr_paid', switch_reference: 'REF1', order_id: order.body.order_id, currency: 'CNY', amount: '900' };
    const [a, b] = await Promise.all([toHutong(notice), toHutong(notice)]);
    expect([a.body.status, b.body.status]).toEqual(['paid', 'paid']);
    expect(await pendingOf(m.id)).toBe(900n);

    expect(await toHutong({ ...notice, order_id: 'qro_unknown' })).toMatchObject({ status: 404, body: { code: 'switch_order_unknown' } });
    expect(await toHutong({ ...notice, amount: '901' })).toMatchObject({ status: 422, body: { code: 'collection_code_amount_mismatch' } });
    expect(await toHutong(notice, `t=${Math.floor(t.clock.now().getTime() / 1000)},v1=${'0'.repeat(64)}`)).toMatchObject({
      status: 403,
      body: { code: 'switch_message_invalid' },
    });
    // A payload whose amount was edited and whose CRC was recomputed is not the code Hutong issued.
    const edited = c.payload.replace('54049.00', '54041.00').slice(0, -4);
    expect(edited).not.toBe(c.payload.slice(0, -4));
    const { ccittFalse } = await import('../../sandbox/switch/index.js');
    const forged = await toHutong({
      message_type: 'qr_order',
      switch_reference: 'REF2',
      payer_institution: 'wechat_sandbox',
      payload: edited + ccittFalse(edited),
      currency: 'CNY',
    });
    expect(forged.body.code).toBe('collection_code_invalid');
    expect(await pendingOf(m.id)).toBe(900n);
  });
});

describeEachStore('Hutong wallet payment codes taken at other participants’ tills', (dialect) => {
  const t = useTestApp(dialect);
  let sw: SandboxSwitch;

  beforeAll(async () => {
    const hutongUrl = await t.hutong.server.listen({ port: 0, host: '127.0.0.1' });
    sw = await startSwitch({ hutongUrl, now: () => t.clock.now().getTime() });
  });
  afterAll(async () => {
    await sw?.close();
  });

  const till = async (app: string, body: Record<string, unknown>) => {
    const res = await fetch(`${sw.url}/merchants/${app}/charge`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('the Alipay-like till takes a code once; used, expired, unknown and unfunded codes are refused and move nothing', async () => {
    const m = await t.makeMerchant('Wallet operator');
    const customer = await t.makeCustomer(m.key);
    expect(
      (await t.request('POST', `/v1/customers/${customer}/top_ups`, { key: m.key, body: { amount: 5_000, currency: 'CNY' } })).status,
    ).toBe(201);
    const balance = async () => (await t.request('GET', `/v1/customers/${customer}/balances`, { key: m.key })).body;
    const issued = await t.request('POST', `/v1/customers/${customer}/payment_codes`, { key: m.key, body: { currency: 'CNY' } });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    expect(issued.body.code).toMatch(/^88[0-9]{16}$/);

    const paid = await till('alipay_sandbox', { payment_code: issued.body.code, amount: 1_200 });
    expect(paid).toMatchObject({ status: 200, body: { status: 'paid', payer_institution: 'hutong', amount: 1_200 } });
    const after = JSON.stringify(await balance());
    expect(after).toContain('3800');
    expect(await till('wechat_sandbox', { payment_code: issued.body.code, amount: 100 })).toMatchObject({
      body: { reason: 'payment_code_invalid' },
    });

    const second = await t.request('POST', `/v1/customers/${customer}/payment_codes`, { key: m.key, body: { currency: 'CNY' } });
    expect(await till('alipay_sandbox', { payment_code: second.body.code, amount: 999_999 })).toMatchObject({
      body: { reason: 'insufficient_funds' },
    });
    t.clock.advance(61_000);
    expect(await till('alipay_sandbox', { payment_code: second.body.code, amount: 100 })).toMatchObject({
      body: { reason: 'payment_code_invalid' },
    });
    expect(await till('alipay_sandbox', { payment_code: '880000000000000000', amount: 100 })).toMatchObject({
      body: { reason: 'payment_code_invalid' },
    });
    expect(JSON.stringify(await balance())).toBe(after);
    const other = await t.makeMerchant('Other');
    expect((await t.request('POST', `/v1/customers/${customer}/payment_codes`, { key: other.key, body: { currency: 'CNY' } })).status).toBe(
      404,
    );
  });
});

describeEachStore('the next day: clearing with the switch', (dialect) => {
  let sw: SandboxSwitch;
  beforeAll(async () => {
    sw = await startSwitch({ now: () => t.clock.now().getTime() });
  });
  const t = useTestApp(dialect, { interopSwitchUrl: () => sw.url });
  beforeAll(async () => {
    sw.setHutongUrl(await t.hutong.server.listen({ port: 0, host: '127.0.0.1' }));
  });
  afterAll(async () => {
    await sw?.close();
  });

  it("Hutong's positions per participant match the switch's file, and the participants' nets sum to zero", async () => {
    const m = await t.makeMerchant('Clearing Shop');
    const code = await t.request('POST', '/v1/collection_codes', {
      key: m.key,
      body: { kind: 'static', currency: 'CNY', city: 'Beijing' },
    });
    const customer = await t.makeCustomer(m.key);
    await t.request('POST', `/v1/customers/${customer}/top_ups`, { key: m.key, body: { amount: 10_000, currency: 'CNY' } });
    const scan = (app: string, amount: number) =>
      fetch(`${sw.url}/apps/${app}/scan`, { method: 'POST', body: JSON.stringify({ payload: code.body.payload, user: 'u', amount }) });
    expect((await scan('wechat_sandbox', 3_000)).status).toBe(200);
    expect((await scan('alipay_sandbox', 1_000)).status).toBe(200);
    const pc = await t.request('POST', `/v1/customers/${customer}/payment_codes`, { key: m.key, body: { currency: 'CNY' } });
    const charged = await fetch(`${sw.url}/merchants/alipay_sandbox/charge`, {
      method: 'POST',
      body: JSON.stringify({ payment_code: pc.body.code, amount: 2_500 }),
    });
    expect(charged.status).toBe(200);

    const date = t.clock.now().toISOString().slice(0, 10);
    t.clock.advance(24 * 3600_000);
    const report = await t.request('GET', `/v1/operator/interop/clearing?date=${date}`, { key: t.operatorKey });
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body).toMatchObject({
      positions: [
        { institution: 'alipay_sandbox', receivable: 1_000, payable: 2_500, net: -1_500 },
        { institution: 'wechat_sandbox', receivable: 3_000, payable: 0, net: 3_000 },
      ],
      matched: 3,
      exceptions: [],
      zero_sum: true,
    });
    expect(report.body.participant_nets).toContainEqual({ institution: 'hutong', currency: 'CNY', net: 1_500 });
    expect((await t.request('GET', `/v1/operator/interop/clearing?date=${date}`, { key: m.key })).status).toBe(403);
  });
});

describeEachStore('Hutong wallet users scan any participant’s code (POST /v1/scans)', (dialect) => {
  let sw: SandboxSwitch;
  beforeAll(async () => {
    sw = await startSwitch({ now: () => t.clock.now().getTime() });
  });
  const t = useTestApp(dialect, { interopSwitchUrl: () => sw.url });
  beforeAll(async () => {
    sw.setHutongUrl(await t.hutong.server.listen({ port: 0, host: '127.0.0.1' }));
  });
  afterAll(async () => {
    await sw?.close();
  });

  it('pays a WeChat-like merchant and a Hutong merchant through the switch; refuses unknown codes and empty wallets, holding nothing', async () => {
    const m = await t.makeMerchant('Wallet Co');
    const customer = await t.makeCustomer(m.key);
    await t.request('POST', `/v1/customers/${customer}/top_ups`, { key: m.key, body: { amount: 10_000, currency: 'CNY' } });
    const available = async () =>
      (await t.request('GET', `/v1/customers/${customer}/balances`, { key: m.key })).body.data[0].available as number;
    const wechatCode = buildMpm({
      dynamic: true,
      accounts: [{ id: '26', guid: 'com.wechatpay.sandbox', sub: { '01': 'wx-order-1' } }],
      mcc: '5812',
      currencyNumeric: '156',
      amountDecimal: '12.34',
      country: 'CN',
      merchantName: 'WX NOODLES',
      city: 'SHENZHEN',
    });
    const paid = await t.request('POST', '/v1/scans', { key: m.key, body: { customer, payload: wechatCode } });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body).toMatchObject({
      status: 'succeeded',
      payee_institution: 'wechat_sandbox',
      merchant_name: 'WX NOODLES',
      amount: 1_234,
    });
    expect(await available()).toBe(10_000 - 1_234);

    const shop = await t.makeMerchant('On-us Shop');
    const own = await t.request('POST', '/v1/collection_codes', {
      key: shop.key,
      body: { kind: 'static', currency: 'CNY', city: 'Wuhan' },
    });
    const onUs = await t.request('POST', '/v1/scans', { key: m.key, body: { customer, payload: own.body.payload, amount: 766 } });
    expect(onUs.body).toMatchObject({ status: 'succeeded', payee_institution: 'hutong', amount: 766 });
    expect(await available()).toBe(8_000);
    const pending = await t.hutong.services.ledger.getAccount(
      t.hutong.services.store.db,
      accountIdFor(chart.merchantPending(shop.id, 'CNY')),
    );
    expect(pending === undefined ? 0n : balanceOf(pending).postedMinor).toBe(766n);

    expect(
      (await t.request('POST', '/v1/scans', { key: m.key, body: { customer, payload: own.body.payload, amount: 999_999 } })).body.code,
    ).toBe('insufficient_funds');
    const pix =
      '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D';
    expect((await t.request('POST', '/v1/scans', { key: m.key, body: { customer, payload: pix } })).body.code).toBe(
      'qr_institution_unknown',
    );
    expect(await available()).toBe(8_000);
  });

  it('a switch that does not answer leaves the scan pending with the amount held, never charged as paid', async () => {
    const m = await t.makeMerchant('Timeout Co');
    const customer = await t.makeCustomer(m.key);
    await t.request('POST', `/v1/customers/${customer}/top_ups`, { key: m.key, body: { amount: 5_000, currency: 'CNY' } });
    const shop = await t.makeMerchant('Timeout Shop');
    const own = await t.request('POST', '/v1/collection_codes', { key: shop.key, body: { kind: 'static', currency: 'CNY', city: 'Xian' } });
    await sw.close();
    const res = await t.request('POST', '/v1/scans', { key: m.key, body: { customer, payload: own.body.payload, amount: 700 } });
    expect(res).toMatchObject({ status: 503, body: { code: 'switch_unavailable' } });
    const balance = (await t.request('GET', `/v1/customers/${customer}/balances`, { key: m.key })).body.data[0];
    expect(balance).toMatchObject({ available: 4_300, posted: 5_000, pending: 700 });
    const pending = await t.hutong.services.ledger.getAccount(
      t.hutong.services.store.db,
      accountIdFor(chart.merchantPending(shop.id, 'CNY')),
    );
    expect(pending).toBeUndefined();
  });
});
