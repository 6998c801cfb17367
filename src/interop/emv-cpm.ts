import assert from 'node:assert/strict';
import type { MpmViolation } from './emv-mpm.js';

/**
 * EMV consumer-presented mode (EMVCo QRCPS CPM; domain.md §5): binary BER-TLV, base64 in the QR,
 * no CRC. Top level: 85 payload format indicator "CPV01", then one or more 61 application
 * templates (4F AID, 50 label, 57 track 2 equivalent or 5A PAN, 5F20 name, 9F25 last 4 digits,
 * 9F24 payment account reference), 62 common data, 63/64 transparent templates (9F26 cryptogram…).
 * The PAN never leaves this file unmasked: a decoded code shows its first six and last four digits.
 */
export interface BerTlv {
  readonly tag: string;
  readonly value: Buffer;
  readonly children?: readonly BerTlv[];
}

/** A CPM payload is read only up to this many bytes (EMV: a QR carries well under 1 KB). */
export const cpmBytesMax = 1024;
const depthMax = 3;

class BerError extends Error {}

function readTag(bytes: Buffer, at: number): [string, number] {
  let end = at + 1;
  if (((bytes[at] ?? 0) & 0x1f) === 0x1f) {
    while (((bytes[end] ?? 0) & 0x80) !== 0) end++;
    end++;
  }
  if (end > bytes.length) throw new BerError(`tag at byte ${at} runs past the end`);
  return [bytes.subarray(at, end).toString('hex').toUpperCase(), end];
}

function readLength(bytes: Buffer, at: number): [number, number] {
  const first = bytes[at];
  if (first === undefined) throw new BerError(`length at byte ${at} is missing`);
  if (first < 0x80) return [first, at + 1];
  const count = first & 0x7f;
  if (count === 0 || count > 2 || at + 1 + count > bytes.length) throw new BerError(`length at byte ${at} is not a definite length`);
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (bytes[at + 1 + i] ?? 0);
  return [length, at + 1 + count];
}

export function parseBer(bytes: Buffer, depth = 0): BerTlv[] {
  const out: BerTlv[] = [];
  let at = 0;
  while (at < bytes.length) {
    const [tag, afterTag] = readTag(bytes, at);
    const [length, afterLength] = readLength(bytes, afterTag);
    if (afterLength + length > bytes.length)
      throw new BerError(`tag ${tag} declares ${length} bytes, ${bytes.length - afterLength} remain`);
    const value = bytes.subarray(afterLength, afterLength + length);
    const constructed = ((bytes[at] ?? 0) & 0x20) !== 0;
    if (constructed && depth >= depthMax) throw new BerError(`templates nest deeper than ${depthMax}`);
    out.push(constructed ? { tag, value, children: parseBer(value, depth + 1) } : { tag, value });
    at = afterLength + length;
  }
  return out;
}

function encodeLength(length: number): Buffer {
  assert.ok(length >= 0 && length <= 0xffff);
  if (length < 0x80) return Buffer.from([length]);
  if (length <= 0xff) return Buffer.from([0x81, length]);
  return Buffer.from([0x82, length >> 8, length & 0xff]);
}

export function ber(tag: string, value: Buffer | readonly Buffer[]): Buffer {
  const body = Buffer.isBuffer(value) ? value : Buffer.concat(value);
  return Buffer.concat([Buffer.from(tag, 'hex'), encodeLength(body.length), body]);
}

export interface CpmApplication {
  readonly aid?: string;
  readonly label?: string;
  /** First six and last four digits of the PAN (from 5A or track 2, tag 57). */
  readonly maskedPan?: string;
  readonly cardholderName?: string;
  readonly last4?: string;
  readonly paymentAccountReference?: string;
}

export interface CpmCode {
  readonly payloadFormat?: string;
  readonly applications: readonly CpmApplication[];
  /** Tags of the transparent templates (63/64), by name, hex values (9F26 cryptogram, 9F36 ATC…). */
  readonly cryptogram?: Readonly<Record<string, string>>;
}

export function maskPan(pan: string): string {
  return pan.length < 12 ? '*'.repeat(pan.length) : `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;
}

/** The PAN in 5A (BCD, padded with F) or before the "D" separator of track 2 (57). */
function panOf(app: readonly BerTlv[]): string | undefined {
  const pan = app.find((t) => t.tag === '5A') ?? app.find((t) => t.tag === '57');
  if (pan === undefined) return undefined;
  const hex = pan.value.toString('hex').toUpperCase();
  return (pan.tag === '57' ? hex.split('D')[0] : hex)?.replace(/F+$/, '');
}

function applicationOf(template: BerTlv): CpmApplication {
  const inner = template.children ?? [];
  const text = (tag: string) => inner.find((t) => t.tag === tag)?.value.toString('latin1');
  const pan = panOf(inner);
  return {
    aid: inner
      .find((t) => t.tag === '4F')
      ?.value.toString('hex')
      .toUpperCase(),
    label: text('50'),
    maskedPan: pan === undefined ? undefined : maskPan(pan),
    cardholderName: text('5F20')?.trim(),
    last4: inner.find((t) => t.tag === '9F25')?.value.toString('hex'),
    paymentAccountReference: text('9F24'),
  };
}

export interface CpmReading {
  readonly code?: CpmCode;
  readonly violations: MpmViolation[];
}

/** Reads a base64 CPM payload leniently and names every rule it breaks. */
export function parseCpm(base64: string): CpmReading {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0 || bytes.length > cpmBytesMax) {
    return { violations: [{ field: 'payload', code: 'too_long', message: `a CPM payload has 1 to ${cpmBytesMax} bytes` }] };
  }
  let top: BerTlv[];
  try {
    top = parseBer(bytes);
  } catch (error) {
    if (!(error instanceof BerError)) throw error;
    return { violations: [{ field: 'payload', code: 'malformed', message: `not BER-TLV: ${error.message}` }] };
  }
  const violations: MpmViolation[] = [];
  const format = top[0]?.tag === '85' ? top[0].value.toString('latin1') : undefined;
  if (format === undefined)
    violations.push({ field: '85', code: 'out_of_order', message: 'the payload format indicator (85) must come first' });
  else if (format !== 'CPV01')
    violations.push({ field: '85', code: 'value_invalid', message: `85 must be "CPV01", got ${JSON.stringify(format)}` });
  const templates = top.filter((t) => t.tag === '61');
  if (templates.length === 0)
    violations.push({ field: '61', code: 'missing', message: 'at least one application template (61) is mandatory' });
  templates.forEach((template, index) => {
    const inner = template.children ?? [];
    if (!inner.some((t) => t.tag === '4F'))
      violations.push({ field: `61[${index}].4F`, code: 'missing', message: 'an application template needs its AID (4F)' });
    if (!inner.some((t) => t.tag === '57' || t.tag === '5A')) {
      violations.push({ field: `61[${index}].57`, code: 'missing', message: 'an application template needs track 2 (57) or the PAN (5A)' });
    }
  });
  const transparent = top.filter((t) => t.tag === '63' || t.tag === '64').flatMap((t) => t.children ?? []);
  return {
    code: {
      payloadFormat: format,
      applications: templates.map(applicationOf),
      cryptogram:
        transparent.length === 0 ? undefined : Object.fromEntries(transparent.map((t) => [t.tag, t.value.toString('hex').toUpperCase()])),
    },
    violations,
  };
}

/** Builds a CPM payload (tests, and card-linked codes): one application with a PAN, base64. */
export function buildCpm(app: { aid: string; label: string; pan: string; expiryYymm: string; cryptogram?: string }): string {
  assert.match(app.pan, /^[0-9]{12,19}$/);
  const track2 = `${app.pan}D${app.expiryYymm}201`;
  const padded = track2.length % 2 === 0 ? track2 : `${track2}F`;
  const template = ber('61', [
    ber('4F', Buffer.from(app.aid, 'hex')),
    ber('50', Buffer.from(app.label, 'latin1')),
    ber('57', Buffer.from(padded, 'hex')),
  ]);
  const crypto = app.cryptogram === undefined ? [] : [ber('63', [ber('9F26', Buffer.from(app.cryptogram, 'hex'))])];
  return Buffer.concat([ber('85', Buffer.from('CPV01', 'latin1')), template, ...crypto]).toString('base64');
}
