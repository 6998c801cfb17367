import { describe, expect, it } from 'vitest';
import { createHutongClient, HutongConnectionError, HutongProblemError, retryingFetch, type RetryInfo } from '@hutong/sdk';

/** The SDK's fetch with a scripted server: what each try sends, and what it answers. */
function scripted(answers: (() => Response | Promise<Response>)[]) {
  const seen: { method: string; url: string; key: string | null; body: string }[] = [];
  const fetch = async (request: Request) => {
    seen.push({ method: request.method, url: request.url, key: request.headers.get('idempotency-key'), body: await request.text() });
    const next = answers[Math.min(seen.length - 1, answers.length - 1)];
    if (next === undefined) throw new Error('no answer scripted');
    return next();
  };
  return { seen, fetch };
}

const problem = (status: number, code: string) => () =>
  new Response(
    JSON.stringify({
      type: `https://hutong.dev/problems/${code}`,
      title: code,
      status,
      code,
      detail: `a ${code}`,
      instance: '/v1/x',
      request_id: 'req_1',
    }),
    {
      status,
      headers: { 'content-type': 'application/problem+json' },
    },
  );
const ok =
  (body: unknown, status = 200) =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const dropped = () => {
  throw new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
};
const noWait = async () => undefined;

describe('retries under one Idempotency-Key', () => {
  it('a POST gets a key, and every retry after a dropped connection, a 5xx or a 409 in progress sends the same key and body', async () => {
    const server = scripted([dropped, problem(503, 'unavailable'), problem(409, 'idempotency_in_progress'), ok({ id: 'pay_1' }, 201)]);
    const retries: RetryInfo[] = [];
    const send = retryingFetch({ fetch: server.fetch, sleep: noWait, onRetry: (info) => retries.push(info) });
    const response = await send(
      new Request('http://h/v1/payments', { method: 'POST', body: '{"amount":1}', headers: { 'content-type': 'application/json' } }),
    );
    expect(response.status).toBe(201);
    expect(server.seen).toHaveLength(4);
    const key = server.seen[0]?.key;
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.seen.map((s) => s.key)).toEqual([key, key, key, key]);
    expect(server.seen.map((s) => s.body)).toEqual(Array(4).fill('{"amount":1}'));
    expect(retries.map((r) => [r.attempt, r.idempotencyKey, r.reason.split(':')[0]])).toEqual([
      [1, key, 'fetch failed'],
      [2, key, 'status 503'],
      [3, key, 'status 409 idempotency_in_progress'],
    ]);
  });

  it('two calls get two keys; a key the caller gives is kept', async () => {
    const server = scripted([ok({})]);
    const send = retryingFetch({ fetch: server.fetch, sleep: noWait });
    await send(new Request('http://h/v1/payments', { method: 'POST', body: '{}' }));
    await send(new Request('http://h/v1/payments', { method: 'POST', body: '{}' }));
    await send(new Request('http://h/v1/payments', { method: 'POST', body: '{}', headers: { 'idempotency-key': 'order-77' } }));
    expect(server.seen[0]?.key).not.toBe(server.seen[1]?.key);
    expect(server.seen[2]?.key).toBe('order-77');
  });

  it('stops after attemptsMax tries: the last answer is returned, a connection that never answers is a HutongConnectionError with the key', async () => {
    const failing = scripted([problem(500, 'internal')]);
    const send = retryingFetch({ fetch: failing.fetch, sleep: noWait, policy: { attemptsMax: 3 } });
    expect((await send(new Request('http://h/v1/x', { method: 'POST', body: '{}' }))).status).toBe(500);
    expect(failing.seen).toHaveLength(3);

    const down = scripted([dropped]);
    const sendDown = retryingFetch({ fetch: down.fetch, sleep: noWait, policy: { attemptsMax: 2 } });
    const error = await sendDown(new Request('http://h/v1/x', { method: 'POST', body: '{}' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HutongConnectionError);
    expect((error as HutongConnectionError).attempts).toBe(2);
    expect((error as HutongConnectionError).idempotencyKey).toBe(down.seen[0]?.key);
    expect(() => retryingFetch({ policy: { attemptsMax: 0 } })).toThrow(RangeError);
    expect(() => retryingFetch({ policy: { attemptsMax: 1000 } })).toThrow(RangeError);
  });

  it('a final answer is not retried: 4xx problems, a 409 of another kind; PATCH is tried once; GET carries no key', async () => {
    for (const answer of [problem(400, 'amount_invalid'), problem(409, 'payment_state_invalid'), problem(422, 'idempotency_key_reused')]) {
      const server = scripted([answer, ok({})]);
      const response = await retryingFetch({ fetch: server.fetch, sleep: noWait })(
        new Request('http://h/v1/x', { method: 'POST', body: '{}' }),
      );
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(server.seen).toHaveLength(1);
    }
    const patch = scripted([problem(503, 'unavailable'), ok({})]);
    expect(
      (await retryingFetch({ fetch: patch.fetch, sleep: noWait })(new Request('http://h/v1/x', { method: 'PATCH', body: '{}' }))).status,
    ).toBe(503);
    expect(patch.seen).toHaveLength(1);
    expect(patch.seen[0]?.key).toBeNull();
    const get = scripted([dropped, ok({})]);
    expect((await retryingFetch({ fetch: get.fetch, sleep: noWait })(new Request('http://h/v1/x'))).status).toBe(200);
    expect(get.seen.map((s) => s.key)).toEqual([null, null]);
  });

  it('waits with bounded backoff, honours Retry-After up to the bound, and stops when the caller aborts', async () => {
    const waits: number[] = [];
    const server = scripted([
      dropped,
      dropped,
      dropped,
      () => new Response('', { status: 429, headers: { 'retry-after': '600' } }),
      ok({}),
    ]);
    const send = retryingFetch({
      fetch: server.fetch,
      sleep: async (ms) => void waits.push(ms),
      policy: { attemptsMax: 5, backoffBaseMs: 100, backoffMaxMs: 300 },
    });
    expect((await send(new Request('http://h/v1/x', { method: 'POST', body: '{}' }))).status).toBe(200);
    expect(waits).toHaveLength(4);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
    expect(waits[2]).toBeGreaterThanOrEqual(150);
    expect(waits[2]).toBeLessThanOrEqual(300);
    expect(waits[3]).toBe(300);

    const controller = new AbortController();
    const aborting = scripted([
      () => {
        controller.abort();
        throw new DOMException('aborted', 'AbortError');
      },
      ok({}),
    ]);
    const sendAborting = retryingFetch({ fetch: aborting.fetch, sleep: noWait });
    await expect(sendAborting(new Request('http://h/v1/x', { method: 'POST', body: '{}', signal: controller.signal }))).rejects.toThrow();
    expect(aborting.seen).toHaveLength(1);
  });
});

describe('the client', () => {
  it('sends the secret key, returns typed data, and throws a problem as HutongProblemError with its fields', async () => {
    const seen: Request[] = [];
    const answers = [
      ok({ id: 'pay_1', object: 'payment', status: 'requires_payment_method' }, 201),
      () =>
        new Response(
          JSON.stringify({
            type: 'https://hutong.dev/problems/card_declined',
            title: 'The card was declined',
            status: 402,
            code: 'card_declined',
            detail: 'the issuer declined',
            instance: '/v1/payments/pay_1/confirm',
            request_id: 'req_9',
            decline_code: 'insufficient_funds',
            decline_message: 'Not enough money on the card',
          }),
          { status: 402, headers: { 'content-type': 'application/problem+json' } },
        ),
      () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'x-request-id': 'req_proxy' } }),
    ];
    const hutong = createHutongClient({
      baseUrl: 'http://h/',
      apiKey: 'sk_test_abc',
      retry: { attemptsMax: 1 },
      fetch: async (request) => {
        seen.push(request);
        return (answers[seen.length - 1] as () => Response)();
      },
    });
    const payment = await hutong.post('/v1/payments', { body: { amount: 100, currency: 'CNY', merchant_order_id: 'o-1' } });
    expect(payment.id).toBe('pay_1');
    expect(seen[0]?.url).toBe('http://h/v1/payments');
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer sk_test_abc');

    const declined = await hutong
      .post('/v1/payments/{id}/confirm', {
        params: { path: { id: 'pay_1' } },
        body: { payment_method: { type: 'wallet', customer: 'cus_1' } },
      })
      .catch((e: unknown) => e);
    expect(declined).toBeInstanceOf(HutongProblemError);
    expect(declined).toMatchObject({
      status: 402,
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      requestId: 'req_9',
      instance: '/v1/payments/pay_1/confirm',
    });
    expect(seen[1]?.url).toBe('http://h/v1/payments/pay_1/confirm');

    const gateway = await hutong.get('/v1/payments').catch((e: unknown) => e);
    expect(gateway).toMatchObject({ status: 502, code: 'http_502', requestId: 'req_proxy', detail: '<html>bad gateway</html>' });
  });
});
