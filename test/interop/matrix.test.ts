import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSwitch, type SandboxSwitch } from '../../sandbox/switch/index.js';
import { buildMpm } from '../../src/interop/mpm-code.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

const participants = ['hutong', 'alipay_sandbox', 'wechat_sandbox', 'quickpass_sandbox'] as const;
type Participant = (typeof participants)[number];
const guids: Record<Exclude<Participant, 'hutong'>, string> = {
  alipay_sandbox: 'com.alipay.sandbox',
  wechat_sandbox: 'com.wechatpay.sandbox',
  quickpass_sandbox: 'cn.unionpay.sandbox',
};

/**
 * The issue's full matrix through the sandbox switch, on both stores: each participant's app pays
 * each participant's merchant code (MPM), and each participant's till takes each participant's
 * payment code (CPM-like numeric codes) — Hutong's included both ways, on-us through the switch
 * too. Then the day's clearing: the participants' nets sum to zero.
 */
describeEachStore('interconnection matrix: every app × every merchant code, every till × every payment code', (dialect) => {
  let sw: SandboxSwitch;
  beforeAll(async () => {
    sw = await startSwitch({ now: () => t.clock.now().getTime() });
  });
  const t = useTestApp(dialect, { interopSwitchUrl: () => sw.url });
  let merchant: { id: string; key: string };
  let customer: string;
  beforeAll(async () => {
    sw.setHutongUrl(await t.hutong.server.listen({ port: 0, host: '127.0.0.1' }));
    merchant = await t.makeMerchant('Matrix Tea House');
    customer = await t.makeCustomer(merchant.key);
    const topUp = await t.request('POST', `/v1/customers/${customer}/top_ups`, {
      key: merchant.key,
      body: { amount: 500_000, currency: 'CNY' },
    });
    expect(topUp.status).toBe(201);
  });
  afterAll(async () => {
    await sw?.close();
  });

  const post = async (url: string, body: unknown) => {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  async function merchantCode(payee: Participant, amountMinor: number, n: number): Promise<string> {
    if (payee === 'hutong') {
      const code = await t.request('POST', '/v1/collection_codes', {
        key: merchant.key,
        body: { kind: 'dynamic', currency: 'CNY', amount: amountMinor, city: 'Beijing' },
      });
      expect(code.status, JSON.stringify(code.body)).toBe(201);
      return code.body.payload as string;
    }
    return buildMpm({
      dynamic: true,
      accounts: [{ id: '26', guid: guids[payee], sub: { '01': `order-${n}` } }],
      mcc: '5812',
      currencyNumeric: '156',
      amountDecimal: (amountMinor / 100).toFixed(2),
      country: 'CN',
      merchantName: 'SANDBOX SHOP',
      city: 'SHANGHAI',
    });
  }

  async function appPays(payer: Participant, payload: string) {
    if (payer === 'hutong') {
      const res = await t.request('POST', '/v1/scans', { key: merchant.key, body: { customer, payload } });
      return { ok: res.status === 201 && res.body.status === 'succeeded', detail: res.body };
    }
    const res = await post(`${sw.url}/apps/${payer}/scan`, { payload, user: 'matrix' });
    return { ok: res.status === 200 && res.body.status === 'paid', detail: res.body };
  }

  async function paymentCode(payer: Participant): Promise<string> {
    if (payer === 'hutong') {
      const issued = await t.request('POST', `/v1/customers/${customer}/payment_codes`, { key: merchant.key, body: { currency: 'CNY' } });
      expect(issued.status).toBe(201);
      return issued.body.code as string;
    }
    const issued = await post(`${sw.url}/apps/${payer}/payment_codes`, { user: 'matrix' });
    expect(issued.status).toBe(201);
    return issued.body.payment_code as string;
  }

  async function tillTakes(payee: Participant, code: string, amountMinor: number, n: number) {
    if (payee === 'hutong') {
      const res = await t.request('POST', '/v1/payments', {
        key: merchant.key,
        body: { amount: amountMinor, currency: 'CNY', merchant_order_id: `till-${n}`, payment_code: code },
      });
      return { ok: res.status === 201 && res.body.status === 'succeeded', detail: res.body };
    }
    const res = await post(`${sw.url}/merchants/${payee}/charge`, { payment_code: code, amount: amountMinor });
    return { ok: res.status === 200 && res.body.status === 'paid', detail: res.body };
  }

  it('16 app × merchant-code payments and 16 till × payment-code payments all succeed; clearing nets to zero', async () => {
    let n = 0;
    const failures: string[] = [];
    for (const payer of participants)
      for (const payee of participants) {
        const amount = 1_000 + ++n;
        const paid = await appPays(payer, await merchantCode(payee, amount, n));
        if (!paid.ok) failures.push(`app ${payer} → code of ${payee}: ${JSON.stringify(paid.detail)}`);
      }
    for (const payer of participants)
      for (const payee of participants) {
        const amount = 2_000 + ++n;
        const taken = await tillTakes(payee, await paymentCode(payer), amount, n);
        if (!taken.ok) failures.push(`till of ${payee} ← code of ${payer}: ${JSON.stringify(taken.detail)}`);
      }
    expect(failures).toEqual([]);

    const date = t.clock.now().toISOString().slice(0, 10);
    t.clock.advance(24 * 3600_000);
    const report = await t.request('GET', `/v1/operator/interop/clearing?date=${date}`, { key: t.operatorKey });
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body.zero_sum, JSON.stringify(report.body)).toBe(true);
    expect(report.body.exceptions).toEqual([]);
    const nets = report.body.participant_nets as { institution: string }[];
    expect(new Set(nets.map((x) => x.institution))).toEqual(new Set(participants));
  });
});
