import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/core/clock.js';
import { mediaTypeOf, readBody, sendJson, sendText, urlHost } from '../shared/http.js';
import { createSingleWindow, type Declarant, type Receipt, type SingleWindow } from './single-window.js';

/**
 * The single window over HTTP:
 * - `POST /ceb/messages` (application/xml): one CEB message; the answer is the synchronous receipt;
 * - `GET /ceb/receipts?copCode=&after=`: the receipts for a declarant after a sequence number;
 *   each is also pushed to the declarant's `receiptUrl` (POST application/xml, retried);
 * - `POST /ceb/declarants`: registers a declarant's certificate (a sandbox stand-in for filing);
 * - `GET /ceb/certificate`: customs' own public key, which signs every receipt;
 * - `GET /ceb/inventories/:ebpCode/:orderNo`: the three orders matched and the inventory's fate;
 * - `POST /ceb/payment_data_queries` `{ copCode, ebpCode, orderNo }`: customs asks that payment
 *   institution for the order's raw payment record and shows what it checked;
 * - `POST /ceb/faults`: `{ down }` makes every message answer 503 (customs down); `{ delay_ms }`
 *   holds each message that long before taking it (customs slow).
 */
export const messageBytesMax = 256 * 1024;
const pushAttemptsMax = 5;
const pushRetryBaseMs = 100;
const pollPageMax = 500;
const delayMsMax = 60_000;

const keepAliveMs = 65_000;

export interface SingleWindowServer {
  readonly baseUrl: string;
  readonly window: SingleWindow;
  readonly certificate: { readonly certNo: string; readonly publicKeyPem: string };
  setDown(down: boolean): void;
  /** How many distinct CEB411 messages (guids) customs stored for this payment. */
  paymentSlips(payTransactionId: string): number;
  /** How many CEB messages arrived (before any delay), for tests that act while one is in flight. */
  messagesReceived(): number;
  setDelayMs(ms: number): void;
  close(): Promise<void>;
}

export async function startSingleWindowServer(options: {
  port: number;
  host?: string;
  clock: Clock;
  key: { privateKeyPem: string; publicKeyPem: string; certNo: string };
  annualMaxFen?: bigint;
  log?: (line: string) => void;
}): Promise<SingleWindowServer> {
  let down = false;
  let delayMs = 0;
  let received = 0;
  const window = createSingleWindow({
    clock: options.clock,
    key: options.key,
    annualMaxFen: options.annualMaxFen,
    onReceipt: (r) => void push(r),
  });

  async function push(receipt: Receipt): Promise<void> {
    const url = window.declarant(receipt.copCode)?.receiptUrl;
    if (url === undefined) return;
    for (let attempt = 0; attempt < pushAttemptsMax; attempt++) {
      try {
        const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: receipt.xml });
        await answer.arrayBuffer();
        if (answer.ok) return;
      } catch {
        // Unreachable declarant: try again, then leave the receipt for polling.
      }
      await new Promise((resolve) => setTimeout(resolve, pushRetryBaseMs * 2 ** attempt));
    }
    options.log?.(`customs: receipt ${receipt.seq} not delivered to ${receipt.copCode}; it waits to be polled`);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const path = url.pathname;
    if (request.method === 'POST' && path === '/ceb/messages') {
      if (down) return sendText(response, 503, 'text/plain', 'customs single window unavailable');
      if (!mediaTypeOf(request).endsWith('xml')) return sendText(response, 415, 'text/plain', 'send application/xml');
      const body = await readBody(request, messageBytesMax);
      if (body === 'too_large') return sendText(response, 413, 'text/plain', 'message too large');
      received++;
      // A slow customs takes the message in, then answers late (the sender may be gone by then).
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const receipt = window.accept(body.toString('utf8'));
      return sendText(response, 200, 'application/xml; charset=utf-8', receipt.xml);
    }
    if (request.method === 'GET' && path === '/ceb/receipts') {
      const after = Number(url.searchParams.get('after') ?? '0');
      const list = window.receiptsFor(url.searchParams.get('copCode') ?? '', Number.isFinite(after) ? after : 0, pollPageMax);
      return sendJson(response, 200, {
        receipts: list.map((r) => ({ seq: r.seq, guid: r.guid, kind: r.kind, return_status: r.returnStatus, xml: r.xml })),
      });
    }
    if (request.method === 'POST' && path === '/ceb/declarants') {
      const body = await readBody(request);
      if (body === 'too_large') return sendText(response, 413, 'text/plain', 'too large');
      const d = JSON.parse(body.toString('utf8')) as Declarant;
      if (typeof d.copCode !== 'string' || typeof d.publicKeyPem !== 'string' || typeof d.certNo !== 'string')
        return sendJson(response, 400, { error: 'copCode, copName, certNo and publicKeyPem are required' });
      window.register({
        copCode: d.copCode,
        copName: d.copName,
        certNo: d.certNo,
        publicKeyPem: d.publicKeyPem,
        receiptUrl: d.receiptUrl,
        queryUrl: d.queryUrl,
      });
      return sendJson(response, 201, { copCode: d.copCode, certNo: d.certNo });
    }
    if (request.method === 'POST' && path === '/ceb/payment_data_queries') {
      const body = await readBody(request);
      if (body === 'too_large') return sendText(response, 413, 'text/plain', 'too large');
      const q = JSON.parse(body.toString('utf8')) as { copCode?: string; ebpCode?: string; orderNo?: string };
      const verdict = await window.rawDataQuery(q.copCode ?? '', q.ebpCode ?? '', q.orderNo ?? '');
      return verdict === undefined ? sendJson(response, 404, { error: 'no such payment institution' }) : sendJson(response, 200, verdict);
    }
    if (request.method === 'GET' && path === '/ceb/certificate')
      return sendJson(response, 200, { certNo: options.key.certNo, publicKeyPem: options.key.publicKeyPem });
    const inventory = /^\/ceb\/inventories\/([^/]+)\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && inventory !== null) {
      const view = window.inventory(decodeURIComponent(inventory[1] as string), decodeURIComponent(inventory[2] as string));
      return view === undefined ? sendJson(response, 404, { error: 'no inventory list for this order' }) : sendJson(response, 200, view);
    }
    if (request.method === 'POST' && path === '/ceb/faults') {
      const body = await readBody(request);
      if (body === 'too_large') return sendText(response, 413, 'text/plain', 'too large');
      const faults = JSON.parse(body.toString('utf8')) as { down?: boolean; delay_ms?: number };
      down = faults.down === true;
      delayMs = Number.isInteger(faults.delay_ms) ? Math.min(Math.max(faults.delay_ms as number, 0), delayMsMax) : 0;
      return sendJson(response, 200, { down, delay_ms: delayMs });
    }
    return sendJson(response, 404, { error: 'not found' });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.log?.(`customs: ${String(error)}`);
      if (!response.headersSent) sendJson(response, 400, { error: 'bad request' });
    });
  });
  // Longer than any client's idle keep-alive, so a client never reuses a socket we are closing.
  server.keepAliveTimeout = keepAliveMs;
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    baseUrl: `http://${urlHost(address.address)}:${address.port}`,
    window,
    certificate: { certNo: options.key.certNo, publicKeyPem: options.key.publicKeyPem },
    setDown: (value) => {
      down = value;
    },
    paymentSlips: (id) => window.paymentSlips(id),
    messagesReceived: () => received,
    setDelayMs: (ms) => {
      delayMs = Math.min(Math.max(ms, 0), delayMsMax);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
