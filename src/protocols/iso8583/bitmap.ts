import { Iso8583Error, iso8583Failure, type Iso8583Failure } from './errors.js';

/**
 * ISO 8583 bitmaps as 16 hex characters each (the ASCII variant). Bit 1 is the most significant
 * bit of the first byte; in the primary bitmap it says "a secondary bitmap follows" (DE 65–128).
 * A tertiary bitmap (bit 65) is not part of the 1987 version Hutong speaks.
 */
export const bitmapHexLength = 16;
export const fieldNumberMax = 128;
const bitsPerBitmap = 64;

function setBit(bytes: Uint8Array, bit: number): void {
  const index = Math.floor((bit - 1) / 8);
  bytes[index] = (bytes[index] ?? 0) | (0x80 >> ((bit - 1) % 8));
}

function bitSet(bytes: Uint8Array, bit: number): boolean {
  return ((bytes[Math.floor((bit - 1) / 8)] ?? 0) & (0x80 >> ((bit - 1) % 8))) !== 0;
}

/**
 * The bitmap text for the given data elements (2–128): the primary bitmap, then the secondary
 * one when any element above 64 is present (and bit 1 set to announce it). Upper-case hex.
 */
export function encodeBitmap(fields: Iterable<number>): string {
  const bytes = new Uint8Array(16);
  let secondary = false;
  for (const field of fields) {
    if (!Number.isInteger(field) || field < 2 || field > fieldNumberMax) throw new RangeError(`no data element ${field}`);
    setBit(bytes, field);
    if (field > bitsPerBitmap) secondary = true;
  }
  if (secondary) setBit(bytes, 1);
  return Buffer.from(bytes.subarray(0, secondary ? 16 : 8))
    .toString('hex')
    .toUpperCase();
}

const hexPattern = /^[0-9A-Fa-f]{16}$/;

function decodeHex(text: string, which: string): Uint8Array | Iso8583Failure {
  if (!hexPattern.test(text)) {
    return iso8583Failure(Iso8583Error.BitmapInvalid, `${which} bitmap must be ${bitmapHexLength} hex characters`);
  }
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

export interface DecodedBitmap {
  /** The data elements present, ascending, without the bitmap bit 1. */
  readonly fields: readonly number[];
  /** Characters the bitmap(s) took: 16 or 32. */
  readonly length: number;
}

/** Reads the bitmap(s) at the start of `text` (the characters after the MTI). */
export function decodeBitmap(text: string): DecodedBitmap | Iso8583Failure {
  const primary = decodeHex(text.slice(0, bitmapHexLength), 'primary');
  if (!(primary instanceof Uint8Array)) return primary;
  const hasSecondary = bitSet(primary, 1);
  const bytes = new Uint8Array(16);
  bytes.set(primary);
  if (hasSecondary) {
    if (text.length < 2 * bitmapHexLength) return iso8583Failure(Iso8583Error.MessageTruncated, 'message ends inside the secondary bitmap');
    const secondary = decodeHex(text.slice(bitmapHexLength, 2 * bitmapHexLength), 'secondary');
    if (!(secondary instanceof Uint8Array)) return secondary;
    bytes.set(secondary, 8);
  }
  const fields: number[] = [];
  for (let bit = 2; bit <= fieldNumberMax; bit++) {
    if (bitSet(bytes, bit)) fields.push(bit);
  }
  return { fields, length: hasSecondary ? 2 * bitmapHexLength : bitmapHexLength };
}
