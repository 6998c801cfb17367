import { Iso8583Error, iso8583Failure, type Iso8583Failure } from './errors.js';

/**
 * Data element specifications, ISO 8583:1987 in its ASCII variant (after moov-io/iso8583
 * `specs/spec87ascii.go`). Only the elements Hutong and the sandbox exchange are listed: an
 * element without a spec cannot be skipped on input (its length is unknown), so a message
 * carrying one is refused rather than misread.
 */

/** n: digits; an: letters and digits; ans: printable ASCII including space. */
export type Charset = 'n' | 'an' | 'ans';

/** Date and time layouts that some numeric elements carry, checked beyond "digits only". */
export type DateLayout = 'MMDDhhmmss' | 'hhmmss' | 'MMDD' | 'YYMM';

export type FieldLength =
  | { readonly kind: 'fixed'; readonly length: number }
  /** Variable length, prefixed by its length in 2 (LLVAR) or 3 (LLLVAR) ASCII digits. */
  | { readonly kind: 'llvar' | 'lllvar'; readonly lengthMax: number };

export interface FieldSpec {
  readonly field: number;
  readonly name: string;
  readonly charset: Charset;
  readonly length: FieldLength;
  readonly layout?: DateLayout;
}

function fixed(field: number, charset: Charset, length: number, name: string, layout?: DateLayout): FieldSpec {
  return layout === undefined
    ? { field, name, charset, length: { kind: 'fixed', length } }
    : { field, name, charset, length: { kind: 'fixed', length }, layout };
}

function llvar(field: number, charset: Charset, lengthMax: number, name: string): FieldSpec {
  return { field, name, charset, length: { kind: 'llvar', lengthMax } };
}

function lllvar(field: number, charset: Charset, lengthMax: number, name: string): FieldSpec {
  return { field, name, charset, length: { kind: 'lllvar', lengthMax } };
}

const specList: readonly FieldSpec[] = [
  llvar(2, 'n', 19, 'primary account number'),
  fixed(3, 'n', 6, 'processing code'),
  fixed(4, 'n', 12, 'amount, transaction (minor units)'),
  fixed(7, 'n', 10, 'transmission date and time (GMT)', 'MMDDhhmmss'),
  fixed(11, 'n', 6, 'systems trace audit number'),
  fixed(12, 'n', 6, 'time, local transaction', 'hhmmss'),
  fixed(13, 'n', 4, 'date, local transaction', 'MMDD'),
  fixed(14, 'n', 4, 'date, expiration', 'YYMM'),
  fixed(18, 'n', 4, 'merchant type (MCC)'),
  fixed(19, 'n', 3, 'acquiring institution country code'),
  fixed(22, 'n', 3, 'point of service entry mode'),
  fixed(25, 'n', 2, 'point of service condition code'),
  llvar(32, 'n', 11, 'acquiring institution identification code'),
  llvar(33, 'n', 11, 'forwarding institution identification code'),
  fixed(37, 'an', 12, 'retrieval reference number'),
  fixed(38, 'an', 6, 'authorization identification response'),
  fixed(39, 'an', 2, 'response code'),
  fixed(41, 'ans', 8, 'card acceptor terminal identification'),
  fixed(42, 'ans', 15, 'card acceptor identification code'),
  fixed(43, 'ans', 40, 'card acceptor name/location'),
  lllvar(48, 'ans', 999, 'additional data, private'),
  fixed(49, 'n', 3, 'currency code, transaction'),
  fixed(70, 'n', 3, 'network management information code'),
  fixed(90, 'n', 42, 'original data elements'),
];

export const fieldSpecs: ReadonlyMap<number, FieldSpec> = new Map(specList.map((spec) => [spec.field, spec]));

const charsetPatterns: Readonly<Record<Charset, RegExp>> = {
  n: /^[0-9]*$/,
  an: /^[A-Za-z0-9]*$/,
  ans: /^[\x20-\x7E]*$/,
};

/** Two-digit groups and their ranges, per layout. */
const layoutRanges: Readonly<Record<DateLayout, readonly (readonly [number, number])[]>> = {
  MMDDhhmmss: [
    [1, 12],
    [1, 31],
    [0, 23],
    [0, 59],
    [0, 59],
  ],
  hhmmss: [
    [0, 23],
    [0, 59],
    [0, 59],
  ],
  MMDD: [
    [1, 12],
    [1, 31],
  ],
  YYMM: [
    [0, 99],
    [1, 12],
  ],
};

function layoutValid(value: string, layout: DateLayout): boolean {
  return layoutRanges[layout].every(([low, high], i) => {
    const part = Number(value.slice(i * 2, i * 2 + 2));
    return part >= low && part <= high;
  });
}

function lengthProblem(spec: FieldSpec, value: string): string | undefined {
  const { length } = spec;
  if (length.kind === 'fixed') {
    return value.length === length.length ? undefined : `must be exactly ${length.length} characters, got ${value.length}`;
  }
  return value.length <= length.lengthMax ? undefined : `must be at most ${length.lengthMax} characters, got ${value.length}`;
}

/** Checks one element's value against its spec: length, character set, date layout. */
export function validateField(spec: FieldSpec, value: string): Iso8583Failure | undefined {
  const label = `DE ${spec.field} (${spec.name})`;
  const badLength = lengthProblem(spec, value);
  if (badLength !== undefined) return iso8583Failure(Iso8583Error.FieldLengthInvalid, `${label} ${badLength}`, spec.field);
  if (!charsetPatterns[spec.charset].test(value)) {
    return iso8583Failure(Iso8583Error.FieldCharsetInvalid, `${label} must be charset ${spec.charset}`, spec.field);
  }
  if (spec.layout !== undefined && !layoutValid(value, spec.layout)) {
    return iso8583Failure(Iso8583Error.FieldFormatInvalid, `${label} is not a valid ${spec.layout}`, spec.field);
  }
  return undefined;
}

/** Checks a value against the spec of element `field`; an element without a spec is a failure. */
export function validateElement(field: number, value: string): Iso8583Failure | undefined {
  const spec = fieldSpecs.get(field);
  if (spec === undefined) return iso8583Failure(Iso8583Error.FieldUnknown, `DE ${field} has no specification here`, field);
  return validateField(spec, value);
}
