import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError } from '@hutong/sdk';
import { webhookBody, webhookHeaders } from '../../src/events/signing.js';

/** The SDK's check against what Hutong's sender (src/events/signing.ts, Standard Webhooks) produces. */
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const now = new Date('2026-12-03T10:00:00Z');

function delivery(data: object, at = now, signingSecret = secret) {
  const body = webhookBody({ eventId: 'evt_01abc', type: 'payment.succeeded', createdAt: at.toISOString(), data: JSON.stringify(data) });
  return { body, headers: webhookHeaders(signingSecret, 'evt_01abc', at, body) };
}

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
}

describe('verifyWebhook', () => {
  it('accepts what Hutong signs (string, bytes, Fetch Headers) and returns the event', () => {
    const { body, headers } = delivery({ id: 'pay_1', amount: 12_800 });
    const event = verifyWebhook<{ id: string; amount: number }>(secret, body, headers, { now });
    expect(event).toMatchObject({ id: 'evt_01abc', type: 'payment.succeeded', data: { object: { id: 'pay_1', amount: 12_800 } } });
    expect(verifyWebhook(secret, new TextEncoder().encode(body), new Headers(headers), { now }).id).toBe('evt_01abc');
    // While a secret is rotated the header carries two signatures; either may match.
    const rotated = { ...headers, 'webhook-signature': `v1,${randomBytes(32).toString('base64')} ${headers['webhook-signature']}` };
    expect(verifyWebhook(secret, body, rotated, { now }).id).toBe('evt_01abc');
  });

  it('refuses a tampered body, another secret, another id, a missing header, a stale or future timestamp', () => {
    const { body, headers } = delivery({ id: 'pay_1', amount: 12_800 });
    expect(reasonOf(() => verifyWebhook(secret, body.replace('12800', '12900'), headers, { now }))).toBe('signature_mismatch');
    expect(reasonOf(() => verifyWebhook(`whsec_${randomBytes(32).toString('base64')}`, body, headers, { now }))).toBe('signature_mismatch');
    expect(reasonOf(() => verifyWebhook(secret, body, { ...headers, 'webhook-id': 'evt_other' }, { now }))).toBe('signature_mismatch');
    expect(reasonOf(() => verifyWebhook(secret, body, { ...headers, 'webhook-signature': 'v2,abc' }, { now }))).toBe('signature_mismatch');
    expect(reasonOf(() => verifyWebhook(secret, body, { ...headers, 'webhook-signature': undefined }, { now }))).toBe('missing_headers');
    expect(reasonOf(() => verifyWebhook(secret, body, { ...headers, 'webhook-timestamp': '1e9' }, { now }))).toBe('timestamp_invalid');
    const later = new Date(now.getTime() + 301_000);
    expect(reasonOf(() => verifyWebhook(secret, body, headers, { now: later }))).toBe('timestamp_too_old');
    expect(reasonOf(() => verifyWebhook(secret, body, headers, { now: later, toleranceSeconds: 600 }))).toBeUndefined();
    expect(reasonOf(() => verifyWebhook(secret, body, headers, { now: new Date(now.getTime() - 301_000) }))).toBe('timestamp_in_future');
    // A replayed delivery with a fresh timestamp but the old signature does not pass either.
    const fresh = String(Math.floor(now.getTime() / 1000) + 10);
    expect(reasonOf(() => verifyWebhook(secret, body, { ...headers, 'webhook-timestamp': fresh }, { now }))).toBe('signature_mismatch');
  });

  it('property: every signed delivery verifies, and changing any one byte of its body makes it fail', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (data, at, flip) => {
          const { body, headers } = delivery(data);
          expect(verifyWebhook(secret, body, headers, { now }).data.object).toEqual(data);
          const bytes = Buffer.from(body, 'utf8');
          const i = at % bytes.length;
          bytes[i] = (bytes[i] as number) ^ flip;
          expect(reasonOf(() => verifyWebhook(secret, bytes, headers, { now }))).toBe('signature_mismatch');
        },
      ),
      { numRuns: 200 },
    );
  });
});
