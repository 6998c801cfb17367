import { Type } from '@sinclair/typebox';
import type { DeliveryRecord } from './service.js';
import type { HutongEvent, WebhookEndpoint } from './model.js';

/**
 * The API's JSON shapes for events, endpoints and deliveries (snake_case), with their schemas. They
 * live beside the module rather than in api/presenters.ts so the module can be reviewed whole.
 */
const Timestamp = Type.String({ description: 'ISO 8601, UTC' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const EventView = Type.Object({
  id: Type.String(),
  object: Type.Literal('event'),
  type: Type.String({ examples: ['payment.succeeded'] }),
  created_at: Timestamp,
  data: Type.Object({ object: Type.Unknown({ description: 'The object as the API showed it when the event happened' }) }),
});

export function eventView(e: HutongEvent) {
  return { id: e.id, object: 'event' as const, type: e.type, created_at: e.createdAt, data: { object: e.data } };
}

export const WebhookEndpointView = Type.Object({
  id: Type.String(),
  object: Type.Literal('webhook_endpoint'),
  url: Type.String(),
  enabled_events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  status: Type.String(),
  secret: Nullable(Type.String({ description: 'The whsec_… signing secret: shown once, when it is made; null afterwards' })),
  created_at: Timestamp,
});

export function webhookEndpointView(e: WebhookEndpoint, secret: string | null) {
  return {
    id: e.id,
    object: 'webhook_endpoint' as const,
    url: e.url,
    enabled_events: [...e.enabledEvents],
    description: e.description,
    status: e.status,
    secret,
    created_at: e.createdAt,
  };
}

export const DeletedView = Type.Object({ id: Type.String(), object: Type.Literal('webhook_endpoint'), deleted: Type.Literal(true) });

export const WebhookAttemptView = Type.Object({
  attempt: Type.Integer(),
  at: Timestamp,
  status_code: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  duration_ms: Type.Integer(),
});

export const WebhookDeliveryView = Type.Object({
  id: Type.String(),
  object: Type.Literal('webhook_delivery'),
  event: Type.String(),
  event_type: Type.String(),
  endpoint: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  next_attempt_at: Nullable(Timestamp),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  attempt_log: Type.Array(WebhookAttemptView),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function webhookDeliveryView(r: DeliveryRecord) {
  const d = r.delivery;
  return {
    id: d.id,
    object: 'webhook_delivery' as const,
    event: d.eventId,
    event_type: r.eventType,
    endpoint: d.endpointId,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    attempt_log: r.attemptLog.map((a) => ({
      attempt: a.attempt,
      at: a.at,
      status_code: a.statusCode,
      error: a.error,
      duration_ms: a.durationMs,
    })),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}
