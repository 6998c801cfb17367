import { describe, expect, it } from 'vitest';
import { buildMerchantPresentedQr, crc16CcittFalse, crcHex, fieldValue, parseEmvPayload, parseTlv, tlv, withCrc } from './codec.js';

/** EMV merchant-presented QR payloads: the CRC, TLV parsing, and the vectors of domain.md §5. */
const emvcoSample =
  '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A';
const pixSample =
  '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D';

describe('CRC-16/CCITT-FALSE', () => {
  it('has the check value CRC("123456789") = 29B1', () => {
    expect(crc16CcittFalse(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
    expect(crcHex('123456789')).toBe('29B1');
  });

  it('pads to four upper-case hex digits and counts UTF-8 bytes', () => {
    expect(crcHex('')).toBe('FFFF');
    expect(crcHex('北京')).toBe(crc16CcittFalse(Buffer.from('北京', 'utf8')).toString(16).toUpperCase().padStart(4, '0'));
  });
});

describe('EMV payloads', () => {
  it('verifies the EMVCo sample (Chinese characters: lengths in characters, CRC in bytes) and the PIX sample', () => {
    const fields = parseEmvPayload(emvcoSample);
    expect(fields).toBeDefined();
    expect(fieldValue(fields!, '59')).toBe('BEST TRANSPORT');
    expect(fieldValue(fields!, '64')).toBe('0002ZH0104最佳运输0202北京');
    expect(fieldValue(fields!, '54')).toBe('23.72');
    expect(parseEmvPayload(pixSample)?.map((f) => f.id)).toEqual(['00', '26', '52', '53', '58', '59', '60', '62', '63']);
  });

  it('refuses a payload whose CRC does not match, or that is not TLV', () => {
    expect(parseEmvPayload(pixSample.replace('BRASILIA', 'BRASILIO'))).toBeUndefined();
    expect(parseEmvPayload(pixSample.slice(0, -1))).toBeUndefined();
    expect(parseEmvPayload(`${pixSample.slice(0, -4)}1d3d`)).toBeUndefined();
    expect(parseTlv('0002')).toBeUndefined();
    expect(parseTlv('00020')).toBeUndefined();
    expect(parseEmvPayload(withCrc(tlv('01', '12')))).toBeUndefined(); // "00" must come first
  });

  it('builds a dynamic wallet code that parses back, CRC included', () => {
    const payload = buildMerchantPresentedQr({
      pointOfInitiation: '12',
      accountTemplateId: '26',
      globallyUniqueId: 'com.alipay.sandbox',
      url: 'http://127.0.0.1:5802/alipay_sandbox/pay/20260101200000000001',
      mcc: '5999',
      currencyNumeric: '156',
      amountDecimal: '12.34',
      country: 'CN',
      merchantName: '胡同小店',
      city: 'BEIJING',
    });
    const fields = parseEmvPayload(payload)!;
    expect(fields.map((f) => f.id)).toEqual(['00', '01', '26', '52', '53', '54', '58', '59', '60', '63']);
    expect(fieldValue(fields, '01')).toBe('12');
    expect(parseTlv(fieldValue(fields, '26')!)).toEqual([
      { id: '00', value: 'com.alipay.sandbox' },
      { id: '01', value: 'http://127.0.0.1:5802/alipay_sandbox/pay/20260101200000000001' },
    ]);
    expect(fieldValue(fields, '53')).toBe('156');
    expect(fieldValue(fields, '59')).toBe('胡同小店');
    expect(payload).toContain('5904胡同小店');
    expect(payload.slice(-8, -4)).toBe('6304');
    expect(crcHex(payload.slice(0, -4))).toBe(payload.slice(-4));
  });

  it('refuses a value longer than 99 characters (a programmer error)', () => {
    expect(() => tlv('26', 'x'.repeat(100))).toThrow();
  });
});
