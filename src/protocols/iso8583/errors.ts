/**
 * What can be wrong with bytes that claim to be an ISO 8583:1987 message or frame. They arrive
 * from the network, so a malformed message is an operating error and comes back as a value,
 * never as an exception: a peer's bad byte must not crash the process that reads it.
 */
export enum Iso8583Error {
  MessageTruncated = 'iso8583_message_truncated',
  MtiInvalid = 'iso8583_mti_invalid',
  BitmapInvalid = 'iso8583_bitmap_invalid',
  FieldUnknown = 'iso8583_field_unknown',
  FieldMissing = 'iso8583_field_missing',
  FieldLengthInvalid = 'iso8583_field_length_invalid',
  FieldCharsetInvalid = 'iso8583_field_charset_invalid',
  FieldFormatInvalid = 'iso8583_field_format_invalid',
  TrailingBytes = 'iso8583_trailing_bytes',
  FrameEmpty = 'iso8583_frame_empty',
  FrameTooLarge = 'iso8583_frame_too_large',
}

export interface Iso8583Failure {
  readonly failure: Iso8583Error;
  readonly detail: string;
  /** The data element at fault, when one is. */
  readonly field?: number;
}

export function iso8583Failure(failure: Iso8583Error, detail: string, field?: number): Iso8583Failure {
  return field === undefined ? { failure, detail } : { failure, detail, field };
}

const errorValues: ReadonlySet<string> = new Set(Object.values(Iso8583Error));

export function isIso8583Failure(value: unknown): value is Iso8583Failure {
  if (typeof value !== 'object' || value === null) return false;
  const failure = (value as { failure?: unknown }).failure;
  return typeof failure === 'string' && errorValues.has(failure);
}
