import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson } from '../shared/http.js';
import { findTestCard, type TestCardOutcome } from '../card-world/test-cards.js';

/**
 * The sandbox HTTP acquirer (README.md): JSON over HTTP, idempotent by operation id. It keeps the
 * amount each authorization holds, so a test can see what a reversal released.
 */
export interface HttpAcquirerOptions {
  readonly port?: number;
  /** Every financial request answers 503 issuer_unavailable (the issuer side is down). */
  readonly issuerUnavailable?: boolean;
}

export interface HttpAcquirer {
  readonly url: string;
  /** Held or charged minor units per authorization id (0 once reversed). */
  readonly held: ReadonlyMap<string, bigint>;
  /** Paths received, in order. */
  readonly received: readonly string[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const declines: Partial<Record<TestCardOutcome, [string, string]>> = {
  'do-not-honor': ['05', 'do not honor'],
  'insufficient-funds': ['51', 'insufficient funds'],
  expired: ['54', 'expired card'],
};

let referenceSeq = 0;

export async function startHttpAcquirer(options: HttpAcquirerOptions = {}): Promise<HttpAcquirer> {
  const held = new Map<string, bigint>();
  const answers = new Map<string, Json>();
  const received: string[] = [];

  function authorize(body: Json): Json | 'silent' | 'unavailable' {
    const card = findTestCard(String(body.pan));
    if (card?.outcome === 'no-answer') return 'silent';
    if (card?.outcome === 'issuer-inoperative') return 'unavailable';
    const decline = card === undefined ? undefined : declines[card.outcome];
    const echo = { id: body.id, amount: body.amount, currency: body.currency };
    if (decline !== undefined) return { ...echo, status: 'declined', code: decline[0], reason: decline[1] };
    held.set(String(body.id), BigInt(String(body.amount)));
    const reference = String(++referenceSeq).padStart(12, '0');
    return { ...echo, status: 'approved', code: '00', reason: 'approved', reference, authorization_code: reference.slice(-6) };
  }

  function followUp(path: string, body: Json): Json {
    const original = String(body.original_id);
    const echo = { id: body.id, amount: body.amount, currency: body.currency };
    if (!held.has(original)) return { ...echo, status: 'declined', code: '25', reason: 'original not found' };
    if (path === '/v1/reversals') held.set(original, 0n);
    return { ...echo, status: 'approved', code: '00', reason: 'approved', reference: original.slice(-12) };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? '';
    received.push(path);
    const raw = await readBody(request);
    const body = raw === 'too_large' ? undefined : (JSON.parse(raw.toString('utf8')) as Json);
    if (request.method !== 'POST' || body === undefined || typeof body.id !== 'string')
      return sendJson(response, 400, { status: 'invalid' });
    if (options.issuerUnavailable === true) return sendJson(response, 503, { status: 'issuer_unavailable' });
    const key = `${path} ${body.id}`;
    const known = answers.get(key);
    if (known !== undefined) return sendJson(response, 200, known);
    const answer = path === '/v1/authorizations' ? authorize(body) : followUp(path, body);
    if (answer === 'silent') return; // the request hangs; the caller's timeout decides
    if (answer === 'unavailable') return sendJson(response, 503, { status: 'issuer_unavailable' });
    answers.set(key, answer);
    sendJson(response, 200, answer);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => sendJson(response, 400, { status: 'invalid' }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
