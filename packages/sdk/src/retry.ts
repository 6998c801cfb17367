import { randomUUID } from 'node:crypto';

/**
 * The fetch under the SDK: an Idempotency-Key on every POST, made once per call, and retries
 * under that same key. Hutong replays the first answer for a key it has seen (src/api/idempotency.ts),
 * so a retry after a lost answer applies the call once.
 *
 * Retried: a failed connection or an attempt past its timeout (the outcome is unknown: the key makes
 * it safe), a 5xx (Hutong keeps no answer for those: the retry runs again), a 409
 * `idempotency_in_progress` (the first try is still running), a 429. Only for methods that are safe
 * to repeat: POST with its key, and GET, HEAD, PUT, DELETE, OPTIONS. PATCH is tried once (Hutong does
 * not key it).
 */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attemptsMax: number;
  /** The wait before the second try; doubled for each later one, with jitter. */
  readonly backoffBaseMs: number;
  /** No wait is longer than this, a Retry-After included. */
  readonly backoffMaxMs: number;
  /** One try's bound, reading the answer included; past it the try counts as failed. */
  readonly attemptTimeoutMs: number;
}

export const retryPolicyDefault: RetryPolicy = { attemptsMax: 4, backoffBaseMs: 200, backoffMaxMs: 5_000, attemptTimeoutMs: 30_000 };
/** Sanity bounds for a caller's policy. */
const attemptsLimit = 10;

export interface RetryInfo {
  readonly method: string;
  readonly url: string;
  /** The try that failed (1 = the first). */
  readonly attempt: number;
  readonly idempotencyKey: string | undefined;
  /** The status that made us retry, or the connection error's message. */
  readonly reason: string;
  readonly delayMs: number;
}

/** Thrown when every try failed to get an answer; the call's outcome is unknown. */
export class HutongConnectionError extends Error {
  override readonly name = 'HutongConnectionError';
  constructor(
    message: string,
    /** Retry later with this key (`headers: { 'idempotency-key': … }`) to learn the outcome without doing the call twice. */
    readonly idempotencyKey: string | undefined,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

const repeatable = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'POST']);

export interface RetryingFetchOptions {
  readonly policy?: Partial<RetryPolicy>;
  readonly fetch?: (request: Request) => Promise<Response>;
  readonly onRetry?: (info: RetryInfo) => void;
  /** For tests: how to wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export function retryingFetch(options: RetryingFetchOptions = {}): (request: Request) => Promise<Response> {
  const policy = { ...retryPolicyDefault, ...options.policy };
  if (!Number.isInteger(policy.attemptsMax) || policy.attemptsMax < 1 || policy.attemptsMax > attemptsLimit) {
    throw new RangeError(`attemptsMax must be 1 to ${attemptsLimit}`);
  }
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  return async (original) => {
    const method = original.method.toUpperCase();
    const headers = new Headers(original.headers);
    if (method === 'POST' && !headers.has('idempotency-key')) headers.set('idempotency-key', randomUUID());
    const idempotencyKey = headers.get('idempotency-key') ?? undefined;
    // The body is read once so that every try sends the same bytes.
    const body = original.body === null ? undefined : await original.arrayBuffer();
    const triesMax = repeatable.has(method) ? policy.attemptsMax : 1;
    for (let attempt = 1; ; attempt++) {
      const signal = AbortSignal.any([original.signal, AbortSignal.timeout(policy.attemptTimeoutMs)]);
      let reason: string;
      let retryAfterMs: number | undefined;
      try {
        const response = await send(new Request(original.url, { method, headers, body, signal, redirect: original.redirect }));
        const verdict = await retryVerdict(response);
        if (verdict === undefined || attempt >= triesMax) return response;
        await response.body?.cancel();
        reason = verdict;
        retryAfterMs = retryAfterOf(response);
      } catch (error) {
        // The caller gave up: do not try again.
        if (original.signal.aborted) throw error;
        if (attempt >= triesMax) {
          throw new HutongConnectionError(
            `${method} ${original.url}: no answer after ${attempt} tries (${messageOf(error)})`,
            idempotencyKey,
            attempt,
            {
              cause: error,
            },
          );
        }
        reason = messageOf(error);
      }
      const delayMs = Math.min(policy.backoffMaxMs, retryAfterMs ?? backoffMs(policy, attempt));
      options.onRetry?.({ method, url: original.url, attempt, idempotencyKey, reason, delayMs });
      await sleep(delayMs);
    }
  };
}

/** Why this answer is worth another try, or undefined when it is final. */
async function retryVerdict(response: Response): Promise<string | undefined> {
  if (response.status >= 500 || response.status === 429) return `status ${response.status}`;
  if (response.status !== 409) return undefined;
  const body = (await response
    .clone()
    .json()
    .catch(() => undefined)) as { code?: unknown } | undefined;
  return body?.code === 'idempotency_in_progress' ? 'status 409 idempotency_in_progress' : undefined;
}

function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/** Exponential, with jitter in the upper half so that retrying clients spread out. */
function backoffMs(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${error.message}: ${code}` : error.message;
}
