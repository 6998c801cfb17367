import { findCurrency } from '../../money/index.js';
import type { Iso8583Message } from '../../protocols/iso8583/index.js';
import {
  UnknownReason,
  type AuthorizeRequest,
  type CardBrand,
  type CardConnector,
  type ChannelOutcome,
  type FollowUpRequest,
} from '../connector.js';
import { Iso8583Client, type Iso8583ClientOptions } from './client.js';
import { createStanCounter, createTraceRegistry, stanOf } from './stan.js';
import { outcomeOf, unknownOutcome } from './status.js';
import {
  buildAuthorization,
  buildCompletion,
  buildEcho,
  buildRefund,
  buildReversal,
  messageTrace,
  type WireContext,
  type WireProblem,
} from './wire.js';

/**
 * Hutong's card acquirer connector: ISO 8583:1987 over one persistent TCP connection.
 *
 *   authorize  capture=false → 0100, capture=true → 0200 (processing code 000000)
 *   capture    0220 completion advice, DE 90 naming the authorization
 *   reverse    0400, DE 90 naming the original (authorization, purchase or refund)
 *   refund     0200, processing code 200000
 *
 * The STAN (DE 11) of each financial message is derived from the operation's id (stan.ts) and
 * DE 7 is the request's `sentAt` (else the clock), so the pair can be rebuilt from stored data.
 * Every outcome carries `trace` (MTI, STAN, processing code) and `sentAt`; a capture or reversal
 * names its original in DE 90 from `OriginalReference.trace` and `.sentAt` (wire.ts `traceOf`).
 */
export interface Iso8583AcquirerOptions extends Omit<Iso8583ClientOptions, 'log'> {
  readonly name?: string;
  /** How long one request may take, connecting included, before it is `unknown`. */
  readonly timeoutMs?: number;
  /** DE 32: the id this acquirer knows Hutong by (up to 11 digits). */
  readonly acquiringInstitutionId?: string;
  /** ISO 4217 codes this acquirer settles; see `defaultCurrencies`. */
  readonly currencies?: readonly string[];
  /** Source of DE 7 (transmission time) and `sentAt`. */
  readonly clock?: () => Date;
  readonly log?: (line: string) => void;
}

export interface Iso8583AcquirerConnector extends CardConnector {
  /** 0800 echo test: approved when the acquirer host answers. */
  echo(): Promise<ChannelOutcome>;
  readonly connected: boolean;
}

export const timeoutMsDefault = 2_000;
export const defaultCurrencies: readonly string[] = ['CNY', 'USD', 'EUR', 'GBP', 'JPY', 'HKD', 'KWD', 'SGD', 'AUD', 'CAD'];
export const acceptedBrands: readonly CardBrand[] = ['visa', 'mastercard', 'american-express', 'jcb', 'unionpay'];
const acquiringInstitutionIdDefault = '10000000001';

function checkedCurrencies(codes: readonly string[]): readonly string[] {
  for (const code of codes) {
    if (findCurrency(code) === undefined) throw new Error(`iso8583 acquirer: ${code} is not a payable ISO 4217 currency`);
  }
  return Object.freeze([...codes]);
}

export function createIso8583Acquirer(options: Iso8583AcquirerOptions): Iso8583AcquirerConnector {
  const name = options.name ?? 'iso8583-acquirer';
  const timeoutMs = options.timeoutMs ?? timeoutMsDefault;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error('iso8583 acquirer: timeoutMs must be a positive integer');
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  const acquiringInstitutionId = options.acquiringInstitutionId ?? acquiringInstitutionIdDefault;
  if (!/^[0-9]{1,11}$/.test(acquiringInstitutionId)) throw new Error('iso8583 acquirer: acquiringInstitutionId must be 1–11 digits');
  const currencies = checkedCurrencies(options.currencies ?? defaultCurrencies);
  const client = new Iso8583Client({ ...options, log: (line) => log(`${name}: ${line}`) });
  const nextNetworkStan = createStanCounter();

  const traces = createTraceRegistry();

  /** A financial message's STAN comes from its operation id, its DE 7 from the caller if given. */
  function context(id: string, sentAt: Date | undefined): WireContext {
    return { stan: stanOf(id), sentAt: sentAt ?? clock(), acquiringInstitutionId };
  }

  /** Sends a built message (or reports why it could not be built) and interprets the answer. */
  async function send(wire: WireContext, built: Iso8583Message | WireProblem, authorizationCodeFallback?: string): Promise<ChannelOutcome> {
    if (typeof built === 'string') {
      log(`${name}: request not sent: ${built}`);
      return unknownOutcome(UnknownReason.InvalidRequest, { sentAt: wire.sentAt });
    }
    const exchange = await client.exchange(built, timeoutMs);
    const outcome = outcomeOf(exchange, { request: built, sentAt: wire.sentAt, trace: messageTrace(built), authorizationCodeFallback });
    const detail = outcome.status === 'unknown' ? outcome.reason : outcome.responseCode;
    log(
      `${name}: ${built.mti} stan=${wire.stan} -> ${outcome.status} ${detail}${exchange.kind === 'not_sent' ? ` (${exchange.detail})` : ''}`,
    );
    return outcome;
  }

  function unsupported(brand: CardBrand, currency: string): WireProblem | undefined {
    if (!acceptedBrands.includes(brand)) return `${name} does not accept ${brand} cards`;
    if (!currencies.includes(currency)) return `${name} does not accept ${currency}`;
    return undefined;
  }

  return {
    name,
    capabilities: { authorize: true, capture: true, void: true, refund: true, inquiry: false },
    brands: acceptedBrands,
    currencies,
    get connected() {
      return client.connected;
    },
    reserveTrace(id: string, sentAt: Date) {
      return traces.reserve(stanOf(id), sentAt, id);
    },
    async authorize(request: AuthorizeRequest) {
      const wire = context(request.attemptId, request.sentAt);
      return send(wire, unsupported(request.card.brand, request.amount.currency) ?? buildAuthorization(request, wire));
    },
    async capture(request: FollowUpRequest) {
      const wire = context(request.operationId, request.sentAt);
      return send(wire, buildCompletion(request, wire), request.original.authorizationCode);
    },
    async reverse(request: FollowUpRequest) {
      const wire = context(request.operationId, request.sentAt);
      return send(wire, buildReversal(request, wire), request.original.authorizationCode);
    },
    async refund(request: FollowUpRequest) {
      const wire = context(request.operationId, request.sentAt);
      const { original } = request;
      return send(wire, unsupported(original.card.brand, request.amount.currency) ?? buildRefund(request, wire));
    },
    async echo() {
      const wire = { stan: nextNetworkStan(), sentAt: clock(), acquiringInstitutionId };
      return send(wire, buildEcho(wire));
    },
    close: () => client.close(),
  };
}
