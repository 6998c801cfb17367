import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { digestOf } from '../core/index.js';
import { scopeOf } from './auth.js';
import type { ApiServices, IdempotencySettings } from './context.js';
import { ProblemError } from './problems.js';

/**
 * Idempotency-Key on every POST (DESIGN.md §6): the same key and body replay the first response;
 * the same key with another body is a 422 and nothing is done. Keys are per caller (merchant or
 * operator).
 *
 * The key is **reserved when the request starts** (a row with status_code 0 and a lease), in a
 * writer unit, before the route runs: of concurrent requests with one key exactly one runs; the
 * others wait for its answer and replay it, or — past `waitMs` — get 409 `idempotency_in_progress`
 * (retry). The answer is saved (awaited) before it is sent, with its content type, so a replayed
 * problem stays `application/problem+json`. A 5xx is not kept: the reservation is given back and a
 * retry runs again; nor is a "try again later" refusal (`retryLaterProblems` in problems.ts, e.g. a
 * refund held while customs has not answered), which the error handler marks with `forgetOutcome`. A running request renews its lease; a reservation past its lease belongs to a
 * request whose process died, and the retry takes it over (logged at warn); routes may ask
 * `recoveredRetryOf` to answer the outcome that request committed instead of refusing a second
 * try (see the confirm route).
 *
 * Secrets shown once (a new API key, an escrow buyer link) are not kept: a replay answers null.
 */
const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

export const defaultIdempotencySettings: IdempotencySettings = { leaseMs: 5_000, waitMs: 10_000 };
/** How often a waiting request looks for the first one's answer. */
const waitPollMs = 20;

interface Reservation {
  readonly scope: string;
  readonly key: string;
  /** When the first try reserved the key (kept when a retry takes it over). */
  readonly reservedAt: string;
  /** True when this request took over the reservation of a request whose process died. */
  readonly recovered: boolean;
  /** Renews the lease while the request runs: only a dead process's reservations run out. */
  readonly renewal: NodeJS.Timeout;
}

const reservations = new WeakMap<FastifyRequest, Reservation>();

/**
 * The answer about to be sent is not the request's outcome ("try again later"): it is not saved
 * under the key, the reservation is given back (as for a 5xx), and a retry with the key runs again.
 */
export function forgetOutcome(request: FastifyRequest): void {
  request.idempotency = undefined;
}

/** For a retry that took over a dead request's key: when that first try started. */
export function recoveredRetryOf(request: FastifyRequest): { reservedAt: string } | undefined {
  const held = reservations.get(request);
  return held?.recovered === true ? { reservedAt: held.reservedAt } : undefined;
}

export function idempotencyKeyOf(headers: Record<string, unknown>): string | undefined {
  const value = headers['idempotency-key'];
  return typeof value === 'string' ? value : undefined;
}

type Saved = { status_code: bigint; response_body: string; content_type?: string | null };
type Reserve =
  { kind: 'reserved'; reservedAt: string; recovered: boolean } | { kind: 'replay'; saved: Saved } | { kind: 'conflict' } | { kind: 'busy' };

export function registerIdempotency(app: FastifyInstance, services: ApiServices): void {
  const { store, writer, clock } = services;
  const settings = services.idempotency ?? defaultIdempotencySettings;
  const leaseEnd = () => new Date(clock.now().getTime() + settings.leaseMs).toISOString();
  app.decorateRequest('idempotency', undefined);

  /** One try at the key, in one unit: reserve it, or say why not. */
  async function reserveOnce(scope: string, key: string, digest: string): Promise<Reserve> {
    return writer.run(
      async (trx) => {
        const at = clock.now().toISOString();
        const inserted = await trx
          .insertInto('idempotency_keys')
          .values({ scope, key, request_digest: digest, status_code: 0n, response_body: '', created_at: at, locked_until: leaseEnd() })
          .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
          .executeTakeFirst();
        if (inserted.numInsertedOrUpdatedRows === 1n) return { kind: 'reserved', reservedAt: at, recovered: false };
        const row = await trx
          .selectFrom('idempotency_keys')
          .selectAll()
          .where('scope', '=', scope)
          .where('key', '=', key)
          .executeTakeFirst();
        if (row === undefined) return { kind: 'busy' }; // given back just now: try again
        if (row.request_digest !== digest) return { kind: 'conflict' };
        if (row.status_code !== 0n) return { kind: 'replay', saved: row };
        if (row.locked_until !== null && row.locked_until !== undefined && row.locked_until > at) return { kind: 'busy' };
        // The lease ran out: the request that holds it died with its process. Take it over, once.
        const taken = await trx
          .updateTable('idempotency_keys')
          .set({ locked_until: leaseEnd() })
          .where('scope', '=', scope)
          .where('key', '=', key)
          .where('status_code', '=', 0n)
          .where('locked_until', row.locked_until === null || row.locked_until === undefined ? 'is' : '=', row.locked_until ?? null)
          .executeTakeFirst();
        return taken.numUpdatedRows === 1n ? { kind: 'reserved', reservedAt: row.created_at, recovered: true } : { kind: 'busy' };
      },
      // It locks no shared row (only its own key), so it may share a moment with any batch.
      { keys: [] },
    );
  }

  async function reserve(scope: string, key: string, digest: string): Promise<Reserve> {
    const deadline = Date.now() + settings.waitMs;
    for (;;) {
      const outcome = await reserveOnce(scope, key, digest);
      if (outcome.kind !== 'busy') return outcome;
      const settled = await waitForAnswer({ store, clock }, scope, key, deadline);
      if (!settled) return outcome;
    }
  }

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const key = idempotencyKeyOf(request.headers);
    if (key === undefined) return;
    if (!idempotencyKeyPattern.test(key))
      throw new ProblemError('idempotency_key_invalid', 'use 1–255 printable ASCII characters, e.g. a UUID');
    const scope = scopeOfRequest(request);
    const digest = requestDigest(request.method, request.routeOptions.url ?? '', request.params, request.body ?? null);
    const outcome = await reserve(scope, key, digest);
    if (outcome.kind === 'conflict')
      throw new ProblemError('idempotency_key_reused', `Idempotency-Key ${key} was first used with another request`);
    if (outcome.kind === 'busy') {
      reply.header('retry-after', '1');
      throw new ProblemError('idempotency_in_progress', `a request with Idempotency-Key ${key} is still running; retry in a moment`);
    }
    if (outcome.kind === 'replay') return replay(reply, outcome.saved);
    if (outcome.recovered)
      request.log.warn(
        { idempotencyKey: key, reservedAt: outcome.reservedAt },
        'took over the idempotency key of a request that did not finish',
      );
    const renew = () =>
      writer
        .run(
          (trx) =>
            trx
              .updateTable('idempotency_keys')
              .set({ locked_until: leaseEnd() })
              .where('scope', '=', scope)
              .where('key', '=', key)
              .where('status_code', '=', 0n)
              .execute(),
          { keys: [] },
        )
        .catch((error: unknown) => request.log.warn({ err: error }, 'could not renew an idempotency reservation'));
    const renewal = setInterval(renew, Math.max(250, Math.floor(settings.leaseMs / 3)));
    renewal.unref();
    reservations.set(request, { scope, key, reservedAt: outcome.reservedAt, recovered: outcome.recovered, renewal });
    request.idempotency = { scope, key, digest };
  });

  // The answer is saved before it is sent: a retry after this answer replays it, never runs again.
  app.addHook('onSend', async (request, reply, payload) => {
    const held = reservations.get(request);
    if (held === undefined) return payload;
    clearInterval(held.renewal);
    reservations.set(request, { ...held, recovered: false });
    const keep = request.idempotency !== undefined && reply.statusCode < 500 && typeof payload === 'string';
    try {
      await writer.run(
        async (trx) => {
          if (!keep) {
            await trx
              .deleteFrom('idempotency_keys')
              .where('scope', '=', held.scope)
              .where('key', '=', held.key)
              .where('status_code', '=', 0n)
              .execute();
            return;
          }
          await trx
            .updateTable('idempotency_keys')
            .set({
              status_code: BigInt(reply.statusCode),
              response_body: withoutSecrets(payload as string),
              content_type: contentTypeOf(reply),
              locked_until: null,
            })
            .where('scope', '=', held.scope)
            .where('key', '=', held.key)
            .where('status_code', '=', 0n)
            .execute();
        },
        { keys: [] },
      );
      reservations.delete(request);
    } catch (error) {
      // The key stays reserved until its lease ends; a retry then runs again (derived ids find what this one wrote).
      request.log.warn({ err: error }, 'could not save the idempotency record');
    }
    return payload;
  });
  // A request that ends without an answer passing onSend must not renew its lease for ever.
  app.addHook('onResponse', async (request) => {
    const held = reservations.get(request);
    if (held !== undefined) clearInterval(held.renewal);
  });
}

function replay(reply: FastifyReply, saved: Saved): FastifyReply {
  const status = Number(saved.status_code);
  reply.header('idempotent-replayed', 'true');
  return reply
    .code(status)
    .type(saved.content_type ?? (status >= 400 ? 'application/problem+json' : 'application/json'))
    .serializer((payload: unknown) => payload as string)
    .send(saved.response_body);
}

function contentTypeOf(reply: FastifyReply): string {
  const header = reply.getHeader('content-type');
  return typeof header === 'string' ? header : 'application/json';
}

/** Waits until the key's first request answered, gave it back or lost its lease; false past the deadline. */
async function waitForAnswer(
  { store, clock }: Pick<ApiServices, 'store' | 'clock'>,
  scope: string,
  key: string,
  deadline: number,
): Promise<boolean> {
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, waitPollMs));
    const row = await store.reader
      .selectFrom('idempotency_keys')
      .select(['status_code', 'locked_until'])
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
    if (row === undefined || row.status_code !== 0n) return true;
    // The lease ran out: its process died (a live one renews it); the caller takes the key over.
    if (row.locked_until !== null && row.locked_until !== undefined && row.locked_until <= clock.now().toISOString()) return true;
  }
  return false;
}

/**
 * Keys are per caller. A request without a principal may still carry its own credential: a buyer
 * link's token (Hutong-Buyer-Token or ?token=). Its keys are per token, so one buyer's stored answer
 * is never replayed to a request with another trade's token (or none) before the route checks it.
 */
function scopeOfRequest(request: FastifyRequest): string {
  const scope = scopeOf(request.principal);
  if (scope !== 'anonymous') return scope;
  const header = request.headers['hutong-buyer-token'];
  const token = typeof header === 'string' ? header : (request.query as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' && token !== '' ? `buyer:${createHash('sha256').update(token).digest('hex')}` : scope;
}

/** Credentials shown once are not kept at rest: a new API key, an escrow buyer's link. */
const secretFields = new Set(['secret_key', 'buyer_url', 'buyer_token']);

function withoutSecrets(payload: string): string {
  if (![...secretFields].some((name) => payload.includes(`"${name}"`))) return payload;
  return JSON.stringify(JSON.parse(payload), (name, value: unknown) => (secretFields.has(name) ? null : value));
}

/**
 * The digest that tells "same request" from "another request under the same key". Card security
 * codes never enter it, and card numbers only as their last four digits: even a hash of a CVC is a
 * kept copy of it (PCI DSS 3.3.1), and an unkeyed hash of a PAN can be brute-forced. Identity
 * document numbers likewise enter it only as their last four characters.
 */
export function requestDigest(method: string, url: string, params: unknown, body: unknown): string {
  return digestOf({ method, url, params, body: withoutCardSecrets(body) });
}

function withoutCardSecrets(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutCardSecrets(item));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
    if (name === 'cvc') continue;
    if (key === 'card' && name === 'number' && typeof inner === 'string') out.number_last4 = inner.replace(/\D/g, '').slice(-4);
    // Identity document numbers (an import order's payer, a customer's identity) are as guessable.
    else if ((name === 'id_number' || (key === 'identity' && name === 'number')) && typeof inner === 'string')
      out[`${name}_last4`] = inner.slice(-4);
    else out[name] = withoutCardSecrets(inner, name);
  }
  return out;
}
