import assert from 'node:assert/strict';
import type { Clock } from '../../core/clock.js';
import type { Failure } from '../../core/failure.js';
import type { Amount } from '../../money/index.js';
import type { ThreeDSecureError } from './errors.js';
import { UnknownReason, unknownReasonOfCause } from '../unknown-reason.js';
import { outcomeOf, verifyResultToken, type AuthenticationOutcome, type VerifiedResult } from './wire.js';
import { causeOf, readBounded } from '../http.js';
import type { ThreeDSecureConnector } from '../contracts.js';

/**
 * Hutong's client for a 3-D Secure directory server (EMV 3-D Secure 2, simplified; the sandbox in
 * sandbox/three-d-secure/ speaks it). `authenticate` never throws for the network: no answer, a
 * slow one or a non-2xx is `unavailable`, and the payment decides what that means. The card
 * number travels only in the request body; it is never put in a URL or a log line.
 */
export interface ThreeDSecureClientOptions {
  readonly baseUrl: string;
  /** The HMAC-SHA256 key shared with the ACS for challenge results. */
  readonly secret: string;
  /** The whole exchange, connecting and reading the answer included. */
  readonly timeoutMs?: number;
  readonly clock: Clock;
  /** How old a challenge result may be when Hutong reads it. */
  readonly resultTtlMs?: number;
  readonly fetch?: typeof globalThis.fetch;
  readonly log?: (line: string) => void;
}

export interface AuthenticationInput {
  readonly requestorTransactionId: string;
  readonly pan: string;
  readonly amount: Amount;
  readonly merchantName: string;
  /** Where the ACS sends the cardholder's browser back, with `?result=<token>`. */
  readonly notificationUrl: string;
}

export interface ThreeDSecureClient extends ThreeDSecureConnector {
  authenticate(input: AuthenticationInput): Promise<AuthenticationOutcome>;
  verifyResult(token: string): VerifiedResult | Failure<ThreeDSecureError.ResultInvalid>;
}

export const timeoutMsDefault = 3_000;
export const resultTtlMsDefault = 10 * 60_000;
/** An answer above this is not read: the directory server's answers are a few hundred bytes. */
export const responseBytesMax = 16 * 1024;
export const secretCharsMin = 16;

export function createThreeDSecureClient(options: ThreeDSecureClientOptions): ThreeDSecureClient {
  const timeoutMs = options.timeoutMs ?? timeoutMsDefault;
  const resultTtlMs = options.resultTtlMs ?? resultTtlMsDefault;
  assert.ok(options.secret.length >= secretCharsMin, `the 3-D Secure secret must have at least ${secretCharsMin} characters`);
  assert.ok(Number.isInteger(timeoutMs) && timeoutMs > 0, 'timeoutMs must be a positive integer');
  assert.ok(Number.isInteger(resultTtlMs) && resultTtlMs > 0, 'resultTtlMs must be a positive integer');
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/ds/authenticate`;
  const fetch = options.fetch ?? globalThis.fetch;
  const log = options.log ?? (() => undefined);

  async function authenticate(input: AuthenticationInput): Promise<AuthenticationOutcome> {
    assert.ok(input.amount.minor >= 0n, 'a 3-D Secure amount is not negative');
    const body = JSON.stringify({
      requestorTransactionId: input.requestorTransactionId,
      pan: input.pan,
      amountMinor: input.amount.minor.toString(),
      currency: input.amount.currency,
      merchantName: input.merchantName,
      notificationUrl: input.notificationUrl,
    });
    const outcome = await exchange(fetch, endpoint, body, timeoutMs, input.requestorTransactionId);
    if (outcome.status === 'unavailable') {
      log(`3ds: ${input.requestorTransactionId} unavailable (${outcome.reason}: ${outcome.detail})`);
    }
    return outcome;
  }

  return {
    capabilities: { frictionless: true, challenge: true },
    authenticate,
    verifyResult: (token) => verifyResultToken(token, options.secret, options.clock.now(), resultTtlMs),
  };
}

async function exchange(
  fetch: typeof globalThis.fetch,
  endpoint: string,
  body: string,
  timeoutMs: number,
  requestorTransactionId: string,
): Promise<AuthenticationOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      signal: controller.signal,
      redirect: 'error',
    });
    const text = await readBounded(response, responseBytesMax);
    if (!response.ok) {
      return { status: 'unavailable', reason: UnknownReason.HttpStatus, detail: `HTTP ${response.status}` };
    }
    if (text === undefined) {
      return { status: 'unavailable', reason: UnknownReason.MalformedResponse, detail: `the answer exceeds ${responseBytesMax} bytes` };
    }
    return outcomeOf(parseJson(text), requestorTransactionId);
  } catch (error) {
    if (controller.signal.aborted) {
      return { status: 'unavailable', reason: UnknownReason.Timeout, detail: `no answer within ${timeoutMs} ms` };
    }
    return { status: 'unavailable', reason: unknownReasonOfCause(causeOf(error)), detail: causeOf(error) };
  } finally {
    clearTimeout(timer);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
