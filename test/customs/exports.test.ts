import { expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/test-cards.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

/**
 * The export side (docs/customs.md "Export"): a foreign card's payment to a Chinese exporter
 * carries its order and shipment; Hutong flags trades whose shipment is missing after N days or
 * goes elsewhere than the card's country, and keeps a balance-of-payments record per receipt.
 */
describeEachStore('customs: export trades, authenticity and balance-of-payments records', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });
  let seq = 0;

  async function paidByCard(key: string, brand: 'visa' | 'mastercard' | 'unionpay', amount = 12_345) {
    const p = await t.request('POST', '/v1/payments', { key, body: { amount, currency: 'CNY', merchant_order_id: `exp-${++seq}` } });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const paid = await t.request('POST', `/v1/payments/${p.body.id}/confirm`, {
      key,
      body: {
        payment_method: { type: 'card', card: { number: testCardFor(brand, 'approved').pan, exp_month: 12, exp_year: 2030, cvc: '123' } },
      },
    });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    return p.body.id as string;
  }

  it('shipped to the card’s country: matched, with one BoP record (API and file); a repeat replays', async () => {
    const m = await t.makeMerchant('Exporter');
    const id = await paidByCard(m.key, 'visa');
    const body = { payment: id, order_no: 'EXP-1', shipment: { carrier: 'SF', waybill_no: 'SF100', destination_country: 'US' } };
    const r = await t.request('POST', '/v1/customs/export_trades', { key: m.key, body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ payment: id, card_country: 'US', authenticity: 'matched', flags: [], amount: 12_345, currency: 'CNY' });
    expect(r.body.shipment).toMatchObject({ carrier: 'SF', waybill_no: 'SF100', destination_country: 'US' });
    const again = await t.request('POST', '/v1/customs/export_trades', { key: m.key, body });
    expect(again.status).toBe(200);
    const day = '2026-03-01';
    const bop = await t.request('GET', `/v1/customs/bop_records?date=${day}`, { key: m.key });
    expect(bop.status).toBe(200);
    expect(bop.body.data).toEqual([
      expect.objectContaining({
        payment: id,
        direction: 'receipt',
        amount: 12_345,
        currency: 'CNY',
        counterparty_country: 'US',
        transaction_code: '121010',
      }),
    ]);
    const file = await t.hutong.server.inject({
      method: 'GET',
      url: `/v1/customs/bop_records?date=${day}&format=csv`,
      headers: { authorization: `Bearer ${m.key}` },
    });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toContain('text/csv');
    const lines = file.body.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,${id},receipt,123.45,CNY,US,121010,${day}`);
  });

  it('shipped elsewhere than the card’s country: flagged for review; the console sees it in the flagged queue', async () => {
    const m = await t.makeMerchant('Exporter 2');
    const id = await paidByCard(m.key, 'mastercard');
    const r = await t.request('POST', '/v1/customs/export_trades', { key: m.key, body: { payment: id, order_no: 'EXP-2' } });
    expect(r.body).toMatchObject({ authenticity: 'awaiting_shipment', card_country: 'GB', shipment: null });
    const shipped = await t.request('POST', `/v1/customs/export_trades/${id}/shipment`, {
      key: m.key,
      body: { carrier: 'EMS', waybill_no: 'EE123456789CN', destination_country: 'NG' },
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body).toMatchObject({ authenticity: 'flagged', flags: ['destination_not_card_country'] });
    const queue = await t.request('GET', '/v1/customs/export_trades?authenticity=flagged', { key: t.operatorKey });
    expect(queue.body.data.map((d: { payment: string }) => d.payment)).toContain(id);
    expect(queue.body.data.find((d: { payment: string }) => d.payment === id).merchant).toBe(m.id);
  });

  it('no shipment after N days: the due timer flags it; a late shipment to the card’s country matches the three orders', async () => {
    const m = await t.makeMerchant('Exporter 3');
    const id = await paidByCard(m.key, 'visa');
    expect(
      (await t.request('POST', '/v1/customs/export_trades', { key: m.key, body: { payment: id, order_no: 'EXP-3' } })).body.authenticity,
    ).toBe('awaiting_shipment');
    t.clock.advance(6 * 86_400_000);
    await t.hutong.timers.runDue();
    expect((await t.request('GET', `/v1/customs/export_trades/${id}`, { key: m.key })).body.authenticity).toBe('awaiting_shipment');
    t.clock.advance(2 * 86_400_000);
    await t.hutong.timers.runDue();
    const late = await t.request('GET', `/v1/customs/export_trades/${id}`, { key: m.key });
    expect(late.body).toMatchObject({ authenticity: 'flagged', flags: ['no_shipment'] });
    // Shipping late to the card's country matches the three orders.
    const shipped = await t.request('POST', `/v1/customs/export_trades/${id}/shipment`, {
      key: m.key,
      body: { carrier: 'SF', waybill_no: 'SF300', destination_country: 'US' },
    });
    expect(shipped.body).toMatchObject({ authenticity: 'matched', flags: [] });
  });

  it('refuses what is no export receipt, bad input and another merchant’s payment with clear problems', async () => {
    const m = await t.makeMerchant('Exporter 4');
    const other = await t.makeMerchant('Someone else');
    const domestic = await paidByCard(m.key, 'unionpay');
    const r = await t.request('POST', '/v1/customs/export_trades', { key: m.key, body: { payment: domestic, order_no: 'EXP-4' } });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('customs_export_not_eligible');
    const foreign = await paidByCard(m.key, 'visa');
    const stranger = await t.request('POST', '/v1/customs/export_trades', {
      key: other.key,
      body: { payment: foreign, order_no: 'EXP-5' },
    });
    expect(stranger.status).toBe(404);
    const badCountry = await t.request('POST', '/v1/customs/export_trades', {
      key: m.key,
      body: { payment: foreign, order_no: 'EXP-5', shipment: { carrier: 'SF', waybill_no: 'SF1', destination_country: 'us' } },
    });
    expect(badCountry.status).toBe(400);
    expect(badCountry.headers['content-type']).toContain('application/problem+json');
    const badDay = await t.request('GET', '/v1/customs/bop_records?date=2026-13-45', { key: m.key });
    expect(badDay.status).toBe(400);
    const noTrade = await t.request('POST', `/v1/customs/export_trades/${foreign}/shipment`, {
      key: m.key,
      body: { carrier: 'SF', waybill_no: 'SF1', destination_country: 'US' },
    });
    expect(noTrade.status).toBe(404);
    expect((await t.request('GET', `/v1/customs/export_trades/${foreign}`, { key: other.key })).status).toBe(404);
  });
});
