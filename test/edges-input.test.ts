import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { testCardFor } from '../sandbox/card-world/index.js';
import { useTestApp } from './support/app.js';
import { cardWorldChannels, type CardWorldFixture } from './support/card-world.js';
import { escrowKit } from './support/escrow.js';
import { describeEachStore } from './support/stores.js';

/** Issue 12, "Input": bodies that are not objects, NUL characters, over-long paths. */
describeEachStore('input at the edge', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });
  const kit = escrowKit(t);
  let order = 0;

  /** Sends the exact text as the body, so `null` and `[]` arrive as JSON and not as "no body". */
  async function raw(method: string, url: string, key: string | undefined, payload: string | undefined) {
    const headers: Record<string, string> = {};
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const res = await t.hutong.server.inject({ method: method as 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
    return {
      status: res.statusCode,
      type: String(res.headers['content-type']).split(';')[0],
      body: res.body === '' ? undefined : JSON.parse(res.body),
    };
  }

  async function authorized(key: string) {
    const created = await t.request('POST', '/v1/payments', {
      key,
      body: { amount: 10_000, currency: 'JPY', merchant_order_id: `in-${++order}`, capture_method: 'manual' },
    });
    const pan = testCardFor('jcb', 'approved').pan;
    const confirmed = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('requires_capture');
    return created.body.id as string;
  }

  it('a JSON null, array, string or number body is a 400 that captures nothing', async () => {
    const m = await t.makeMerchant();
    const id = await authorized(m.key);
    for (const payload of ['null', '[]', '"all"', '7000']) {
      const res = await raw('POST', `/v1/payments/${id}/capture`, m.key, payload);
      expect([res.status, res.body.code, res.type], payload).toEqual([400, 'request_invalid', 'application/problem+json']);
    }
    expect((await t.request('GET', `/v1/payments/${id}`, { key: m.key })).body).toMatchObject({
      status: 'requires_capture',
      amount_captured: 0,
    });
    // No body at all still means "capture it all".
    const all = await raw('POST', `/v1/payments/${id}/capture`, m.key, undefined);
    expect([all.status, all.body.amount_captured]).toEqual([200, 10_000]);
  });

  it('escrow cancel with a null body does not close the trade', async () => {
    const { m } = await kit.setup();
    const trade = await kit.create(m.key);
    const res = await raw('POST', `/v1/escrows/${trade.id}/cancel`, m.key, 'null');
    expect([res.status, res.body.code]).toEqual([400, 'request_invalid']);
    expect((await kit.get(m.key, trade.id)).body.status).toBe(trade.status);
  });

  it('a route that takes no body refuses one', async () => {
    const m = await t.makeMerchant();
    const id = await authorized(m.key);
    const res = await raw('POST', `/v1/payments/${id}/cancel`, m.key, '{"reason":"x"}');
    expect([res.status, res.body.code]).toEqual([400, 'request_invalid']);
    expect((await t.request('GET', `/v1/payments/${id}`, { key: m.key })).body.status).toBe('requires_capture');
    const ok = await raw('POST', `/v1/payments/${id}/cancel`, m.key, undefined);
    expect([ok.status, ok.body.status]).toEqual([200, 'canceled']);
  });

  it('a NUL character in a body string, a key, a path id or a query is a 400 and stores nothing', async () => {
    const m = await t.makeMerchant();
    const count = async () =>
      Number((await sql<{ n: bigint }>`select count(*) as n from customers`.execute(t.hutong.services.store.db)).rows[0]!.n);
    const before = await count();
    const cases: [string, string, string | undefined][] = [
      ['POST', '/v1/customers', JSON.stringify({ name: 'Li\u0000Lei' })],
      ['POST', '/v1/customers', JSON.stringify({ name: 'Li', metadata: { ['k\u0000']: 'v' } })],
      ['POST', '/v1/payments', JSON.stringify({ amount: 1, currency: 'CNY', merchant_order_id: 'a\u0000b' })],
      ['GET', '/v1/payments/pay_%00', undefined],
      ['GET', '/v1/customers/cus_0000000000000000000000000%00', undefined],
      ['GET', '/v1/payments?cursor=%00', undefined],
    ];
    for (const [method, url, body] of cases) {
      const res = await raw(method, url, m.key, body);
      expect([res.status, res.body.code, res.type], `${method} ${url} ${body}`).toEqual([
        400,
        'request_invalid',
        'application/problem+json',
      ]);
    }
    expect(await count()).toBe(before);
  });

  it('a 300-character path id answers 414 as a problem document', async () => {
    const m = await t.makeMerchant();
    const res = await raw('GET', `/v1/payments/${'p'.repeat(300)}`, m.key, undefined);
    expect([res.status, res.type]).toEqual([414, 'application/problem+json']);
    expect(res.body).toMatchObject({ code: 'uri_too_long', status: 414, type: 'https://hutong.dev/problems/uri_too_long' });
    expect(res.body.request_id).toEqual(expect.any(String));
  });
});
