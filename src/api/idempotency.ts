import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { digestOf } from '../core/ids.js';
import { scopeOf } from './auth.js';
import type { ApiServices } from './context.js';
import { ProblemError } from './problems.js';

/**
 * Idempotency-Key on every POST (DESIGN.md §6): the same key and body replay the first response;
 * the same key with another body is a 422 and nothing is done. Keys are per caller (merchant or
 * operator). Responses below 500 are kept; a 5xx is not, so the client's retry runs again — and the
 * services derive object ids from the key, so a retry after a crash finds what the first try wrote
 * instead of doing it twice.
 *
 * Secrets shown once (a new API key) are not kept: a replay answers with `secret_key: null`.
 */
const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

export function idempotencyKeyOf(headers: Record<string, unknown>): string | undefined {
  const value = headers['idempotency-key'];
  return typeof value === 'string' ? value : undefined;
}

export function registerIdempotency(app: FastifyInstance, services: ApiServices): void {
  const { store, writer, clock } = services;
  app.decorateRequest('idempotency', undefined);

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const key = idempotencyKeyOf(request.headers);
    if (key === undefined) return;
    if (!idempotencyKeyPattern.test(key))
      throw new ProblemError('idempotency_key_invalid', 'use 1–255 printable ASCII characters, e.g. a UUID');
    const scope = scopeOfRequest(request);
    const digest = requestDigest(request.method, request.routeOptions.url ?? '', request.params, request.body ?? null);
    const saved = await store.reader
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
    if (saved === undefined) {
      request.idempotency = { scope, key, digest };
      return;
    }
    if (saved.request_digest !== digest)
      throw new ProblemError('idempotency_key_reused', `Idempotency-Key ${key} was first used with another request`);
    reply.header('idempotent-replayed', 'true');
    reply
      .code(Number(saved.status_code))
      .type('application/json')
      .serializer((payload: unknown) => payload as string);
    return reply.send(saved.response_body);
  });

  // The record is written through the group-commit writer and not awaited: it only makes replays
  // cheap. Correctness on a retry does not depend on it (the derived ids above do), so a crash
  // before it commits costs nothing but a re-run that finds the same objects.
  app.addHook('onSend', async (request, reply, payload) => {
    const idem = request.idempotency;
    if (idem === undefined || reply.statusCode >= 500 || typeof payload !== 'string') return payload;
    const row = {
      scope: idem.scope,
      key: idem.key,
      request_digest: idem.digest,
      status_code: BigInt(reply.statusCode),
      response_body: withoutSecrets(payload),
      created_at: clock.now().toISOString(),
    };
    writer
      // It locks no shared row (only its own new key), so it may share a moment with any batch.
      .run(
        (trx) =>
          trx
            .insertInto('idempotency_keys')
            .values(row)
            .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
            .execute(),
        { keys: [] },
      )
      .catch((error: unknown) => request.log.warn({ err: error }, 'could not save the idempotency record'));
    return payload;
  });
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

function withoutSecrets(payload: string): string {
  if (!payload.includes('"secret_key"')) return payload;
  return JSON.stringify(JSON.parse(payload), (name, value: unknown) => (name === 'secret_key' ? null : value));
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
