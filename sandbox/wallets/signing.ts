import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { stableJson } from '../../src/core/ids.js';
import type { WalletName } from './profiles.js';

/**
 * The wallet's half of the signing conventions (README.md, "Signatures"): it verifies the
 * merchant's requests and signs its answers and notifications. Hutong's half is
 * src/channels/wallets/signing.ts; the two are written separately on purpose, so a mistake in
 * one canonicalization shows up as a failed test instead of agreeing with itself.
 */
export type Fields = Readonly<Record<string, string>>;

/** A request's time may be this far from the wallet's clock, either way. */
export const signatureAgeMsMax = 5 * 60_000;

export interface SignedMessage {
  readonly contentType: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type VerifiedRequest = { readonly ok: true; readonly fields: Fields } | { readonly ok: false; readonly detail: string };

function hmacBase64(key: string, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('base64');
}

function sameMac(key: string, text: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const expected = createHmac('sha256', key).update(text, 'utf8').digest();
  const givenBytes = Buffer.from(given, 'base64');
  // Buffer.from ignores characters outside base64; requiring the exact canonical text closes that.
  return givenBytes.length === expected.length && givenBytes.toString('base64') === given && timingSafeEqual(expected, givenBytes);
}

function alipayString(fields: Fields): string {
  return Object.entries(fields)
    .filter(([name, value]) => name !== 'sign' && value.length > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function quickpassString(fields: Fields): string {
  return stableJson(Object.fromEntries(Object.entries(fields).filter(([name]) => name !== 'signature')));
}

function formFields(text: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(fields, name)) return undefined;
    fields[name] = value;
  }
  return fields;
}

function jsonFields(text: string): Record<string, string> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  return entries.every(([, field]) => typeof field === 'string') ? (Object.fromEntries(entries) as Record<string, string>) : undefined;
}

function fresh(signedAtMs: number, now: Date): boolean {
  return Number.isFinite(signedAtMs) && Math.abs(now.getTime() - signedAtMs) <= signatureAgeMsMax;
}

function isoMs(text: string | undefined): number {
  return text !== undefined && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(text) ? Date.parse(text) : Number.NaN;
}

function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

export interface IncomingRequest {
  readonly method: string;
  /** The request target exactly as received: path and query. */
  readonly target: string;
  /** Node's lower-cased headers. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** Verifies a merchant's request to `wallet`: the fields it signed, or why it is refused (401). */
export function verifyRequest(wallet: WalletName, key: string, request: IncomingRequest, now: Date): VerifiedRequest {
  const query = request.target.includes('?') ? request.target.slice(request.target.indexOf('?') + 1) : '';
  if (wallet === 'alipay_sandbox') {
    const fields = formFields(request.method === 'GET' ? query : request.body);
    if (fields === undefined) return { ok: false, detail: 'a field appears twice' };
    if (fields.sign_type !== 'HMAC-SHA256' || !sameMac(key, alipayString(fields), fields.sign))
      return { ok: false, detail: 'sign does not match' };
    if (!fresh(isoMs(fields.timestamp), now)) return { ok: false, detail: 'timestamp is missing or outside the window' };
    return { ok: true, fields };
  }
  if (wallet === 'quickpass_sandbox') {
    const fields = request.method === 'GET' ? formFields(query) : jsonFields(request.body);
    if (fields === undefined) return { ok: false, detail: 'the fields are not a flat set of strings' };
    if (!sameMac(key, quickpassString(fields), fields.signature)) return { ok: false, detail: 'signature does not match' };
    if (!fresh(isoMs(fields.txnTime), now)) return { ok: false, detail: 'txnTime is missing or outside the window' };
    return { ok: true, fields };
  }
  const timestamp = header(request.headers, 'wechatpay-timestamp');
  const nonce = header(request.headers, 'wechatpay-nonce');
  if (timestamp === undefined || !/^[0-9]{1,12}$/.test(timestamp) || nonce === undefined || !/^[A-Za-z0-9]{1,64}$/.test(nonce)) {
    return { ok: false, detail: 'Wechatpay-Timestamp or Wechatpay-Nonce is missing or malformed' };
  }
  const signed = `${request.method}\n${request.target}\n${timestamp}\n${nonce}\n${request.body}\n`;
  if (!sameMac(key, signed, header(request.headers, 'wechatpay-signature')))
    return { ok: false, detail: 'Wechatpay-Signature does not match' };
  if (!fresh(Number(timestamp) * 1000, now)) return { ok: false, detail: 'Wechatpay-Timestamp is outside the window' };
  const fields = request.method === 'GET' ? {} : jsonFields(request.body);
  return fields === undefined ? { ok: false, detail: 'the body is not a JSON object of strings' } : { ok: true, fields };
}

/**
 * Signs what the wallet sends: an answer to a request, or a notification (only Alipay-like
 * differs: its notifications are a form, its answers JSON).
 */
export function signMessage(wallet: WalletName, key: string, kind: 'answer' | 'notification', fields: Fields, now: Date): SignedMessage {
  if (wallet === 'alipay_sandbox') {
    const unsigned = { ...fields, timestamp: now.toISOString(), sign_type: 'HMAC-SHA256' };
    const signed = { ...unsigned, sign: hmacBase64(key, alipayString(unsigned)) };
    if (kind === 'notification') {
      return { contentType: 'application/x-www-form-urlencoded', headers: {}, body: new URLSearchParams(signed).toString() };
    }
    return { contentType: 'application/json; charset=utf-8', headers: {}, body: JSON.stringify(signed) };
  }
  if (wallet === 'quickpass_sandbox') {
    const unsigned = { ...fields, txnTime: now.toISOString() };
    const body = JSON.stringify({ ...unsigned, signature: hmacBase64(key, quickpassString(unsigned)) });
    return { contentType: 'application/json; charset=utf-8', headers: {}, body };
  }
  const body = JSON.stringify(fields);
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const headers = {
    'wechatpay-timestamp': timestamp,
    'wechatpay-nonce': nonce,
    'wechatpay-signature': hmacBase64(key, `${timestamp}\n${nonce}\n${body}\n`),
  };
  return { contentType: 'application/json; charset=utf-8', headers, body };
}
