import { createHash, randomBytes } from 'node:crypto';
import { fail, type Failure } from '../../src/core/failure.js';
import { newId, stableJson } from '../../src/core/ids.js';
import type { WorldContext } from './context.js';
import { eciAuthenticated, type Transaction } from './model.js';
import { findTestCard } from '../card-world/test-cards.js';
import { WireError, type AuthenticationRequest, type AuthenticationResponse } from './wire.js';

/** A CAVV is 20 bytes (EMV 3-D Secure 2 `authenticationValue`, base64: 28 characters). */
export const authenticationValueBytes = 20;

export function newAuthenticationValue(): string {
  return randomBytes(authenticationValueBytes).toString('base64');
}

export function challengeUrlOf(context: WorldContext, acsTransactionId: string): string {
  return `${context.publicBaseUrl()}/acs/challenge/${acsTransactionId}`;
}

function responseOf(context: WorldContext, transaction: Transaction): AuthenticationResponse {
  const ids = { requestorTransactionId: transaction.requestorTransactionId, acsTransactionId: transaction.acsTransactionId };
  if (transaction.flow === 'challenge') {
    return { status: 'C', ...ids, challengeUrl: challengeUrlOf(context, transaction.acsTransactionId) };
  }
  const { eci, authenticationValue } = transaction;
  if (eci === undefined || authenticationValue === undefined) throw new Error('a frictionless transaction is authenticated');
  return { status: 'Y', ...ids, eci, authenticationValue };
}

/**
 * The directory server and the issuer's risk decision in one step: cards flagged
 * `threeDSecure: 'challenge'` in the test-card table are challenged, every other card is
 * authenticated without friction. The same request again (a retry after a timeout) gets the same
 * answer; the same requestor id with other content is refused.
 */
export function authenticate(
  context: WorldContext,
  request: AuthenticationRequest,
): AuthenticationResponse | Failure<WireError.DuplicateTransaction> {
  const requestDigest = createHash('sha256').update(stableJson(request)).digest('base64url');
  const existing = context.store.byRequestorId(request.requestorTransactionId);
  if (existing !== undefined) {
    if (existing.requestDigest !== requestDigest) {
      return fail(WireError.DuplicateTransaction, 'this requestorTransactionId was used for another request');
    }
    return responseOf(context, existing);
  }
  const now = context.clock.now();
  const challenge = findTestCard(request.pan)?.threeDSecure === 'challenge';
  const transaction: Transaction = {
    acsTransactionId: newId('acs', now.getTime()),
    requestorTransactionId: request.requestorTransactionId,
    requestDigest,
    flow: challenge ? 'challenge' : 'frictionless',
    status: challenge ? 'C' : 'Y',
    merchantName: request.merchantName,
    amountMinor: request.amountMinor,
    currency: request.currency,
    panLast4: request.pan.slice(-4),
    notificationUrl: request.notificationUrl,
    otpAttemptsFailed: 0,
    createdAt: now,
    ...(challenge ? {} : { eci: eciAuthenticated, authenticationValue: newAuthenticationValue() }),
  };
  context.store.add(transaction);
  context.log(`3ds ds: ${transaction.requestorTransactionId} → ${transaction.acsTransactionId} ${transaction.status}`);
  return responseOf(context, transaction);
}
