import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCardWorld, startScriptedAcquirer, testCardFor, type CardWorld, type ScriptedAcquirer } from '../sandbox/card-world/index.js';
import { parseOriginalData, responseMtiOf, type Iso8583Message } from '../src/protocols/iso8583/index.js';
import { startHttpAcquirer, type HttpAcquirer } from '../sandbox/http-acquirer/index.js';
import { createAcquirer, createConnectorRegistry } from '../src/channels/index.js';
import { useTestApp } from './support/app.js';
import { http, serverEnv, startServer, type ServerProcess } from './support/process.js';
import { describeEachStore, freshStore } from './support/stores.js';

/**
 * Card failover in production: `hutong start` configured with two acquirers (HUTONG_ACQUIRERS),
 * driven over HTTP. The first is a scripted sandbox acquirer whose behaviour each case sets (down,
 * answering 91, silent); the second is the sandbox card world. Each case checks where the money
 * went: the payment's status and attempts, what each acquirer received, and the issuer's books.
 */
type Mode = 'issuer_unavailable' | 'silent_then_reverses' | 'silent';

const amountMinor = 1_250;
const card = testCardFor('visa', 'approved');
const cardBody = { number: card.pan, exp_month: 12, exp_year: 2030, cvc: '123' };

describeEachStore('card failover between two acquirers, over HTTP', (dialect) => {
  let server: ServerProcess;
  let first: ScriptedAcquirer;
  let second: CardWorld;
  let drop: () => Promise<void> = async () => undefined;
  let key = '';
  let order = 0;
  const state: { mode: Mode } = { mode: 'issuer_unavailable' };

  /** The first acquirer: answers as the current mode says; a reversal is answered only when asked to. */
  function script(message: Iso8583Message, reply: (m: Iso8583Message) => void): void {
    const answer = (code: string) => reply({ mti: responseMtiOf(message.mti), fields: { ...message.fields, 39: code } });
    if (message.mti === '0800') return answer('00');
    if (message.mti === '0400') return state.mode === 'silent_then_reverses' ? answer('00') : undefined;
    if (state.mode === 'issuer_unavailable') answer('91');
  }

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    first = await startScriptedAcquirer(script);
    second = await startCardWorld({ port: 0 });
    const { env, operatorKey } = serverEnv(fresh.store);
    server = await startServer(
      {
        ...env,
        HUTONG_ACQUIRERS: `first=iso8583://127.0.0.1:${first.port},second=iso8583://127.0.0.1:${second.acquirerPort}`,
        HUTONG_ACQUIRER_TIMEOUT_MS: '1000',
        // A shared, loaded machine can take long to start the CLI from source.
      },
      { readyTimeoutMs: 120_000 },
    );
    const merchant = await http(server.url, 'POST', '/v1/merchants', {
      key: operatorKey,
      body: { name: 'Failover Shop', country: 'CN', settlement_currency: 'USD' },
    });
    expect(merchant.status, JSON.stringify(merchant.body)).toBe(201);
    key = merchant.body.api_key.secret_key as string;
  }, 150_000);

  afterAll(async () => {
    await server?.kill();
    await first?.close();
    await second?.close();
    await drop();
  });

  async function pay(): Promise<{ id: string; status: number; body: any; attempts: string[] }> {
    const created = await http(server.url, 'POST', '/v1/payments', {
      key,
      body: { amount: amountMinor, currency: 'USD', merchant_order_id: `fo-${dialect}-${++order}` },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const confirmed = await http(server.url, 'POST', `/v1/payments/${id}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: cardBody } },
    });
    const detail = await http(server.url, 'GET', `/v1/payments/${id}`, { key });
    const attempts = (detail.body.attempts as { channel: string; kind: string; status: string }[]).map(
      (a) => `${a.channel}:${a.kind}:${a.status}`,
    );
    return { id, status: confirmed.status, body: confirmed.body, attempts: attempts.sort() };
  }

  const postedAtSecond = () => second.cardholder(card.pan)?.postedMinor ?? 0n;
  const financialAtFirst = () => first.received.filter((m) => m.mti === '0200' || m.mti === '0100');

  it('first answers 91 (issuer unavailable): the second acquirer charges, once', async () => {
    state.mode = 'issuer_unavailable';
    const before = postedAtSecond();
    const paid = await pay();
    expect([paid.status, paid.body.status, paid.body.channel], JSON.stringify(paid.body)).toEqual([200, 'succeeded', 'second']);
    expect(paid.attempts).toEqual(['first:purchase:declined', 'second:purchase:approved']);
    expect(postedAtSecond() - before).toBe(BigInt(amountMinor));
    expect(first.received.filter((m) => m.mti === '0400')).toEqual([]);
  });

  it('first times out: it is reversed there first, then the second acquirer charges', async () => {
    state.mode = 'silent_then_reverses';
    const sentBefore = first.received.length;
    const before = postedAtSecond();
    const paid = await pay();
    expect([paid.status, paid.body.status, paid.body.channel], JSON.stringify(paid.body)).toEqual([200, 'succeeded', 'second']);
    expect(paid.attempts).toEqual(['first:purchase:reversed', 'first:reverse:approved', 'second:purchase:approved']);
    const [purchase, reversal] = first.received.slice(sentBefore);
    expect([purchase?.mti, reversal?.mti]).toEqual(['0200', '0400']);
    // The reversal names the unanswered purchase (DE 90: its MTI, STAN and transmission time).
    expect(parseOriginalData(reversal!.fields[90]!)).toMatchObject({
      mti: '0200',
      stan: purchase!.fields[11],
      transmissionDateTime: purchase!.fields[7],
    });
    expect(postedAtSecond() - before).toBe(BigInt(amountMinor));
  });

  it('first times out and its reversal goes unanswered: the second acquirer is never asked', async () => {
    state.mode = 'silent';
    const before = postedAtSecond();
    const paid = await pay();
    expect([paid.status, paid.body.code], JSON.stringify(paid.body)).toEqual([503, 'channel_unavailable']);
    expect(paid.attempts).toEqual(['first:purchase:unknown', 'first:reverse:unknown']);
    const detail = await http(server.url, 'GET', `/v1/payments/${paid.id}`, { key });
    // Possibly approved at the first acquirer: it stays processing for the recovery sweep's reversal.
    expect(detail.body.status).toBe('processing');
    expect(postedAtSecond()).toBe(before);
  });

  it('first is down (connection refused): nothing to reverse, the second acquirer charges', async () => {
    await first.close();
    const financialBefore = financialAtFirst().length;
    const before = postedAtSecond();
    const paid = await pay();
    expect([paid.status, paid.body.status, paid.body.channel], JSON.stringify(paid.body)).toEqual([200, 'succeeded', 'second']);
    expect(paid.attempts).toEqual(['first:purchase:not_sent', 'second:purchase:approved']);
    expect(financialAtFirst().length).toBe(financialBefore);
    expect(postedAtSecond() - before).toBe(BigInt(amountMinor));

    const refund = await http(server.url, 'POST', '/v1/refunds', { key, body: { payment: paid.id } });
    expect([refund.status, refund.body.status], JSON.stringify(refund.body)).toEqual([201, 'succeeded']);
    expect(postedAtSecond()).toBe(before);
  });
});

describeEachStore('a payment through the acquirer made from the template', (dialect) => {
  const sandbox: { http?: HttpAcquirer; world?: CardWorld } = {};
  const t = useTestApp(dialect, {
    channels: async () => {
      sandbox.http = await startHttpAcquirer();
      sandbox.world = await startCardWorld({ port: 0, switchInoperative: true });
      const registry = createConnectorRegistry({
        connectors: [
          createAcquirer('iso8583', { name: 'iso_down', host: '127.0.0.1', port: sandbox.world.acquirerPort, timeoutMs: 1_500 }),
          createAcquirer('http', { name: 'lite', host: '127.0.0.1', port: Number(new URL(sandbox.http.url).port), timeoutMs: 1_500 }),
        ],
      });
      return {
        route: (query) => registry.route(query),
        connector: (name) => registry.connector(name),
        async close() {
          await registry.close();
          await sandbox.http?.close();
          await sandbox.world?.close();
        },
      };
    },
  });

  it('fails over to it, captures there, and refunds there', async () => {
    const m = await t.makeMerchant();
    const created = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 700, currency: 'USD', merchant_order_id: 'lite-1', capture_method: 'manual' },
    });
    const confirmed = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: cardBody } },
    });
    expect(confirmed.body, JSON.stringify(confirmed.body)).toMatchObject({ status: 'requires_capture', channel: 'lite' });
    const captured = await t.request('POST', `/v1/payments/${created.body.id}/capture`, { key: m.key, body: {} });
    expect(captured.body, JSON.stringify(captured.body)).toMatchObject({ status: 'succeeded', amount_captured: 700 });
    const refund = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: created.body.id } });
    expect(refund.body.status, JSON.stringify(refund.body)).toBe('succeeded');
    expect(sandbox.http!.received).toEqual(['/v1/authorizations', '/v1/captures', '/v1/refunds']);
  });
});
