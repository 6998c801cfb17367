import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBitmap,
  describeResponseCode,
  encodeBitmap,
  fieldSpecs,
  formatOriginalData,
  formatTransmissionDateTime,
  Iso8583Error,
  isIso8583Failure,
  packMessage,
  parseOriginalData,
  requireFields,
  responseMtiOf,
  originalMtiOf,
  unpackMessage,
  type FieldSpec,
  type Iso8583Message,
} from './index.js';

function packed(message: Iso8583Message): string {
  const bytes = packMessage(message);
  if (isIso8583Failure(bytes)) throw new Error(bytes.detail);
  return bytes.toString('latin1');
}

function failureOf(text: string | Buffer): Iso8583Error | undefined {
  const result = unpackMessage(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  return isIso8583Failure(result) ? result.failure : undefined;
}

const authorization: Iso8583Message = {
  mti: '0100',
  fields: {
    2: '4111111111111111',
    3: '000000',
    4: '000000001000',
    7: '0615103000',
    11: '000001',
    14: '4912',
    22: '010',
    41: 'TERM0001',
    42: 'MERCHANT0000001',
    49: '840',
  },
};

describe('bitmap', () => {
  it('matches a hand-computed primary bitmap for a 0100 with DE 2,3,4,7,11,14,22,41,42,49', () => {
    // byte 1: DE 2,3,4 = 0x70, DE 7 = 0x02 → 72; byte 2: DE 11 = 0x20, DE 14 = 0x04 → 24;
    // byte 3: DE 22 = 0x04; bytes 4–5 empty; byte 6: DE 41,42 = C0; byte 7: DE 49 = 80.
    expect(encodeBitmap([2, 3, 4, 7, 11, 14, 22, 41, 42, 49])).toBe('7224040000C08000');
  });

  it('adds a secondary bitmap and sets bit 1 when DE 65–128 is present', () => {
    // 0400 with DE 90: bit 1 + DE 2,3,4,7 = F2; secondary byte 4: bit 90 = 0x40.
    expect(encodeBitmap([2, 3, 4, 7, 11, 49, 90])).toBe('F220000000008000' + '0000004000000000');
    expect(encodeBitmap([7, 11, 70])).toBe('8220000000000000' + '0400000000000000');
  });

  it('decodes what it encodes, for any set of elements 2–128', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 2, max: 128 })), (fields) => {
        const decoded = decodeBitmap(encodeBitmap(fields));
        expect(decoded).toEqual({ fields: [...fields].sort((a, b) => a - b), length: fields.some((f) => f > 64) ? 32 : 16 });
      }),
    );
  });
});

describe('pack and unpack: known vectors', () => {
  it('packs a 0100 to the exact bytes built by hand', () => {
    const expected =
      '0100' +
      '7224040000C08000' +
      '16' +
      '4111111111111111' +
      '000000' +
      '000000001000' +
      '0615103000' +
      '000001' +
      '4912' +
      '010' +
      'TERM0001' +
      'MERCHANT0000001' +
      '840';
    expect(packed(authorization)).toBe(expected);
    expect(unpackMessage(Buffer.from(expected, 'latin1'))).toEqual(authorization);
  });

  it('packs an 0800 echo with a secondary bitmap', () => {
    const echo: Iso8583Message = { mti: '0800', fields: { 7: '0615103000', 11: '000002', 70: '301' } };
    expect(packed(echo)).toBe('0800' + '8220000000000000' + '0400000000000000' + '0615103000' + '000002' + '301');
  });

  it('packs an 0400 with DE 90 naming the original', () => {
    const original = formatOriginalData({
      mti: '0100',
      stan: '000001',
      transmissionDateTime: '0615103000',
      acquirerId: '123456',
      forwardingId: '',
    });
    expect(original).toBe('0100' + '000001' + '0615103000' + '00000123456' + '00000000000');
    const reversal: Iso8583Message = { mti: '0400', fields: { ...authorization.fields, 11: '000002', 90: original as string } };
    const text = packed(reversal);
    expect(text.slice(0, 36)).toBe('0400' + 'F224040000C08000' + '0000004000000000');
    expect(unpackMessage(Buffer.from(text, 'latin1'))).toEqual(reversal);
  });

  it('accepts a lower-case bitmap from a peer', () => {
    const text = packed(authorization).replace('7224040000C08000', '7224040000c08000');
    expect(unpackMessage(Buffer.from(text, 'latin1'))).toEqual(authorization);
  });
});

const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
const alphanumeric = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];
const digits = [...'0123456789'];

function twoDigits(low: number, high: number): fc.Arbitrary<string> {
  return fc.integer({ min: low, max: high }).map((n) => String(n).padStart(2, '0'));
}

const layoutArbitraries: Record<string, fc.Arbitrary<string>> = {
  MMDDhhmmss: fc.tuple(twoDigits(1, 12), twoDigits(1, 31), twoDigits(0, 23), twoDigits(0, 59), twoDigits(0, 59)).map((p) => p.join('')),
  hhmmss: fc.tuple(twoDigits(0, 23), twoDigits(0, 59), twoDigits(0, 59)).map((p) => p.join('')),
  MMDD: fc.tuple(twoDigits(1, 12), twoDigits(1, 31)).map((p) => p.join('')),
  YYMM: fc.tuple(twoDigits(0, 99), twoDigits(1, 12)).map((p) => p.join('')),
};

function valueOf(spec: FieldSpec): fc.Arbitrary<string> {
  if (spec.layout !== undefined) return layoutArbitraries[spec.layout]!;
  const unit = fc.constantFrom(...(spec.charset === 'n' ? digits : spec.charset === 'an' ? alphanumeric : printable));
  const { length } = spec;
  return length.kind === 'fixed'
    ? fc.string({ unit, minLength: length.length, maxLength: length.length })
    : fc.string({ unit, minLength: 0, maxLength: length.lengthMax });
}

const messageArbitrary: fc.Arbitrary<Iso8583Message> = fc
  .tuple(fc.string({ unit: fc.constantFrom(...digits), minLength: 3, maxLength: 3 }), fc.subarray([...fieldSpecs.values()]))
  .chain(([mtiDigits, specs]) =>
    fc.tuple(...specs.map(valueOf)).map((values) => ({
      mti: `0${mtiDigits}`,
      fields: Object.fromEntries(specs.map((spec, i) => [spec.field, values[i]!])),
    })),
  );

describe('pack and unpack: properties', () => {
  it('round-trips every valid message', () => {
    fc.assert(
      fc.property(messageArbitrary, (message) => {
        const bytes = packMessage(message);
        expect(isIso8583Failure(bytes)).toBe(false);
        expect(unpackMessage(bytes as Buffer)).toEqual(message);
      }),
      { numRuns: 500 },
    );
  });

  it('answers arbitrary bytes with a message or a failure, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = unpackMessage(bytes);
        expect(typeof result).toBe('object');
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects every truncation of a valid message', () => {
    fc.assert(
      fc.property(messageArbitrary, (message) => {
        const bytes = packMessage(message) as Buffer;
        for (let cut = 0; cut < bytes.length; cut++) {
          // The bitmap fixes which elements follow, so any shorter text must end inside one.
          expect(unpackMessage(bytes.subarray(0, cut))).toMatchObject({ failure: Iso8583Error.MessageTruncated });
        }
      }),
      { numRuns: 100 },
    );
  });

  it('survives single-byte corruption of a valid message without throwing', () => {
    fc.assert(
      fc.property(messageArbitrary, fc.nat(), fc.integer({ min: 0, max: 255 }), (message, at, byte) => {
        const bytes = Buffer.from(packMessage(message) as Buffer);
        bytes[at % bytes.length] = byte;
        const result = unpackMessage(bytes);
        expect(typeof result).toBe('object');
      }),
      { numRuns: 500 },
    );
  });
});

describe('unpack: malformed input is a failure value', () => {
  const good = packed(authorization);

  it.each([
    ['too short for MTI and bitmap', '0100ABC', Iso8583Error.MessageTruncated],
    ['an MTI of another ISO 8583 version', '1' + good.slice(1), Iso8583Error.MtiInvalid],
    ['letters in the MTI', '01X0' + good.slice(4), Iso8583Error.MtiInvalid],
    ['a bitmap that is not hex', '0100' + '7224040000C0800G' + good.slice(20), Iso8583Error.BitmapInvalid],
    ['an element without a spec (DE 5)', '0100' + '0800000000000000' + '000000000100', Iso8583Error.FieldUnknown],
    ['an LLVAR length above its maximum', '0100' + '4000000000000000' + '20' + '4'.repeat(20), Iso8583Error.FieldLengthInvalid],
    ['an LLVAR length prefix that is not digits', '0100' + '4000000000000000' + '1A' + '4'.repeat(16), Iso8583Error.FieldLengthInvalid],
    ['a message ending inside an element', good.slice(0, -2), Iso8583Error.MessageTruncated],
    ['bytes after the last element', good + '00', Iso8583Error.TrailingBytes],
    ['a letter in a numeric element', good.replace('000000001000', '00000000100X'), Iso8583Error.FieldCharsetInvalid],
    ['month 13 in DE 7', good.replace('0615103000', '1315103000'), Iso8583Error.FieldFormatInvalid],
    ['month 00 in DE 14', good.replace('4912', '4900'), Iso8583Error.FieldFormatInvalid],
    ['a secondary bitmap announced but missing', '0100' + 'C000000000000000' + '16', Iso8583Error.MessageTruncated],
    ['a secondary bitmap that is not hex', '0100' + '8000000000000000' + 'Z000000000000000', Iso8583Error.BitmapInvalid],
    ['a tertiary bitmap (bit 65)', '0100' + '8000000000000000' + '8000000000000000', Iso8583Error.FieldUnknown],
  ])('rejects %s', (_name, text, expected) => {
    expect(failureOf(text)).toBe(expected);
  });

  it('rejects a non-ASCII byte in an ans element and names the element', () => {
    const bytes = Buffer.from(good, 'latin1');
    bytes[good.indexOf('TERM0001')] = 0xe9;
    const result = unpackMessage(bytes);
    expect(result).toMatchObject({ failure: Iso8583Error.FieldCharsetInvalid, field: 41 });
  });
});

describe('pack: invalid values are refused, not sent', () => {
  it.each([
    ['a fixed element of the wrong length', { 3: '00000' }, Iso8583Error.FieldLengthInvalid],
    ['a PAN of 20 digits', { 2: '4'.repeat(20) }, Iso8583Error.FieldLengthInvalid],
    ['an element without a spec', { 5: '000000000100' }, Iso8583Error.FieldUnknown],
    ['DE 1 (the bitmap is derived)', { 1: '0000000000000000' }, Iso8583Error.FieldUnknown],
    ['a non-ASCII merchant name', { 43: 'Café'.padEnd(40, ' ') }, Iso8583Error.FieldCharsetInvalid],
    ['a space in an an element', { 38: 'AB 123' }, Iso8583Error.FieldCharsetInvalid],
  ])('refuses %s', (_name, fields, expected) => {
    const result = packMessage({ mti: '0100', fields });
    expect(isIso8583Failure(result) && result.failure).toBe(expected);
  });

  it('refuses an MTI that is not 1987', () => {
    expect(packMessage({ mti: '2100', fields: {} })).toMatchObject({ failure: Iso8583Error.MtiInvalid });
  });
});

describe('original data (DE 90), MTIs, response codes, dates', () => {
  it('round-trips DE 90 and pads institution ids', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('0100', '0200'),
        fc.integer({ min: 0, max: 999_999 }),
        layoutArbitraries.MMDDhhmmss!,
        fc.string({ unit: fc.constantFrom(...digits), maxLength: 11 }),
        (mti, stan, time, acquirerId) => {
          const value = formatOriginalData({
            mti,
            stan: String(stan).padStart(6, '0'),
            transmissionDateTime: time,
            acquirerId,
            forwardingId: '',
          });
          expect(value).toHaveLength(42);
          expect(parseOriginalData(value as string)).toEqual({
            mti,
            stan: String(stan).padStart(6, '0'),
            transmissionDateTime: time,
            acquirerId: acquirerId.padStart(11, '0'),
            forwardingId: '0'.repeat(11),
          });
        },
      ),
    );
  });

  it('rejects a DE 90 with a bad original date or an over-long institution id', () => {
    expect(parseOriginalData('0100' + '000001' + '1332103000' + '0'.repeat(22))).toMatchObject({
      failure: Iso8583Error.FieldFormatInvalid,
    });
    expect(
      formatOriginalData({ mti: '0100', stan: '000001', transmissionDateTime: '0615103000', acquirerId: '1'.repeat(12), forwardingId: '' }),
    ).toMatchObject({ failure: Iso8583Error.FieldFormatInvalid });
  });

  it('derives response MTIs, also for repeats', () => {
    expect(['0100', '0200', '0220', '0221', '0400', '0401', '0800'].map(responseMtiOf)).toEqual([
      '0110',
      '0210',
      '0230',
      '0230',
      '0410',
      '0410',
      '0810',
    ]);
    expect(['0221', '0401', '0100'].map(originalMtiOf)).toEqual(['0220', '0400', '0100']);
  });

  it('knows the response codes of domain.md §3 and which ones approve', () => {
    for (const code of [
      '00',
      '01',
      '03',
      '04',
      '05',
      '12',
      '13',
      '14',
      '15',
      '30',
      '41',
      '43',
      '51',
      '54',
      '57',
      '59',
      '61',
      '91',
      '92',
      '94',
      '96',
    ]) {
      expect(describeResponseCode(code).reason, code).not.toMatch(/^response code/);
    }
    expect(describeResponseCode('00').approved).toBe(true);
    expect(describeResponseCode('51')).toEqual({ code: '51', reason: 'insufficient funds', approved: false });
    expect(describeResponseCode('Z9')).toEqual({ code: 'Z9', reason: 'response code Z9', approved: false });
  });

  it('formats DE 7 in UTC, to the second', () => {
    expect(formatTransmissionDateTime(new Date('2026-06-15T10:30:05.999Z'))).toBe('0615103005');
  });

  it('reports the first required element that is missing', () => {
    expect(requireFields(authorization, [2, 11, 90])).toMatchObject({ failure: Iso8583Error.FieldMissing, field: 90 });
    expect(requireFields(authorization, [2, 11])).toBeUndefined();
  });
});
