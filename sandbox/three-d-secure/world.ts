import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { isFailure } from '../../src/core/failure.js';
import { showChallenge, submitChallenge, type AcsAnswer } from './acs.js';
import type { WorldContext } from './context.js';
import { authenticate } from './directory-server.js';
import { closeServer, listen, urlHost } from '../shared/http.js';
import { mediaTypeOf, readBody, redirectSeeOther, sendHtml, sendJson } from './http.js';
import { snapshotOf, TransactionStore, type TransactionSnapshot } from './model.js';
import { messagePage } from './pages.js';
import { parseAuthenticationRequest, WireError } from './wire.js';

/**
 * The sandbox 3-D Secure world: a directory server and one issuer ACS behind it, on a real HTTP
 * port (README.md in this folder describes the protocol). Hutong reaches it over HTTP only;
 * tests may also look inside (`transaction`).
 */
export interface ThreeDSecureWorldOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The HMAC-SHA256 key shared with Hutong for challenge results (at least 16 characters). */
  readonly secret: string;
  /** The one-time code every challenge accepts. */
  readonly otp?: string;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
  /** Where browsers reach this world, if not at `http://host:port` (a proxy, a container). */
  readonly publicBaseUrl?: string;
  readonly transactionsMax?: number;
  readonly challengeTtlMs?: number;
}

export interface ThreeDSecureWorld {
  readonly baseUrl: string;
  readonly port: number;
  close(): Promise<void>;
  transaction(acsTransactionId: string): TransactionSnapshot | undefined;
}

export const otpDefault = '123456';
/** The shared key `main.ts` uses unless SANDBOX_3DS_SECRET is set: public, for the sandbox only. */
export const sandboxSecretDefault = 'hutong-sandbox-3ds-secret-not-for-production';
export const secretCharsMin = 16;
export const transactionsMaxDefault = 100_000;
/** EMV 3-D Secure 2 lets a challenge run for at most 10 minutes as well. */
export const challengeTtlMsDefault = 10 * 60_000;
/** Slow clients are cut off: a whole request must arrive within this time. */
export const requestTimeoutMs = 10_000;
const headersTimeoutMs = 5_000;
const acsPathPattern = /^\/acs\/challenge\/([A-Za-z0-9_]{1,64})$/;

export async function startThreeDSecureWorld(options: ThreeDSecureWorldOptions): Promise<ThreeDSecureWorld> {
  assert.ok(options.secret.length >= secretCharsMin, `the 3-D Secure secret must have at least ${secretCharsMin} characters`);
  const otp = options.otp ?? otpDefault;
  assert.ok(otp.length > 0 && otp.length <= 32, 'the one-time code has 1 to 32 characters');
  const host = options.host ?? '127.0.0.1';
  let publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '') ?? '';
  const context: WorldContext = {
    store: new TransactionStore(options.transactionsMax ?? transactionsMaxDefault),
    secret: options.secret,
    otp,
    clock: options.clock ?? systemClock,
    log: options.log ?? (() => undefined),
    publicBaseUrl: () => publicBaseUrl,
    challengeTtlMs: options.challengeTtlMs ?? challengeTtlMsDefault,
  };
  const server = createServer({ requestTimeout: requestTimeoutMs, headersTimeout: headersTimeoutMs }, (request, response) => {
    route(context, request, response).catch((error: unknown) => {
      context.log(`3ds: ${request.method ?? '?'} failed: ${String(error)}`);
      if (!response.headersSent) sendJson(response, 500, { error: 'internal_error', detail: 'the sandbox failed' });
      else response.destroy();
    });
  });
  const port = await listen(server, options.port ?? 0, host);
  const baseUrl = `http://${urlHost(host)}:${port}`;
  if (publicBaseUrl === '') publicBaseUrl = baseUrl;
  context.log(`3ds: directory server and ACS listening on ${baseUrl}`);
  return {
    baseUrl,
    port,
    close: () => closeServer(server),
    transaction: (id) => {
      const transaction = context.store.byAcsId(id);
      return transaction === undefined ? undefined : snapshotOf(transaction);
    },
  };
}

async function route(context: WorldContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // The path only: the sandbox never puts anything secret in a URL, and never logs query strings.
  const path = new URL(request.url ?? '/', 'http://sandbox.invalid').pathname;
  if (path === '/ds/authenticate') {
    if (request.method !== 'POST') return sendJson(response, 405, { error: WireError.MethodNotAllowed, detail: 'POST only' });
    return directoryServer(context, request, response);
  }
  const acsTransactionId = acsPathPattern.exec(path)?.[1];
  if (acsTransactionId === undefined) return sendJson(response, 404, { error: WireError.NotFound, detail: 'no such path' });
  if (request.method === 'GET') return sendAcs(response, showChallenge(context, acsTransactionId));
  if (request.method !== 'POST') return sendHtml(response, 405, messagePage('Method not allowed', '不支持此方法'));
  const body = await readBody(request);
  if (body === 'too_large') return sendHtml(response, 413, messagePage('Form too large', '表单过大'));
  if (mediaTypeOf(request) !== 'application/x-www-form-urlencoded') {
    return sendHtml(response, 415, messagePage('Unsupported form encoding', '不支持的表单编码'));
  }
  return sendAcs(response, submitChallenge(context, acsTransactionId, new URLSearchParams(body.toString('utf8'))));
}

async function directoryServer(context: WorldContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  if (body === 'too_large') return sendJson(response, 413, { error: WireError.PayloadTooLarge, detail: 'the body is too large' });
  if (mediaTypeOf(request) !== 'application/json') {
    return sendJson(response, 415, { error: WireError.UnsupportedMediaType, detail: 'send application/json' });
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return sendJson(response, 400, { error: WireError.InvalidRequest, detail: 'the body is not JSON' });
  }
  const parsed = parseAuthenticationRequest(json);
  if (isFailure(parsed)) return sendJson(response, 400, { error: parsed.failure, detail: parsed.detail });
  const answer = authenticate(context, parsed);
  if (isFailure(answer)) return sendJson(response, 409, { error: answer.failure, detail: answer.detail });
  return sendJson(response, 200, answer);
}

function sendAcs(response: ServerResponse, answer: AcsAnswer): void {
  if (answer.kind === 'redirect') return redirectSeeOther(response, answer.location);
  return sendHtml(response, answer.httpStatus, answer.html);
}
