import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { describeEachStore } from './support/stores.js';

const settle = () => new Promise((r) => setTimeout(r, 50));

describeEachStore('API', (dialect) => {
  const t = useTestApp(dialect);

  it('serves health, metrics, the OpenAPI document and the docs page', async () => {
    expect((await t.request('GET', '/healthz')).body).toEqual({ status: 'ok', store: dialect });
    const metrics = await t.hutong.server.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('hutong_http_request_duration_seconds');
    expect(metrics.body).toContain('hutong_ledger_batches_total');
    const openapi = (await t.request('GET', '/openapi.json')).body;
    expect(openapi.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/merchants',
      '/v1/customers',
      '/v1/customers/{id}/top_ups',
      '/v1/transfers',
      '/v1/customers/{id}/balances',
      '/v1/balance',
    ]) {
      expect(Object.keys(openapi.paths)).toContain(path);
    }
    expect(openapi.paths['/v1/transfers'].post.requestBody.content['application/json'].schema.properties.amount.type).toBe('integer');
    const docs = await t.hutong.server.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await t.hutong.server.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await t.hutong.server.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers['x-request-id']).toMatch(/^req_/);
  });

  it('walks a wallet through top-up, transfers, payment to the merchant and withdrawal', async () => {
    const m = await t.makeMerchant();
    const a = await t.makeCustomer(m.key, 'A');
    const b = await t.makeCustomer(m.key, 'B');
    const top = await t.request('POST', `/v1/customers/${a}/top_ups`, {
      key: m.key,
      body: { amount: 10_000, currency: 'CNY', description: 'salary' },
    });
    expect(top.body).toMatchObject({
      object: 'top_up',
      source: null,
      destination: a,
      amount: 10_000,
      currency: 'CNY',
      status: 'succeeded',
    });
    const tr = await t.request('POST', '/v1/transfers', {
      key: m.key,
      body: { source: a, destination: b, amount: 2_500, currency: 'CNY' },
    });
    expect(tr.body).toMatchObject({ object: 'transfer', source: a, destination: b, amount: 2_500 });
    const pay = await t.request('POST', '/v1/transfers', {
      key: m.key,
      body: { source: b, destination: m.id, amount: 1_000, currency: 'CNY' },
    });
    expect(pay.status).toBe(201);
    const wd = await t.request('POST', `/v1/customers/${a}/withdrawals`, { key: m.key, body: { amount: 500, currency: 'CNY' } });
    expect(wd.body).toMatchObject({ object: 'withdrawal', source: a, destination: null, status: 'succeeded' });
    const balanceOf = async (id: string) => (await t.request('GET', `/v1/customers/${id}/balances`, { key: m.key })).body.data;
    expect(await balanceOf(a)).toEqual([{ currency: 'CNY', available: 7_000, pending: 0, posted: 7_000 }]);
    expect(await balanceOf(b)).toEqual([{ currency: 'CNY', available: 1_500, pending: 0, posted: 1_500 }]);
    expect((await t.request('GET', '/v1/balance', { key: m.key })).body).toEqual({
      object: 'balance',
      data: [
        {
          currency: 'CNY',
          available: 1_000,
          pending: 0,
          posted: 1_000,
          pending_settlement: 0,
          escrow: 0,
          reserve: 0,
          in_payout: 0,
          total: 1_000,
        },
      ],
    });
    const got = await t.request('GET', `/v1/transfers/${tr.body.id}`, { key: m.key });
    expect(got.body).toEqual(tr.body);
    const entries = await t.hutong.services.ledger.entriesFor(t.hutong.services.store.reader, { type: 'withdrawal', id: wd.body.id });
    expect(entries.map((e) => e.kind)).toEqual(['pending', 'post_pending']);
  });

  it("keeps one merchant out of another merchant's customers, transfers and balances", async () => {
    const m1 = await t.makeMerchant('One');
    const m2 = await t.makeMerchant('Two');
    const c1 = await t.makeCustomer(m1.key, 'of one');
    const c2 = await t.makeCustomer(m2.key, 'of two');
    await t.request('POST', `/v1/customers/${c1}/top_ups`, { key: m1.key, body: { amount: 100, currency: 'CNY' } });
    const tr1 = await t.request('POST', '/v1/transfers', {
      key: m1.key,
      body: { source: c1, destination: m1.id, amount: 10, currency: 'CNY' },
    });
    const attempts = [
      t.request('GET', `/v1/customers/${c1}`, { key: m2.key }),
      t.request('GET', `/v1/customers/${c1}/balances`, { key: m2.key }),
      t.request('GET', `/v1/customers/${c1}/transfers`, { key: m2.key }),
      t.request('GET', `/v1/transfers/${tr1.body.id}`, { key: m2.key }),
      t.request('POST', `/v1/customers/${c1}/top_ups`, { key: m2.key, body: { amount: 5, currency: 'CNY' } }),
      t.request('POST', `/v1/customers/${c1}/withdrawals`, { key: m2.key, body: { amount: 5, currency: 'CNY' } }),
      t.request('POST', '/v1/transfers', { key: m2.key, body: { source: c1, destination: c2, amount: 5, currency: 'CNY' } }),
      t.request('POST', '/v1/transfers', { key: m2.key, body: { source: c2, destination: c1, amount: 5, currency: 'CNY' } }),
      // Paying into another merchant's balance is not a thing either: it is not your customer.
      t.request('POST', '/v1/transfers', { key: m2.key, body: { source: c2, destination: m1.id, amount: 5, currency: 'CNY' } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status, JSON.stringify(res.body)).toBe(404);
      expect(['customer_not_found', 'transfer_not_found']).toContain(res.body.code);
    }
    const list = await t.request('GET', '/v1/customers?limit=100', { key: m2.key });
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([c2]);
    expect((await t.request('GET', '/v1/transfers', { key: m2.key })).body.data).toEqual([]);
    expect((await t.request('GET', '/v1/balance', { key: m2.key })).body.data).toEqual([]);
    expect((await t.request('GET', `/v1/customers/${c1}/balances`, { key: m1.key })).body.data[0].available).toBe(90);
  });

  it('replays the first response for the same Idempotency-Key and body, and refuses another body', async () => {
    const m = await t.makeMerchant();
    const a = await t.makeCustomer(m.key, 'A');
    const b = await t.makeCustomer(m.key, 'B');
    await t.request('POST', `/v1/customers/${a}/top_ups`, { key: m.key, body: { amount: 1_000, currency: 'CNY' } });
    const body = { source: a, destination: b, amount: 300, currency: 'CNY' };
    const headers = { 'idempotency-key': 'order-42' };
    const first = await t.request('POST', '/v1/transfers', { key: m.key, body, headers });
    await settle();
    const again = await t.request('POST', '/v1/transfers', { key: m.key, body, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await t.request('POST', '/v1/transfers', { key: m.key, body: { ...body, amount: 301 }, headers });
    expect([other.status, other.body.code]).toEqual([422, 'idempotency_key_reused']);
    // Concurrent duplicates (no saved response yet) still move the money once.
    const racing = await Promise.all(
      Array.from({ length: 5 }, () => t.request('POST', '/v1/transfers', { key: m.key, body, headers: { 'idempotency-key': 'order-43' } })),
    );
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    expect(racing.every((r) => r.status === 201)).toBe(true);
    expect((await t.request('GET', `/v1/customers/${a}/balances`, { key: m.key })).body.data[0].available).toBe(400);
    // Keys are per merchant: another merchant may use the same key for its own request.
    const m2 = await t.makeMerchant();
    const c = await t.makeCustomer(m2.key);
    const theirs = await t.request('POST', `/v1/customers/${c}/top_ups`, { key: m2.key, body: { amount: 5, currency: 'CNY' }, headers });
    expect(theirs.status).toBe(201);
  });

  it('a retry after a lost idempotency record finds the first transfer instead of making a second', async () => {
    const m = await t.makeMerchant();
    const a = await t.makeCustomer(m.key, 'A');
    const b = await t.makeCustomer(m.key, 'B');
    await t.request('POST', `/v1/customers/${a}/top_ups`, { key: m.key, body: { amount: 1_000, currency: 'CNY' } });
    const body = { source: a, destination: b, amount: 300, currency: 'CNY' };
    const first = await t.request('POST', '/v1/transfers', { key: m.key, body, headers: { 'idempotency-key': 'lost-1' } });
    await settle();
    // As if the process died after the transfer committed but before the record did.
    await sql`delete from idempotency_keys where key = 'lost-1'`.execute(t.hutong.services.store.db);
    const retry = await t.request('POST', '/v1/transfers', { key: m.key, body, headers: { 'idempotency-key': 'lost-1' } });
    expect(retry.body.id).toBe(first.body.id);
    expect((await t.request('GET', `/v1/customers/${a}/balances`, { key: m.key })).body.data[0].available).toBe(700);
  });

  it('shows a new secret key once, stores only its hash, and stops accepting it once revoked', async () => {
    const res = await t.request('POST', '/v1/merchants', {
      key: t.operatorKey,
      body: { name: 'Keys', country: 'HK', settlement_currency: 'HKD' },
      headers: { 'idempotency-key': 'mer-keys' },
    });
    const secret: string = res.body.api_key.secret_key;
    expect(secret).toMatch(/^sk_test_/);
    await settle();
    const replay = await t.request('POST', '/v1/merchants', {
      key: t.operatorKey,
      body: { name: 'Keys', country: 'HK', settlement_currency: 'HKD' },
      headers: { 'idempotency-key': 'mer-keys' },
    });
    expect(replay.body.id).toBe(res.body.id);
    expect(replay.body.api_key.secret_key).toBeNull();
    const rows = await sql<{ key_hash: string }>`select key_hash from api_keys where merchant_id = ${res.body.id}`.execute(
      t.hutong.services.store.db,
    );
    expect(rows.rows[0]!.key_hash).not.toContain(secret.slice(8));
    const dump = JSON.stringify((await sql`select * from idempotency_keys`.execute(t.hutong.services.store.db)).rows, (_k, v) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    expect(dump).not.toContain(secret);
    expect((await t.request('GET', '/v1/customers', { key: secret })).status).toBe(200);
    const revoked = await t.request('POST', `/v1/merchants/${res.body.id}/api_keys/${res.body.api_key.id}/revoke`, { key: t.operatorKey });
    expect(revoked.body.revoked_at).toBeTruthy();
    expect((await t.request('GET', '/v1/customers', { key: secret })).body.code).toBe('api_key_invalid');
    const fresh = await t.request('POST', `/v1/merchants/${res.body.id}/api_keys`, { key: t.operatorKey });
    expect((await t.request('GET', '/v1/customers', { key: fresh.body.secret_key })).status).toBe(200);
    await t.request('POST', `/v1/merchants/${res.body.id}/suspend`, { key: t.operatorKey });
    expect((await t.request('GET', '/v1/customers', { key: fresh.body.secret_key })).body.code).toBe('api_key_invalid');
  });

  it("stores a customer's ID number encrypted and only ever shows it masked", async () => {
    const m = await t.makeMerchant();
    const res = await t.request('POST', '/v1/customers', {
      key: m.key,
      body: { name: 'Li Lei', identity: { type: 'resident_id', number: '11010519491231002X' } },
    });
    expect(res.status).toBe(201);
    expect(res.body.identity).toEqual({ type: 'resident_id', number_masked: '1*************002X' });
    const row = await sql<Record<string, unknown>>`select * from customers where id = ${res.body.id}`.execute(t.hutong.services.store.db);
    expect(JSON.stringify(row.rows[0])).not.toContain('11010519491231');
    expect(await t.hutong.services.parties.revealIdNumber(m.id, res.body.id)).toBe('11010519491231002X');
    expect(await t.hutong.services.parties.revealIdNumber('mer_other', res.body.id)).toBeNull();
  });

  it('pages through customers with a cursor, newest first, without gaps or repeats', async () => {
    const m = await t.makeMerchant();
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      t.clock.advance(1000);
      made.push(await t.makeCustomer(m.key, `c${i}`));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; next_cursor: string | null; has_more: boolean } } = await t.request(
        'GET',
        `/v1/customers?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        { key: m.key },
      );
      seen.push(...page.body.data.map((c) => c.id));
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([...made].reverse());
  });
});
