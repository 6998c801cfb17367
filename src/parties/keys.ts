import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secret keys are 32 random bytes (256 bits) behind a readable prefix; only their SHA-256 is stored.
 * A fast hash is right here, unlike for passwords: the secret has full entropy, so there is nothing
 * to brute-force, and a lookup by hash keeps authentication one indexed read.
 */
export type KeyMode = 'test' | 'live';

export function newSecretKey(mode: KeyMode): string {
  return `sk_${mode}_${randomBytes(32).toString('base64url')}`;
}

export function newOperatorKey(): string {
  return `ok_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What a dashboard may show of a key: its prefix and last four characters. */
export function keyHint(secret: string): string {
  return `${secret.slice(0, 8)}…${secret.slice(-4)}`;
}

export function sameSecretHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
