import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.js';

/** The events module's tables live in src/store/schema.ts with the others. */
export type { EventsTable, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from '../store/index.js';
import type { EventsTable, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from '../store/index.js';

export interface EventsTables {
  events: EventsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

export type EventsDb = Database & EventsTables;

export function eventsDb(db: Kysely<Database>): Kysely<EventsDb> {
  return db as unknown as Kysely<EventsDb>;
}

export function eventsTrx(trx: Transaction<Database>): Transaction<EventsDb> {
  return trx as unknown as Transaction<EventsDb>;
}

export type EndpointStatus = 'enabled' | 'disabled';
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** Something that happened to an object, kept in the outbox and sent to subscribed endpoints. */
export interface HutongEvent {
  readonly id: string;
  readonly merchantId: string;
  readonly type: string;
  readonly objectType: string;
  readonly objectId: string;
  readonly sequence: number;
  readonly data: unknown;
  readonly createdAt: string;
}

export interface WebhookEndpoint {
  readonly id: string;
  readonly merchantId: string;
  readonly url: string;
  readonly description: string | null;
  readonly enabledEvents: readonly string[];
  readonly status: EndpointStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface WebhookAttempt {
  readonly attempt: number;
  readonly at: string;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly eventId: string;
  readonly endpointId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const anyEventType = '*';

export function toEvent(row: EventsTable): HutongEvent {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    type: row.type,
    objectType: row.object_type,
    objectId: row.object_id,
    sequence: Number(row.sequence),
    data: JSON.parse(row.data) as unknown,
    createdAt: row.created_at,
  };
}

export function toEndpoint(row: WebhookEndpointsTable): WebhookEndpoint {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    url: row.url,
    description: row.description,
    enabledEvents: JSON.parse(row.enabled_events) as string[],
    status: row.status as EndpointStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toDelivery(row: WebhookDeliveriesTable): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toAttempt(row: WebhookAttemptsTable): WebhookAttempt {
  return {
    attempt: Number(row.attempt),
    at: row.at,
    statusCode: row.status_code === null ? null : Number(row.status_code),
    error: row.error,
    durationMs: Number(row.duration_ms),
  };
}

/** Whether an endpoint subscribed to `["*"]` or to this type receives an event of `type`. */
export function subscribes(enabledEvents: readonly string[], type: string): boolean {
  return enabledEvents.includes(anyEventType) || enabledEvents.includes(type);
}
