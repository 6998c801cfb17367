import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { isForbiddenAddress, strictDestinations } from '../src/events/index.js';
import { postGuarded } from '../src/events/delivery-http.js';
import { useTestApp } from './support/app.js';
import { describeEachStore } from './support/stores.js';

/** Issue 12, "Security": webhook endpoint URLs never reach internal addresses. */
describe('forbidden webhook addresses', () => {
  it('private, loopback, link-local, metadata, mapped and NAT64 forms are forbidden; public ones are not', () => {
    for (const address of [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.1',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '64:ff9b::a9fe:a9fe',
      'ff02::1',
    ])
      expect(isForbiddenAddress(address), address).toBe(true);
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect(isForbiddenAddress(address), address).toBe(false);
  });
});

describeEachStore('webhook endpoints and internal addresses', (dialect) => {
  // The operator allow-list is empty here, as in production.
  const t = useTestApp(dialect, { config: { webhooks: { allowedHosts: [] } } });
  let receiver: Server;
  let hits = 0;
  let port = 0;
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('refuses internal targets at registration, in every spelling', async () => {
    const m = await t.makeMerchant();
    for (const url of [
      `http://127.0.0.1:${port}/hooks`,
      'http://127.0.0.1:5432/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/',
      'http://[::ffff:127.0.0.1]/',
      'http://10.1.2.3/',
      'http://192.168.0.10/',
      'http://2130706433/',
      'http://0x7f000001/',
      'http://0177.0.0.1/',
      'http://127.1/',
      'http://localhost:4000/',
      'http://api.localhost/',
      'http://metadata.google.internal/',
    ]) {
      const res = await t.request('POST', '/v1/webhook_endpoints', { key: m.key, body: { url, enabled_events: ['*'] } });
      expect([res.status, res.body.code], url).toEqual([400, 'webhook_url_invalid']);
    }
    const list = await t.request('GET', '/v1/webhook_endpoints', { key: m.key });
    expect(list.body.data).toEqual([]);
    const ok = await t.request('POST', '/v1/webhook_endpoints', {
      key: m.key,
      body: { url: 'https://shop.example/hooks', enabled_events: ['*'] },
    });
    expect(ok.status).toBe(201);
  });

  it('refuses at delivery too: an endpoint whose address turned private is never connected to', async () => {
    const m = await t.makeMerchant();
    // Registered while its name pointed elsewhere (written directly: the API refuses it now).
    const endpoint = await t.request('POST', '/v1/webhook_endpoints', {
      key: m.key,
      body: { url: 'https://hooks.shop.example/x', enabled_events: ['*'] },
    });
    expect(endpoint.status).toBe(201);
    await t.hutong.services.store.db
      .updateTable('webhook_endpoints')
      .set({ url: `http://localhost:${port}/hooks` })
      .where('id', '=', endpoint.body.id)
      .execute();
    const { writer, events } = t.hutong.services;
    await writer.run((trx) =>
      events.recordEvent(trx, {
        merchantId: m.id,
        type: 'payment.succeeded',
        objectType: 'payment',
        objectId: 'pay_x',
        data: { id: 'pay_x' },
      }),
    );
    expect(await t.hutong.dispatcher.runOnce()).toBeGreaterThan(0);
    expect(hits).toBe(0);
    const deliveries = await t.request('GET', `/v1/webhook_endpoints/${endpoint.body.id}/deliveries`, { key: m.key });
    const attempts = JSON.stringify(deliveries.body);
    expect(attempts).toContain('destination refused');
  });
});

describe('the connection-time check (DNS rebinding)', () => {
  it('a name that resolves to loopback when the connection is made is refused before connecting', async () => {
    let hits = 0;
    const receiver = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '0.0.0.0', resolve));
    const port = (receiver.address() as { port: number }).port;
    try {
      // This machine's own name resolves (via /etc/hosts or DNS) to one of its addresses.
      const url = `http://${hostname()}:${port}/hooks`;
      await expect(postGuarded(url, {}, '{}', 2_000, strictDestinations)).rejects.toThrow(/destination refused/);
      expect(hits).toBe(0);
      // Allow-listed, the same request goes through.
      expect(await postGuarded(url, {}, '{}', 2_000, { allowedHosts: [hostname().toLowerCase()] })).toEqual({ status: 200 });
      expect(hits).toBe(1);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});

describeEachStore('webhook endpoints on an allow-listed sandbox receiver', (dialect) => {
  const t = useTestApp(dialect, { config: { webhooks: { allowedHosts: ['127.0.0.1'] } } });
  it('the operator allow-list lets a loopback sandbox receiver register', async () => {
    const m = await t.makeMerchant();
    const res = await t.request('POST', '/v1/webhook_endpoints', {
      key: m.key,
      body: { url: 'http://127.0.0.1:9/hooks', enabled_events: ['*'] },
    });
    expect(res.status).toBe(201);
    const other = await t.request('POST', '/v1/webhook_endpoints', {
      key: m.key,
      body: { url: 'http://10.0.0.1/', enabled_events: ['*'] },
    });
    expect(other.status).toBe(400);
  });
});
