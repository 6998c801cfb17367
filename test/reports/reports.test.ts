import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { useTestApp } from '../support/app.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { describeEachStore } from '../support/stores.js';

const card = (number: string) => ({ number, exp_month: 12, exp_year: 2030, cvc: '123' });
const day = '2026-03-01';

describeEachStore('reports over payments in the sandbox card world', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });
  let order = 0;

  async function pay(key: string, amount: number, pan: string) {
    const orderId = `r-${++order}`;
    const created = await t.request('POST', '/v1/payments', { key, body: { amount, currency: 'USD', merchant_order_id: orderId } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const confirmed = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: card(pan) } },
    });
    return { id: created.body.id as string, orderId, confirmed };
  }

  it('rollups follow approvals, declines, refunds and fees; the ledger agrees; exports and search work; B sees none of it', async () => {
    const a = await t.makeMerchant('A');
    const b = await t.makeMerchant('B');
    const approved = testCardFor('visa', 'approved').pan;
    const declined = testCardFor('visa', 'insufficient-funds').pan;
    const p1 = await pay(a.key, 4_200, approved);
    expect(p1.confirmed.body.status).toBe('succeeded');
    const p2 = await pay(a.key, 1_000, approved);
    await pay(a.key, 700, declined);
    expect((await t.request('POST', '/v1/refunds', { key: a.key, body: { payment: p2.id, amount: 400 } })).status).toBe(201);
    const fee1 = p1.confirmed.body.fee as number;
    const fee2 = p2.confirmed.body.fee as number;

    const summary = await t.request('GET', `/v1/reports/summary?from=${day}&to=${day}`, { key: a.key });
    expect(summary.status, JSON.stringify(summary.body)).toBe(200);
    const usd = summary.body.data.find((r: { currency: string }) => r.currency === 'USD');
    expect(usd).toMatchObject({ captured_count: 2, captured: 5_200, refunded_count: 1, refunded: 400, approved: 2, declined: 1 });
    expect(usd.approval_rate).toBeCloseTo(2 / 3, 4);
    // Net to the merchant = captured − fees − refunded (+ the fee share a refund returns).
    expect(usd.net).toBe(5_200 - usd.fees - 400);
    expect(usd.fees).toBeLessThanOrEqual(fee1 + fee2);

    // The merchant's pending balance in the ledger is exactly the rollup's net (no settlement ran).
    const balances = await t.request('GET', '/v1/reports/balances', { key: a.key });
    const pending = balances.body.data.find((x: { account: string; currency: string }) => x.account === 'pending' && x.currency === 'USD');
    expect(pending.posted).toBe(usd.net);
    const statement = await t.request('GET', `/v1/reports/balance_statement?from=${day}&to=${day}`, { key: a.key });
    expect(statement.body.data.find((x: { account: string }) => x.account === 'pending')).toMatchObject({ opening: 0, closing: usd.net });

    const declines = await t.request('GET', `/v1/reports/declines?from=${day}&to=${day}`, { key: a.key });
    expect(declines.body.data).toContainEqual(expect.objectContaining({ outcome: 'declined', code: '51', count: 1 }));
    const byBrand = await t.request('GET', `/v1/reports/breakdown?by=brand&from=${day}&to=${day}`, { key: a.key });
    expect(byBrand.body.data).toEqual([expect.objectContaining({ brand: 'visa', currency: 'USD', captured_count: 2 })]);
    const months = await t.request('GET', `/v1/reports/volume?interval=month&from=2026-02-01&to=2026-03-31&time_zone=Asia/Shanghai`, {
      key: a.key,
    });
    expect(months.body.data).toEqual([expect.objectContaining({ period: '2026-03', currency: 'USD', captured: 5_200 })]);
    // 08:00 UTC on 1 March is 22:00 on 28 February in Honolulu (−10).
    const honolulu = await t.request('GET', `/v1/reports/volume?from=2026-02-28&to=2026-02-28&time_zone=Pacific/Honolulu`, {
      key: a.key,
    });
    expect(honolulu.body.data).toEqual([expect.objectContaining({ period: '2026-02-28', captured: 5_200 })]);

    // Another merchant sees nothing of A's.
    const bSummary = await t.request('GET', `/v1/reports/summary?from=${day}&to=${day}`, { key: b.key });
    expect(bSummary.body.data).toEqual([]);
    const bSearch = await t.request('GET', `/v1/search?q=${p1.id}`, { key: b.key });
    expect(bSearch.body.data).toEqual([]);

    // The operator sees A by merchant, and the channel's health.
    const byMerchant = await t.request('GET', `/v1/operator/reports/breakdown?by=merchant&from=${day}&to=${day}`, { key: t.operatorKey });
    expect(byMerchant.body.data).toContainEqual(expect.objectContaining({ merchant: a.id, merchant_name: 'A', captured: 5_200 }));
    const health = await t.request('GET', `/v1/operator/reports/channel_health?from=${day}&to=${day}`, { key: t.operatorKey });
    expect(health.body.data).toContainEqual(expect.objectContaining({ channel: 'sandbox_acquirer', approved: 2, declined: 1 }));
    expect(health.body.data[0].latency_p50_ms).not.toBeNull();
    expect((await t.request('GET', `/v1/operator/reports/channel_health`, { key: a.key })).status).toBe(403);
    // The reserve position: what channels owe plus the bank, less what is owed, is Hutong's own fee revenue.
    const reserve = await t.request('GET', '/v1/operator/reports/reserve_position', { key: t.operatorKey });
    const usdReserve = reserve.body.data.find((r: { currency: string }) => r.currency === 'USD');
    expect(usdReserve.surplus).toBe(usd.fees);

    // Search: payment id, order id, last four + amount, RRN.
    const byId = await t.request('GET', `/v1/search?q=${p1.id}`, { key: a.key });
    expect(byId.body.data).toEqual([expect.objectContaining({ object: 'payment', id: p1.id, matched: 'payment_id' })]);
    const byOrder = await t.request('GET', `/v1/search?q=${p2.orderId}`, { key: a.key });
    expect(byOrder.body.data).toEqual([expect.objectContaining({ id: p2.id, matched: 'order_id' })]);
    const byCard = await t.request('GET', `/v1/search?q=${approved.slice(-4)}&amount=4200`, { key: a.key });
    expect(byCard.body.data).toEqual([expect.objectContaining({ id: p1.id, matched: 'card_last4_amount' })]);
    const attempts = await t.request('GET', `/v1/payments/${p1.id}`, { key: a.key });
    const rrn = (attempts.body.attempts ?? []).map((x: { reference?: string }) => x.reference).find((r: unknown) => typeof r === 'string');
    if (rrn !== undefined) {
      const byRrn = await t.request('GET', `/v1/search?q=${rrn}`, { key: a.key });
      expect(byRrn.body.data).toContainEqual(expect.objectContaining({ id: p1.id, matched: 'rrn' }));
    }
    const bad = await t.request('GET', `/v1/reports/summary?time_zone=Mars/Olympus`, { key: a.key });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect((await t.request('GET', `/v1/reports/summary?from=2026-03-02&to=2026-03-01`, { key: a.key })).status).toBe(400);
    expect((await t.request('GET', `/v1/reports/summary?from=2025-01-01&to=2026-03-01`, { key: a.key })).status).toBe(400);

    // Exports: CSV and XLSX of a report and of the payments list.
    const csv = await t.hutong.server.inject({
      method: 'GET',
      url: `/v1/reports/payments?from=${day}&to=${day}&format=csv`,
      headers: { authorization: `Bearer ${a.key}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,merchant_order_id,status/);
    expect(lines).toHaveLength(4);
    const xlsx = await t.hutong.server.inject({
      method: 'GET',
      url: `/v1/reports/breakdown?by=brand&from=${day}&to=${day}&format=xlsx`,
      headers: { authorization: `Bearer ${a.key}` },
    });
    expect(xlsx.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('brand');
    expect(sheet.getRow(2).getCell(1).value).toBe('visa');
  });
});
