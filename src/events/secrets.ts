import { randomBytes } from 'node:crypto';
import type { Cipher } from '../vault/index.js';

/**
 * Standard Webhooks secrets are `whsec_` + base64 of the HMAC key. 32 random bytes match the
 * HMAC-SHA256 block of security the spec asks for (24–64 bytes).
 */
const secretBytes = 32;
export const webhookSecretPrefix = 'whsec_';

export function newWebhookSecret(): string {
  return webhookSecretPrefix + randomBytes(secretBytes).toString('base64');
}

/** The sealed secret names its endpoint, so a sealed value copied to another row does not open. */
function secretContext(endpointId: string): string {
  return `webhook.secret:${endpointId}`;
}

export function sealSecret(cipher: Cipher, endpointId: string, secret: string): string {
  return cipher.seal(secret, secretContext(endpointId));
}

export function openSecret(cipher: Cipher, endpointId: string, sealed: string): string {
  return cipher.open(sealed, secretContext(endpointId));
}
