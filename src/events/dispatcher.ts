import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { Cipher } from '../vault/index.js';
import { retryDelayMs, webhookAttemptsMaxBound, webhookAttemptsMaxDefault } from './backoff.js';
import { claimDue, type Claimed } from './claim.js';
import { eventsDb } from './model.js';
import { openSecret } from './secrets.js';
import { webhookBody, webhookHeaders } from './signing.js';
import { anyDestination, destinationProblem, type DestinationPolicy } from './destinations.js';
import { postGuarded } from './delivery-http.js';

export const requestTimeoutMsDefault = 5_000;
export const concurrencyMaxDefault = 8;
/** Deliveries taken per claim, so one round's work and lease stay short. */
export const claimBatchMaxDefault = 32;
export const pollIntervalMsDefault = 1_000;
/** A claimed attempt is leased for its timeout plus this, then another dispatcher may retry it. */
export const leaseMarginMs = 30_000;
/** Kept of an error or a receiver's failure, per attempt. */
export const attemptErrorLengthMax = 500;

export interface DispatcherOptions {
  readonly store: Store;
  readonly cipher: Cipher;
  readonly clock: Clock;
  readonly fetch?: typeof fetch;
  readonly attemptsMax?: number;
  readonly requestTimeoutMs?: number;
  readonly concurrencyMax?: number;
  readonly claimBatchMax?: number;
  readonly pollIntervalMs?: number;
  /** Jitter source for the backoff, [0, 1). */
  readonly random?: () => number;
  /**
   * Where webhooks may go (destinations.ts); the composition root passes the configured policy.
   * Absent: no check, for tests that construct the dispatcher alone with a local receiver.
   */
  readonly destinations?: DestinationPolicy;
  /** Where the polling loop reports a round that threw (the store was unreachable, say). */
  readonly onError?: (error: unknown) => void;
}

export interface WebhookDispatcher {
  /** Claims due deliveries and makes one attempt at each; resolves with the number of attempts. */
  runOnce(): Promise<number>;
  /** Polls until `stop()`. */
  start(): void;
  /** Ends the polling loop after the round in flight. */
  stop(): Promise<void>;
}

interface Outcome {
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

/**
 * Sends the outbox's deliveries (DESIGN.md §6): at least once, in order per object and endpoint,
 * signed per Standard Webhooks, retried with backoff up to `attemptsMax` attempts, each attempt
 * logged in `webhook_attempts`. Any 2xx is success; any other status (redirects are not followed),
 * a network error or a timeout is a failed attempt.
 */
export function createWebhookDispatcher(options: DispatcherOptions): WebhookDispatcher {
  const { store, cipher, clock } = options;
  const destinations = options.destinations ?? anyDestination;
  // Without an injected fetch, deliveries go through node:http(s) with the address check inside
  // the connection's DNS lookup, so a name cannot rebind to a private address after the check.
  const send = options.fetch ?? fetchGuarded;
  async function fetchGuarded(url: string | URL | Request, init?: RequestInit): Promise<Response> {
    const { status } = await postGuarded(
      String(url),
      init?.headers as Record<string, string>,
      String(init?.body ?? ''),
      requestTimeoutMs,
      destinations,
    );
    return new Response(null, { status: status === 0 ? 502 : status });
  }
  const attemptsMax = options.attemptsMax ?? webhookAttemptsMaxDefault;
  const requestTimeoutMs = options.requestTimeoutMs ?? requestTimeoutMsDefault;
  const concurrencyMax = options.concurrencyMax ?? concurrencyMaxDefault;
  const claimBatchMax = options.claimBatchMax ?? claimBatchMaxDefault;
  const pollIntervalMs = options.pollIntervalMs ?? pollIntervalMsDefault;
  const random = options.random ?? Math.random;
  const onError = options.onError ?? ((error: unknown) => process.emitWarning(`webhook dispatcher: ${String(error)}`));
  assert.ok(attemptsMax >= 1 && attemptsMax <= webhookAttemptsMaxBound, `attemptsMax must be 1..${webhookAttemptsMaxBound}`);
  assert.ok(requestTimeoutMs >= 1 && concurrencyMax >= 1 && claimBatchMax >= 1 && pollIntervalMs >= 1);
  const db = eventsDb(store.db);
  // What an attempt sends was committed before its claim: read it beside the writer (on SQLite the
  // reader is its own connection and does not wait for a group-commit batch).
  const reader = eventsDb(store.reader);

  async function runOnce(): Promise<number> {
    const now = clock.now();
    const claimed = await claimDue(db, store.dialect, {
      now,
      leaseUntil: new Date(now.getTime() + requestTimeoutMs + leaseMarginMs),
      limit: claimBatchMax,
      attemptsMax,
    });
    // A bounded pool of workers over the claimed list; each delivery is one attempt. An attempt
    // that throws (store or vault trouble, not the receiver's) is reported and left to its lease.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < claimed.length) await attempt(claimed[next++] as Claimed).catch(onError);
    };
    await Promise.all(Array.from({ length: Math.min(concurrencyMax, claimed.length) }, worker));
    return claimed.length;
  }

  async function attempt(claim: Claimed): Promise<void> {
    const target = await reader
      .selectFrom('webhook_deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_id')
      .innerJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
      .select([
        'e.id as eventId',
        'e.type',
        'e.created_at as createdAt',
        'e.data',
        'w.id as endpointId',
        'w.url',
        'w.secret_sealed as secretSealed',
      ])
      .where('d.id', '=', claim.deliveryId)
      .executeTakeFirstOrThrow();
    const body = webhookBody(target);
    const headers = webhookHeaders(openSecret(cipher, target.endpointId, target.secretSealed), target.eventId, clock.now(), body);
    const outcome = await post(target.url, headers, body);
    await record(claim, outcome);
  }

  async function post(url: string, headers: Record<string, string>, body: string): Promise<Outcome> {
    // Duration is measured on the monotonic timer; the clock only schedules.
    const startedMs = performance.now();
    const elapsedMs = () => Math.round(performance.now() - startedMs);
    try {
      const refused = await destinationProblem(destinations, new URL(url));
      if (refused !== undefined) return { statusCode: null, error: `destination refused: ${refused}`, durationMs: elapsedMs() };
      const response = await send(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      // The receiver's body is not needed; dropping it frees the connection.
      await response.body?.cancel().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      return { statusCode: response.status, error: ok ? null : `the endpoint answered ${response.status}`, durationMs: elapsedMs() };
    } catch (error) {
      return { statusCode: null, error: describeError(error, requestTimeoutMs), durationMs: elapsedMs() };
    }
  }

  /**
   * Logs the attempt and moves the delivery on. The update only applies while the delivery still
   * holds this attempt's number: if the lease ran out and another dispatcher took it, that one
   * owns the delivery now, and this attempt is only logged.
   */
  async function record(claim: Claimed, outcome: Outcome): Promise<void> {
    const now = clock.now();
    const succeeded = outcome.error === null;
    const final = succeeded || claim.attempt >= attemptsMax;
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: claim.deliveryId,
          attempt: BigInt(claim.attempt),
          at: now.toISOString(),
          status_code: outcome.statusCode === null ? null : BigInt(outcome.statusCode),
          error: outcome.error,
          duration_ms: BigInt(outcome.durationMs),
        })
        .execute();
      await trx
        .updateTable('webhook_deliveries')
        .set({
          status: succeeded ? 'succeeded' : final ? 'failed' : 'pending',
          next_attempt_at: final ? null : new Date(now.getTime() + retryDelayMs(claim.attempt, random)).toISOString(),
          last_status_code: outcome.statusCode === null ? null : BigInt(outcome.statusCode),
          last_error: outcome.error,
          updated_at: now.toISOString(),
        })
        .where('id', '=', claim.deliveryId)
        .where('status', '=', 'pending')
        .where('attempts', '=', BigInt(claim.attempt))
        .execute();
    });
  }

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;

  function schedule(delayMs: number): void {
    if (!running) return;
    timer = setTimeout(() => {
      timer = undefined;
      round = runOnce().then(
        // After a round with work, more may be due now (a full claim, or the next event of an
        // object whose previous one just succeeded): go again without waiting.
        (count) => schedule(count > 0 ? 0 : pollIntervalMs),
        (error: unknown) => {
          onError(error);
          schedule(pollIntervalMs);
        },
      );
    }, delayMs);
  }

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await round;
    },
  };
}

function describeError(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const text =
    typeof cause?.code === 'string' ? `${String(error)} (${cause.code})` : error instanceof Error ? error.message : String(error);
  return text.slice(0, attemptErrorLengthMax);
}
