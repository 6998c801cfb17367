/**
 * Why a counterparty gave no usable answer: the one enum every kind of connector (card acquirer,
 * wallet, 3-D Secure, bank) reports with, so that callers can tell "never left Hutong" (NotSent,
 * InvalidRequest: safe to try another route) from "may have reached the counterparty" (the rest:
 * reverse, or ask again with the same id, before trying anywhere else). Never a guess.
 */
export enum UnknownReason {
  /** No byte of the request was written (connection refused, no such host, client closed, too many in flight). */
  NotSent = 'not_sent',
  /** The request could not be encoded for this counterparty (brand, currency, field format); not sent. */
  InvalidRequest = 'invalid_request',
  Timeout = 'timeout',
  /** The connection broke after the request may have been written. */
  ConnectionLost = 'connection_lost',
  /** The answer names another order, amount, currency or card than the one sent. */
  Integrity = 'integrity',
  MalformedResponse = 'malformed_response',
  /** An HTTP status the protocol does not define for this request (a 5xx). */
  HttpStatus = 'http_status',
  /** The answer is not signed with the counterparty's key, or its time is outside the window. */
  SignatureInvalid = 'signature_invalid',
  /** The counterparty refused the request as malformed or unauthorized (a 4xx it defines). */
  Rejected = 'rejected',
  /** The counterparty already holds this id with other content. */
  Conflict = 'conflict',
  /** The counterparty does not know the id asked about. */
  NotFound = 'not_found',
  /** 3-D Secure: the directory server would not authenticate this card (not enrolled, or no Y/C status). */
  NotEnrolled = 'not_enrolled',
}

const notSentCauses: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** The reason for a network error of an HTTP exchange, from its low-level cause (see http.ts `causeOf`). */
export function unknownReasonOfCause(cause: string): UnknownReason {
  return notSentCauses.has(cause) ? UnknownReason.NotSent : UnknownReason.ConnectionLost;
}
