import { createHmac, timingSafeEqual } from 'node:crypto';
import { fail, type Failure } from '../../core/failure.js';
import { ThreeDSecureError } from './errors.js';
import { UnknownReason } from '../unknown-reason.js';

/**
 * The wire format of the 3-D Secure directory server (sandbox/three-d-secure/README.md): its
 * answer to an authentication request, and the signed challenge result that comes back through
 * the cardholder's browser.
 */
export type AuthenticationOutcome =
  | { readonly status: 'frictionless'; readonly acsTransactionId: string; readonly eci: string; readonly authenticationValue: string }
  | { readonly status: 'challenge'; readonly acsTransactionId: string; readonly challengeUrl: string }
  | { readonly status: 'unavailable'; readonly reason: UnknownReason; readonly detail: string };

export interface VerifiedResult {
  readonly acsTransactionId: string;
  readonly requestorTransactionId: string;
  /** true only when the issuer said Y. */
  readonly authenticated: boolean;
  readonly eci: string;
  readonly authenticationValue?: string;
  readonly issuedAt: Date;
}

export const idCharsMax = 64;
export const challengeUrlCharsMax = 2_048;
/** A result token far above what the sandbox issues (about 400 characters) is not read. */
export const resultTokenCharsMax = 4_096;
/** A result dated this far ahead of Hutong's clock is still accepted (the ACS's clock may run ahead). */
export const clockSkewMsMax = 60_000;
const macBytes = 32;
const idPattern = new RegExp(`^[A-Za-z0-9_-]{1,${idCharsMax}}$`);
const eciPattern = /^[0-9]{2}$/;
// A CAVV or AAV: 20 bytes in base64 (28 characters); some schemes send a little more.
const authenticationValuePattern = /^[A-Za-z0-9+/]{4,64}={0,2}$/;
const base64UrlPattern = /^[A-Za-z0-9_-]+$/;
const isoInstantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

function unavailable(reason: UnknownReason, detail: string): AuthenticationOutcome {
  return { status: 'unavailable', reason, detail };
}

function text(value: unknown, pattern: RegExp): string | undefined {
  return typeof value === 'string' && pattern.test(value) ? value : undefined;
}

function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > challengeUrlCharsMax || !URL.canParse(value)) return undefined;
  const protocol = new URL(value).protocol;
  return protocol === 'https:' || protocol === 'http:' ? value : undefined;
}

/** Reads the directory server's 200 answer; anything not exactly understood is `unavailable`. */
export function outcomeOf(body: unknown, requestorTransactionId: string): AuthenticationOutcome {
  if (typeof body !== 'object' || body === null) return unavailable(UnknownReason.MalformedResponse, 'not a JSON object');
  const answer = body as Record<string, unknown>;
  if (answer.requestorTransactionId !== requestorTransactionId) {
    return unavailable(UnknownReason.Integrity, 'the answer names another requestorTransactionId');
  }
  const acsTransactionId = text(answer.acsTransactionId, idPattern);
  if (acsTransactionId === undefined) return unavailable(UnknownReason.MalformedResponse, 'acsTransactionId is missing or malformed');
  if (answer.status === 'Y') {
    const eci = text(answer.eci, eciPattern);
    const authenticationValue = text(answer.authenticationValue, authenticationValuePattern);
    if (eci === undefined || authenticationValue === undefined) {
      return unavailable(UnknownReason.MalformedResponse, 'a Y answer needs eci and authenticationValue');
    }
    return { status: 'frictionless', acsTransactionId, eci, authenticationValue };
  }
  if (answer.status === 'C') {
    const challengeUrl = httpUrl(answer.challengeUrl);
    if (challengeUrl === undefined) return unavailable(UnknownReason.MalformedResponse, 'a C answer needs an http(s) challengeUrl');
    return { status: 'challenge', acsTransactionId, challengeUrl };
  }
  return unavailable(UnknownReason.NotEnrolled, `the directory server answered status ${JSON.stringify(answer.status)}`);
}

function invalid(detail: string): Failure<ThreeDSecureError.ResultInvalid> {
  return fail(ThreeDSecureError.ResultInvalid, detail);
}

/** The token's payload when its MAC is right, compared in constant time. */
function authenticPayload(token: string, secret: string): string | Failure<ThreeDSecureError.ResultInvalid> {
  if (token.length > resultTokenCharsMax) return invalid('the result token is too long');
  const parts = token.split('.');
  const [encoded, mac] = parts;
  if (parts.length !== 2 || encoded === undefined || mac === undefined || !base64UrlPattern.test(encoded) || !base64UrlPattern.test(mac)) {
    return invalid('the result token is not two base64url parts');
  }
  const given = Buffer.from(mac, 'base64url');
  // Only the canonical encoding of a 32-byte MAC is accepted, so one result has one token.
  if (given.length !== macBytes || given.toString('base64url') !== mac) return invalid('the result token has no valid signature');
  const expected = createHmac('sha256', secret).update(encoded, 'ascii').digest();
  if (!timingSafeEqual(expected, given)) return invalid('the result token has no valid signature');
  return Buffer.from(encoded, 'base64url').toString('utf8');
}

/**
 * Checks a challenge result: genuine (HMAC-SHA256 under the shared secret), well formed, and
 * issued within `ttlMs` before `now` (and at most `clockSkewMsMax` after it). It does not
 * remember tokens: the caller accepts one result per requestor transaction (its state does).
 */
export function verifyResultToken(
  token: string,
  secret: string,
  now: Date,
  ttlMs: number,
): VerifiedResult | Failure<ThreeDSecureError.ResultInvalid> {
  const payload = authenticPayload(token, secret);
  if (typeof payload !== 'string') return payload;
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return invalid('the result payload is not JSON');
  }
  if (typeof json !== 'object' || json === null) return invalid('the result payload is not an object');
  const result = resultOf(json as Record<string, unknown>);
  if (typeof result === 'string') return invalid(result);
  const ageMs = now.getTime() - result.issuedAt.getTime();
  if (ageMs > ttlMs) return invalid(`the result was issued ${ageMs} ms ago, more than ${ttlMs} ms`);
  if (ageMs < -clockSkewMsMax) return invalid('the result is dated in the future');
  return result;
}

/** The fields of a genuine payload, or what is wrong with them. */
function resultOf(payload: Record<string, unknown>): VerifiedResult | string {
  const acsTransactionId = text(payload.acsTransactionId, idPattern);
  const requestorTransactionId = text(payload.requestorTransactionId, idPattern);
  const eci = text(payload.eci, eciPattern);
  const issuedAtText = text(payload.issuedAt, isoInstantPattern);
  if (acsTransactionId === undefined || requestorTransactionId === undefined) return 'the result lacks its transaction ids';
  if (eci === undefined) return 'the result lacks a two-digit eci';
  if (issuedAtText === undefined || Number.isNaN(Date.parse(issuedAtText))) return 'the result lacks an ISO 8601 UTC issuedAt';
  if (payload.status !== 'Y' && payload.status !== 'N') return 'the result status is neither Y nor N';
  const authenticated = payload.status === 'Y';
  const authenticationValue = text(payload.authenticationValue, authenticationValuePattern);
  if (authenticated && authenticationValue === undefined) return 'an authenticated result needs an authenticationValue';
  return {
    acsTransactionId,
    requestorTransactionId,
    authenticated,
    eci,
    ...(authenticated ? { authenticationValue } : {}),
    issuedAt: new Date(issuedAtText),
  };
}
