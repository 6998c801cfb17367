import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSwitch, type SandboxSwitch } from '../../sandbox/switch/index.js';
import { buildMpm } from '../../src/interop/mpm-code.js';
import { sleep } from '../support/process.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

const switchKey = 'hutong-sandbox-switch-key-not-for-production';

/**
 * A Hutong wallet user's scan whose outcome is unknown (the switch slow to answer, or slow to act),
 * resolved on demand (`GET /v1/scans/{id}`) and by its durable timer: paid posts the wallet hold,
 * closed releases it, never both — a payment the switch was still at when Hutong closed it is
 * stopped there, so nobody is charged for a closed scan.
 */
describeEachStore('resolving a pending scan', (dialect) => {
  let sw: SandboxSwitch;
  beforeAll(async () => {
    sw = await startSwitch({ now: () => t.clock.now().getTime() });
  });
  const t = useTestApp(dialect, { interopSwitchUrl: () => sw.url });
  let m: { id: string; key: string };
  let customer: string;
  beforeAll(async () => {
    sw.setHutongUrl(await t.hutong.server.listen({ port: 0, host: '127.0.0.1' }));
    m = await t.makeMerchant('Scan Resolver');
    customer = await t.makeCustomer(m.key);
    expect(
      (await t.request('POST', `/v1/customers/${customer}/top_ups`, { key: m.key, body: { amount: 50_000, currency: 'CNY' } })).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await sw?.close();
  });

  let n = 0;
  const wechatCode = (amountMinor: number) =>
    buildMpm({
      dynamic: true,
      accounts: [{ id: '26', guid: 'com.wechatpay.sandbox', sub: { '01': `resolve-${++n}` } }],
      mcc: '5812',
      currencyNumeric: '156',
      amountDecimal: (amountMinor / 100).toFixed(2),
      country: 'CN',
      merchantName: 'SANDBOX SHOP',
      city: 'SHANGHAI',
    });
  const balance = async () => (await t.request('GET', `/v1/customers/${customer}/balances`, { key: m.key })).body.data[0];
  const pendingScan = async (amount: number) => {
    const res = await t.request('POST', '/v1/scans', { key: m.key, body: { customer, payload: wechatCode(amount) } });
    expect(res, JSON.stringify(res.body)).toMatchObject({ status: 503, body: { code: 'switch_unavailable' } });
    const id = /scan (\S+) is pending/.exec(res.body.detail as string)?.[1];
    expect(id).toBeDefined();
    return id as string;
  };
  const hutongLines = async () =>
    (await (await fetch(`${sw.url}/clearing/hutong?date=${t.clock.now().toISOString().slice(0, 10)}`)).text()).split('\n');

  it('a switch slow to answer: the scan stays pending, held; asked on demand it is paid once', async () => {
    sw.setAnswerDelay('pay', 12_000); // Hutong stops waiting after 10 s
    let id: string;
    try {
      id = await pendingScan(1_200);
    } finally {
      sw.setAnswerDelay('pay', 0);
    }
    // The switch did pay the sandbox merchant; Hutong holds the amount until it knows.
    expect(await balance()).toMatchObject({ posted: 50_000, pending: 1_200, available: 48_800 });
    const got = await t.request('GET', `/v1/scans/${id}`, { key: m.key });
    expect(got.body).toMatchObject({ status: 'succeeded', amount: 1_200 });
    expect(got.body.switch_reference).toMatch(/^SW/);
    expect(await balance()).toMatchObject({ posted: 48_800, pending: 0, available: 48_800 });
    // The timer runs later and asks again: nothing more moves.
    t.clock.advance(40_000);
    await t.hutong.timers.runDue();
    expect((await t.request('GET', `/v1/scans/${id}`, { key: m.key })).body.status).toBe('succeeded');
    expect(await balance()).toMatchObject({ posted: 48_800, pending: 0 });
    // Another merchant does not see it.
    const other = await t.makeMerchant('Other Resolver');
    expect((await t.request('GET', `/v1/scans/${id}`, { key: other.key })).status).toBe(404);
    expect((await t.request('GET', '/v1/scans/scan_none', { key: m.key })).body.code).toBe('scan_not_found');
  }, 60_000);

  it('a switch slow to act: past the deadline the sweep closes it, the hold is released, the late payment is stopped', async () => {
    sw.setAnswerDelay('pay_act', 14_000);
    const before = await balance();
    let id: string;
    try {
      id = await pendingScan(2_300);
    } finally {
      sw.setAnswerDelay('pay_act', 0);
    }
    expect(await balance()).toMatchObject({ pending: 2_300 });
    // On demand before the deadline: still processing at the switch, still pending here.
    expect((await t.request('GET', `/v1/scans/${id}`, { key: m.key })).body.status).toBe('pending');
    t.clock.advance(31_000);
    await t.hutong.timers.runDue();
    const closed = await t.request('GET', `/v1/scans/${id}`, { key: m.key });
    expect(closed.body).toMatchObject({ status: 'failed', failure_reason: 'closed', switch_reference: null });
    expect(await balance()).toMatchObject({ posted: before.posted, pending: 0, available: before.posted });
    // The switch finishes acting after the close: it books nothing.
    await sleep(6_000);
    expect((await hutongLines()).filter((line) => line.endsWith(',2300'))).toEqual([]);
    expect((await t.request('GET', `/v1/scans/${id}`, { key: m.key })).body.status).toBe('failed');
    expect(await balance()).toMatchObject({ posted: before.posted, pending: 0 });
  }, 60_000);

  it('a scan the switch never received is closed by a tombstone: a copy arriving late is refused', async () => {
    // The hold and the scan row, as a crash right after the claim leaves them, with no request at the switch.
    const before = await balance();
    await sw.close();
    const id = await pendingScan(900);
    sw = await startSwitch({ port: sw.port, now: () => t.clock.now().getTime() });
    sw.setHutongUrl(`http://127.0.0.1:${(t.hutong.server.server.address() as { port: number }).port}`);
    t.clock.advance(31_000);
    await t.hutong.timers.runDue();
    expect((await t.request('GET', `/v1/scans/${id}`, { key: m.key })).body).toMatchObject({ status: 'failed', failure_reason: 'closed' });
    expect(await balance()).toMatchObject({ posted: before.posted, pending: 0 });
    // The payment request arriving at the switch only now (a copy held up in the network) is refused.
    const body = JSON.stringify({ scan_id: id, payload: wechatCode(900), currency: 'CNY', amount: '900' });
    const ts = Math.floor(t.clock.now().getTime() / 1000);
    const signature = `t=${ts},v1=${createHmac('sha256', switchKey).update(`${ts}.${body}`).digest('hex')}`;
    const late = await fetch(`${sw.url}/participants/hutong/pay`, { method: 'POST', headers: { 'switch-signature': signature }, body });
    expect(late.status).toBe(422);
    expect(await late.json()).toMatchObject({ status: 'closed' });
    expect((await hutongLines()).filter((line) => line.endsWith(',900'))).toEqual([]);
  }, 60_000);
});
