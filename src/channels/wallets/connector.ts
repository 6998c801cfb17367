import assert from 'node:assert/strict';
import { pinyin } from 'pinyin-pro';
import type { Clock } from '../../core/clock.js';
import { fail, type Failure } from '../../core/failure.js';
import type { Amount } from '../../money/index.js';
import { WalletConnectorError } from './errors.js';
import { UnknownReason, unknownReasonOfCause } from '../unknown-reason.js';
import { signRequest, verifyWalletMessage, type Fields, type WalletName } from './signing.js';
import { causeOf, readBounded } from '../http.js';
import type { WalletConnector as WalletConnectorContract } from '../contracts.js';
import {
  createdOrderOf,
  errorCodeOf,
  idPattern,
  notificationOf,
  queriedOrderOf,
  refundOutcomeOf,
  type CreateOrderOutcome,
  type QueryOutcome,
  type RefundOutcome,
  type WalletNotification,
} from './wire.js';

/**
 * Hutong's connectors for the external wallets (Alipay-like, WeChat-Pay-like, UnionPay-QuickPass-
 * like; sandbox/wallets/ is their sandbox). One factory, three signing conventions (signing.ts).
 * A connector holds no state. The network never throws out of it: no answer, a slow one, an
 * unsigned or inconsistent one is `unavailable` (or `unknown` for a refund, which is then resolved
 * by asking again with the same refund id, never guessed).
 */
export interface WalletConnector extends WalletConnectorContract {
  readonly name: WalletName;
  readonly currencies: readonly string[];
  createOrder(input: {
    orderId: string;
    amount: Amount;
    subject: string;
    notifyUrl: string;
    returnUrl?: string;
    /** The paying merchant (EMV QR tags 59 name, 60 city, 58 country); the wallet's own defaults when absent. */
    merchant?: { name: string; city: string | null; country: string };
  }): Promise<CreateOrderOutcome>;
  /** Verifies the raw notification (signature on the raw bytes, constant-time) and parses it. */
  verifyNotification(
    rawBody: string,
    headers: Record<string, string | undefined>,
  ): WalletNotification | Failure<'wallet_notification_invalid'>;
  /** What Hutong must answer to a notification it accepted, so the wallet stops retrying. */
  readonly ack: { readonly contentType: string; readonly body: string };
  query(orderId: string): Promise<QueryOutcome>;
  refund(input: { orderId: string; refundId: string; amount: Amount }): Promise<RefundOutcome>;
}

export interface WalletConnectorOptions {
  readonly baseUrl: string;
  /** The HMAC-SHA256 key shared with this wallet (at least `keyCharsMin` characters). */
  readonly key: string;
  /** The whole exchange, connecting and reading the answer included. */
  readonly timeoutMs?: number;
  readonly clock: Clock;
  readonly fetch?: typeof globalThis.fetch;
  readonly log?: (line: string) => void;
}

export const timeoutMsDefault = 3_000;
export const keyCharsMin = 16;
/** An answer above this is not read: the wallets' answers are well under 2 KiB. */
export const responseBytesMax = 16 * 1024;
export const subjectCharsMax = 128;

/** What each wallet supports and answers; the sandbox documents the same (README.md). */
export const walletProfiles: Readonly<
  Record<WalletName, { readonly currencies: readonly string[]; readonly ack: { readonly contentType: string; readonly body: string } }>
> = {
  alipay_sandbox: { currencies: ['CNY'], ack: { contentType: 'text/plain; charset=utf-8', body: 'success' } },
  wechat_sandbox: { currencies: ['CNY'], ack: { contentType: 'application/json', body: '{"code":"SUCCESS"}' } },
  quickpass_sandbox: { currencies: ['CNY'], ack: { contentType: 'application/json', body: '{"respCode":"00"}' } },
};

type Exchange =
  | { readonly kind: 'answer'; readonly httpStatus: number; readonly fields: Fields }
  | { readonly kind: 'unavailable'; readonly reason: UnknownReason; readonly detail: string };

/** A name for an EMV QR tag: romanised (Chinese to pinyin without tones), upper case, printable ASCII, cut to `charsMax`. */
export function qrLatin(text: string, charsMax: number): string {
  const latin = /^[\x20-\x7e]*$/.test(text) ? text : pinyin(text, { toneType: 'none', type: 'array', nonZh: 'consecutive' }).join(' ');
  return latin
    .toUpperCase()
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, charsMax)
    .trim();
}

export function createWalletConnector(name: WalletName, options: WalletConnectorOptions): WalletConnector {
  const timeoutMs = options.timeoutMs ?? timeoutMsDefault;
  assert.ok(options.key.length >= keyCharsMin, `a wallet key has at least ${keyCharsMin} characters`);
  assert.ok(Number.isInteger(timeoutMs) && timeoutMs > 0, 'timeoutMs must be a positive integer');
  const profile = walletProfiles[name];
  assert.ok(profile !== undefined, `unknown wallet ${name}`);
  const origin = options.baseUrl.replace(/\/+$/, '');
  const fetch = options.fetch ?? globalThis.fetch;
  const log = options.log ?? (() => undefined);
  const { key, clock } = options;

  async function exchange(method: 'GET' | 'POST', path: string, fields: Fields): Promise<Exchange> {
    const request = signRequest(name, key, method, `/${name}${path}`, fields, clock.now());
    const result = await send(fetch, `${origin}${request.pathWithQuery}`, method, request.headers, request.body, timeoutMs);
    if (result.kind === 'unavailable') return result;
    const verified = verifyWalletMessage(name, key, 'answer', result.text, result.headers, clock.now());
    if (!verified.ok) return { kind: 'unavailable', reason: UnknownReason.SignatureInvalid, detail: verified.detail };
    return { kind: 'answer', httpStatus: result.httpStatus, fields: verified.fields };
  }

  /** A signed answer other than 2xx: its error code decides; anything else is unavailable. */
  function refusal(answer: Exchange & { kind: 'answer' }): UnknownReason {
    const code = errorCodeOf(answer.fields);
    if (answer.httpStatus === 409 && code === 'order_conflict') return UnknownReason.Conflict;
    if (answer.httpStatus === 404 && code === 'order_not_found') return UnknownReason.NotFound;
    if (answer.httpStatus >= 400 && answer.httpStatus < 500 && code !== undefined) return UnknownReason.Rejected;
    return UnknownReason.HttpStatus;
  }

  function report(operation: string, id: string, reason: string, detail: string): void {
    log(`wallet ${name}: ${operation} ${id} ${reason} (${detail})`);
  }

  async function createOrder(input: Parameters<WalletConnector['createOrder']>[0]): Promise<CreateOrderOutcome> {
    assert.ok(profile.currencies.includes(input.amount.currency), `${name} does not take ${input.amount.currency}: check currencies first`);
    assert.ok(input.amount.minor > 0n, 'a wallet order is for a positive amount');
    assert.match(input.orderId, idPattern, 'orderId: 1 to 64 of A-Z a-z 0-9 _ -');
    assert.ok(input.subject.length > 0 && input.subject.length <= subjectCharsMax, `subject: 1 to ${subjectCharsMax} characters`);
    const fields: Record<string, string> = {
      orderId: input.orderId,
      amountMinor: input.amount.minor.toString(),
      currency: input.amount.currency,
      subject: input.subject,
      notifyUrl: input.notifyUrl,
    };
    if (input.returnUrl !== undefined) fields.returnUrl = input.returnUrl;
    if (input.merchant !== undefined) {
      // EMV tags 59 and 60 are in the Latin alphabet, at most 25 and 15 characters (domain.md §5).
      fields.merchantName = qrLatin(input.merchant.name, 25) || 'MERCHANT';
      if (input.merchant.city !== null && qrLatin(input.merchant.city, 15) !== '') fields.merchantCity = qrLatin(input.merchant.city, 15);
      fields.merchantCountry = input.merchant.country;
    }
    const answer = await exchange('POST', '/orders', fields);
    if (answer.kind === 'unavailable') {
      report('createOrder', input.orderId, answer.reason, answer.detail);
      return { status: 'unavailable', reason: answer.reason };
    }
    if (answer.httpStatus !== 200) return { status: 'unavailable', reason: refusal(answer) };
    const outcome = createdOrderOf(answer.fields, input.orderId, input.amount);
    if (outcome.status === 'unavailable') report('createOrder', input.orderId, outcome.reason, 'the answer was not believed');
    return outcome;
  }

  async function query(orderId: string): Promise<QueryOutcome> {
    assert.match(orderId, idPattern, 'orderId: 1 to 64 of A-Z a-z 0-9 _ -');
    const fields: Fields = name === 'wechat_sandbox' ? {} : { orderId };
    const answer = await exchange('GET', `/orders/${orderId}`, fields);
    if (answer.kind === 'unavailable') {
      report('query', orderId, answer.reason, answer.detail);
      return { status: 'unavailable', reason: answer.reason };
    }
    if (answer.httpStatus !== 200) return { status: 'unavailable', reason: refusal(answer) };
    const outcome = queriedOrderOf(answer.fields, orderId);
    if (outcome.status === 'paid' && !profile.currencies.includes(outcome.amount.currency)) {
      return { status: 'unavailable', reason: UnknownReason.Integrity };
    }
    return outcome;
  }

  async function refund(input: { orderId: string; refundId: string; amount: Amount }): Promise<RefundOutcome> {
    assert.ok(input.amount.minor > 0n, 'a refund is for a positive amount');
    assert.match(input.orderId, idPattern, 'orderId: 1 to 64 of A-Z a-z 0-9 _ -');
    assert.match(input.refundId, idPattern, 'refundId: 1 to 64 of A-Z a-z 0-9 _ -');
    const answer = await exchange('POST', '/refunds', {
      orderId: input.orderId,
      refundId: input.refundId,
      amountMinor: input.amount.minor.toString(),
      currency: input.amount.currency,
    });
    if (answer.kind === 'unavailable') {
      report('refund', input.refundId, answer.reason, answer.detail);
      return { status: 'unknown', reason: answer.reason };
    }
    if (answer.httpStatus === 200) return refundOutcomeOf(answer.fields, input.orderId, input.refundId, input.amount);
    // A signed 4xx says the wallet did not take the refund (bad input, an id reused with other
    // content, a key it refuses): a failure. A 5xx or anything unexpected is unknown.
    const code = errorCodeOf(answer.fields);
    if (answer.httpStatus >= 400 && answer.httpStatus < 500 && code !== undefined) return { status: 'failed', reason: code };
    return { status: 'unknown', reason: UnknownReason.HttpStatus };
  }

  function verifyNotification(
    rawBody: string,
    headers: Record<string, string | undefined>,
  ): WalletNotification | Failure<'wallet_notification_invalid'> {
    const verified = verifyWalletMessage(name, key, 'notification', rawBody, headers, clock.now());
    if (!verified.ok) return fail(WalletConnectorError.NotificationInvalid, verified.detail);
    return notificationOf(verified.fields, profile.currencies);
  }

  const capabilities = { createOrder: true, query: true, refund: true, notifications: true };
  return { name, capabilities, currencies: profile.currencies, createOrder, verifyNotification, ack: profile.ack, query, refund };
}

type Sent =
  | { readonly kind: 'response'; readonly httpStatus: number; readonly text: string; readonly headers: Record<string, string> }
  | { readonly kind: 'unavailable'; readonly reason: UnknownReason; readonly detail: string };

async function send(
  fetch: typeof globalThis.fetch,
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<Sent> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { method, headers, body, signal: controller.signal, redirect: 'error' });
    const text = await readBounded(response, responseBytesMax);
    if (text === undefined) {
      return {
        kind: 'unavailable',
        reason: UnknownReason.MalformedResponse,
        detail: `the answer exceeds ${responseBytesMax} bytes`,
      };
    }
    return { kind: 'response', httpStatus: response.status, text, headers: Object.fromEntries(response.headers) };
  } catch (error) {
    if (controller.signal.aborted) {
      return { kind: 'unavailable', reason: UnknownReason.Timeout, detail: `no answer within ${timeoutMs} ms` };
    }
    return { kind: 'unavailable', reason: unknownReasonOfCause(causeOf(error)), detail: causeOf(error) };
  } finally {
    clearTimeout(timer);
  }
}
