import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP plumbing every sandbox server uses (node:http, no framework): bounded bodies, plain
 * answers, and pages that carry no script and load nothing from elsewhere.
 */

/** Request bodies above this are refused: 413. Sandbox requests are well under 2 KiB. */
export const bodyBytesMax = 16 * 1024;

/** Reads a body of at most `bytesMax`; a longer one is drained and reported as 'too_large'. */
export function readBody(request: IncomingMessage, bytesMax: number = bodyBytesMax): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? '0');
    if (declared > bytesMax) {
      request.resume();
      resolve('too_large');
      return;
    }
    const chunks: Buffer[] = [];
    let sizeBytes = 0;
    request.on('data', (chunk: Buffer) => {
      sizeBytes += chunk.length;
      if (sizeBytes <= bytesMax) chunks.push(chunk);
    });
    request.on('end', () => resolve(sizeBytes > bytesMax ? 'too_large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export function mediaTypeOf(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function sendText(
  response: ServerResponse,
  httpStatus: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(httpStatus, {
    ...headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}

export function sendJson(response: ServerResponse, httpStatus: number, body: unknown): void {
  sendText(response, httpStatus, 'application/json; charset=utf-8', JSON.stringify(body));
}

// No scripts and no external assets: inline styles only. Forms post to the page itself, which
// then redirects to the requestor or the merchant's return URL, so form-action allows http(s).
const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self' http: https:";

export function sendHtml(response: ServerResponse, httpStatus: number, html: string): void {
  response.writeHead(httpStatus, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'content-security-policy': contentSecurityPolicy,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  response.end(html);
}

export function redirectSeeOther(response: ServerResponse, location: string): void {
  response.writeHead(303, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-length': 0 });
  response.end();
}

/** A host as it goes into a URL: wildcard listens are reached on loopback; IPv6 in brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Listens and resolves the port actually bound (0 = any free port). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting and drops kept-alive connections, so close() does not wait on idle clients. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** English, then Chinese marked as such for screen readers. */
export function bilingual(english: string, chinese: string): string {
  return `${english} <span lang="zh-CN">${chinese}</span>`;
}
