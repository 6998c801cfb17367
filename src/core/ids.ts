import { createHash, randomBytes } from 'node:crypto';

/**
 * Object ids: a short type prefix, then 26 Crockford base32 characters. Random ids start with the
 * creation time in ms so they sort roughly by time; ids derived from an idempotency key are a hash,
 * so a retried request after a crash lands on the same row instead of creating a second one.
 */
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
const idBodyLength = 26;
const timeChars = 10;

function encode(bytes: Uint8Array, chars: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < timeChars; i++) {
    out = alphabet[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

// One randomBytes call per 409 ids instead of one per id: the call itself, not the entropy, was
// a twentieth of a transfer's CPU in the benchmark profile.
const randomPoolBytes = 4096;
const idRandomBytes = 10;
let randomPool = randomBytes(randomPoolBytes);
let randomOffset = 0;

function nextRandom(): Uint8Array {
  if (randomOffset + idRandomBytes > randomPoolBytes) {
    randomPool = randomBytes(randomPoolBytes);
    randomOffset = 0;
  }
  const slice = randomPool.subarray(randomOffset, randomOffset + idRandomBytes);
  randomOffset += idRandomBytes;
  return slice;
}

export function newId(prefix: string, nowMs: number = Date.now()): string {
  return `${prefix}_${encodeTime(nowMs)}${encode(nextRandom(), idBodyLength - timeChars)}`;
}

/** A deterministic id for (scope, key): the same idempotency key always names the same object. */
export function derivedId(prefix: string, scope: string, key: string): string {
  const digest = createHash('sha256').update(`${scope}\u0000${key}`).digest();
  return `${prefix}_${encode(digest, idBodyLength)}`;
}

/** A stable digest of a JSON-able value (object keys sorted), for idempotency comparisons. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('base64url');
}

export function stableJson(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
