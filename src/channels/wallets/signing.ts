import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { stableJson } from '../../core/ids.js';

/**
 * The merchant's half of the three sandbox wallets' signing conventions
 * (sandbox/wallets/README.md): Hutong signs its requests and verifies what the wallet sends back
 * (answers and asynchronous notifications). Every MAC is HMAC-SHA256 under the wallet's key,
 * base64, compared in constant time; every signed message carries a time that must be within
 * `signatureAgeMsMax` of Hutong's clock, so an old message cannot be replayed.
 *
 * - alipay_sandbox: `k=v&…` of the fields sorted by key (empty values and `sign` left out) in a
 *   `sign` field, with a `timestamp` field; requests and notifications are form-urlencoded,
 *   answers JSON.
 * - wechat_sandbox: JSON bodies; headers Wechatpay-Timestamp (Unix seconds), Wechatpay-Nonce and
 *   Wechatpay-Signature over `METHOD\nPATH\ntimestamp\nnonce\nbody\n` for requests and
 *   `timestamp\nnonce\nbody\n` for answers and notifications.
 * - quickpass_sandbox: JSON bodies with a `signature` field over the sorted JSON of the other
 *   fields, with a `txnTime` field.
 */
export type WalletName = 'alipay_sandbox' | 'wechat_sandbox' | 'quickpass_sandbox';
export const walletNames: readonly WalletName[] = ['alipay_sandbox', 'wechat_sandbox', 'quickpass_sandbox'];

export type Fields = Readonly<Record<string, string>>;
export type Headers = Readonly<Record<string, string | undefined>>;

/** How far a signed message's time may be from Hutong's clock, either way. */
export const signatureAgeMsMax = 5 * 60_000;
/** A signed message above this is not read (the wallets' messages are well under 2 KiB). */
export const signedMessageCharsMax = 16 * 1024;
const macBytes = 32;

export interface OutgoingRequest {
  /** The path and, for GET, the query string. */
  readonly pathWithQuery: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export function mac(key: string, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('base64');
}

/** Constant-time comparison of a base64 MAC with the expected one. */
export function macMatches(key: string, text: string, given: string | undefined): boolean {
  if (given === undefined || !/^[A-Za-z0-9+/]{43}=$/.test(given)) return false;
  const expected = createHmac('sha256', key).update(text, 'utf8').digest();
  const givenBytes = Buffer.from(given, 'base64');
  return givenBytes.length === macBytes && timingSafeEqual(expected, givenBytes);
}

/** Alipay-like: sorted `k=v` pairs joined by `&`, without `sign` and without empty values. */
export function alipayCanonical(fields: Fields): string {
  return Object.keys(fields)
    .filter((name) => name !== 'sign' && fields[name] !== '')
    .sort()
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
}

/** QuickPass-like: the JSON of every field but `signature`, keys sorted, no whitespace. */
export function quickpassCanonical(fields: Fields): string {
  const rest: Record<string, string> = { ...fields };
  delete rest.signature;
  return stableJson(rest);
}

/** WeChat-like, the wallet's side (answers, notifications): `timestamp\nnonce\nbody\n`. */
export function wechatMessageCanonical(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** WeChat-like, the merchant's requests: `METHOD\nPATH\ntimestamp\nnonce\nbody\n`. */
export function wechatRequestCanonical(method: string, pathWithQuery: string, timestamp: string, nonce: string, body: string): string {
  return `${method}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${body}\n`;
}

function query(fields: Fields): string {
  return new URLSearchParams(Object.entries(fields)).toString();
}

/** Signs a request of Hutong's to `wallet`: fields in the body (POST) or the query string (GET). */
export function signRequest(
  wallet: WalletName,
  key: string,
  method: 'GET' | 'POST',
  path: string,
  fields: Fields,
  now: Date,
): OutgoingRequest {
  if (wallet === 'alipay_sandbox') {
    const unsigned = { ...fields, timestamp: now.toISOString(), sign_type: 'HMAC-SHA256' };
    const signed = query({ ...unsigned, sign: mac(key, alipayCanonical(unsigned)) });
    if (method === 'GET') return { pathWithQuery: `${path}?${signed}`, headers: {} };
    return { pathWithQuery: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: signed };
  }
  if (wallet === 'quickpass_sandbox') {
    const unsigned = { ...fields, txnTime: now.toISOString() };
    const signed = { ...unsigned, signature: mac(key, quickpassCanonical(unsigned)) };
    if (method === 'GET') return { pathWithQuery: `${path}?${query(signed)}`, headers: {} };
    return { pathWithQuery: path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(signed) };
  }
  const body = method === 'GET' ? '' : JSON.stringify(fields);
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const headers: Record<string, string> = {
    'wechatpay-timestamp': timestamp,
    'wechatpay-nonce': nonce,
    'wechatpay-signature': mac(key, wechatRequestCanonical(method, path, timestamp, nonce, body)),
  };
  if (method === 'POST') headers['content-type'] = 'application/json';
  return { pathWithQuery: path, headers, ...(method === 'POST' ? { body } : {}) };
}

/** The signed fields, or why they are not believed. */
export type VerifiedFields = { readonly ok: true; readonly fields: Fields } | { readonly ok: false; readonly detail: string };

function rejected(detail: string): VerifiedFields {
  return { ok: false, detail };
}

export function headerOf(headers: Headers, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function withinWindow(signedAtMs: number, now: Date): boolean {
  return Number.isFinite(signedAtMs) && Math.abs(now.getTime() - signedAtMs) <= signatureAgeMsMax;
}

const isoInstantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

function isoTimeMs(text: string | undefined): number {
  return text !== undefined && isoInstantPattern.test(text) ? Date.parse(text) : Number.NaN;
}

/** A JSON object whose values are all strings, or undefined. */
export function stringFieldsOfJson(text: string): Record<string, string> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields: Record<string, string> = {};
  for (const [name, field] of Object.entries(value)) {
    if (typeof field !== 'string') return undefined;
    fields[name] = field;
  }
  return fields;
}

/** Form fields, or undefined when a name repeats (which value was signed would be ambiguous). */
export function stringFieldsOfForm(text: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(fields, name)) return undefined;
    fields[name] = value;
  }
  return fields;
}

function verifyAlipay(fields: Record<string, string> | undefined, key: string, now: Date): VerifiedFields {
  if (fields === undefined) return rejected('the message is not a flat set of string fields');
  if (fields.sign_type !== 'HMAC-SHA256') return rejected('sign_type must be HMAC-SHA256');
  if (!macMatches(key, alipayCanonical(fields), fields.sign)) return rejected('the sign field does not match');
  if (!withinWindow(isoTimeMs(fields.timestamp), now)) return rejected('the timestamp is missing or outside the window');
  return { ok: true, fields };
}

function verifyQuickpass(rawBody: string, key: string, now: Date): VerifiedFields {
  const fields = stringFieldsOfJson(rawBody);
  if (fields === undefined) return rejected('the body is not a JSON object of string fields');
  if (!macMatches(key, quickpassCanonical(fields), fields.signature)) return rejected('the signature field does not match');
  if (!withinWindow(isoTimeMs(fields.txnTime), now)) return rejected('txnTime is missing or outside the window');
  return { ok: true, fields };
}

function verifyWechat(rawBody: string, headers: Headers, key: string, now: Date): VerifiedFields {
  const timestamp = headerOf(headers, 'wechatpay-timestamp');
  const nonce = headerOf(headers, 'wechatpay-nonce');
  if (timestamp === undefined || !/^[0-9]{1,12}$/.test(timestamp) || nonce === undefined || !/^[A-Za-z0-9]{1,64}$/.test(nonce)) {
    return rejected('Wechatpay-Timestamp or Wechatpay-Nonce is missing or malformed');
  }
  if (!macMatches(key, wechatMessageCanonical(timestamp, nonce, rawBody), headerOf(headers, 'wechatpay-signature'))) {
    return rejected('Wechatpay-Signature does not match');
  }
  if (!withinWindow(Number(timestamp) * 1000, now)) return rejected('Wechatpay-Timestamp is outside the window');
  const fields = stringFieldsOfJson(rawBody);
  return fields === undefined ? rejected('the body is not a JSON object of string fields') : { ok: true, fields };
}

/**
 * Verifies a message from the wallet on its raw bytes: an answer to a request (`answer`) or an
 * asynchronous notification (`notification`; only Alipay-like differs: a form, not JSON).
 */
export function verifyWalletMessage(
  wallet: WalletName,
  key: string,
  kind: 'answer' | 'notification',
  rawBody: string,
  headers: Headers,
  now: Date,
): VerifiedFields {
  if (rawBody.length > signedMessageCharsMax) return rejected(`the message exceeds ${signedMessageCharsMax} characters`);
  if (wallet === 'alipay_sandbox') {
    return verifyAlipay(kind === 'answer' ? stringFieldsOfJson(rawBody) : stringFieldsOfForm(rawBody), key, now);
  }
  if (wallet === 'quickpass_sandbox') return verifyQuickpass(rawBody, key, now);
  return verifyWechat(rawBody, headers, key, now);
}
