import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';

const vaultKeyBytes = 32;
const fingerprintKeyBytes = 32;
const fingerprintInfo = 'hutong card fingerprint';

/**
 * The fingerprint key comes from the vault key through HKDF-SHA256 (RFC 5869) so that one secret
 * is configured, yet the AES key is never also used as an HMAC key. The salt is empty: the vault
 * key is already uniformly random, and RFC 5869 §3.1 allows it. A new vault key means new
 * fingerprints: cards tokenized before and after a key change are no longer recognized as one.
 */
export function deriveFingerprintKey(vaultKey: Buffer): Buffer {
  assert.equal(vaultKey.length, vaultKeyBytes, 'vault key must be 32 bytes');
  return Buffer.from(hkdfSync('sha256', vaultKey, Buffer.alloc(0), fingerprintInfo, fingerprintKeyBytes));
}

/**
 * HMAC-SHA256 of the PAN, hex. Keyed, not a plain hash: a BIN leaves about 10^9 Luhn-valid
 * numbers, which a plain SHA-256 gives back in seconds. The same card at this platform always has
 * the same fingerprint, so it can be recognized (duplicates, fraud rules) without opening the PAN.
 */
export function cardFingerprint(fingerprintKey: Buffer, pan: string): string {
  assert.equal(fingerprintKey.length, fingerprintKeyBytes, 'fingerprint key must be 32 bytes');
  return createHmac('sha256', fingerprintKey).update(pan, 'utf8').digest('hex');
}
