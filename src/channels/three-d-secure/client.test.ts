import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThreeDSecureWorld, type ThreeDSecureWorld } from '../../../sandbox/three-d-secure/index.js';
import { testCardFor } from '../../../sandbox/card-world/test-cards.js';
import { ManualClock } from '../../core/clock.js';
import { isFailure } from '../../core/failure.js';
import { amount } from '../../money/index.js';
import { createThreeDSecureClient, ThreeDSecureError, UnknownReason, type AuthenticationInput, type ThreeDSecureClient } from './index.js';

/** Hutong's 3-D Secure client against the sandbox directory server and ACS, over real HTTP. */
const secret = 'client-test-secret-0123456789';
const challengePan = testCardFor('visa', '3ds-challenge').pan; // 4111111111111335
const frictionlessPan = testCardFor('mastercard', 'approved').pan;
let world: ThreeDSecureWorld;
let client: ThreeDSecureClient;
const clock = new ManualClock(new Date());
let sequence = 0;

beforeAll(async () => {
  world = await startThreeDSecureWorld({ port: 0, secret });
  client = createThreeDSecureClient({ baseUrl: world.baseUrl, secret, clock });
});
afterAll(() => world.close());

function input(overrides: Partial<AuthenticationInput> = {}): AuthenticationInput {
  sequence += 1;
  return {
    requestorTransactionId: `pay_client_${sequence}`,
    pan: frictionlessPan,
    amount: amount(4_200n, 'GBP'),
    merchantName: 'Hutong Test Shop 胡同小店',
    notificationUrl: 'https://shop.example/3ds/return',
    ...overrides,
  };
}

function submit(challengeUrl: string, form: Record<string, string>): Promise<Response> {
  return fetch(challengeUrl, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
}

function resultOf(response: Response): string {
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe('https://shop.example/3ds/return');
  return location.searchParams.get('result')!;
}

async function challengeFor(requestorTransactionId?: string): Promise<{ acsTransactionId: string; challengeUrl: string }> {
  const outcome = await client.authenticate(input({ pan: challengePan, ...(requestorTransactionId ? { requestorTransactionId } : {}) }));
  if (outcome.status !== 'challenge') throw new Error(`expected a challenge, got ${JSON.stringify(outcome)}`);
  return outcome;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('authenticate', () => {
  it('is frictionless for a card without a challenge flag', async () => {
    const outcome = await client.authenticate(input());
    expect(outcome).toMatchObject({ status: 'frictionless', eci: '05' });
    if (outcome.status !== 'frictionless') return;
    expect(outcome.authenticationValue).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(world.transaction(outcome.acsTransactionId)).toMatchObject({ amountMinor: '4200', currency: 'GBP' });
  });

  it('asks for a challenge for Visa 4111111111111335', async () => {
    const { acsTransactionId, challengeUrl } = await challengeFor();
    expect(challengeUrl).toBe(`${world.baseUrl}/acs/challenge/${acsTransactionId}`);
    const html = await (await fetch(challengeUrl)).text();
    for (const id of ['id="otp"', 'id="submit"', 'id="cancel"']) expect(html).toContain(id);
    expect(html).toContain('GBP 42.00');
  });

  it('is unavailable, not an exception, when the directory server refuses the request (non-2xx)', async () => {
    const outcome = await client.authenticate(input({ notificationUrl: 'ftp://shop.example/' }));
    expect(outcome).toMatchObject({ status: 'unavailable', reason: UnknownReason.HttpStatus, detail: 'HTTP 400' });
  });

  it('is unavailable within timeoutMs when the directory server is unreachable (closed port)', async () => {
    const timeoutMs = 500;
    const unreachable = createThreeDSecureClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, secret, clock, timeoutMs });
    const startedMs = performance.now();
    const outcome = await unreachable.authenticate(input());
    expect(performance.now() - startedMs).toBeLessThan(timeoutMs);
    expect(outcome).toMatchObject({ status: 'unavailable', reason: UnknownReason.NotSent, detail: 'ECONNREFUSED' });
  });

  it('is unavailable after timeoutMs when the directory server never answers', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const timeoutMs = 300;
      const { port } = silent.address() as AddressInfo;
      const slow = createThreeDSecureClient({ baseUrl: `http://127.0.0.1:${port}`, secret, clock, timeoutMs });
      const startedMs = performance.now();
      const outcome = await slow.authenticate(input());
      const elapsedMs = performance.now() - startedMs;
      expect(outcome).toMatchObject({ status: 'unavailable', reason: UnknownReason.Timeout });
      expect(elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 5);
      expect(elapsedMs).toBeLessThan(timeoutMs + 1_000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('puts the card number only in the request body, never in a URL or a log line', async () => {
    const urls: string[] = [];
    const lines: string[] = [];
    const recording: typeof fetch = (url, init) => {
      urls.push(String(url));
      expect(String(init?.body)).toContain(challengePan);
      return Promise.resolve(new Response('{"status":"C"}', { status: 200 }));
    };
    const watched = createThreeDSecureClient({ baseUrl: world.baseUrl, secret, clock, fetch: recording, log: (line) => lines.push(line) });
    const outcome = await watched.authenticate(input({ pan: challengePan }));
    expect(outcome).toMatchObject({ status: 'unavailable', reason: UnknownReason.Integrity });
    expect(lines).toHaveLength(1);
    expect([...urls, ...lines].join('\n')).not.toContain(challengePan);
  });

  it.each([
    [
      'another requestor transaction',
      (id: string) => ({
        status: 'Y',
        requestorTransactionId: `${id}x`,
        acsTransactionId: 'acs_1',
        eci: '05',
        authenticationValue: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      }),
      UnknownReason.Integrity,
    ],
    [
      'a Y without a CAVV',
      (id: string) => ({ status: 'Y', requestorTransactionId: id, acsTransactionId: 'acs_1', eci: '05' }),
      UnknownReason.MalformedResponse,
    ],
    [
      'a C without a URL',
      (id: string) => ({ status: 'C', requestorTransactionId: id, acsTransactionId: 'acs_1', challengeUrl: 'javascript:x' }),
      UnknownReason.MalformedResponse,
    ],
    ['an N', (id: string) => ({ status: 'N', requestorTransactionId: id, acsTransactionId: 'acs_1' }), UnknownReason.NotEnrolled],
    ['a huge answer', () => 'x'.repeat(100_000), UnknownReason.MalformedResponse],
    ['not JSON', () => 'oops', UnknownReason.MalformedResponse],
  ])('is unavailable for %s', async (_name, answer, reason) => {
    const fake: typeof fetch = (_url, init) => {
      const { requestorTransactionId } = JSON.parse(String(init?.body)) as { requestorTransactionId: string };
      const body = answer(requestorTransactionId);
      return Promise.resolve(new Response(typeof body === 'string' ? body : JSON.stringify(body), { status: 200 }));
    };
    const faked = createThreeDSecureClient({ baseUrl: 'http://ds.invalid', secret, clock, fetch: fake });
    expect(await faked.authenticate(input())).toMatchObject({ status: 'unavailable', reason });
  });
});

describe('challenge results', () => {
  it('accepts the result of the right code: authenticated, with a CAVV', async () => {
    const requestorTransactionId = `pay_ok_${sequence}`;
    const { acsTransactionId, challengeUrl } = await challengeFor(requestorTransactionId);
    const result = client.verifyResult(resultOf(await submit(challengeUrl, { otp: '123456' })));
    if (isFailure(result)) throw new Error(result.detail);
    expect(result).toMatchObject({ acsTransactionId, requestorTransactionId, authenticated: true, eci: '05' });
    expect(result.authenticationValue).toBe(world.transaction(acsTransactionId)?.authenticationValue);
  });

  it('reads three wrong codes, and a cancel, as not authenticated', async () => {
    const wrong = await challengeFor();
    for (let i = 0; i < 2; i++) expect((await submit(wrong.challengeUrl, { otp: '999999' })).status).toBe(422);
    expect(client.verifyResult(resultOf(await submit(wrong.challengeUrl, { otp: '999999' })))).toMatchObject({
      authenticated: false,
      eci: '07',
    });
    const canceled = await challengeFor();
    const result = client.verifyResult(resultOf(await submit(canceled.challengeUrl, { cancel: '1' })));
    expect(result).toMatchObject({ acsTransactionId: canceled.acsTransactionId, authenticated: false });
    expect(result).not.toHaveProperty('authenticationValue');
  });

  it('answers a second submission after completion with 409 (the result is issued once)', async () => {
    const { challengeUrl } = await challengeFor();
    resultOf(await submit(challengeUrl, { otp: '123456' }));
    expect((await submit(challengeUrl, { otp: '123456' })).status).toBe(409);
    expect((await submit(challengeUrl, { cancel: '1' })).status).toBe(409);
  });

  it('refuses a tampered token, another secret, malformed tokens and old or future results', async () => {
    const { challengeUrl } = await challengeFor();
    const token = resultOf(await submit(challengeUrl, { otp: '123456' }));
    const [encoded, mac] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...payload, requestorTransactionId: 'pay_other' })).toString('base64url');
    const sign = (text: string, key: string): string => `${text}.${createHmac('sha256', key).update(text).digest('base64url')}`;
    const invalid = [
      `${forged}.${mac}`,
      sign(forged, 'another-secret-0123456789'),
      `${encoded}.${mac.slice(0, -1)}`,
      `${encoded}.${mac}.x`,
      `${encoded}.${mac}=`,
      '',
      'not-a-token',
      sign(Buffer.from('not json').toString('base64url'), secret),
      sign(Buffer.from(JSON.stringify({ ...payload, status: 'C' })).toString('base64url'), secret),
      sign(Buffer.from(JSON.stringify({ ...payload, authenticationValue: undefined })).toString('base64url'), secret),
      sign(Buffer.from(JSON.stringify({ ...payload, issuedAt: 'yesterday' })).toString('base64url'), secret),
      'a'.repeat(5_000),
    ];
    for (const candidate of invalid) {
      expect(client.verifyResult(candidate), candidate).toMatchObject({ failure: ThreeDSecureError.ResultInvalid });
    }
    const other = createThreeDSecureClient({ baseUrl: world.baseUrl, secret: 'another-secret-0123456789', clock });
    expect(other.verifyResult(token)).toMatchObject({ failure: ThreeDSecureError.ResultInvalid });
    expect(client.verifyResult(token)).toMatchObject({ authenticated: true });

    const later = new ManualClock(clock.now());
    const strict = createThreeDSecureClient({ baseUrl: world.baseUrl, secret, clock: later, resultTtlMs: 60_000 });
    expect(strict.verifyResult(token)).toMatchObject({ authenticated: true });
    later.advance(60_000 + 5_000);
    expect(strict.verifyResult(token)).toMatchObject({ failure: ThreeDSecureError.ResultInvalid });
    later.set(new Date(Date.now() - 5 * 60_000));
    expect(strict.verifyResult(token)).toMatchObject({
      failure: ThreeDSecureError.ResultInvalid,
      detail: 'the result is dated in the future',
    });
  });
});
