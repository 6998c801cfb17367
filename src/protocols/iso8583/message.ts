import { bitmapHexLength, decodeBitmap, encodeBitmap } from './bitmap.js';
import { Iso8583Error, iso8583Failure, isIso8583Failure, type Iso8583Failure } from './errors.js';
import { fieldSpecs, validateField, type FieldSpec } from './fields.js';
import { isMti } from './mti.js';

/**
 * One ISO 8583:1987 message: its MTI and its data elements as text, keyed by element number.
 * Values are exactly what travels (fixed elements already padded); the bitmap is derived.
 */
export interface Iso8583Message {
  readonly mti: string;
  readonly fields: Readonly<Record<number, string>>;
}

const mtiLength = 4;

function specOf(field: number): FieldSpec | Iso8583Failure {
  const spec = fieldSpecs.get(field);
  return spec ?? iso8583Failure(Iso8583Error.FieldUnknown, `DE ${field} has no specification here`, field);
}

function fieldNumbers(message: Iso8583Message): number[] {
  return Object.keys(message.fields)
    .map(Number)
    .sort((a, b) => a - b);
}

function packField(spec: FieldSpec, value: string): string | Iso8583Failure {
  const invalid = validateField(spec, value);
  if (invalid !== undefined) return invalid;
  const { length } = spec;
  if (length.kind === 'fixed') return value;
  const prefixDigits = length.kind === 'llvar' ? 2 : 3;
  return String(value.length).padStart(prefixDigits, '0') + value;
}

/** Encodes a message as ASCII bytes: MTI, bitmap(s), elements in ascending order. */
export function packMessage(message: Iso8583Message): Buffer | Iso8583Failure {
  if (!isMti(message.mti))
    return iso8583Failure(Iso8583Error.MtiInvalid, `MTI must be 4 digits starting with 0 (1987), got ${JSON.stringify(message.mti)}`);
  const numbers = fieldNumbers(message);
  const parts: string[] = [message.mti, ''];
  for (const field of numbers) {
    const spec = specOf(field);
    if (isIso8583Failure(spec)) return spec;
    const packed = packField(spec, message.fields[field] ?? '');
    if (isIso8583Failure(packed)) return packed;
    parts.push(packed);
  }
  parts[1] = encodeBitmap(numbers);
  return Buffer.from(parts.join(''), 'latin1');
}

interface Cursor {
  readonly text: string;
  offset: number;
}

function take(cursor: Cursor, count: number, field: number, what: string): string | Iso8583Failure {
  if (cursor.offset + count > cursor.text.length) {
    return iso8583Failure(Iso8583Error.MessageTruncated, `message ends inside DE ${field} ${what}`, field);
  }
  const value = cursor.text.slice(cursor.offset, cursor.offset + count);
  cursor.offset += count;
  return value;
}

function unpackField(cursor: Cursor, spec: FieldSpec): string | Iso8583Failure {
  const { length } = spec;
  if (length.kind === 'fixed') return take(cursor, length.length, spec.field, 'value');
  const prefix = take(cursor, length.kind === 'llvar' ? 2 : 3, spec.field, 'length prefix');
  if (isIso8583Failure(prefix)) return prefix;
  if (!/^[0-9]+$/.test(prefix)) {
    return iso8583Failure(
      Iso8583Error.FieldLengthInvalid,
      `DE ${spec.field} length prefix ${JSON.stringify(prefix)} is not digits`,
      spec.field,
    );
  }
  const count = Number(prefix);
  if (count > length.lengthMax) {
    return iso8583Failure(Iso8583Error.FieldLengthInvalid, `DE ${spec.field} length ${count} exceeds ${length.lengthMax}`, spec.field);
  }
  return take(cursor, count, spec.field, 'value');
}

function unpackFields(cursor: Cursor, numbers: readonly number[]): Record<number, string> | Iso8583Failure {
  const fields: Record<number, string> = {};
  for (const field of numbers) {
    const spec = specOf(field);
    if (isIso8583Failure(spec)) return spec;
    const value = unpackField(cursor, spec);
    if (isIso8583Failure(value)) return value;
    const invalid = validateField(spec, value);
    if (invalid !== undefined) return invalid;
    fields[field] = value;
  }
  return fields;
}

/**
 * Decodes bytes from the network. Every defect is a failure value naming what is wrong
 * (truncation, bad MTI or bitmap, an element without a spec, bad length, charset or date,
 * trailing bytes); nothing here throws on input.
 */
export function unpackMessage(bytes: Uint8Array): Iso8583Message | Iso8583Failure {
  // latin1 maps each byte to one character, so lengths count bytes and a non-ASCII byte
  // stays visible to the charset checks instead of being merged into a UTF-8 sequence.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (text.length < mtiLength + bitmapHexLength) {
    return iso8583Failure(Iso8583Error.MessageTruncated, `message of ${text.length} bytes is shorter than MTI and bitmap`);
  }
  const mti = text.slice(0, mtiLength);
  if (!isMti(mti))
    return iso8583Failure(Iso8583Error.MtiInvalid, `MTI must be 4 digits starting with 0 (1987), got ${JSON.stringify(mti)}`);
  const bitmap = decodeBitmap(text.slice(mtiLength));
  if (isIso8583Failure(bitmap)) return bitmap;
  const cursor: Cursor = { text, offset: mtiLength + bitmap.length };
  const fields = unpackFields(cursor, bitmap.fields);
  if (isIso8583Failure(fields)) return fields;
  if (cursor.offset !== text.length) {
    return iso8583Failure(Iso8583Error.TrailingBytes, `${text.length - cursor.offset} bytes after the last data element`);
  }
  return { mti, fields };
}

/** The elements a message must carry; the first missing one is reported. */
export function requireFields(message: Iso8583Message, required: readonly number[]): Iso8583Failure | undefined {
  const missing = required.find((field) => message.fields[field] === undefined);
  return missing === undefined ? undefined : iso8583Failure(Iso8583Error.FieldMissing, `${message.mti} requires DE ${missing}`, missing);
}
