import { fail, type Failure } from '../../src/core/failure.js';
import { findCurrency } from '../../src/money/index.js';

/**
 * The directory server's request (a simplified EMV 3-D Secure 2 AReq) and its answers (ARes).
 *
 *   POST /ds/authenticate  application/json
 *   { requestorTransactionId, pan, amountMinor: "1234", currency: "USD", merchantName, notificationUrl }
 *
 *   200 { status: 'Y', requestorTransactionId, acsTransactionId, eci, authenticationValue }
 *   200 { status: 'C', requestorTransactionId, acsTransactionId, challengeUrl }
 *   400 { error: 'invalid_request', detail }      409 { error: 'duplicate_transaction', detail }
 */
export interface AuthenticationRequest {
  readonly requestorTransactionId: string;
  readonly pan: string;
  readonly amountMinor: string;
  readonly currency: string;
  readonly merchantName: string;
  readonly notificationUrl: string;
}

export type AuthenticationResponse =
  | {
      readonly status: 'Y';
      readonly requestorTransactionId: string;
      readonly acsTransactionId: string;
      readonly eci: string;
      readonly authenticationValue: string;
    }
  | { readonly status: 'C'; readonly requestorTransactionId: string; readonly acsTransactionId: string; readonly challengeUrl: string };

export enum WireError {
  InvalidRequest = 'invalid_request',
  DuplicateTransaction = 'duplicate_transaction',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  UnsupportedMediaType = 'unsupported_media_type',
  PayloadTooLarge = 'payload_too_large',
}

export const requestorTransactionIdCharsMax = 64;
export const merchantNameCharsMax = 100;
export const notificationUrlCharsMax = 2_048;
/** At most 15 digits, as Hutong's amounts (src/money `amountMinorMax`). */
const amountMinorPattern = /^(0|[1-9][0-9]{0,14})$/;
const requestorTransactionIdPattern = new RegExp(`^[A-Za-z0-9_-]{1,${requestorTransactionIdCharsMax}}$`);
// PAN lengths of ISO/IEC 7812 (12 to 19 digits).
const panPattern = /^[0-9]{12,19}$/;
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f]/;

function stringField(body: Record<string, unknown>, name: keyof AuthenticationRequest): string | Failure<WireError> {
  const value = body[name];
  if (typeof value !== 'string') return fail(WireError.InvalidRequest, `${name} must be a string`);
  return value;
}

export function parseAuthenticationRequest(body: unknown): AuthenticationRequest | Failure<WireError> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail(WireError.InvalidRequest, 'the body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const names = ['requestorTransactionId', 'pan', 'amountMinor', 'currency', 'merchantName', 'notificationUrl'] as const;
  const values: Partial<Record<(typeof names)[number], string>> = {};
  for (const name of names) {
    const value = stringField(fields, name);
    if (typeof value !== 'string') return value;
    values[name] = value;
  }
  const request = values as AuthenticationRequest;
  return checkRequest(request) ?? request;
}

function checkRequest(request: AuthenticationRequest): Failure<WireError> | undefined {
  const invalid = (detail: string): Failure<WireError> => fail(WireError.InvalidRequest, detail);
  if (!requestorTransactionIdPattern.test(request.requestorTransactionId)) {
    return invalid(`requestorTransactionId must be 1 to ${requestorTransactionIdCharsMax} characters of A-Z a-z 0-9 _ -`);
  }
  if (!panPattern.test(request.pan)) return invalid('pan must be 12 to 19 digits');
  if (!amountMinorPattern.test(request.amountMinor)) {
    return invalid('amountMinor must be a decimal string of at most 15 digits, minor units');
  }
  if (findCurrency(request.currency) === undefined) return invalid('currency must be an ISO 4217 code');
  const name = request.merchantName;
  if (name.trim() === '' || name.length > merchantNameCharsMax || controlCharacters.test(name)) {
    return invalid(`merchantName must be 1 to ${merchantNameCharsMax} printable characters`);
  }
  if (request.notificationUrl.length > notificationUrlCharsMax || !isHttpUrl(request.notificationUrl)) {
    return invalid(`notificationUrl must be an http or https URL of at most ${notificationUrlCharsMax} characters`);
  }
  return undefined;
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return url.protocol === 'http:' || url.protocol === 'https:';
}
