import { Webhook } from 'standardwebhooks';

/**
 * The body and headers of one webhook request, per Standard Webhooks
 * (https://www.standardwebhooks.com/): `webhook-id` is the event id, the same on every retry and
 * redelivery so receivers can drop duplicates; `webhook-timestamp` is in seconds; the signature
 * is HMAC-SHA256 over `id.timestamp.body` with the endpoint's secret.
 */
export interface WebhookMessage {
  readonly eventId: string;
  readonly type: string;
  readonly createdAt: string;
  /** The event's snapshot as stored: JSON text. */
  readonly data: string;
}

export function webhookBody(message: WebhookMessage): string {
  return JSON.stringify({
    id: message.eventId,
    type: message.type,
    created_at: message.createdAt,
    data: { object: JSON.parse(message.data) as unknown },
  });
}

export function webhookHeaders(secret: string, eventId: string, at: Date, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Hutong-Webhooks/1',
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(eventId, at, body),
  };
}
