import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { backoffBaseMs, backoffMaxMs, retryDelayBoundMs, retryDelayMs, webhookAttemptsMaxBound } from './backoff.js';
import { checkEnabledEvents, checkWebhookUrl } from './endpoints.js';
import { EventError } from './errors.js';
import { subscribes } from './model.js';
import { newWebhookSecret } from './secrets.js';
import { webhookBody, webhookHeaders } from './signing.js';

describe('webhook backoff', () => {
  it('doubles from one second, with at most a fifth of jitter, never past the bound', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, () => 0))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelayBoundMs(1)).toBe(1_200);
    for (let n = 1; n <= webhookAttemptsMaxBound; n++) {
      const delayMs = retryDelayMs(n);
      expect(delayMs).toBeGreaterThanOrEqual(Math.min(backoffBaseMs * 2 ** (n - 1), backoffMaxMs));
      expect(delayMs).toBeLessThanOrEqual(backoffMaxMs);
    }
    expect(() => retryDelayMs(0)).toThrow();
    expect(() => retryDelayMs(webhookAttemptsMaxBound + 1)).toThrow();
  });
});

describe('webhook signing', () => {
  it('signs what the standardwebhooks verifier accepts, on the exact bytes sent', () => {
    const secret = newWebhookSecret();
    const body = webhookBody({
      eventId: 'evt_1',
      type: 'payment.succeeded',
      createdAt: '2026-01-01T00:00:00.000Z',
      data: '{"id":"pay_1","amount":1999}',
    });
    expect(JSON.parse(body)).toEqual({
      id: 'evt_1',
      type: 'payment.succeeded',
      created_at: '2026-01-01T00:00:00.000Z',
      data: { object: { id: 'pay_1', amount: 1999 } },
    });
    const headers = webhookHeaders(secret, 'evt_1', new Date(), body);
    expect(headers['webhook-id']).toBe('evt_1');
    expect(new Webhook(secret).verify(Buffer.from(body), headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('1999', '1998'), headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });
});

describe('endpoint checks', () => {
  it('takes http(s) URLs without credentials, and dotted event types or *', () => {
    expect(checkWebhookUrl('https://shop.example/hooks?x=1')).toBeUndefined();
    expect(checkWebhookUrl('http://127.0.0.1:8080/')).toBeUndefined();
    for (const bad of ['ftp://shop.example/', 'file:///etc/passwd', 'shop.example/hooks', '', 'https://a:b@shop.example/']) {
      expect(checkWebhookUrl(bad)?.failure, bad).toBe(EventError.WebhookUrlInvalid);
    }
    expect(checkEnabledEvents(['*'])).toBeUndefined();
    expect(checkEnabledEvents(['payment.succeeded', 'refund.failed'])).toBeUndefined();
    for (const bad of [[], ['payment'], ['Payment.Succeeded'], ['payment.*'], ['payment succeeded']]) {
      expect(checkEnabledEvents(bad)?.failure, JSON.stringify(bad)).toBe(EventError.WebhookEventsInvalid);
    }
    expect(subscribes(['*'], 'payment.succeeded')).toBe(true);
    expect(subscribes(['refund.succeeded'], 'payment.succeeded')).toBe(false);
  });
});
