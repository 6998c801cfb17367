import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, type DestinationPolicy } from './destinations.js';

/**
 * One webhook POST over node:http(s), with the destination check inside the connection's own DNS
 * lookup (destinations.ts). Redirects are not followed; the receiver's body is drained, not read.
 */
export function postGuarded(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  policy: DestinationPolicy,
): Promise<{ status: number }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(policy) as never,
        timeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      },
    );
    req.once('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })));
    req.once('error', reject);
    req.end(body);
  });
}
