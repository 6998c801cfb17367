import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { expect, it, onTestFinished } from 'vitest';
import { problemCatalog } from '../src/api/problems.js';
import { createHutong } from '../src/app.js';
import { ManualClock } from '../src/core/clock.js';
import { isFailure, type Failure } from '../src/core/failure.js';
import { retryDelayBoundMs, webhookAttemptsMaxDefault } from '../src/events/backoff.js';
import { createWebhookDispatcher, type DispatcherOptions, type WebhookDispatcher } from '../src/events/dispatcher.js';
import { endpointsPerMerchantMax } from '../src/events/endpoints.js';
import { EventError } from '../src/events/errors.js';
import type { NewEvent } from '../src/events/outbox.js';
import { createEvents, type Events } from '../src/events/service.js';
import { createParties } from '../src/parties/service.js';
import { openStore, type Store } from '../src/store/database.js';
import { createWriter, type Writer } from '../src/store/writer.js';
import { createCipher, type Cipher } from '../src/vault/cipher.js';
import { describeEachStore, freshStore, testConfig, type Dialect } from './support/stores.js';

it('every events error code has a problem status', () => {
  for (const code of Object.values(EventError)) expect(Object.keys(problemCatalog), code).toContain(code);
});

// ---------------------------------------------------------------------------------------------
// A real HTTP receiver that verifies every signature on the raw bytes, as a merchant would.

interface Hit {
  readonly eventId: string;
  readonly verified: boolean;
  readonly body: unknown;
  readonly status: number | 'hang';
}

type Answer = (hitNumber: number, eventId: string) => number | 'hang';

async function startReceiver(answer: Answer) {
  const hits: Hit[] = [];
  let secret = '';
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const headers = stringHeaders(request.headers);
      let verified = false;
      try {
        new Webhook(secret).verify(raw, headers);
        verified = true;
      } catch {
        verified = false;
      }
      const eventId = headers['webhook-id'] ?? '';
      const status = answer(hits.length + 1, eventId);
      hits.push({ eventId, verified, body: JSON.parse(raw.toString('utf8')), status });
      if (status !== 'hang') response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    hits,
    useSecret(value: string) {
      secret = value;
    },
  };
}

function stringHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function ok<T>(value: T | Failure): T {
  if (isFailure(value)) throw new Error(`unexpected failure ${value.failure}: ${value.detail}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// A store, writer and the events module, fresh for each test.

interface World {
  store: Store;
  writer: Writer;
  clock: ManualClock;
  cipher: Cipher;
  events: Events;
  storeConfig: Awaited<ReturnType<typeof freshStore>>['store'];
  makeMerchant(name?: string): Promise<string>;
  record(input: Omit<NewEvent, 'data'> & { data?: unknown }): Promise<string>;
  dispatcher(options?: Partial<DispatcherOptions>): ReturnType<typeof createWebhookDispatcher>;
  count(table: 'events' | 'webhook_deliveries', merchantId: string): Promise<number>;
}

async function makeWorld(dialect: Dialect): Promise<World> {
  const fresh = await freshStore(dialect);
  const store = await openStore(fresh.store);
  const writer = createWriter(store.db, store.exec);
  // Signatures carry the clock's time and receivers check it against theirs: start at real now.
  const clock = new ManualClock(new Date());
  const cipher = createCipher(randomBytes(32));
  const events = createEvents({ store, cipher, clock });
  const parties = createParties({ store, clock, cipher });
  onTestFinished(async () => {
    await writer.close();
    await store.close();
    await fresh.drop();
  });
  return {
    store,
    writer,
    clock,
    cipher,
    events,
    storeConfig: fresh.store,
    async makeMerchant(name = 'Shop') {
      return ok(await parties.createMerchant({ name, country: 'CN', settlementCurrency: 'CNY' })).merchant.id;
    },
    async record(input) {
      const event = await writer.run((trx) =>
        events.recordEvent(trx, { ...input, data: input.data ?? { id: input.objectId, object: input.objectType } }),
      );
      return event.id;
    },
    dispatcher(options = {}) {
      return createWebhookDispatcher({ store, cipher, clock, onError: (error) => expect.fail(String(error)), ...options });
    },
    async count(table, merchantId) {
      const result =
        table === 'events'
          ? await sql<{ n: bigint }>`select count(*) as n from events where merchant_id = ${merchantId}`.execute(store.db)
          : await sql<{
              n: bigint;
            }>`select count(*) as n from webhook_deliveries where event_id in (select id from events where merchant_id = ${merchantId})`.execute(
              store.db,
            );
      return Number(result.rows[0]!.n);
    },
  };
}

async function endpointFor(
  world: World,
  merchantId: string,
  receiver: Awaited<ReturnType<typeof startReceiver>>,
  enabledEvents: string[] = ['*'],
) {
  const created = ok(await world.events.createEndpoint(merchantId, { url: receiver.url, enabledEvents }));
  expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  receiver.useSecret(created.secret as string);
  return created.endpoint.id;
}

async function deliveriesOf(world: World, merchantId: string, endpointId: string) {
  return ok(await world.events.listDeliveries(merchantId, endpointId, { limit: 100 })).data;
}

describeEachStore('webhooks: outbox and dispatcher', (dialect) => {
  it('retries a failing endpoint with backoff and succeeds on the third attempt, every request signed', async () => {
    const w = await makeWorld(dialect);
    const merchant = await w.makeMerchant();
    const receiver = await startReceiver((n) => (n <= 2 ? 500 : 200));
    const endpoint = await endpointFor(w, merchant, receiver);
    const eventId = await w.record({
      merchantId: merchant,
      type: 'payment.succeeded',
      objectType: 'payment',
      objectId: 'pay_1',
      data: { id: 'pay_1', amount: 1999 },
    });
    const dispatcher = w.dispatcher();

    expect(await dispatcher.runOnce()).toBe(1);
    expect(await dispatcher.runOnce()).toBe(0); // the retry is not due yet
    w.clock.advance(retryDelayBoundMs(1));
    expect(await dispatcher.runOnce()).toBe(1);
    w.clock.advance(retryDelayBoundMs(2));
    expect(await dispatcher.runOnce()).toBe(1);
    w.clock.advance(retryDelayBoundMs(3));
    expect(await dispatcher.runOnce()).toBe(0);

    expect(receiver.hits.map((h) => [h.eventId, h.verified, h.status])).toEqual([
      [eventId, true, 500],
      [eventId, true, 500],
      [eventId, true, 200],
    ]);
    const event = ok(await w.events.getEvent(merchant, eventId));
    expect(receiver.hits[2]!.body).toEqual({
      id: eventId,
      type: 'payment.succeeded',
      created_at: event.createdAt,
      data: { object: { id: 'pay_1', amount: 1999 } },
    });
    const [log] = await deliveriesOf(w, merchant, endpoint);
    expect(log!.delivery).toMatchObject({
      eventId,
      status: 'succeeded',
      attempts: 3,
      nextAttemptAt: null,
      lastStatusCode: 200,
      lastError: null,
    });
    expect(log!.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(log!.attemptLog.every((a) => a.durationMs >= 0)).toBe(true);
  });

  it('gives a delivery up after attemptsMax failed attempts and sends nothing more', async () => {
    const w = await makeWorld(dialect);
    const merchant = await w.makeMerchant();
    const receiver = await startReceiver(() => 503);
    const endpoint = await endpointFor(w, merchant, receiver);
    await w.record({ merchantId: merchant, type: 'refund.failed', objectType: 'refund', objectId: 're_1' });
    const dispatcher = w.dispatcher();
    for (let attempt = 1; attempt <= webhookAttemptsMaxDefault; attempt++) {
      expect(await dispatcher.runOnce(), `attempt ${attempt}`).toBe(1);
      w.clock.advance(retryDelayBoundMs(attempt));
    }
    w.clock.advance(retryDelayBoundMs(webhookAttemptsMaxDefault));
    expect(await dispatcher.runOnce()).toBe(0);
    expect(receiver.hits).toHaveLength(webhookAttemptsMaxDefault);
    expect(receiver.hits.every((h) => h.verified)).toBe(true);
    const [log] = await deliveriesOf(w, merchant, endpoint);
    expect(log!.delivery).toMatchObject({
      status: 'failed',
      attempts: webhookAttemptsMaxDefault,
      nextAttemptAt: null,
      lastStatusCode: 503,
    });
    expect(log!.attemptLog).toHaveLength(webhookAttemptsMaxDefault);
  });

  it('counts a receiver that does not answer in time as a failed attempt', async () => {
    const w = await makeWorld(dialect);
    const merchant = await w.makeMerchant();
    const receiver = await startReceiver(() => 'hang');
    const endpoint = await endpointFor(w, merchant, receiver);
    await w.record({ merchantId: merchant, type: 'payment.created', objectType: 'payment', objectId: 'pay_slow' });
    expect(await w.dispatcher({ requestTimeoutMs: 200 }).runOnce()).toBe(1);
    const [log] = await deliveriesOf(w, merchant, endpoint);
    expect(log!.delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null, lastError: 'no answer within 200 ms' });
    expect(log!.attemptLog[0]).toMatchObject({ attempt: 1, statusCode: null, error: 'no answer within 200 ms' });
  });

  it('delivers the events of one object in order: the second waits until the first succeeded', async () => {
    const w = await makeWorld(dialect);
    const merchant = await w.makeMerchant();
    const first = { id: '' };
    const receiver = await startReceiver((_n, eventId) =>
      eventId === first.id && receiver.hits.every((h) => h.eventId !== first.id) ? 500 : 200,
    );
    await endpointFor(w, merchant, receiver);
    first.id = await w.record({ merchantId: merchant, type: 'payment.created', objectType: 'payment', objectId: 'pay_A' });
    const second = await w.record({ merchantId: merchant, type: 'payment.succeeded', objectType: 'payment', objectId: 'pay_A' });
    const other = await w.record({ merchantId: merchant, type: 'payment.created', objectType: 'payment', objectId: 'pay_B' });
    expect(ok(await w.events.getEvent(merchant, first.id)).sequence).toBe(1);
    expect(ok(await w.events.getEvent(merchant, second)).sequence).toBe(2);
    const dispatcher = w.dispatcher();

    expect(await dispatcher.runOnce()).toBe(2); // pay_A's first (fails) and pay_B's, not pay_A's second
    expect(receiver.hits.map((h) => h.eventId).sort()).toEqual([first.id, other].sort());
    expect(await dispatcher.runOnce()).toBe(0);
    w.clock.advance(retryDelayBoundMs(1));
    expect(await dispatcher.runOnce()).toBe(1); // the first succeeds
    expect(await dispatcher.runOnce()).toBe(1); // only now the second
    const order = receiver.hits.filter((h) => h.eventId !== other).map((h) => [h.eventId, h.status]);
    expect(order).toEqual([
      [first.id, 500],
      [first.id, 200],
      [second, 200],
    ]);
  });

  it('records nothing when the transaction that recorded the event rolls back', async () => {
    const w = await makeWorld(dialect);
    const merchant = await w.makeMerchant();
    const receiver = await startReceiver(() => 200);
    await endpointFor(w, merchant, receiver);
    const input = { merchantId: merchant, type: 'payment.succeeded', objectType: 'payment', objectId: 'pay_rb', data: {} };
    // A plain transaction that throws after recording.
    await expect(
      w.store.db.transaction().execute(async (trx) => {
        await w.events.recordEvent(trx, input);
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    // A writer unit that returns a failure is rolled back to its savepoint; its batch-mate commits.
    const [failed, kept] = await Promise.all([
      w.writer.run(async (trx) => {
        await w.events.recordEvent(trx, input);
        return { failure: 'insufficient_funds', detail: 'no money' };
      }),
      w.writer.run((trx) => w.events.recordEvent(trx, { ...input, objectId: 'pay_ok' })),
    ]);
    expect(isFailure(failed)).toBe(true);
    // A snapshot that is not JSON (a service model with bigint amounts) fails its unit loudly.
    await expect(w.writer.run((trx) => w.events.recordEvent(trx, { ...input, data: { amount: 1999n } }))).rejects.toThrow(/API view/);
    expect(await w.count('events', merchant)).toBe(1);
    expect(await w.count('webhook_deliveries', merchant)).toBe(1);
    expect(ok(await w.events.listEvents(merchant, {})).data.map((e) => e.id)).toEqual([(kept as { id: string }).id]);
    expect(await w.dispatcher().runOnce()).toBe(1);
    expect(receiver.hits.map((h) => h.eventId)).toEqual([(kept as { id: string }).id]);
  });

  it('fans out only to enabled endpoints subscribed to the type', async () => {
    const w = await makeWorld(dialect);
    const merchant = await w.makeMerchant();
    const payments = await startReceiver(() => 200);
    const refunds = await startReceiver(() => 200);
    const off = await startReceiver(() => 200);
    await endpointFor(w, merchant, payments, ['payment.succeeded']);
    await endpointFor(w, merchant, refunds, ['refund.succeeded']);
    const offId = await endpointFor(w, merchant, off, ['*']);
    ok(await w.events.setEndpointStatus(merchant, offId, 'disabled'));
    const paid = await w.record({ merchantId: merchant, type: 'payment.succeeded', objectType: 'payment', objectId: 'pay_1' });
    const refunded = await w.record({ merchantId: merchant, type: 'refund.succeeded', objectType: 'refund', objectId: 're_1' });
    await w.record({ merchantId: merchant, type: 'payment.created', objectType: 'payment', objectId: 'pay_2' });
    expect(await w.dispatcher().runOnce()).toBe(2);
    expect(payments.hits.map((h) => h.eventId)).toEqual([paid]);
    expect(refunds.hits.map((h) => h.eventId)).toEqual([refunded]);
    expect(off.hits).toEqual([]);
  });

  it('deleting an endpoint gives up its pending deliveries; endpoints per merchant are bounded', async () => {
    const w = await makeWorld(dialect);
    const merchant = await w.makeMerchant();
    const receiver = await startReceiver(() => 200);
    const endpoint = await endpointFor(w, merchant, receiver);
    await w.record({ merchantId: merchant, type: 'payment.created', objectType: 'payment', objectId: 'pay_d' });
    ok(await w.events.deleteEndpoint(merchant, endpoint));
    expect(await w.dispatcher().runOnce()).toBe(0);
    expect(receiver.hits).toEqual([]);
    const rows = await sql<{
      status: string;
      last_error: string;
    }>`select status, last_error from webhook_deliveries where endpoint_id = ${endpoint}`.execute(w.store.db);
    expect(rows.rows).toEqual([{ status: 'failed', last_error: 'the endpoint was deleted' }]);
    expect(await w.events.getEndpoint(merchant, endpoint)).toMatchObject({ failure: EventError.WebhookEndpointNotFound });

    for (let i = 0; i < endpointsPerMerchantMax; i++)
      ok(await w.events.createEndpoint(merchant, { url: `https://shop.example/${i}`, enabledEvents: ['*'] }));
    expect(await w.events.createEndpoint(merchant, { url: 'https://shop.example/one-more', enabledEvents: ['*'] })).toMatchObject({
      failure: EventError.WebhookEndpointsTooMany,
    });
  });

  it('redelivers an event to the current endpoints as new deliveries, one pending at a time', async () => {
    const w = await makeWorld(dialect);
    const merchant = await w.makeMerchant();
    const receiver = await startReceiver(() => 200);
    const endpoint = await endpointFor(w, merchant, receiver);
    const eventId = await w.record({ merchantId: merchant, type: 'payment.succeeded', objectType: 'payment', objectId: 'pay_r' });
    const dispatcher = w.dispatcher();
    expect(await dispatcher.runOnce()).toBe(1);
    // An endpoint added after the event gets the redelivery too.
    const late = await startReceiver(() => 200);
    await endpointFor(w, merchant, late, ['payment.succeeded']);

    const again = ok(await w.events.redeliver(merchant, eventId));
    const twice = ok(await w.events.redeliver(merchant, eventId));
    expect(again).toHaveLength(2);
    expect(twice.map((r) => r.delivery.id).sort()).toEqual(again.map((r) => r.delivery.id).sort());
    expect(await dispatcher.runOnce()).toBe(2);
    expect(receiver.hits.map((h) => [h.eventId, h.verified])).toEqual([
      [eventId, true],
      [eventId, true],
    ]);
    expect(late.hits.map((h) => [h.eventId, h.verified])).toEqual([[eventId, true]]);
    const log = await deliveriesOf(w, merchant, endpoint);
    expect(log.map((r) => r.delivery.status)).toEqual(['succeeded', 'succeeded']);
    expect(isFailure(await w.events.redeliver(await w.makeMerchant('Other'), eventId))).toBe(true);
  });

  it('polls with start() and stops cleanly', async () => {
    const w = await makeWorld(dialect);
    const merchant = await w.makeMerchant();
    const receiver = await startReceiver(() => 200);
    await endpointFor(w, merchant, receiver);
    const dispatcher = w.dispatcher({ pollIntervalMs: 10 });
    dispatcher.start();
    const a = await w.record({ merchantId: merchant, type: 'payment.created', objectType: 'payment', objectId: 'pay_p' });
    const b = await w.record({ merchantId: merchant, type: 'payment.succeeded', objectType: 'payment', objectId: 'pay_p' });
    for (let i = 0; i < 200 && receiver.hits.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await dispatcher.stop();
    expect(receiver.hits.map((h) => h.eventId)).toEqual([a, b]);
  });

  if (dialect === 'postgres') {
    it('two dispatchers racing on the same due deliveries send each attempt exactly once', async () => {
      const w = await makeWorld(dialect);
      const second = await openStore(w.storeConfig, { migrate: false });
      onTestFinished(() => second.close());
      const merchant = await w.makeMerchant();
      const receiver = await startReceiver(() => 200);
      await endpointFor(w, merchant, receiver);
      const eventsCount = 40;
      const ids = await Promise.all(
        Array.from({ length: eventsCount }, (_, i) =>
          w.record({ merchantId: merchant, type: 'payment.succeeded', objectType: 'payment', objectId: `pay_${i}` }),
        ),
      );
      const one = w.dispatcher({ claimBatchMax: 3 });
      const two = createWebhookDispatcher({
        store: second,
        cipher: w.cipher,
        clock: w.clock,
        claimBatchMax: 3,
        onError: (error) => expect.fail(String(error)),
      });
      const drain = async (d: typeof one) => {
        let sent = 0;
        for (let n = await d.runOnce(); n > 0; n = await d.runOnce()) sent += n;
        return sent;
      };
      const sent = await Promise.all([drain(one), drain(two), drain(one), drain(two)]);
      expect(sent.reduce((sum, n) => sum + n, 0)).toBe(eventsCount);
      expect(receiver.hits).toHaveLength(eventsCount);
      expect(new Set(receiver.hits.map((h) => h.eventId))).toEqual(new Set(ids));
      const attempts = await sql<{ n: bigint }>`select count(*) as n from webhook_attempts`.execute(w.store.db);
      expect(Number(attempts.rows[0]!.n)).toBe(eventsCount);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The HTTP API, on the whole service with the events routes added.

describeEachStore('webhooks: API', (dialect) => {
  async function makeApp() {
    const fresh = await freshStore(dialect);
    const clock = new ManualClock(new Date());
    const hutong = await createHutong(testConfig(fresh.store), { clock, logger: false, vaultKey: randomBytes(32) });
    const { store, writer } = hutong.services;
    // src/app.ts wires the module: drive its dispatcher by hand instead of its polling loop.
    const events: Events = hutong.services.events;
    const dispatcher: WebhookDispatcher = hutong.dispatcher;
    await dispatcher.stop();
    await hutong.server.ready();
    onTestFinished(async () => {
      await hutong.close();
      await fresh.drop();
    });
    const { generated } = await hutong.services.parties.ensureOperatorKey(undefined);
    const request = async (
      method: string,
      url: string,
      options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) => {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
      const response = await hutong.server.inject({
        method: method as 'GET',
        url,
        headers,
        ...(options.body === undefined ? {} : { payload: options.body as object }),
      });
      return { status: response.statusCode, body: response.body === '' ? undefined : JSON.parse(response.body) };
    };
    const makeMerchant = async (name: string) => {
      const res = await request('POST', '/v1/merchants', {
        key: generated as string,
        body: { name, country: 'CN', settlement_currency: 'CNY' },
      });
      return { id: res.body.id as string, key: res.body.api_key.secret_key as string };
    };
    // Lists are newest first by (created_at, id); a second apart, the order is the recording order.
    const record = (merchantId: string, type: string, objectId: string) => {
      clock.advance(1_000);
      return writer.run((trx) =>
        events.recordEvent(trx, { merchantId, type, objectType: type.split('.')[0]!, objectId, data: { id: objectId } }),
      );
    };
    return { hutong, request, makeMerchant, record, dispatcher, store, clock };
  }

  it('creates, lists, shows and deletes endpoints; the secret is shown once', async () => {
    const t = await makeApp();
    const m = await t.makeMerchant('One');
    const created = await t.request('POST', '/v1/webhook_endpoints', {
      key: m.key,
      body: { url: 'https://shop.example/hooks', enabled_events: ['payment.succeeded'], description: 'main' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'webhook_endpoint',
      url: 'https://shop.example/hooks',
      enabled_events: ['payment.succeeded'],
      description: 'main',
      status: 'enabled',
    });
    expect(created.body.id).toMatch(/^we_/);
    expect(created.body.secret).toMatch(/^whsec_/);
    const got = await t.request('GET', `/v1/webhook_endpoints/${created.body.id}`, { key: m.key });
    expect(got.body).toEqual({ ...created.body, secret: null });
    const list = await t.request('GET', '/v1/webhook_endpoints', { key: m.key });
    expect(list.body).toMatchObject({ object: 'list', has_more: false, data: [{ id: created.body.id, secret: null }] });
    const rotated = await t.request('POST', `/v1/webhook_endpoints/${created.body.id}/rotate_secret`, { key: m.key });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect((await t.request('GET', `/v1/webhook_endpoints/${created.body.id}`, { key: m.key })).body.secret).toBeNull();
    const deleted = await t.request('DELETE', `/v1/webhook_endpoints/${created.body.id}`, { key: m.key });
    expect(deleted.body).toEqual({ id: created.body.id, object: 'webhook_endpoint', deleted: true });
    expect((await t.request('GET', `/v1/webhook_endpoints/${created.body.id}`, { key: m.key })).status).toBe(404);
    expect((await t.request('GET', '/v1/webhook_endpoints', { key: m.key })).body.data).toEqual([]);
  });

  it('replays a creation under the same Idempotency-Key without the secret, and never stores the secret in clear', async () => {
    const t = await makeApp();
    const m = await t.makeMerchant('One');
    const body = { url: 'https://shop.example/hooks', enabled_events: ['*'] };
    const headers = { 'idempotency-key': 'create-endpoint-1' };
    const first = await t.request('POST', '/v1/webhook_endpoints', { key: m.key, body, headers });
    const again = await t.request('POST', '/v1/webhook_endpoints', { key: m.key, body, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ ...first.body, secret: null });
    const other = await t.request('POST', '/v1/webhook_endpoints', {
      key: m.key,
      body: { ...body, url: 'https://other.example/' },
      headers,
    });
    expect([other.status, other.body.code]).toEqual([422, 'idempotency_key_reused']);
    await new Promise((r) => setTimeout(r, 50)); // let any idempotency record settle
    const stored = await sql<{ n: bigint }>`select count(*) as n from idempotency_keys where response_body like ${'%whsec_%'}`.execute(
      t.store.db,
    );
    expect(Number(stored.rows[0]!.n)).toBe(0);
    const endpoints = await sql<{ secret_sealed: string }>`select secret_sealed from webhook_endpoints`.execute(t.store.db);
    expect(endpoints.rows.every((r) => r.secret_sealed.startsWith('v1.') && !r.secret_sealed.includes('whsec_'))).toBe(true);
  });

  it('answers bad URLs and event types with specific problem codes', async () => {
    const t = await makeApp();
    const m = await t.makeMerchant('One');
    const cases: [unknown, number, string][] = [
      [{ url: 'ftp://shop.example/hooks', enabled_events: ['*'] }, 400, 'webhook_url_invalid'],
      [{ url: 'not a url', enabled_events: ['*'] }, 400, 'webhook_url_invalid'],
      [{ url: 'javascript:alert(1)', enabled_events: ['*'] }, 400, 'webhook_url_invalid'],
      [{ url: 'https://user:pw@shop.example/hooks', enabled_events: ['*'] }, 400, 'webhook_url_invalid'],
      [{ url: `https://shop.example/${'a'.repeat(2100)}`, enabled_events: ['*'] }, 400, 'request_invalid'],
      [{ url: 'https://shop.example/hooks', enabled_events: [] }, 400, 'webhook_events_invalid'],
      [{ url: 'https://shop.example/hooks', enabled_events: ['Payment Succeeded'] }, 400, 'webhook_events_invalid'],
      [{ url: 'https://shop.example/hooks' }, 400, 'request_invalid'],
    ];
    for (const [body, status, code] of cases) {
      const res = await t.request('POST', '/v1/webhook_endpoints', { key: m.key, body });
      expect([res.status, res.body.code], JSON.stringify(body).slice(0, 80)).toEqual([status, code]);
    }
    expect((await t.request('GET', '/v1/webhook_endpoints', { key: m.key })).body.data).toEqual([]);
  });

  it('lists events with filters and cursor paging, shows the delivery log and redelivers', async () => {
    const t = await makeApp();
    const m = await t.makeMerchant('One');
    const receiver = await startReceiver(() => 200);
    const created = await t.request('POST', '/v1/webhook_endpoints', { key: m.key, body: { url: receiver.url, enabled_events: ['*'] } });
    receiver.useSecret(created.body.secret);
    const e1 = await t.record(m.id, 'payment.created', 'pay_1');
    const e2 = await t.record(m.id, 'payment.succeeded', 'pay_1');
    const e3 = await t.record(m.id, 'payment.created', 'pay_2');

    const page1 = await t.request('GET', '/v1/events?limit=2', { key: m.key });
    expect(page1.body.data.map((e: { id: string }) => e.id)).toEqual([e3.id, e2.id]);
    expect(page1.body.has_more).toBe(true);
    const page2 = await t.request('GET', `/v1/events?limit=2&cursor=${page1.body.next_cursor}`, { key: m.key });
    expect(page2.body.data.map((e: { id: string }) => e.id)).toEqual([e1.id]);
    expect((await t.request('GET', '/v1/events?type=payment.created', { key: m.key })).body.data.map((e: { id: string }) => e.id)).toEqual([
      e3.id,
      e1.id,
    ]);
    expect((await t.request('GET', '/v1/events?object_id=pay_1', { key: m.key })).body.data.map((e: { id: string }) => e.id)).toEqual([
      e2.id,
      e1.id,
    ]);
    expect((await t.request('GET', '/v1/events?cursor=nonsense', { key: m.key })).body.code).toBe('cursor_invalid');
    const shown = await t.request('GET', `/v1/events/${e2.id}`, { key: m.key });
    expect(shown.body).toEqual({
      id: e2.id,
      object: 'event',
      type: 'payment.succeeded',
      created_at: e2.createdAt,
      data: { object: { id: 'pay_1' } },
    });

    while ((await t.dispatcher.runOnce()) > 0);
    expect(receiver.hits.every((h) => h.verified)).toBe(true);
    t.clock.advance(1_000);
    const redelivered = await t.request('POST', `/v1/events/${e1.id}/redeliver`, { key: m.key });
    expect(redelivered.status).toBe(202);
    expect(redelivered.body.data).toMatchObject([
      { object: 'webhook_delivery', event: e1.id, event_type: 'payment.created', status: 'pending', attempts: 0, attempt_log: [] },
    ]);
    while ((await t.dispatcher.runOnce()) > 0);
    const log = await t.request('GET', `/v1/webhook_endpoints/${created.body.id}/deliveries`, { key: m.key });
    expect(log.body.data).toHaveLength(4);
    expect(log.body.data[0]).toMatchObject({
      event: e1.id,
      status: 'succeeded',
      attempts: 1,
      last_status_code: 200,
      attempt_log: [{ attempt: 1, status_code: 200, error: null }],
    });
    expect(receiver.hits.map((h) => h.eventId).filter((id) => id === e1.id)).toHaveLength(2);
  });

  it("keeps one merchant out of another merchant's endpoints and events (404, not 403)", async () => {
    const t = await makeApp();
    const a = await t.makeMerchant('A');
    const b = await t.makeMerchant('B');
    const endpoint = (
      await t.request('POST', '/v1/webhook_endpoints', { key: a.key, body: { url: 'https://a.example/hooks', enabled_events: ['*'] } })
    ).body.id as string;
    const event = await t.record(a.id, 'payment.succeeded', 'pay_a');
    const cases: [string, string, string][] = [
      ['GET', `/v1/webhook_endpoints/${endpoint}`, 'webhook_endpoint_not_found'],
      ['DELETE', `/v1/webhook_endpoints/${endpoint}`, 'webhook_endpoint_not_found'],
      ['GET', `/v1/webhook_endpoints/${endpoint}/deliveries`, 'webhook_endpoint_not_found'],
      ['POST', `/v1/webhook_endpoints/${endpoint}/rotate_secret`, 'webhook_endpoint_not_found'],
      ['GET', `/v1/events/${event.id}`, 'event_not_found'],
      ['POST', `/v1/events/${event.id}/redeliver`, 'event_not_found'],
    ];
    for (const [method, url, code] of cases) {
      const res = await t.request(method, url, { key: b.key });
      expect([res.status, res.body.code], `${method} ${url}`).toEqual([404, code]);
    }
    expect((await t.request('GET', '/v1/webhook_endpoints', { key: b.key })).body.data).toEqual([]);
    expect((await t.request('GET', '/v1/events', { key: b.key })).body.data).toEqual([]);
    // A's endpoint is untouched and still answers A.
    expect((await t.request('GET', `/v1/webhook_endpoints/${endpoint}`, { key: a.key })).status).toBe(200);
    expect((await t.request('GET', `/v1/events/${event.id}`, { key: a.key })).status).toBe(200);
  });
});
