import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mediaTypeOf, readBody, sendJson } from '../shared/http.js';
import { residents as defaultResidents, type Resident } from './residents.js';

/**
 * A sandbox identity verification service, the kind Chinese payment institutions call for
 * real-name checks: two elements (name + resident ID number, answered from the citizen registry)
 * and bank-card four elements (name, ID number, card number, the phone the bank holds).
 *
 *   POST /v1/id/verify         {"name","id_number"}                          → {"result": "match"|"mismatch"|"not_found"}
 *   POST /v1/bank_cards/verify {"name","id_number","card_number","phone"}    → same
 *
 * Callers authenticate with `Authorization: Bearer <api key>`. The service checks the ID number's
 * GB 11643-1999 check character itself (malformed → 400 `id_number_invalid`).
 */
export const identityKeyDefault = 'idk_sandbox_public_key';

export interface IdentityServiceOptions {
  readonly port?: number;
  readonly apiKey?: string;
  readonly residents?: readonly Resident[];
  /** Fault injection for tests: answer every request with this status. */
  readonly failWith?: () => number | undefined;
}

export interface IdentityService {
  readonly baseUrl: string;
  readonly calls: () => number;
  close(): Promise<void>;
}

const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const checks = '10X98765432';

/** GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check character. */
export function residentIdValid(value: string): boolean {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(value[i]) * (weights[i] as number);
  return checks[sum % 11] === value[17];
}

export async function startIdentityService(options: IdentityServiceOptions = {}): Promise<IdentityService> {
  const apiKey = Buffer.from(options.apiKey ?? identityKeyDefault);
  const byId = new Map((options.residents ?? defaultResidents).map((r) => [r.idNumber, r]));
  let calls = 0;

  function authorized(request: IncomingMessage): boolean {
    const given = Buffer.from((request.headers.authorization ?? '').replace(/^Bearer /, ''));
    return given.length === apiKey.length && timingSafeEqual(given, apiKey);
  }

  function answer(body: Record<string, unknown>, path: string): { status: number; body: unknown } {
    const name = body.name;
    const idNumber = body.id_number;
    if (typeof name !== 'string' || typeof idNumber !== 'string') return { status: 400, body: { error: 'fields_missing' } };
    if (!residentIdValid(idNumber)) return { status: 400, body: { error: 'id_number_invalid' } };
    const person = byId.get(idNumber);
    if (person === undefined) return { status: 200, body: { result: 'not_found' } };
    if (person.name !== name.trim()) return { status: 200, body: { result: 'mismatch' } };
    if (path === '/v1/id/verify') return { status: 200, body: { result: 'match' } };
    const { card_number: cardNumber, phone } = body;
    if (typeof cardNumber !== 'string' || typeof phone !== 'string') return { status: 400, body: { error: 'fields_missing' } };
    const card = person.cards.find((c) => c.number === cardNumber);
    return { status: 200, body: { result: card === undefined ? 'not_found' : card.phone === phone ? 'match' : 'mismatch' } };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    calls += 1;
    const injected = options.failWith?.();
    if (injected !== undefined) return sendJson(response, injected, { error: 'injected_fault' });
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (request.method !== 'POST' || (path !== '/v1/id/verify' && path !== '/v1/bank_cards/verify'))
      return sendJson(response, 404, { error: 'not_found' });
    if (!authorized(request)) return sendJson(response, 401, { error: 'unauthorized' });
    if (mediaTypeOf(request) !== 'application/json') return sendJson(response, 415, { error: 'json_only' });
    const raw = await readBody(request);
    if (raw === 'too_large') return sendJson(response, 413, { error: 'too_large' });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendJson(response, 400, { error: 'json_invalid' });
    }
    if (typeof body !== 'object' || body === null) return sendJson(response, 400, { error: 'json_invalid' });
    const result = answer(body as Record<string, unknown>, path);
    return sendJson(response, result.status, result.body);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => sendJson(response, 500, { error: 'internal' }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type { Resident };
