import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { createHutongClient, HutongProblemError, verifyWebhook, WebhookVerificationError, type RetryInfo } from '@hutong/sdk';
import { childEnv, freePort, repoRoot, serverEnv, sleep, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';

/**
 * The SDK as a merchant uses it, against `hutong start` in a second process: a card payment,
 * a refund and a list; a retry after a dropped connection (a TCP proxy cuts the first answer)
 * reuses the Idempotency-Key and applies once; a real webhook delivery verifies and a tampered one
 * does not; examples/sdk-tour.ts runs as the README shows.
 */
const servers: ServerProcess[] = [];
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill();
  for (const close of closers) await close();
});

const approveCard = { number: '4111111111111004', exp_month: 12, exp_year: 2030, cvc: '123' };

/**
 * A TCP proxy to `target` that, for the first request whose head matches `cut`, lets the request
 * through and then cuts the connection as the answer starts coming back: the server did the work,
 * the client never hears of it. Every request head it forwards is kept.
 */
async function cuttingProxy(target: string, cut: RegExp[]) {
  const { hostname, port } = new URL(target);
  const heads: string[] = [];
  const pending = [...cut];
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    let head = '';
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (/^[A-Z]+ \S+ HTTP\/1\.1\r\n/.test(text)) heads.push((head = text.split('\r\n\r\n')[0] ?? ''));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const at = pending.findIndex((pattern) => pattern.test(head));
      if (at >= 0) {
        pending.splice(at, 1);
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const keysOf = (pattern: RegExp) => heads.filter((h) => pattern.test(h)).map((h) => /\r\nidempotency-key: (\S+)/i.exec(h)?.[1]);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, keysOf, uncut: () => pending.length };
}

/** A webhook receiver that keeps each delivery's raw body and headers. */
async function receiver() {
  const deliveries: { body: string; headers: IncomingHttpHeaders }[] = [];
  const server: HttpServer = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, deliveries };
}

/** `npx tsx examples/<file>` as a child; its output so far, and its exit. */
function startExample(file: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${file}`], { cwd: repoRoot, env: childEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve)).finally(() => clearTimeout(timer));
  closers.push(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

describeEachStore('@hutong/sdk against a started service', (dialect) => {
  it(
    'pays, refunds and lists; a dropped answer is retried under the same key and applied once; webhooks verify',
    { timeout: 420_000 },
    async () => {
      const fresh = await freshStore(dialect);
      closers.push(fresh.drop);
      const { env, operatorKey } = serverEnv(fresh.store);
      const server = await startServer({ ...env, HUTONG_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, { readyTimeoutMs: 180_000 });
      servers.push(server);

      const operator = createHutongClient({ baseUrl: server.url, apiKey: operatorKey });
      const merchant = await operator.post('/v1/merchants', { body: { name: 'SDK Shop', country: 'CN', settlement_currency: 'CNY' } });
      const secretKey = merchant.api_key.secret_key;
      if (secretKey === null) throw new Error('the new merchant came without its secret key');
      const direct = createHutongClient({ baseUrl: server.url, apiKey: secretKey });

      const hooks = await receiver();
      const endpoint = await direct.post('/v1/webhook_endpoints', { body: { url: hooks.url, enabled_events: ['payment.succeeded'] } });
      const webhookSecret = endpoint.secret;
      expect(webhookSecret).toMatch(/^whsec_/);

      // Through the proxy, the first answer to the create and to the confirm are lost on the way back.
      const createLine = /^POST \/v1\/payments HTTP/;
      const confirmLine = /^POST \/v1\/payments\/\S+\/confirm HTTP/;
      const proxy = await cuttingProxy(server.url, [createLine, confirmLine]);
      const retries: RetryInfo[] = [];
      const hutong = createHutongClient({
        baseUrl: proxy.url,
        apiKey: secretKey,
        onRetry: (r) => retries.push(r),
        retry: { backoffBaseMs: 50 },
      });

      const payment = await hutong.post('/v1/payments', { body: { amount: 12_800, currency: 'CNY', merchant_order_id: 'sdk-1' } });
      expect(payment).toMatchObject({ object: 'payment', amount: 12_800, currency: 'CNY', status: 'requires_payment_method' });
      const confirmed = await hutong.post('/v1/payments/{id}/confirm', {
        params: { path: { id: payment.id } },
        body: { payment_method: { type: 'card', card: approveCard } },
      });
      expect(confirmed.status).toBe('succeeded');
      expect(proxy.uncut()).toBe(0);

      // Each call went out twice, under one key; the retry was for the lost answer.
      const createKeys = proxy.keysOf(createLine);
      const confirmKeys = proxy.keysOf(confirmLine);
      expect(createKeys).toHaveLength(2);
      expect(createKeys[0]).toBeDefined();
      expect(createKeys[1]).toBe(createKeys[0]);
      expect(confirmKeys).toHaveLength(2);
      expect(confirmKeys[1]).toBe(confirmKeys[0]);
      expect(confirmKeys[0]).not.toBe(createKeys[0]);
      expect(retries.map((r) => r.idempotencyKey)).toEqual([createKeys[0], confirmKeys[0]]);

      // ...and applied once: one payment for the order, captured once, one payment.succeeded event.
      const list = await direct.get('/v1/payments', { params: { query: { merchant_order_id: 'sdk-1' } } });
      expect(list.data.map((p) => p.id)).toEqual([payment.id]);
      expect(list.data[0]).toMatchObject({ status: 'succeeded', amount_captured: 12_800, amount_refunded: 0 });
      const events = await direct.get('/v1/events', { params: { query: { type: 'payment.succeeded', object_id: payment.id } } });
      expect(events.data).toHaveLength(1);

      const refund = await direct.post('/v1/refunds', { body: { payment: payment.id, amount: 2_800, reason: 'one item returned' } });
      expect(refund).toMatchObject({ object: 'refund', payment: payment.id, amount: 2_800 });
      // GET /v1/payments/{id} answers the merchant's view or a cashier's: the type is their union.
      const after = await direct.get('/v1/payments/{id}', { params: { path: { id: payment.id } } });
      expect('amount_refunded' in after && after.amount_refunded).toBe(2_800);

      // Problems arrive as HutongProblemError with the problem+json fields.
      const float = await direct
        .post('/v1/payments', { body: { amount: 12.5, currency: 'CNY', merchant_order_id: 'sdk-2' } })
        .catch((e: unknown) => e);
      expect(float).toBeInstanceOf(HutongProblemError);
      expect(float).toMatchObject({ status: 400, code: 'amount_invalid', instance: '/v1/payments' });
      expect((float as HutongProblemError).errors[0]?.field).toBe('body/amount');
      expect((float as HutongProblemError).requestId).toMatch(/^req_/);
      const missing = await direct
        .get('/v1/payments/{id}', { params: { path: { id: 'pay_nothere0000000000000000' } } })
        .catch((e: unknown) => e);
      expect(missing).toMatchObject({ status: 404 });
      const stranger = createHutongClient({ baseUrl: server.url, apiKey: 'sk_test_not_a_key_of_anyone_here' });
      expect(await stranger.get('/v1/payments').catch((e: unknown) => e)).toMatchObject({ status: 401 });

      // The payment.succeeded delivery verifies with the endpoint's secret; a tampered copy does not.
      const deadline = Date.now() + 60_000;
      while (hooks.deliveries.length === 0 && Date.now() < deadline) await sleep(100);
      const delivery = hooks.deliveries[0];
      if (delivery === undefined) throw new Error(`no webhook delivery within 60 s\n${server.output()}`);
      const event = verifyWebhook<{ id: string; amount: number }>(webhookSecret as string, delivery.body, delivery.headers);
      expect(event).toMatchObject({ type: 'payment.succeeded', data: { object: { id: payment.id, amount: 12_800 } } });
      const tampered = delivery.body.replace('12800', '1280000');
      expect(tampered).not.toBe(delivery.body);
      expect(() => verifyWebhook(webhookSecret as string, tampered, delivery.headers)).toThrow(WebhookVerificationError);

      // The README's examples, as written: a webhook receiver (examples/sdk-webhooks.ts) on its own
      // endpoint, then the tour (examples/sdk-tour.ts), whose payment the receiver hears of.
      const receiverPort = await freePort();
      const second = await direct.post('/v1/webhook_endpoints', {
        body: { url: `http://127.0.0.1:${receiverPort}/hooks`, enabled_events: ['payment.succeeded'] },
      });
      const listener = startExample('sdk-webhooks.ts', { HUTONG_WEBHOOK_SECRET: second.secret as string, PORT: String(receiverPort) });
      await waitFor('the webhook example listening', () => listener.stdout().includes('listening'));
      const forged = await fetch(`http://127.0.0.1:${receiverPort}/hooks`, {
        method: 'POST',
        headers: Object.fromEntries(
          ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(delivery.headers[h])]),
        ),
        body: tampered,
      });
      expect(forged.status).toBe(400);

      const tour = startExample('sdk-tour.ts', { HUTONG_URL: server.url, HUTONG_KEY: secretKey });
      expect(await tour.exited, tour.stderr()).toBe(0);
      const lines = tour.stdout().trim().split('\n');
      const tourPayment = /^payment (pay_\S+) requires_payment_method 12800 CNY$/.exec(lines[0] ?? '')?.[1];
      expect(tourPayment, tour.stdout()).toBeDefined();
      expect(lines.slice(1).map((l) => l.replace(/re_\S+/, 're_…'))).toEqual([
        'confirmed succeeded',
        'refund re_… succeeded 2800',
        'payments for the order: 1, captured 12800, refunded 2800',
        'refused: 400 amount_invalid (body/amount must be integer)',
      ]);
      await waitFor("the webhook example hearing of the tour's payment", () =>
        listener.stdout().includes(`payment.succeeded ${tourPayment} succeeded`),
      );
      expect(listener.stdout().split('\n')[1]).toBe('refused: signature_mismatch');
    },
  );
});
