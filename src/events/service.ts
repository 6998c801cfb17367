import type { Clock } from '../core/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import type { Store } from '../store/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/index.js';
import type { Cipher } from '../vault/index.js';
import { createEndpoints } from './endpoints.js';
import type { DestinationPolicy } from './destinations.js';
import { EventError } from './errors.js';
import {
  eventsDb,
  subscribes,
  toAttempt,
  toDelivery,
  toEvent,
  type HutongEvent,
  type WebhookAttempt,
  type WebhookDelivery,
} from './model.js';
import { createOutbox, newDeliveryRow } from './outbox.js';

export interface EventQuery extends PageRequest {
  readonly type?: string;
  readonly objectId?: string;
}

/** One delivery with what the log shows of it: its event's type and every attempt. */
export interface DeliveryRecord {
  readonly delivery: WebhookDelivery;
  readonly eventType: string;
  readonly attemptLog: readonly WebhookAttempt[];
}

type EventFailure = Failure<EventError>;

/**
 * The events module as the rest of Hutong sees it: the outbox (`recordEvent`), merchants'
 * endpoints, the event list, the delivery log and manual redelivery. Sending is the dispatcher's
 * job (dispatcher.ts), which runs beside this.
 */
export function createEvents(deps: { store: Store; cipher: Cipher; clock: Clock; destinations?: DestinationPolicy }) {
  const { store, clock } = deps;
  const db = eventsDb(store.db);
  const reader = eventsDb(store.reader);
  const outbox = createOutbox({ clock, exec: store.exec, dialect: store.dialect });
  const endpoints = createEndpoints(deps);

  async function getEvent(merchantId: string, id: string): Promise<HutongEvent | EventFailure> {
    const row = await reader.selectFrom('events').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    return row === undefined ? fail(EventError.EventNotFound, `no event ${id}`) : toEvent(row);
  }

  async function listEvents(merchantId: string, request: EventQuery): Promise<Page<HutongEvent> | EventFailure> {
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && after === undefined) return fail(EventError.CursorInvalid, 'the cursor was not issued by this API');
    const limit = pageLimit(request);
    let query = reader.selectFrom('events').selectAll().where('merchant_id', '=', merchantId);
    if (request.type !== undefined) query = query.where('type', '=', request.type);
    if (request.objectId !== undefined) query = query.where('object_id', '=', request.objectId);
    return toPage(await pageQuery(query, after, limit).execute(), limit, toEvent);
  }

  /** The delivery log of one endpoint, newest first, each delivery with all its attempts. */
  async function listDeliveries(
    merchantId: string,
    endpointId: string,
    request: PageRequest,
  ): Promise<Page<DeliveryRecord> | EventFailure> {
    const endpoint = await endpoints.getEndpoint(merchantId, endpointId);
    if (isFailure(endpoint)) return endpoint;
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && after === undefined) return fail(EventError.CursorInvalid, 'the cursor was not issued by this API');
    const limit = pageLimit(request);
    const rows = await pageQuery(
      reader.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpoint.id),
      after,
      limit,
    ).execute();
    return withLog(toPage(rows, limit, toDelivery));
  }

  async function withLog(page: Page<WebhookDelivery>): Promise<Page<DeliveryRecord>> {
    if (page.data.length === 0) return { ...page, data: [] };
    const eventIds = [...new Set(page.data.map((d) => d.eventId))];
    const types = await reader.selectFrom('events').select(['id', 'type']).where('id', 'in', eventIds).execute();
    const attempts = await reader
      .selectFrom('webhook_attempts')
      .selectAll()
      .where(
        'delivery_id',
        'in',
        page.data.map((d) => d.id),
      )
      .orderBy('delivery_id')
      .orderBy('attempt')
      .execute();
    const typeOf = new Map(types.map((t) => [t.id, t.type]));
    return {
      ...page,
      data: page.data.map((delivery) => ({
        delivery,
        eventType: typeOf.get(delivery.eventId) ?? '',
        attemptLog: attempts.filter((a) => a.delivery_id === delivery.id).map(toAttempt),
      })),
    };
  }

  /**
   * Manual redelivery: a new pending delivery, with a fresh attempt budget, to each of the
   * merchant's endpoints that is enabled and subscribed to the event's type *now* (an endpoint
   * added since the event gets it too; a deleted one does not). Earlier deliveries are left as
   * they were, so the log stays history. An endpoint that already has a pending delivery of this
   * event keeps that one (a unique index allows one at a time), so repeated clicks do not pile up.
   * The receiver sees the same `webhook-id` as before and can drop a duplicate.
   */
  async function redeliver(merchantId: string, eventId: string): Promise<DeliveryRecord[] | EventFailure> {
    const event = await db
      .selectFrom('events')
      .selectAll()
      .where('id', '=', eventId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (event === undefined) return fail(EventError.EventNotFound, `no event ${eventId}`);
    const now = clock.now();
    const current = await db
      .selectFrom('webhook_endpoints')
      .select(['id', 'enabled_events'])
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'enabled')
      .execute();
    const targets = current.filter((e) => subscribes(JSON.parse(e.enabled_events) as string[], event.type)).map((e) => e.id);
    if (targets.length === 0) return [];
    await db
      .insertInto('webhook_deliveries')
      .values(targets.map((endpointId) => newDeliveryRow(event, endpointId, now)))
      .onConflict((oc) => oc.doNothing())
      .execute();
    const pending = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('endpoint_id', 'in', targets)
      .where('status', '=', 'pending')
      .orderBy('id')
      .execute();
    return (await withLog({ data: pending.map(toDelivery), hasMore: false, nextCursor: null })).data;
  }

  return { ...outbox, ...endpoints, getEvent, listEvents, listDeliveries, redeliver };
}

export type Events = ReturnType<typeof createEvents>;
