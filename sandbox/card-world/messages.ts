import assert from 'node:assert/strict';
import { packMessage, isIso8583Failure, responseMtiOf, type Iso8583Message } from '../../src/protocols/iso8583/index.js';

/**
 * Elements a response repeats from its request, so the requester can match it (DE 11, DE 7)
 * and check that nothing changed on the way (PAN, amount, currency).
 */
const echoedFields: readonly number[] = [2, 3, 4, 7, 11, 32, 37, 41, 42, 49, 70];

/** The answer to `request` with response code DE 39 and any extra elements (DE 38, DE 37). */
export function respond(request: Iso8583Message, responseCode: string, extra: Readonly<Record<number, string>> = {}): Iso8583Message {
  const fields: Record<number, string> = {};
  for (const field of echoedFields) {
    const value = request.fields[field];
    if (value !== undefined) fields[field] = value;
  }
  return { mti: responseMtiOf(request.mti), fields: { ...fields, ...extra, 39: responseCode } };
}

/** Bytes of a message the sandbox built itself: a failure here is a sandbox bug. */
export function packOwn(message: Iso8583Message): Buffer {
  const bytes = packMessage(message);
  assert.ok(!isIso8583Failure(bytes), `sandbox built an invalid ${message.mti}: ${isIso8583Failure(bytes) ? bytes.detail : ''}`);
  return bytes;
}

/** First six and last four digits (PCI DSS masking), for log lines. */
export function maskPan(pan: string | undefined): string {
  if (pan === undefined) return '-';
  return pan.length < 13 ? '*'.repeat(pan.length) : `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;
}
