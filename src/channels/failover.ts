import assert from 'node:assert/strict';
import { UnknownReason, type AuthorizeRequest, type CardConnector, type ChannelOutcome, type FollowUpRequest } from './connector.js';

/**
 * Card failover, the one implementation (payments calls it; so do the tests). After each
 * connector's answer:
 * - approved, or declined by the issuer: final, return it.
 * - declined as `unavailable` (the issuer or the switch behind the acquirer cannot be reached;
 *   ISO 8583 answers 91): nothing was taken; try the next connector.
 * - unknown and never sent (`not_sent`, `invalid_request`): the counterparty saw nothing; try the next.
 * - unknown otherwise (timeout, connection lost, integrity, malformed answer): the request may have
 *   been approved, so first send that connector a reversal for it. Only when the reversal is
 *   answered is the next connector tried; otherwise stop and return the unknown outcome with
 *   `needsReversal`, because charging elsewhere could charge the cardholder twice.
 * At most `failoverAttemptsMax` connectors are tried for one payment.
 *
 * The outcome and the steps are protocol-neutral: nothing here reads a response code.
 */
export type FailoverStep = 'final' | 'next' | 'reverse';

/** Connectors tried for one payment, at most. */
export const failoverAttemptsMax = 3;

const neverSent: ReadonlySet<string> = new Set([UnknownReason.NotSent, UnknownReason.InvalidRequest]);

/** What the failover does after an outcome: the whole rule, as a pure function. */
export function stepAfter(outcome: ChannelOutcome): FailoverStep {
  if (outcome.status === 'approved') return 'final';
  if (outcome.status === 'declined') return outcome.unavailable ? 'next' : 'final';
  return neverSent.has(outcome.reason) ? 'next' : 'reverse';
}

/** True when the outcome says the request never reached the counterparty (nothing to reverse). */
export function wasNeverSent(outcome: ChannelOutcome): boolean {
  return outcome.status === 'unknown' && neverSent.has(outcome.reason);
}

export interface FailoverAttempt {
  readonly connector: string;
  /** The attempt id sent to this connector. */
  readonly attemptId: string;
  readonly request: AuthorizeRequest;
  readonly outcome: ChannelOutcome;
  /** The reversal sent after an unknown outcome, if any. */
  readonly reversal?: { readonly request: FollowUpRequest; readonly outcome: ChannelOutcome };
}

export interface FailoverResult {
  /** The connector whose outcome is returned (the last one tried). */
  readonly connector: string;
  /** The request sent to it (its attempt id names the authorization that answered). */
  readonly request: AuthorizeRequest;
  readonly outcome: ChannelOutcome;
  /** True when `outcome` is unknown and no reversal of it was confirmed: reverse it later. */
  readonly needsReversal: boolean;
  readonly attempts: readonly FailoverAttempt[];
}

/**
 * Where a caller records what the failover does, so that every message is recorded before it
 * leaves and every answer after it comes (claim first, then talk, then record). All optional.
 */
export interface FailoverJournal {
  /** Before the authorization at `index` leaves (the caller may have recorded the first already). */
  sending?(connector: CardConnector, request: AuthorizeRequest, index: number): Promise<void>;
  /** An answer after which the failover goes on (`next`) or reverses (`reverse`); final answers are the caller's. */
  answered?(
    connector: CardConnector,
    request: AuthorizeRequest,
    outcome: ChannelOutcome,
    step: Exclude<FailoverStep, 'final'>,
  ): Promise<void>;
  /** Before a reversal leaves. */
  reversing?(connector: CardConnector, reversal: FollowUpRequest): Promise<void>;
  /** The reversal's answer; `confirmed` false leaves the original for a later reversal. */
  reversed?(connector: CardConnector, reversal: FollowUpRequest, outcome: ChannelOutcome, confirmed: boolean): Promise<void>;
}

export interface FailoverOptions {
  /** The request for the connector at `index`; default: the given request, then `<id>.2`, `<id>.3`. */
  readonly requestFor?: (connector: CardConnector, index: number) => AuthorizeRequest;
  /** The operation id of the reversal of `request`; default `<attempt id>:reversal`. */
  readonly reversalIdFor?: (request: AuthorizeRequest) => string;
  readonly journal?: FailoverJournal;
}

/** The reversal of an authorization whose outcome is unknown, named by that outcome's trace and time. */
export function reversalFor(
  request: AuthorizeRequest,
  outcome: ChannelOutcome,
  operationId = `${request.attemptId}:reversal`,
): FollowUpRequest {
  // Named field by field so that the security code can never travel on.
  const card = { pan: request.card.pan, expiryYymm: request.card.expiryYymm, brand: request.card.brand };
  return {
    operationId,
    amount: request.amount,
    original: {
      attemptId: request.attemptId,
      reference: outcome.status === 'approved' ? outcome.reference : '',
      amount: request.amount,
      card,
      merchant: request.merchant,
      sentAt: outcome.sentAt,
      kind: request.capture ? 'purchase' : 'authorization',
      ...(outcome.trace === undefined ? {} : { trace: outcome.trace }),
    },
  };
}

/**
 * Each connector gets its own attempt id: connectors derive trace numbers from it, and two
 * connectors to the same host must not send the issuer what looks like one message twice.
 */
function attemptAt(request: AuthorizeRequest, index: number): AuthorizeRequest {
  return index === 0 ? request : { ...request, attemptId: `${request.attemptId}.${index + 1}` };
}

/** Reversal of an unknown outcome at the connector that may hold it; true when it was answered. */
async function reverseAt(
  connector: CardConnector,
  request: AuthorizeRequest,
  outcome: ChannelOutcome,
  options: FailoverOptions,
): Promise<{ request: FollowUpRequest; outcome: ChannelOutcome; confirmed: boolean }> {
  const reversal = reversalFor(request, outcome, options.reversalIdFor?.(request));
  await options.journal?.reversing?.(connector, reversal);
  const answer = await connector.reverse(reversal);
  // A declined reversal is an answer too: the acquirer holds nothing under that original.
  const confirmed = answer.status !== 'unknown';
  await options.journal?.reversed?.(connector, reversal, answer, confirmed);
  return { request: reversal, outcome: answer, confirmed };
}

export async function authorizeWithFailover(
  connectors: readonly CardConnector[],
  request: AuthorizeRequest,
  options: FailoverOptions = {},
): Promise<FailoverResult> {
  assert.ok(connectors.length > 0, 'authorizeWithFailover needs at least one connector; route() found none');
  const attempts: FailoverAttempt[] = [];
  for (const [index, connector] of connectors.slice(0, failoverAttemptsMax).entries()) {
    const attempt = options.requestFor?.(connector, index) ?? attemptAt(request, index);
    await options.journal?.sending?.(connector, attempt, index);
    const outcome = await connector.authorize(attempt);
    const step = stepAfter(outcome);
    const tried = { connector: connector.name, attemptId: attempt.attemptId, request: attempt, outcome };
    if (step === 'final') {
      attempts.push(tried);
      return { connector: connector.name, request: attempt, outcome, needsReversal: false, attempts };
    }
    await options.journal?.answered?.(connector, attempt, outcome, step);
    if (step === 'reverse') {
      const reversal = await reverseAt(connector, attempt, outcome, options);
      attempts.push({ ...tried, reversal: { request: reversal.request, outcome: reversal.outcome } });
      if (!reversal.confirmed) return { connector: connector.name, request: attempt, outcome, needsReversal: true, attempts };
      continue;
    }
    attempts.push(tried);
  }
  const last = attempts[attempts.length - 1];
  assert.ok(last !== undefined);
  return { connector: last.connector, request: last.request, outcome: last.outcome, needsReversal: false, attempts };
}
