import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson, sendText } from '../shared/http.js';
import type { Book } from './book.js';
import { verifySignature } from './signing.js';

/**
 * How a sandbox biller behaves, switched by `POST /_sandbox/mode` (tests and the README use it):
 * slow — every answer comes `slow_ms` late; down — 503 to everything;
 * and for payment postings only: drop — booked, but the answer is lost; lose — the posting
 * vanishes (not booked, no answer); hang — held `slow_ms`, then booked (the caller may be gone).
 */
export type BillerMode = 'normal' | 'slow' | 'down' | 'drop' | 'lose' | 'hang';
export const billerModes: readonly BillerMode[] = ['normal', 'slow', 'down', 'drop', 'lose', 'hang'];

export interface BillerRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly json: Record<string, unknown>;
}

export interface BillerAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** One biller: its own routes and wire shape, over the shared plumbing below. */
export interface BillerShape {
  readonly book: Book;
  handle(request: BillerRequest): BillerAnswer;
  /** Is this request a payment posting (the faults drop, lose and hang apply to postings only)? */
  isPosting(method: string, path: string): boolean;
  /** A booking Hutong never asked for (a planted "at the biller only" discrepancy). */
  plantBooking(reference: string, account: string, amountMinor: bigint): void;
}

export interface RunningBiller {
  readonly url: string;
  setMode(mode: BillerMode, slowMs?: number): void;
  close(): Promise<void>;
}

/** `slow` answers after this long, unless the mode names another delay. */
export const slowMsDefault = 3_000;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

export async function startBillerServer(options: {
  shape: BillerShape;
  key: string;
  port?: number;
  host?: string;
}): Promise<RunningBiller> {
  const { shape, key } = options;
  let mode: BillerMode = 'normal';
  let slowMs = slowMsDefault;

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://biller');
    const body = await readBody(request);
    if (body === 'too_large') return sendJson(response, 413, { error: 'body too large' });
    const text = body.toString('utf8');
    let json: Record<string, unknown> = {};
    if (text.length > 0) {
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return sendJson(response, 400, { error: 'body is not JSON' });
      }
    }
    // The control surface of the sandbox (not part of any biller's API): unsigned, local use.
    if (url.pathname.startsWith('/_sandbox/')) return control(url.pathname, json, response);
    if (mode === 'down') return sendJson(response, 503, { error: 'biller down for maintenance' });
    // The signature's freshness is a transport matter: it is judged on the wall clock.
    const refused = verifySignature(key, request.headers, request.method ?? 'GET', `${url.pathname}${url.search}`, text, Date.now());
    if (refused !== undefined) return sendJson(response, 401, { error: refused });
    const posting = shape.isPosting(request.method ?? 'GET', url.pathname);
    if (mode === 'slow' || (mode === 'hang' && posting)) await new Promise((r) => setTimeout(r, slowMs));
    if (mode === 'lose' && posting) {
      response.socket?.destroy();
      return;
    }
    const eod = /^\/eod\/([^/]+)$/.exec(url.pathname);
    const answer: BillerAnswer =
      url.pathname === '/health'
        ? { status: 200, body: { status: 'up' } }
        : eod !== null && request.method === 'GET'
          ? { status: datePattern.test(eod[1] as string) ? 200 : 400, body: shape.book.dailyFile(eod[1] as string) }
          : shape.handle({ method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, json });
    // `drop`: the biller did the work (a posting is booked) but the answer never arrives.
    if (mode === 'drop' && posting) {
      response.socket?.destroy();
      return;
    }
    if (typeof answer.body === 'string') return sendText(response, answer.status, 'text/csv; charset=utf-8', answer.body);
    return sendJson(response, answer.status, answer.body);
  }

  function control(path: string, json: Record<string, unknown>, response: ServerResponse): void {
    if (path === '/_sandbox/mode') {
      const wanted = json.mode as BillerMode;
      if (!billerModes.includes(wanted)) return sendJson(response, 400, { error: `mode is one of ${billerModes.join(', ')}` });
      mode = wanted;
      slowMs = typeof json.slow_ms === 'number' && json.slow_ms >= 0 && json.slow_ms <= 60_000 ? json.slow_ms : slowMsDefault;
      return sendJson(response, 200, { mode, slow_ms: slowMs });
    }
    if (path === '/_sandbox/plant' && json.kind === 'biller_only') {
      shape.plantBooking(String(json.reference), String(json.account), BigInt(String(json.amount_minor)));
      return sendJson(response, 200, { planted: 'biller_only', reference: json.reference });
    }
    if (path === '/_sandbox/plant' && json.kind === 'missing_from_file') {
      const hidden = shape.book.hideFromFile(String(json.reference));
      return sendJson(response, hidden ? 200 : 404, { planted: hidden ? 'missing_from_file' : null, reference: json.reference });
    }
    if (path === '/_sandbox/plant' && json.kind === 'amount_in_file') {
      const done =
        /^\d+$/.test(String(json.amount_minor)) && shape.book.misstateInFile(String(json.reference), BigInt(String(json.amount_minor)));
      return sendJson(response, done ? 200 : 404, { planted: done ? 'amount_in_file' : null, reference: json.reference });
    }
    if (path === '/_sandbox/plant' && json.kind === 'lost') {
      const done = shape.book.forget(String(json.reference));
      return sendJson(response, done ? 200 : 404, { planted: done ? 'lost' : null, reference: json.reference });
    }
    return sendJson(response, 404, { error: 'no such control' });
  }

  const server: Server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    setMode(next, ms) {
      mode = next;
      slowMs = ms ?? slowMsDefault;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
