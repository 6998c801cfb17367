import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Sensitive fields (ID numbers now, card numbers later) are sealed with AES-256-GCM. The
 * additional authenticated data names the field and its row, so a sealed value copied into another
 * row does not open there. Format: `v1.<keyId>.<base64url(iv ‖ ciphertext ‖ tag)>`.
 */
export interface Cipher {
  readonly keyId: string;
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

const keyBytes = 32;
const ivBytes = 12; // the GCM standard nonce size (NIST SP 800-38D)
const tagBytes = 16;

export function createCipher(key: Buffer): Cipher {
  assert.equal(key.length, keyBytes, 'vault key must be 32 bytes');
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    keyId,
    seal(plaintext, context) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `v1.${keyId}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
    },
    open(sealed, context) {
      const [version, sealedKeyId, payload] = sealed.split('.');
      assert.equal(version, 'v1', 'unknown sealed format');
      assert.equal(sealedKeyId, keyId, `sealed under key ${sealedKeyId}, vault has ${keyId}`);
      const raw = Buffer.from(payload ?? '', 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, ivBytes));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(raw.length - tagBytes));
      return Buffer.concat([decipher.update(raw.subarray(ivBytes, raw.length - tagBytes)), decipher.final()]).toString('utf8');
    },
  };
}

export function parseVaultKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== keyBytes) throw new Error('HUTONG_VAULT_KEY must be 32 bytes, as 64 hex characters or base64');
  return key;
}

/**
 * The key comes from HUTONG_VAULT_KEY. For the embedded default only, a key is generated into the
 * data directory (mode 0600) with a warning: fine for a sandbox, wrong for production, where the key
 * belongs in a secret store, away from the database it protects.
 */
export function loadVaultKey(env: NodeJS.ProcessEnv, keyFile: string | undefined, warn: (message: string) => void): Buffer {
  const fromEnv = env.HUTONG_VAULT_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return parseVaultKey(fromEnv);
  if (keyFile === undefined) throw new Error('HUTONG_VAULT_KEY is required when the store is not the embedded SQLite default');
  if (existsSync(keyFile)) return parseVaultKey(readFileSync(keyFile, 'utf8'));
  mkdirSync(dirname(keyFile), { recursive: true });
  const key = randomBytes(keyBytes);
  writeFileSync(keyFile, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  warn(`generated a vault key at ${keyFile}; set HUTONG_VAULT_KEY (32 bytes, hex) outside the data directory for production`);
  return key;
}
