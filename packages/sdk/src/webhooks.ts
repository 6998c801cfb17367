import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verification of Hutong's webhooks, which follow Standard Webhooks (https://www.standardwebhooks.com/,
 * and src/events/signing.ts on the sending side): the signature is HMAC-SHA256 with the endpoint's
 * secret (`whsec_` + base64 of the key) over `webhook-id.webhook-timestamp.body`, sent base64 as
 * `v1,<signature>` in `webhook-signature` (several, space-separated, while a secret is rotated).
 *
 * Verify the raw body bytes as received, before any JSON parsing: a re-serialised body does not match.
 */

/** How far the timestamp may be from the receiver's clock (Standard Webhooks' recommendation). */
export const webhookToleranceSecondsDefault = 5 * 60;
/** The signatures looked at in one header, at most (a rotation sends two). */
const signaturesPerHeaderMax = 8;
const secretPrefix = 'whsec_';

export type WebhookVerificationFailure =
  'missing_headers' | 'timestamp_invalid' | 'timestamp_too_old' | 'timestamp_in_future' | 'signature_mismatch';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly reason: WebhookVerificationFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A delivered event, as Hutong sends it (src/events/signing.ts `webhookBody`). */
export interface WebhookEvent<T = Record<string, unknown>> {
  readonly id: string;
  readonly type: string;
  readonly created_at: string;
  readonly data: { readonly object: T };
}

export interface VerifyOptions {
  /** Default 300 s. */
  readonly toleranceSeconds?: number;
  /** The receiver's clock; default now. */
  readonly now?: Date;
}

type HeaderBag = Headers | Record<string, string | readonly string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new TypeError('the webhook secret is empty; expected whsec_… as shown when the endpoint was made');
  return key;
}

/**
 * Checks a delivery and returns its event, or throws WebhookVerificationError. `body` is the raw
 * request body (a string as received, or its bytes); `headers` the request's headers (a Fetch
 * `Headers` or Node's `IncomingHttpHeaders`).
 */
export function verifyWebhook<T = Record<string, unknown>>(
  secret: string,
  body: string | Uint8Array,
  headers: HeaderBag,
  options: VerifyOptions = {},
): WebhookEvent<T> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (id === undefined || timestamp === undefined || signatures === undefined) {
    throw new WebhookVerificationError('missing_headers', 'webhook-id, webhook-timestamp and webhook-signature are required');
  }
  checkTimestamp(timestamp, options);
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const expected = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.`, 'utf8').update(payload).digest();
  if (
    !signatures
      .split(' ')
      .slice(0, signaturesPerHeaderMax)
      .some((candidate) => matches(candidate, expected))
  ) {
    throw new WebhookVerificationError('signature_mismatch', 'no signature in webhook-signature matches the body with this secret');
  }
  return JSON.parse(payload.toString('utf8')) as WebhookEvent<T>;
}

function checkTimestamp(timestamp: string, options: VerifyOptions): void {
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError('timestamp_invalid', 'webhook-timestamp is not whole seconds');
  const toleranceSeconds = options.toleranceSeconds ?? webhookToleranceSecondsDefault;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const sentSeconds = Number(timestamp);
  if (sentSeconds < nowSeconds - toleranceSeconds) {
    throw new WebhookVerificationError(
      'timestamp_too_old',
      `signed ${nowSeconds - sentSeconds} s ago; the tolerance is ${toleranceSeconds} s`,
    );
  }
  if (sentSeconds > nowSeconds + toleranceSeconds) {
    throw new WebhookVerificationError(
      'timestamp_in_future',
      `signed ${sentSeconds - nowSeconds} s ahead; the tolerance is ${toleranceSeconds} s`,
    );
  }
}

/** One `v1,<base64>` entry against the expected MAC, compared in constant time. */
function matches(candidate: string, expected: Buffer): boolean {
  const comma = candidate.indexOf(',');
  if (comma < 0 || candidate.slice(0, comma) !== 'v1') return false;
  const given = Buffer.from(candidate.slice(comma + 1), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
