import { createHmac } from 'node:crypto';
import type { TransactionStatus } from './model.js';

/**
 * The challenge result the ACS hands back through the cardholder's browser (a simplification of
 * EMV 3-D Secure 2's RReq, which the ACS would send to the 3DS server directly):
 *
 *   token = base64url(JSON payload) + '.' + base64url(HMAC-SHA256(secret, base64url(payload)))
 *
 * The MAC covers the ASCII text of the encoded payload, exactly as it appears in the token.
 */
export interface ResultPayload {
  readonly acsTransactionId: string;
  readonly requestorTransactionId: string;
  readonly status: Exclude<TransactionStatus, 'C'>;
  readonly eci: string;
  readonly authenticationValue?: string;
  /** ISO 8601, UTC. */
  readonly issuedAt: string;
}

export function signResult(payload: ResultPayload, secret: string): string {
  const encoded = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  const mac = createHmac('sha256', secret).update(encoded, 'ascii').digest('base64url');
  return `${encoded}.${mac}`;
}
