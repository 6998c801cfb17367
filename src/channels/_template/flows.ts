import type { CardBrand, CardConnector, ChannelOutcome } from '../connector.js';
import { causeOf, readBounded } from '../http.js';
import { UnknownReason, unknownReasonOfCause } from '../unknown-reason.js';
import { authorizationBody, followUpBody, outcomeOf, type Body } from './wire.js';

/**
 * TEMPLATE for a card acquirer connector (README.md says how to copy it). The flows: each method
 * of the card contract (src/channels/connector.ts) as one request to the counterparty. The
 * connector holds no state; the network never throws out of it: a request that could not be
 * written is `not_sent` (the failover tries the next acquirer), a request with no answer is
 * `timeout` (the failover reverses it first).
 */
export interface TemplateAcquirerOptions {
  readonly name: string;
  /** Where the counterparty listens, e.g. `http://10.0.0.7:8080`. */
  readonly baseUrl: string;
  /** The whole exchange, connecting included, before the outcome is unknown. */
  readonly timeoutMs: number;
  readonly brands?: readonly CardBrand[];
  readonly currencies?: readonly string[];
  readonly fetch?: typeof globalThis.fetch;
}

/** Answers are a few hundred bytes; a bigger one is not read. */
export const responseBytesMax = 16 * 1024;

export function createTemplateAcquirer(options: TemplateAcquirerOptions): CardConnector {
  const doFetch = options.fetch ?? globalThis.fetch;

  async function post(
    path: string,
    body: Body,
    sent: { id: string; amount: { minor: bigint; currency: string } },
  ): Promise<ChannelOutcome> {
    const sentAt = new Date();
    try {
      const response = await doFetch(`${options.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const text = await readBounded(response, responseBytesMax);
      let parsed: Body | undefined;
      try {
        parsed = text === undefined ? undefined : (JSON.parse(text) as Body);
      } catch {
        parsed = undefined;
      }
      return outcomeOf(response.status, parsed, sent, sentAt);
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
        return { status: 'unknown', reason: UnknownReason.Timeout, sentAt };
      return {
        status: 'unknown',
        reason: unknownReasonOfCause(causeOf(error)),
        sentAt,
      };
    }
  }

  return {
    name: options.name,
    capabilities: { authorize: true, capture: true, void: true, refund: true, inquiry: false },
    brands: options.brands ?? ['visa', 'mastercard', 'unionpay'],
    currencies: options.currencies ?? ['CNY', 'USD', 'EUR', 'HKD'],
    authorize: (request) => post('/v1/authorizations', authorizationBody(request), { id: request.attemptId, amount: request.amount }),
    capture: (request) => post('/v1/captures', followUpBody(request), { id: request.operationId, amount: request.amount }),
    reverse: (request) => post('/v1/reversals', followUpBody(request), { id: request.operationId, amount: request.amount }),
    refund: (request) => post('/v1/refunds', followUpBody(request), { id: request.operationId, amount: request.amount }),
    close: async () => undefined,
  };
}
