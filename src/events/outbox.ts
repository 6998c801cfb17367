import assert from 'node:assert/strict';
import type { Transaction } from 'kysely';
import type { Clock } from '../core/index.js';
import { newId } from '../core/index.js';
import { statement, type Database, type Exec } from '../store/index.js';
import { eventsTrx, subscribes, toEvent, type EventsTable, type HutongEvent } from './model.js';

export interface NewEvent {
  readonly merchantId: string;
  /** `<object>.<what happened>`, e.g. `payment.succeeded`. */
  readonly type: string;
  readonly objectType: string;
  readonly objectId: string;
  /** The object as the API shows it (its JSON view), at the moment of the event. */
  readonly data: unknown;
}

/** Event types are dotted lower-case words; the same pattern validates endpoint subscriptions. */
export const eventTypePattern = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
export const eventTypeLengthMax = 100;
/** A snapshot is one object's API view; anything near this size is a bug in the caller. */
export const eventDataBytesMax = 256 * 1024;
/**
 * A merchant's endpoints at most (endpoints.ts enforces it). Every endpoint gets a copy of every event
 * it subscribes to; the bound keeps fan-out small, and the outbox draws as many delivery ids per event.
 */
export const endpointsPerMerchantMax = 16;

/**
 * The transactional outbox: `recordEvent` writes the event and one pending delivery per subscribed,
 * enabled endpoint of the merchant with the caller's transaction, so they commit (or roll back)
 * together with the state change they describe. Call it inside a group-commit writer unit or any
 * other transaction, after the write that changed the object.
 *
 * The per-object sequence is max+1 read in the same transaction. That is exact because the state
 * change before it holds the object's row lock until commit (PostgreSQL) or the only write
 * connection (SQLite); the unique index on (object_id, sequence) turns a caller that breaks this
 * rule into a loud error rather than a silently reordered pair.
 */
/** The event with its place in its object's order (max+1 read in the insert itself), returning that place. */
const insertEventSql = statement(`insert into events (id, merchant_id, type, object_type, object_id, sequence, data, created_at)
  select ?, ?, ?, ?, ?, coalesce(max(sequence), 0) + 1, ?, ? from events where object_id = ? returning sequence`);
const subscribedSql = statement(`select id, enabled_events from webhook_endpoints where merchant_id = ? and status = 'enabled'`);
/**
 * PostgreSQL: the event, its place, and one pending delivery per enabled endpoint of the merchant
 * subscribed to its type (`"*"` or the type itself in `enabled_events`, JSON text without spaces)
 * in one round trip. The delivery ids are drawn beforehand, one per possible endpoint.
 */
const recordEventPgSql = statement(`with e as (
    insert into events (id, merchant_id, type, object_type, object_id, sequence, data, created_at)
    select ?::text, ?::text, ?::text, ?::text, ?::text, coalesce(max(sequence), 0) + 1, ?::text, ?::text from events where object_id = ?::text
    returning id, object_id, sequence, created_at),
  w as (
    select id, row_number() over (order by id) as n from webhook_endpoints
    where merchant_id = ?::text and status = 'enabled' and (strpos(enabled_events, '"*"') > 0 or strpos(enabled_events, ?::text) > 0)),
  d as (
    insert into webhook_deliveries (id, event_id, endpoint_id, object_id, sequence, status, attempts, next_attempt_at,
      last_status_code, last_error, created_at, updated_at)
    select (?::text[])[w.n], e.id, w.id, e.object_id, e.sequence, 'pending', 0, e.created_at, null, null, e.created_at, e.created_at
    from e, w returning 1)
  select (select sequence from e) as sequence, (select count(*) from d) as delivered`);

export function createOutbox(deps: { clock: Clock; exec?: Exec; dialect?: 'sqlite' | 'postgres' }) {
  const { clock, exec } = deps;

  /** The prepared path: one round trip on PostgreSQL, two or three statements on SQLite. */
  async function recordPrepared(transaction: Transaction<Database>, run: Exec, input: NewEvent, data: string, now: Date) {
    const id = newId('evt', now.getTime());
    const at = now.toISOString();
    const head = [id, input.merchantId, input.type, input.objectType, input.objectId, data, at, input.objectId];
    let sequence: bigint;
    if (deps.dialect === 'postgres') {
      const deliveryIds = Array.from({ length: endpointsPerMerchantMax }, () => newId('whd', now.getTime()));
      const { rows } = await run(transaction, recordEventPgSql, [...head, input.merchantId, `"${input.type}"`, deliveryIds]);
      sequence = BigInt(rows[0]?.sequence as bigint);
    } else {
      const { rows } = await run(transaction, insertEventSql, head);
      sequence = BigInt(rows[0]?.sequence as bigint);
    }
    const row: EventsTable = {
      id,
      merchant_id: input.merchantId,
      type: input.type,
      object_type: input.objectType,
      object_id: input.objectId,
      sequence,
      data,
      created_at: at,
    };
    if (deps.dialect !== 'postgres') {
      const { rows } = await run(transaction, subscribedSql, [input.merchantId]);
      const subscribed = rows.filter((e) => subscribes(JSON.parse(e.enabled_events as string) as string[], input.type));
      if (subscribed.length > 0) {
        await eventsTrx(transaction)
          .insertInto('webhook_deliveries')
          .values(subscribed.map((e) => newDeliveryRow(row, e.id as string, now)))
          .execute();
      }
    }
    return toEvent(row);
  }

  async function recordEvent(transaction: Transaction<Database>, input: NewEvent): Promise<HutongEvent> {
    assert.ok(
      input.type.length <= eventTypeLengthMax && eventTypePattern.test(input.type),
      `event type ${input.type} is not <object>.<what happened>`,
    );
    const data = snapshotJson(input);
    const now = clock.now();
    if (exec !== undefined) return recordPrepared(transaction, exec, input, data, now);
    const trx = eventsTrx(transaction);
    const last = await trx
      .selectFrom('events')
      .select((eb) => eb.fn.max('sequence').as('sequence'))
      .where('object_id', '=', input.objectId)
      .executeTakeFirst();
    const row: EventsTable = {
      id: newId('evt', now.getTime()),
      merchant_id: input.merchantId,
      type: input.type,
      object_type: input.objectType,
      object_id: input.objectId,
      sequence: BigInt(last?.sequence ?? 0n) + 1n,
      data,
      created_at: now.toISOString(),
    };
    await trx.insertInto('events').values(row).execute();

    const endpoints = await trx
      .selectFrom('webhook_endpoints')
      .select(['id', 'enabled_events'])
      .where('merchant_id', '=', input.merchantId)
      .where('status', '=', 'enabled')
      .execute();
    const subscribed = endpoints.filter((e) => subscribes(JSON.parse(e.enabled_events) as string[], input.type));
    if (subscribed.length > 0) {
      await trx
        .insertInto('webhook_deliveries')
        .values(subscribed.map((e) => newDeliveryRow(row, e.id, now)))
        .execute();
    }
    return toEvent(row);
  }

  return { recordEvent };
}

export type Outbox = ReturnType<typeof createOutbox>;

/**
 * The snapshot as JSON text. A service model with bigint amounts is not JSON: callers pass the
 * object's API view (what GET returns), which is also what the merchant expects in `data.object`.
 */
function snapshotJson(input: NewEvent): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(input.data);
  } catch (error) {
    throw new Error(`event ${input.type}: data is not JSON-able; pass the object's API view (${String(error)})`);
  }
  assert.ok(
    text !== undefined && Buffer.byteLength(text) <= eventDataBytesMax,
    `event ${input.type}: data is missing or above ${eventDataBytesMax} bytes`,
  );
  return text;
}

/** A delivery due at once, for an event and an endpoint. */
export function newDeliveryRow(event: Pick<EventsTable, 'id' | 'object_id' | 'sequence'>, endpointId: string, now: Date) {
  const at = now.toISOString();
  return {
    id: newId('whd', now.getTime()),
    event_id: event.id,
    endpoint_id: endpointId,
    object_id: event.object_id,
    sequence: event.sequence,
    status: 'pending',
    attempts: 0n,
    next_attempt_at: at,
    last_status_code: null,
    last_error: null,
    created_at: at,
    updated_at: at,
  };
}
