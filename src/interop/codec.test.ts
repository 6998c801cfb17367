import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCpm, parseCpm } from './emv-cpm.js';
import { crcHexOf, parseMpm } from './emv-mpm.js';
import { buildMpm, describeMpm, type MpmSpec } from './mpm-code.js';
import { decodeQr } from './decode.js';
import { defaultParticipants } from './participants.js';
import { defaultPaymentCodeRules } from './payment-codes.js';

// Published vectors (domain.md §5): the EMVCo specification's sample and a Brazil PIX static code.
const emvcoSample =
  '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A';
const pix =
  '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D';

const deps = { participants: defaultParticipants, paymentCodeRules: defaultPaymentCodeRules };
const interop = { decode: (payload: string, mode: 'strict' | 'lenient') => decodeQr(deps, payload, mode) };

describe('CRC-16/CCITT-FALSE', () => {
  it('has the check value 29B1', () => expect(crcHexOf('123456789')).toBe('29B1'));
});

describe('EMV MPM', () => {
  it('reads the EMVCo sample with no violation, Chinese language template included', () => {
    const { fields, violations } = parseMpm(emvcoSample);
    expect(violations).toEqual([]);
    const code = describeMpm(fields);
    expect(code).toMatchObject({
      pointOfInitiation: 'dynamic',
      mcc: '4111',
      currencyNumeric: '156',
      amountDecimal: '23.72',
      country: 'CN',
      merchantName: 'BEST TRANSPORT',
      city: 'BEIJING',
      language: { language: 'ZH', merchantName: '最佳运输', city: '北京' },
      additionalData: { storeLabel: '1234', customerLabel: '***', terminalLabel: 'A6008667' },
      crc: 'A13A',
    });
    expect(code.merchantAccounts.map((a) => [a.id, a.guid])).toEqual([
      ['29', 'D15600000000'],
      ['31', 'D15600000001'],
    ]);
  });

  it('reads the PIX code with no violation', () => {
    const decoded = interop.decode(pix, 'strict');
    expect(decoded).toMatchObject({
      format: 'emv_mpm',
      valid: true,
      mpm: { merchantName: 'Fulano de Tal', city: 'BRASILIA', currencyNumeric: '986' },
    });
  });

  it('names every violation of a broken payload at once', () => {
    // Name 26 characters, city missing, MCC of 3 digits, no merchant account, CRC recomputed so only the rules fail.
    const body = '000201' + '5203411' + '5303156' + '5802CN' + '5926ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const payload = body + '6304' + crcHexOf(body + '6304');
    const { violations } = parseMpm(payload);
    const named = violations.map((v) => `${v.field}:${v.code}`).sort();
    expect(named).toEqual(['02-51:missing', '52:value_invalid', '59:too_long', '60:missing']);
    const strict = interop.decode(payload, 'strict');
    expect(strict).toMatchObject({ failure: 'qr_code_invalid' });
    expect((strict as unknown as { violations: unknown[] }).violations).toHaveLength(4);
    expect(interop.decode(payload, 'lenient')).toMatchObject({ format: 'emv_mpm', valid: false, mpm: { country: 'CN' } });
  });

  it('finds a tampered CRC, a wrong length and a truncated payload', () => {
    const tampered = emvcoSample.replace('BEST TRANSPORT', 'BEST TRANSPORX');
    expect(parseMpm(tampered).violations.map((v) => v.code)).toEqual(['crc_mismatch']);
    const wrongLength = pix.replace('5913Fulano de Tal', '5914Fulano de Tal');
    expect(parseMpm(wrongLength).violations.length).toBeGreaterThan(0);
    expect(parseMpm(pix.slice(0, 60)).violations.map((v) => v.code)).toContain('truncated');
  });

  it('round-trips what it builds, and any changed character is caught', () => {
    const spec = fc.record({
      dynamic: fc.boolean(),
      name: fc.string({ minLength: 1, maxLength: 25, unit: 'grapheme-ascii' }).filter((s) => s.trim() === s && s !== ''),
      city: fc.string({ minLength: 1, maxLength: 15, unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ') }),
      amountMinor: fc.bigInt({ min: 1n, max: 99_999_999_999n }),
      chineseName: fc.string({ minLength: 1, maxLength: 25, unit: fc.constantFrom(...'互通支付商户北京上海') }),
    });
    fc.assert(
      fc.property(spec, fc.nat(), (s, at) => {
        const amount = `${s.amountMinor / 100n}.${String(s.amountMinor % 100n).padStart(2, '0')}`;
        const mpm: MpmSpec = {
          dynamic: s.dynamic,
          accounts: [{ id: '26', guid: 'dev.hutong.pay', sub: { '01': 'mch_1' } }],
          mcc: '5812',
          currencyNumeric: '156',
          amountDecimal: s.dynamic ? amount : undefined,
          country: 'CN',
          merchantName: s.name,
          city: s.city,
          additionalData: { billNumber: 'B1', terminalLabel: 'T1' },
          language: { language: 'ZH', merchantName: s.chineseName },
        };
        const payload = buildMpm(mpm);
        const { fields, violations } = parseMpm(payload);
        expect(violations).toEqual([]);
        expect(describeMpm(fields)).toMatchObject({ merchantName: s.name, city: s.city, amountDecimal: mpm.amountDecimal });
        // Change one character before the CRC: some rule must catch it.
        const chars = [...payload];
        const index = at % (chars.length - 4);
        chars[index] = chars[index] === '7' ? '8' : '7';
        expect(parseMpm(chars.join('')).violations.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('EMV CPM', () => {
  it('round-trips a card-linked code and masks the PAN', () => {
    const code = buildCpm({
      aid: 'A000000333010101',
      label: 'UnionPay',
      pan: '6212345678901234',
      expiryYymm: '2912',
      cryptogram: '0102030405060708',
    });
    const decoded = interop.decode(code, 'strict');
    expect(decoded).toMatchObject({
      format: 'emv_cpm',
      valid: true,
      cpm: {
        payloadFormat: 'CPV01',
        applications: [{ aid: 'A000000333010101', label: 'UnionPay', maskedPan: '621234******1234' }],
        cryptogram: { '9F26': '0102030405060708' },
      },
    });
    expect(JSON.stringify(decoded)).not.toContain('6212345678901234');
  });

  it('names a wrong payload format indicator and a template without its AID', () => {
    const bytes = Buffer.from(buildCpm({ aid: 'A0', label: 'X', pan: '6212345678901234', expiryYymm: '2912' }), 'base64');
    bytes[2 + 4] = 0x32; // "CPV01" → "CPV02"
    expect(parseCpm(bytes.toString('base64')).violations.map((v) => `${v.field}:${v.code}`)).toEqual(['85:value_invalid']);
    expect(
      parseCpm(Buffer.from([0x85, 0x05, 0x43, 0x50, 0x56, 0x30, 0x31, 0x61, 0x02, 0x50, 0x00]).toString('base64')).violations.map(
        (v) => v.field,
      ),
    ).toEqual(['61[0].4F', '61[0].57']);
    expect(parseCpm(Buffer.from([0x85, 0x09, 0x43]).toString('base64')).violations.map((v) => v.code)).toEqual(['malformed']);
  });
});

describe('payment codes', () => {
  it('routes by the prefix table and never echoes the code', () => {
    expect(interop.decode('134567890123456789', 'strict')).toMatchObject({ format: 'payment_code', institution: 'wechat_sandbox' });
    expect(interop.decode('281234567890123456', 'strict')).toMatchObject({ institution: 'alipay_sandbox' });
    expect(interop.decode('6212345678901234567', 'strict')).toMatchObject({ institution: 'quickpass_sandbox' });
    expect(interop.decode('881234567890123456', 'strict')).toMatchObject({ institution: 'hutong' });
    expect(interop.decode('991234567890123456', 'strict')).toMatchObject({ failure: 'qr_code_unrecognised' });
  });
});
