import { expect, it } from 'vitest';
import { walletDayTotals } from '../../src/read-models/index.js';
import { beijingDayRange, largeValueCsv, largeValueLines } from '../../src/risk/index.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

describeEachStore('large-value transaction report', (dialect) => {
  const t = useTestApp(dialect);

  it('lists natural persons at CNY 500,000 a day (single or cumulative) and other parties at CNY 2,000,000, by Beijing day', async () => {
    const m = await t.makeMerchant();
    const [big, small, payee] = [
      await t.makeCustomer(m.key, 'Big'),
      await t.makeCustomer(m.key, 'Small'),
      await t.makeCustomer(m.key, 'Payee'),
    ];
    t.clock.set(new Date('2026-03-04T17:00:00Z')); // 01:00 on 5 March in Beijing
    await t.request('POST', `/v1/customers/${big}/top_ups`, { key: m.key, body: { amount: 300_000_000, currency: 'CNY' } });
    await t.request('POST', `/v1/customers/${small}/top_ups`, { key: m.key, body: { amount: 60_000_000, currency: 'CNY' } });
    const move = (source: string, destination: string, amount: number) =>
      t.request('POST', '/v1/transfers', { key: m.key, body: { source, destination, amount, currency: 'CNY' } });
    // Big: 300,000 + 250,000 to the payee (cumulative 550,000), 2,100,000 to the merchant.
    expect((await move(big, payee, 30_000_000)).status).toBe(201);
    expect((await move(big, payee, 25_000_000)).status).toBe(201);
    expect((await move(big, m.id, 210_000_000)).status).toBe(201);
    // Small: 499,999.99 — just under the threshold.
    expect((await move(small, payee, 49_999_999)).status).toBe(201);
    t.clock.set(new Date('2026-03-05T16:30:00Z')); // 00:30 on 6 March in Beijing: another day
    expect((await move(small, payee, 5_000_000)).status).toBe(201);

    const totals = await walletDayTotals(t.hutong.services.store.reader, beijingDayRange('2026-03-05'));
    const lines = largeValueLines('2026-03-05', totals);
    const summary = lines.map(
      (l) =>
        `${l.partyId === big ? 'big' : l.partyId === payee ? 'payee' : l.partyId === m.id ? 'merchant' : l.partyId}:${l.direction}:${l.totalMinor}`,
    );
    expect(summary.sort()).toEqual(['big:paid:265000000', 'merchant:received:210000000', 'payee:received:104999999'].sort());
    expect(largeValueCsv(lines).split('\n')[0]).toBe(
      'day,party,party_kind,merchant,direction,currency,total_minor,count,threshold_minor,scope',
    );
    expect(largeValueLines('2026-03-06', await walletDayTotals(t.hutong.services.store.reader, beijingDayRange('2026-03-06')))).toEqual([]);
  });
});
