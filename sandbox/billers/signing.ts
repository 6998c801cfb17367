import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The billers' half of the request signature (README.md, "Signatures"): HMAC-SHA256 under the
 * key the biller shares with Hutong, over `timestamp \n METHOD \n path?query \n body`, base64.
 * Hutong's half is src/channels/billers/signing.ts, written separately on purpose.
 */
export const signatureAgeMsMax = 5 * 60_000;

export function billerSignature(key: string, timestamp: string, method: string, path: string, body: string): string {
  return createHmac('sha256', key).update(`${timestamp}\n${method}\n${path}\n${body}`, 'utf8').digest('base64');
}

export function verifySignature(
  key: string,
  headers: Record<string, string | string[] | undefined>,
  method: string,
  path: string,
  body: string,
  nowMs: number,
): string | undefined {
  const timestamp = headers['x-hutong-timestamp'];
  const given = headers['x-hutong-signature'];
  if (typeof timestamp !== 'string' || typeof given !== 'string') return 'missing signature headers';
  const atMs = Number(timestamp);
  if (!Number.isInteger(atMs) || Math.abs(nowMs - atMs) > signatureAgeMsMax) return 'timestamp outside the window';
  const expected = Buffer.from(billerSignature(key, timestamp, method, path, body), 'base64');
  const givenBytes = Buffer.from(given, 'base64');
  if (givenBytes.length !== expected.length || givenBytes.toString('base64') !== given || !timingSafeEqual(expected, givenBytes))
    return 'bad signature';
  return undefined;
}
