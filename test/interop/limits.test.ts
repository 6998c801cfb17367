import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSwitch, type SandboxSwitch } from '../../sandbox/switch/index.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

/**
 * PBOC bar-code limits (domain.md §5) on both sides of the switch: Hutong's payers (static codes at
 * most CNY 500 a day, dynamic codes CNY 5,000 a day at level B) and the sandbox wallets' users. A
 * refusal moves nothing.
 */
describeEachStore('PBOC bar-code limits on code payments', (dialect) => {
  let sw: SandboxSwitch;
  beforeAll(async () => {
    sw = await startSwitch({ now: () => t.clock.now().getTime(), userBalanceMinor: 10_000_000n });
  });
  const t = useTestApp(dialect, { interopSwitchUrl: () => sw.url });
  beforeAll(async () => {
    sw.setHutongUrl(await t.hutong.server.listen({ port: 0, host: '127.0.0.1' }));
  });
  afterAll(async () => {
    await sw?.close();
  });
  const post = async (url: string, body: unknown) => {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('a Hutong payer: static codes stop at CNY 500 a day, payment codes at CNY 5,000; the wallet keeps what was refused', async () => {
    const m = await t.makeMerchant('Limits Shop');
    const customer = await t.makeCustomer(m.key);
    await t.request('POST', `/v1/customers/${customer}/top_ups`, { key: m.key, body: { amount: 1_000_000, currency: 'CNY' } });
    const available = async () =>
      (await t.request('GET', `/v1/customers/${customer}/balances`, { key: m.key })).body.data[0].available as number;
    const staticCode = await t.request('POST', '/v1/collection_codes', {
      key: m.key,
      body: { kind: 'static', currency: 'CNY', city: 'Beijing' },
    });
    const scan = (amount: number) =>
      t.request('POST', '/v1/scans', { key: m.key, body: { customer, payload: staticCode.body.payload, amount } });
    expect((await scan(30_000)).status).toBe(201);
    expect((await scan(20_000)).status).toBe(201);
    expect(await scan(1)).toMatchObject({ status: 422, body: { code: 'barcode_limit_exceeded' } });
    expect(await available()).toBe(950_000);

    const code = async () =>
      (await t.request('POST', `/v1/customers/${customer}/payment_codes`, { key: m.key, body: { currency: 'CNY' } })).body.code;
    expect((await post(`${sw.url}/merchants/alipay_sandbox/charge`, { payment_code: await code(), amount: 450_000 })).status).toBe(200);
    const over = await post(`${sw.url}/merchants/alipay_sandbox/charge`, { payment_code: await code(), amount: 50_001 });
    expect(over).toMatchObject({ status: 422, body: { reason: 'barcode_limit_exceeded' } });
    expect(await available()).toBe(500_000);
    // The next day the counters start again.
    t.clock.advance(24 * 3600_000);
    expect((await post(`${sw.url}/merchants/alipay_sandbox/charge`, { payment_code: await code(), amount: 50_001 })).status).toBe(200);
  });

  it("a sandbox wallet's user: CNY 500 a day on static codes, CNY 5,000 on dynamic ones, the password above CNY 1,000", async () => {
    const m = await t.makeMerchant('Limits Shop 2');
    const staticCode = await t.request('POST', '/v1/collection_codes', {
      key: m.key,
      body: { kind: 'static', currency: 'CNY', city: 'Beijing' },
    });
    const scan = (amount: number) => post(`${sw.url}/apps/wechat_sandbox/scan`, { payload: staticCode.body.payload, user: 'lim', amount });
    expect((await scan(50_000)).status).toBe(200);
    expect(await scan(1)).toMatchObject({ status: 422, body: { reason: 'static_code_daily_limit' } });

    const code = async () => (await post(`${sw.url}/apps/quickpass_sandbox/payment_codes`, { user: 'lim' })).body.payment_code as string;
    const charge = async (amount: number) => post(`${sw.url}/merchants/alipay_sandbox/charge`, { payment_code: await code(), amount });
    expect(await charge(150_000)).toMatchObject({ status: 202, body: { status: 'user_paying' } });
    const confirmed = await post(`${sw.url}/apps/quickpass_sandbox/confirmations`, { user: 'lim' });
    expect(confirmed.body.confirmed).toMatchObject([{ status: 'paid' }]);
    for (let i = 0; i < 3; i++) expect((await charge(100_000)).status).toBe(200);
    expect(await charge(50_001)).toMatchObject({ status: 422, body: { reason: 'dynamic_code_daily_limit' } });
    expect(sw.balanceOf('quickpass_sandbox', 'lim')).toBe(10_000_000n - 450_000n);
  });
});
