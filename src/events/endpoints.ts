import type { Clock } from '../core/index.js';
import { anyDestination, destinationProblem, type DestinationPolicy } from './destinations.js';
import { fail, type Failure } from '../core/index.js';
import { derivedId, digestOf, newId } from '../core/index.js';
import type { Store } from '../store/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/index.js';
import type { Cipher } from '../vault/index.js';
import { EventError } from './errors.js';
import { anyEventType, eventsDb, toEndpoint, type EndpointStatus, type WebhookEndpoint } from './model.js';
import { endpointsPerMerchantMax, eventTypeLengthMax, eventTypePattern } from './outbox.js';

export { endpointsPerMerchantMax };
import { newWebhookSecret, sealSecret } from './secrets.js';

export interface NewEndpoint {
  readonly url: string;
  readonly enabledEvents: readonly string[];
  readonly description?: string;
}

export interface IdempotencyScope {
  readonly scope: string;
  readonly key: string;
}

/** The secret is returned when it is made (creation, rotation) and never again. */
export interface EndpointWithSecret {
  readonly endpoint: WebhookEndpoint;
  readonly secret: string | null;
}

type EndpointFailure = Failure<EventError>;

export const webhookUrlLengthMax = 2048;
export const enabledEventsMax = 64;

/** Only http(s), and no credentials in the URL: the URL is shown back in lists and logs. */
export function checkWebhookUrl(text: string): EndpointFailure | undefined {
  if (text.length > webhookUrlLengthMax)
    return fail(EventError.WebhookUrlInvalid, `the URL is longer than ${webhookUrlLengthMax} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(EventError.WebhookUrlInvalid, 'the URL is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return fail(EventError.WebhookUrlInvalid, `the URL scheme must be https or http, not ${url.protocol.replace(/:$/, '')}`);
  if (url.username !== '' || url.password !== '')
    return fail(EventError.WebhookUrlInvalid, 'the URL may not carry a user name or password');
  if (url.hostname === '') return fail(EventError.WebhookUrlInvalid, 'the URL has no host');
  return undefined;
}

export function checkEnabledEvents(types: readonly string[]): EndpointFailure | undefined {
  if (types.length === 0) return fail(EventError.WebhookEventsInvalid, `name at least one event type, or "${anyEventType}" for all`);
  if (types.length > enabledEventsMax) return fail(EventError.WebhookEventsInvalid, `at most ${enabledEventsMax} event types`);
  const bad = types.find((t) => t !== anyEventType && (t.length > eventTypeLengthMax || !eventTypePattern.test(t)));
  if (bad !== undefined)
    return fail(EventError.WebhookEventsInvalid, `${JSON.stringify(bad)} is not an event type such as payment.succeeded`);
  return undefined;
}

/** Merchants' webhook endpoints. Deleting one keeps its row (and delivery log) but hides it. */
export function createEndpoints(deps: { store: Store; cipher: Cipher; clock: Clock; destinations?: DestinationPolicy }) {
  const { store, cipher, clock } = deps;
  const destinations = deps.destinations ?? anyDestination;
  const db = eventsDb(store.db);
  const reader = eventsDb(store.reader);

  async function createEndpoint(
    merchantId: string,
    input: NewEndpoint,
    idempotency?: IdempotencyScope,
  ): Promise<EndpointWithSecret | EndpointFailure> {
    const invalid = checkWebhookUrl(input.url) ?? checkEnabledEvents(input.enabledEvents);
    if (invalid !== undefined) return invalid;
    const refused = await destinationProblem(destinations, new URL(input.url));
    if (refused !== undefined) return fail(EventError.WebhookUrlInvalid, `webhooks may not go there: ${refused}`);
    const enabledEvents = [...new Set(input.enabledEvents)];
    const now = clock.now();
    const id = idempotency === undefined ? newId('we', now.getTime()) : derivedId('we', idempotency.scope, idempotency.key);
    const requestDigest = digestOf({ url: input.url, enabledEvents, description: input.description });
    const existing = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    if (existing !== undefined) {
      // A retry of a request that already created this endpoint: its secret was shown once.
      if (existing.merchant_id !== merchantId || existing.request_digest !== requestDigest) {
        return fail(EventError.IdempotencyConflict, 'this Idempotency-Key created a different webhook endpoint');
      }
      return { endpoint: toEndpoint(existing), secret: null };
    }
    const live = await db
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .where('merchant_id', '=', merchantId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (BigInt(live.n) >= BigInt(endpointsPerMerchantMax)) {
      return fail(
        EventError.WebhookEndpointsTooMany,
        `a merchant may have at most ${endpointsPerMerchantMax} webhook endpoints; delete one first`,
      );
    }
    const secret = newWebhookSecret();
    const at = now.toISOString();
    const inserted = await db
      .insertInto('webhook_endpoints')
      .values({
        id,
        merchant_id: merchantId,
        url: input.url,
        description: input.description ?? null,
        enabled_events: JSON.stringify(enabledEvents),
        secret_sealed: sealSecret(cipher, id, secret),
        status: 'enabled',
        request_digest: requestDigest,
        created_at: at,
        updated_at: at,
        deleted_at: null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    // A concurrent retry won the insert: answer as a replay.
    if (inserted.numInsertedOrUpdatedRows !== 1n) return createEndpoint(merchantId, input, idempotency);
    return { endpoint: (await findEndpoint(merchantId, id)) as WebhookEndpoint, secret };
  }

  async function findEndpoint(merchantId: string, id: string): Promise<WebhookEndpoint | undefined> {
    const row = await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row === undefined ? undefined : toEndpoint(row);
  }

  /** Another merchant's endpoint, or a deleted one, is simply not found. */
  async function getEndpoint(merchantId: string, id: string): Promise<WebhookEndpoint | EndpointFailure> {
    return (await findEndpoint(merchantId, id)) ?? fail(EventError.WebhookEndpointNotFound, `no webhook endpoint ${id}`);
  }

  async function listEndpoints(merchantId: string, request: PageRequest): Promise<Page<WebhookEndpoint> | EndpointFailure> {
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && after === undefined) return fail(EventError.CursorInvalid, 'the cursor was not issued by this API');
    const limit = pageLimit(request);
    const query = reader.selectFrom('webhook_endpoints').selectAll().where('merchant_id', '=', merchantId).where('deleted_at', 'is', null);
    return toPage(await pageQuery(query, after, limit).execute(), limit, toEndpoint);
  }

  /** Disabled endpoints get no new deliveries; pending ones wait until it is enabled again. */
  async function setEndpointStatus(merchantId: string, id: string, status: EndpointStatus): Promise<WebhookEndpoint | EndpointFailure> {
    await db
      .updateTable('webhook_endpoints')
      .set({ status, updated_at: clock.now().toISOString() })
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .where('deleted_at', 'is', null)
      .execute();
    return getEndpoint(merchantId, id);
  }

  /**
   * Deleting hides the endpoint and gives up its pending deliveries, in one transaction; the rows
   * stay so that the delivery log remains whole.
   */
  async function deleteEndpoint(merchantId: string, id: string): Promise<WebhookEndpoint | EndpointFailure> {
    const endpoint = await findEndpoint(merchantId, id);
    if (endpoint === undefined) return fail(EventError.WebhookEndpointNotFound, `no webhook endpoint ${id}`);
    const at = clock.now().toISOString();
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('webhook_endpoints')
        .set({ status: 'disabled', deleted_at: at, updated_at: at })
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .execute();
      await trx
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', next_attempt_at: null, last_error: 'the endpoint was deleted', updated_at: at })
        .where('endpoint_id', '=', id)
        .where('status', '=', 'pending')
        .execute();
    });
    return endpoint;
  }

  /**
   * A new secret replaces the old one at once: attempts from now on are signed with it. (Signing
   * with both for a grace period, which Standard Webhooks allows, is left for later.)
   */
  async function rotateSecret(merchantId: string, id: string): Promise<EndpointWithSecret | EndpointFailure> {
    const secret = newWebhookSecret();
    const result = await db
      .updateTable('webhook_endpoints')
      .set({ secret_sealed: sealSecret(cipher, id, secret), updated_at: clock.now().toISOString() })
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) return fail(EventError.WebhookEndpointNotFound, `no webhook endpoint ${id}`);
    return { endpoint: (await findEndpoint(merchantId, id)) as WebhookEndpoint, secret };
  }

  return { createEndpoint, getEndpoint, listEndpoints, setEndpointStatus, deleteEndpoint, rotateSecret };
}

export type Endpoints = ReturnType<typeof createEndpoints>;
