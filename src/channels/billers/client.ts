import { createHmac } from 'node:crypto';
import { causeOf, readBounded } from '../http.js';
import type { BillerEndpoint, DailyFileOutcome, DailyLine } from './contract.js';

/**
 * Signed HTTP to a biller: HMAC-SHA256 under the shared key over
 * `timestamp \n METHOD \n path?query \n body` (base64), in X-Hutong-Timestamp / X-Hutong-Signature.
 * Answers are bounded; a timeout, a broken connection or a 5xx is `unreachable`.
 */
export const answerBytesMax = 256 * 1024;

export type HttpAnswer =
  | { readonly kind: 'answer'; readonly status: number; readonly json: Record<string, unknown>; readonly text: string }
  | { readonly kind: 'unreachable'; readonly detail: string };

export function signRequest(key: string, timestamp: string, method: string, path: string, body: string): string {
  return createHmac('sha256', key).update(`${timestamp}\n${method}\n${path}\n${body}`, 'utf8').digest('base64');
}

export async function call(endpoint: BillerEndpoint, method: 'GET' | 'POST', path: string, body?: unknown): Promise<HttpAnswer> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const timestamp = String(Date.now());
  try {
    const response = await fetch(`${endpoint.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        'x-hutong-timestamp': timestamp,
        'x-hutong-signature': signRequest(endpoint.key, timestamp, method, path, text),
      },
      body: body === undefined ? undefined : text,
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    const answer = await readBounded(response, answerBytesMax);
    if (answer === undefined) return { kind: 'unreachable', detail: 'answer too large' };
    if (response.status >= 500) return { kind: 'unreachable', detail: `biller answered ${response.status}` };
    let json: Record<string, unknown> = {};
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      try {
        json = JSON.parse(answer) as Record<string, unknown>;
      } catch {
        return { kind: 'unreachable', detail: 'answer is not JSON' };
      }
    }
    return { kind: 'answer', status: response.status, json, text: answer };
  } catch (error) {
    return { kind: 'unreachable', detail: causeOf(error) };
  }
}

/** A JSON integer of minor units as bigint, or undefined (never a float near money). */
export function minorOf(value: unknown): bigint | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
}

export async function available(endpoint: BillerEndpoint): Promise<boolean> {
  const answer = await call(endpoint, 'GET', '/health');
  return answer.kind === 'answer' && answer.status === 200;
}

const dailyHeader = 'reference,receipt_no,account,amount_minor,booked_at';

/** The end-of-day CSV every sandbox biller writes (one header, one booking a line). */
export async function dailyFile(endpoint: BillerEndpoint, date: string): Promise<DailyFileOutcome> {
  const answer = await call(endpoint, 'GET', `/eod/${date}`);
  if (answer.kind === 'unreachable') return { kind: 'unavailable', detail: answer.detail };
  if (answer.status !== 200) return { kind: 'unavailable', detail: `biller answered ${answer.status}` };
  const rows = answer.text.split('\n').filter((row) => row.length > 0);
  if (rows[0] !== dailyHeader) return { kind: 'unavailable', detail: 'the daily file has an unknown header' };
  const lines: DailyLine[] = [];
  for (const row of rows.slice(1)) {
    const [reference, receipt, account, amount, bookedAt] = row.split(',');
    if (bookedAt === undefined || !/^\d+$/.test(amount ?? '')) return { kind: 'unavailable', detail: `malformed line: ${row}` };
    lines.push({
      reference: reference as string,
      receipt: receipt as string,
      account: account as string,
      amountMinor: BigInt(amount as string),
      bookedAt,
    });
  }
  return { kind: 'file', lines };
}
