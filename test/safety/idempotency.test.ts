import { afterAll, beforeAll, expect, it } from 'vitest';
import { requestDigest } from '../../src/api/idempotency.js';
import { http, mapPool } from '../support/process.js';
import { useTestApp } from '../support/app.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { describeEachStore } from '../support/stores.js';
import { freshVisa, startSafetyWorld, type SafetyWorld } from './world.js';

/**
 * Idempotency keys are reserved when the request starts (issue 12). Before, the key was recorded
 * only after the answer: 20 identical confirms with one key all ran (1×200 + 19×409, and the kept
 * replay could be a loser's 409), a replayed problem came back as plain JSON, and a retried confirm
 * whose first try died after paying answered 409 for good.
 */
const confirmsCount = 20;

const cardBody = (pan: string) => ({ payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } });

describeEachStore('idempotency keys under concurrency, over HTTP', (dialect) => {
  let world: SafetyWorld;
  let key = '';
  beforeAll(async () => {
    world = await startSafetyWorld(dialect);
    key = await world.merchant(`Idempotency ${dialect}`);
  }, 180_000);
  afterAll(async () => world?.close());

  it(`runs ${confirmsCount} identical confirms with one key once and answers each with its outcome`, async () => {
    const { url } = world.server;
    const created = await http(url, 'POST', '/v1/payments', { key, body: { amount: 1_999, currency: 'USD', merchant_order_id: 'twenty' } });
    const pan = freshVisa();
    const answers = await mapPool(Array.from({ length: confirmsCount }), confirmsCount, () =>
      http(url, 'POST', `/v1/payments/${created.body.id}/confirm`, {
        key,
        body: cardBody(pan),
        headers: { 'idempotency-key': 'confirm-twenty' },
        timeoutMs: 30_000,
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: confirmsCount }, () => 200));
    for (const a of answers) expect(a.body).toEqual(answers[0]!.body);
    expect(answers[0]!.body.status).toBe('succeeded');
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(confirmsCount - 1);
    const payment = (await http(url, 'GET', `/v1/payments/${created.body.id}`, { key })).body;
    expect(payment.attempts).toHaveLength(1);
    expect(world.cards.cardholder(pan)?.postedMinor).toBe(1_999n);
  }, 60_000);

  it('replays a problem as application/problem+json', async () => {
    const { url } = world.server;
    const headers = { 'idempotency-key': 'capture-missing' };
    const first = await http(url, 'POST', '/v1/payments/pay_missing/capture', { key, body: {}, headers });
    const again = await http(url, 'POST', '/v1/payments/pay_missing/capture', { key, body: {}, headers });
    expect(first.status).toBe(404);
    expect(again.status).toBe(404);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(again.body).toEqual(first.body);
  }, 30_000);
});

describeEachStore('idempotency: a retry after the first try died', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });

  it('answers a retried confirm with the success its first try committed, not 409', async () => {
    const { writer } = t.hutong.services;
    const m = await t.makeMerchant();
    const created = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 2_500, currency: 'USD', merchant_order_id: 'died-after-paying' },
    });
    const id = created.body.id as string;
    const body = cardBody(freshVisa());
    // The first try reserved its key, paid, and its process died before the answer was saved.
    const reservedAt = t.clock.now();
    await writer.run(async (trx) => {
      await trx
        .insertInto('idempotency_keys')
        .values({
          scope: m.id,
          key: 'confirm-died',
          request_digest: requestDigest('POST', '/v1/payments/:id/confirm', { id }, body),
          status_code: 0n,
          response_body: '',
          created_at: reservedAt.toISOString(),
          locked_until: new Date(reservedAt.getTime() + 60_000).toISOString(),
        })
        .execute();
    });
    t.clock.advance(1_000);
    const paid = await t.request('POST', `/v1/payments/${id}/confirm`, { key: m.key, body });
    expect(paid.body.status).toBe('succeeded');

    // Within the lease the key is still the first try's: the retry is told to retry, nothing runs.
    const early = await t.request('POST', `/v1/payments/${id}/confirm`, {
      key: m.key,
      body,
      headers: { 'idempotency-key': 'confirm-died' },
    });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('idempotency_in_progress');
    expect(early.headers['retry-after']).toBe('1');

    t.clock.advance(60_000);
    const retried = await t.request('POST', `/v1/payments/${id}/confirm`, {
      key: m.key,
      body,
      headers: { 'idempotency-key': 'confirm-died' },
    });
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('succeeded');
    // ...and that answer is now the key's: a further retry replays it.
    const replayed = await t.request('POST', `/v1/payments/${id}/confirm`, {
      key: m.key,
      body,
      headers: { 'idempotency-key': 'confirm-died' },
    });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(retried.body);
    // A confirm under a fresh key is still refused: the payment was paid by someone else's request.
    const other = await t.request('POST', `/v1/payments/${id}/confirm`, { key: m.key, body, headers: { 'idempotency-key': 'fresh' } });
    expect(other.status).toBe(409);
  });
});
