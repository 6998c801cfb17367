import { expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('smoke', (dialect) => {
  const t = useTestApp(dialect);
  it('tops up, transfers and shows balances', async () => {
    const m = await t.makeMerchant();
    const a = await t.makeCustomer(m.key, 'A');
    const b = await t.makeCustomer(m.key, 'B');
    const top = await t.request('POST', `/v1/customers/${a}/top_ups`, { key: m.key, body: { amount: 10000, currency: 'CNY' } });
    expect(top.status, JSON.stringify(top.body)).toBe(201);
    const tr = await t.request('POST', '/v1/transfers', { key: m.key, body: { source: a, destination: b, amount: 2500, currency: 'CNY' } });
    expect(tr.status, JSON.stringify(tr.body)).toBe(201);
    const bal = await t.request('GET', `/v1/customers/${a}/balances`, { key: m.key });
    expect(bal.body.data).toEqual([{ currency: 'CNY', available: 7500, pending: 0, posted: 7500 }]);
  });
});
