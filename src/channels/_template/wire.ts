import { amountFromMinor, isMoneyFailure, type Amount } from '../../money/index.js';
import { UnknownReason, type AuthorizeRequest, type ChannelOutcome, type FollowUpRequest } from '../connector.js';

/**
 * The wire format and the status mapping: the only file that knows the counterparty's field names
 * and codes. TEMPLATE: replace the bodies and the mapping with your counterparty's (here: the JSON
 * of sandbox/http-acquirer/README.md). Keep the rules: approved or declined only when the
 * counterparty said so, and only when its answer repeats what was sent (id, amount, currency).
 */
export type Body = Readonly<Record<string, unknown>>;

export function authorizationBody(request: AuthorizeRequest): Body {
  const { card, amount, merchant } = request;
  return {
    id: request.attemptId,
    pan: card.pan,
    expiry: card.expiryYymm,
    ...(card.securityCode === undefined ? {} : { cvc: card.securityCode }),
    amount: amount.minor.toString(),
    currency: amount.currency,
    capture: request.capture,
    merchant: { id: merchant.id, name: merchant.name, country: merchant.country, mcc: merchant.mcc },
  };
}

export function followUpBody(request: FollowUpRequest): Body {
  return {
    id: request.operationId,
    original_id: request.original.attemptId,
    amount: request.amount.minor.toString(),
    currency: request.amount.currency,
  };
}

function amountOf(body: Body): Amount | undefined {
  if (typeof body.amount !== 'string' || !/^[0-9]{1,15}$/.test(body.amount) || typeof body.currency !== 'string') return undefined;
  const amount = amountFromMinor(BigInt(body.amount), body.currency);
  return isMoneyFailure(amount) ? undefined : amount;
}

/** From an HTTP answer to a `ChannelOutcome` (protocol-neutral). */
export function outcomeOf(httpStatus: number, body: Body | undefined, sent: { id: string; amount: Amount }, sentAt: Date): ChannelOutcome {
  // The counterparty's own word that the issuer cannot be reached: nothing was taken.
  if (httpStatus === 503 && body?.status === 'issuer_unavailable')
    return { status: 'declined', responseCode: 'issuer_unavailable', reason: 'issuer unavailable', unavailable: true, sentAt };
  if (httpStatus !== 200 || body === undefined) return { status: 'unknown', reason: UnknownReason.MalformedResponse, sentAt };
  const amount = amountOf(body);
  if (body.id !== sent.id || amount?.minor !== sent.amount.minor || amount.currency !== sent.amount.currency)
    return { status: 'unknown', reason: UnknownReason.Integrity, sentAt };
  const code = typeof body.code === 'string' ? body.code : '';
  const reason = typeof body.reason === 'string' ? body.reason : '';
  if (body.status === 'declined') return { status: 'declined', responseCode: code, reason, unavailable: false, sentAt };
  if (body.status !== 'approved') return { status: 'unknown', reason: UnknownReason.MalformedResponse, sentAt };
  const reference = typeof body.reference === 'string' ? body.reference : '';
  const authorizationCode = typeof body.authorization_code === 'string' ? body.authorization_code : '';
  return { status: 'approved', reference, authorizationCode, responseCode: code, sentAt };
}
