import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { testCardFor, testCards } from '../card-world/test-cards.js';
import { otpAttemptsMax, startThreeDSecureWorld, type ThreeDSecureWorld } from './index.js';

/** The sandbox directory server and ACS over real HTTP, without Hutong's client. */
const secret = 'world-test-secret-0123456789';
const notificationUrl = 'http://merchant.example/3ds/return?payment=pay_1';
const challengeCard = testCardFor('visa', '3ds-challenge');
const frictionlessCard = testCardFor('visa', 'approved');
let world: ThreeDSecureWorld;
const clock = new ManualClock(new Date());
let sequence = 0;

beforeAll(async () => {
  world = await startThreeDSecureWorld({ port: 0, secret, clock });
});
afterAll(() => world.close());

function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    requestorTransactionId: `rtx_world_${sequence}`,
    pan: frictionlessCard.pan,
    amountMinor: '1234',
    currency: 'USD',
    merchantName: 'Lanterns <& Co>',
    notificationUrl,
    ...overrides,
  };
}

async function post(body: unknown, contentType = 'application/json'): Promise<{ status: number; json: any }> {
  const response = await fetch(`${world.baseUrl}/ds/authenticate`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function challenge(): Promise<{ acsTransactionId: string; challengeUrl: string }> {
  const { status, json } = await post(request({ pan: challengeCard.pan }));
  expect(status).toBe(200);
  expect(json.status).toBe('C');
  return json;
}

function submit(challengeUrl: string, form: Record<string, string>): Promise<Response> {
  return fetch(challengeUrl, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
}

function payloadOf(response: Response): any {
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe('http://merchant.example/3ds/return');
  expect(location.searchParams.get('payment')).toBe('pay_1');
  const [encoded, mac] = location.searchParams.get('result')!.split('.');
  expect(createHmac('sha256', secret).update(encoded!).digest('base64url')).toBe(mac);
  return JSON.parse(Buffer.from(encoded!, 'base64url').toString('utf8'));
}

describe('directory server', () => {
  it('authenticates a card without a challenge flag frictionlessly (Y, ECI 05, a 20-byte CAVV)', async () => {
    const { status, json } = await post(request());
    expect(status).toBe(200);
    expect(json).toMatchObject({ status: 'Y', eci: '05' });
    expect(Buffer.from(json.authenticationValue, 'base64')).toHaveLength(20);
    expect(world.transaction(json.acsTransactionId)).toMatchObject({ status: 'Y', flow: 'frictionless', panLast4: '1004' });
    expect(JSON.stringify(world.transaction(json.acsTransactionId))).not.toContain(frictionlessCard.pan);
  });

  it('challenges every card the test-card table flags, and only those', async () => {
    const flagged = testCards.filter((card) => card.threeDSecure === 'challenge');
    expect(flagged.map((card) => card.brand).sort()).toEqual(['american-express', 'jcb', 'mastercard', 'unionpay', 'visa']);
    for (const card of testCards) {
      const { json } = await post(request({ pan: card.pan }));
      expect(json.status, card.pan).toBe(card.threeDSecure === 'challenge' ? 'C' : 'Y');
      if (json.status === 'C') expect(json.challengeUrl).toBe(`${world.baseUrl}/acs/challenge/${json.acsTransactionId}`);
    }
  });

  it('answers a repeated request the same way and refuses the same id with other content (409)', async () => {
    const first = request();
    const again = await post(first);
    expect(await post(first)).toEqual(again);
    expect((await post({ ...first, amountMinor: '1' })).status).toBe(409);
  });

  it.each([
    ['a missing field', { pan: undefined }],
    ['a card number with letters', { pan: '4111x11111111004' }],
    ['an amount as a number', { amountMinor: 1234 }],
    ['an amount of 16 digits', { amountMinor: '1234567890123456' }],
    ['a leading zero', { amountMinor: '01' }],
    ['an unknown currency', { currency: 'ZZZ' }],
    ['an empty merchant name', { merchantName: ' ' }],
    ['a control character', { merchantName: 'a\nb' }],
    ['a javascript: URL', { notificationUrl: 'javascript:alert(1)' }],
    ['a bad requestor id', { requestorTransactionId: 'has space' }],
  ])('refuses %s with 400', async (_name, overrides) => {
    const { status, json } = await post(request(overrides));
    expect(status).toBe(400);
    expect(json.error).toBe('invalid_request');
  });

  it('refuses bodies that are not JSON objects, other media types, large bodies and other methods', async () => {
    expect((await post('{')).status).toBe(400);
    expect((await post('[]')).status).toBe(400);
    expect((await post(request(), 'text/plain')).status).toBe(415);
    expect((await post(request({ merchantName: 'x'.repeat(20_000) }))).status).toBe(413);
    expect((await fetch(`${world.baseUrl}/ds/authenticate`)).status).toBe(405);
    expect((await fetch(`${world.baseUrl}/nowhere`)).status).toBe(404);
  });
});

describe('ACS challenge', () => {
  it('shows a self-contained, bilingual page with the merchant, the amount and the form ids', async () => {
    const { challengeUrl } = await challenge();
    const response = await fetch(challengeUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    for (const id of ['id="otp"', 'id="submit"', 'id="cancel"', 'name="otp"', 'name="cancel" value="1"', '<form method="post">']) {
      expect(html).toContain(id);
    }
    expect(html).toContain('Lanterns &#60;&#38; Co&#62;');
    expect(html).toContain('USD 12.34');
    expect(html).toContain('•••• 1335');
    expect(html).toContain('lang="zh-CN"');
    expect(html).not.toMatch(/<script|src=|href=/);
  });

  it('authenticates with the right code (Y) and then sends the browser to the notification URL', async () => {
    const { acsTransactionId, challengeUrl } = await challenge();
    const payload = payloadOf(await submit(challengeUrl, { otp: '123456' }));
    expect(payload).toMatchObject({ acsTransactionId, status: 'Y', eci: '05' });
    expect(payload.requestorTransactionId).toMatch(/^rtx_world_/);
    expect(Buffer.from(payload.authenticationValue, 'base64')).toHaveLength(20);
    expect(new Date(payload.issuedAt).toISOString()).toBe(payload.issuedAt);
    expect(world.transaction(acsTransactionId)).toMatchObject({ status: 'Y', authenticationValue: payload.authenticationValue });
  });

  it('issues a result once: a later submission or display is 409', async () => {
    const { challengeUrl } = await challenge();
    payloadOf(await submit(challengeUrl, { otp: '123456' }));
    const again = await submit(challengeUrl, { otp: '123456' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('id="completed"');
    expect((await fetch(challengeUrl)).status).toBe(409);
  });

  it(`shows the form again after a wrong code and fails after ${otpAttemptsMax} (N)`, async () => {
    const { acsTransactionId, challengeUrl } = await challenge();
    const first = await submit(challengeUrl, { otp: '000000' });
    expect(first.status).toBe(422);
    const html = await first.text();
    expect(html).toContain('id="error"');
    expect(html).toContain('2 tries left');
    expect(html).toContain('id="otp"');
    expect((await submit(challengeUrl, { otp: '' })).status).toBe(422);
    const payload = payloadOf(await submit(challengeUrl, { otp: '654321' }));
    expect(payload).toMatchObject({ acsTransactionId, status: 'N', eci: '07' });
    expect(payload.authenticationValue).toBeUndefined();
    expect(world.transaction(acsTransactionId)).toMatchObject({ status: 'N', otpAttemptsFailed: 3 });
  });

  it('fails on cancel (N), whatever code is typed', async () => {
    const { challengeUrl } = await challenge();
    expect(payloadOf(await submit(challengeUrl, { otp: '123456', cancel: '1' }))).toMatchObject({ status: 'N' });
  });

  it('fails a challenge answered after 10 minutes (N)', async () => {
    const { challengeUrl } = await challenge();
    clock.advance(10 * 60_000 + 1);
    expect(payloadOf(await submit(challengeUrl, { otp: '123456' }))).toMatchObject({ status: 'N' });
  });

  it('answers 404 for unknown and frictionless transactions, 415 for other encodings', async () => {
    expect((await fetch(`${world.baseUrl}/acs/challenge/acs_unknown`)).status).toBe(404);
    const { json } = await post(request());
    expect((await fetch(`${world.baseUrl}/acs/challenge/${json.acsTransactionId}`)).status).toBe(404);
    const { challengeUrl } = await challenge();
    const response = await fetch(challengeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"otp":"123456"}',
    });
    expect(response.status).toBe(415);
  });
});

describe('bounds', () => {
  it('forgets the oldest transaction past transactionsMax', async () => {
    const small = await startThreeDSecureWorld({ secret, transactionsMax: 2 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${small.baseUrl}/ds/authenticate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request({ pan: challengeCard.pan })),
        });
        ids.push(((await response.json()) as { acsTransactionId: string }).acsTransactionId);
      }
      expect(small.transaction(ids[0]!)).toBeUndefined();
      expect(small.transaction(ids[2]!)).toBeDefined();
      expect((await fetch(`${small.baseUrl}/acs/challenge/${ids[0]}`)).status).toBe(404);
    } finally {
      await small.close();
    }
  });
});
