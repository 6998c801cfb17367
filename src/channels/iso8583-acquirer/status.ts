import { describeResponseCode, type Iso8583Message } from '../../protocols/iso8583/index.js';
import { UnknownReason, type ChannelOutcome } from '../connector.js';
import type { MessageTrace } from './wire.js';
import type { Exchange } from './client.js';

/**
 * From what happened on the wire to a `ChannelOutcome`. Approved or declined only when the acquirer
 * answered and the answer repeats what was sent (PAN, amount, currency): anything else is
 * `unknown`, to be resolved by reversal, never guessed.
 */
export interface OutcomeContext {
  readonly request: Iso8583Message;
  readonly sentAt: Date;
  readonly trace: MessageTrace;
  /** For answers without DE 38 (a completion or reversal): the original's authorization code. */
  readonly authorizationCodeFallback?: string;
}

/**
 * Response codes that say the issuer could not be asked (ISO 8583:1987 DE 39): 91 issuer or switch
 * inoperative, 92 routing error (domain.md §3). Nothing was authorized; another acquirer may reach it.
 */
const issuerUnavailable: ReadonlySet<string> = new Set(['91', '92']);

/** Elements an answer must repeat unchanged; DE 2 only when the answer carries it. */
function integrityHolds(request: Iso8583Message, response: Iso8583Message): boolean {
  const sent = request.fields;
  const got = response.fields;
  const panOk = got[2] === undefined || got[2] === sent[2];
  return panOk && got[4] === sent[4] && got[49] === sent[49];
}

/** `trace` is left out only when nothing was built, so there is nothing to reverse. */
export function unknownOutcome(reason: UnknownReason, context: { readonly sentAt: Date; readonly trace?: MessageTrace }): ChannelOutcome {
  const { sentAt, trace } = context;
  return trace === undefined ? { status: 'unknown', reason, sentAt } : { status: 'unknown', reason, sentAt, trace };
}

function answeredOutcome(response: Iso8583Message, context: OutcomeContext): ChannelOutcome {
  if (!integrityHolds(context.request, response)) return unknownOutcome(UnknownReason.Integrity, context);
  const responseCode = response.fields[39];
  if (responseCode === undefined) return unknownOutcome(UnknownReason.MalformedResponse, context);
  const meaning = describeResponseCode(responseCode);
  const { sentAt, trace } = context;
  if (!meaning.approved)
    return { status: 'declined', responseCode, reason: meaning.reason, unavailable: issuerUnavailable.has(responseCode), sentAt, trace };
  return {
    status: 'approved',
    reference: response.fields[37] ?? '',
    authorizationCode: response.fields[38] ?? context.authorizationCodeFallback ?? '',
    responseCode,
    sentAt,
    trace,
  };
}

export function outcomeOf(exchange: Exchange, context: OutcomeContext): ChannelOutcome {
  switch (exchange.kind) {
    case 'answered':
      return answeredOutcome(exchange.response, context);
    case 'not_sent':
      return unknownOutcome(UnknownReason.NotSent, context);
    case 'timeout':
      return unknownOutcome(UnknownReason.Timeout, context);
    case 'connection_lost':
      return unknownOutcome(UnknownReason.ConnectionLost, context);
  }
}
