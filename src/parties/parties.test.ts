import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCipher, parseVaultKey } from '../vault/cipher.js';
import { isCountryCode, isValidIdNumber, isValidResidentId, maskIdNumber } from './identity.js';
import { hashSecret, keyHint, newSecretKey, sameSecretHash } from './keys.js';

describe('identity documents', () => {
  it('checks the GB 11643 resident ID check character (ISO 7064 MOD 11-2)', () => {
    expect(isValidResidentId('11010519491231002X')).toBe(true);
    expect(isValidResidentId('110105194912310021')).toBe(false); // wrong check character
    expect(isValidResidentId('11010519491231002x')).toBe(false); // lower-case x is not the standard form
    expect(isValidResidentId('1101051949123100')).toBe(false);
    expect(isValidIdNumber('passport', 'E12345678')).toBe(true);
    expect(isValidIdNumber('passport', 'e1')).toBe(false);
  });

  it('masks all but the first and the last four characters', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('1*************002X');
    expect(maskIdNumber('E12345678')).toBe('E****5678');
    expect(maskIdNumber('AB1')).toBe('***');
  });

  it('accepts ISO 3166-1 countries and refuses user-assigned and group codes', () => {
    for (const c of ['CN', 'US', 'JP', 'HK', 'DE', 'KW']) expect(isCountryCode(c), c).toBe(true);
    for (const c of ['ZZ', 'AA', 'XA', 'QO', 'EU', 'UN', 'cn', 'CHN', '']) expect(isCountryCode(c), c).toBe(false);
  });
});

describe('secrets', () => {
  it('makes 256-bit keys, stores a hash that does not contain them, compares in constant time', () => {
    const key = newSecretKey('test');
    expect(key).toMatch(/^sk_test_[A-Za-z0-9_-]{43}$/);
    expect(newSecretKey('test')).not.toBe(key);
    const hash = hashSecret(key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sameSecretHash(hash, hashSecret(key))).toBe(true);
    expect(sameSecretHash(hash, hashSecret(`${key}x`))).toBe(false);
    expect(keyHint(key)).toBe(`sk_test_…${key.slice(-4)}`);
  });
});

describe('vault cipher (AES-256-GCM)', () => {
  const cipher = createCipher(randomBytes(32));

  it('round-trips, never repeats a ciphertext, and does not contain the plaintext', () => {
    const a = cipher.seal('11010519491231002X', 'customer.id_number:cus_1');
    const b = cipher.seal('11010519491231002X', 'customer.id_number:cus_1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('110105');
    expect(cipher.open(a, 'customer.id_number:cus_1')).toBe('11010519491231002X');
  });

  it('refuses a value moved to another row, a tampered value and another key', () => {
    const sealed = cipher.seal('secret', 'customer.id_number:cus_1');
    expect(() => cipher.open(sealed, 'customer.id_number:cus_2')).toThrow();
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => cipher.open(tampered, 'customer.id_number:cus_1')).toThrow();
    expect(() => createCipher(randomBytes(32)).open(sealed, 'customer.id_number:cus_1')).toThrow(/key/);
  });

  it('reads keys as 64 hex characters or base64 of 32 bytes, nothing else', () => {
    const raw = randomBytes(32);
    expect(parseVaultKey(raw.toString('hex')).equals(raw)).toBe(true);
    expect(parseVaultKey(raw.toString('base64')).equals(raw)).toBe(true);
    expect(() => parseVaultKey('abc')).toThrow(/32 bytes/);
  });
});
