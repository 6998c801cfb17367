import cardValidator from 'card-validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CardBrand } from '../channels/connector.js';
import { ManualClock } from '../core/clock.js';
import { isFailure } from '../core/failure.js';
import { brandRules } from './brand.js';
import { CardError } from './errors.js';
import { luhnCheckDigit, luhnValid } from './luhn.js';
import { last4Of, maskPan } from './pan.js';
import { validateCard, validateExpiry, validateHolderName, type CardInput } from './validate.js';

const clock = new ManualClock(new Date('2026-03-15T12:00:00Z'));
const card = (overrides: Partial<CardInput> = {}): CardInput => ({
  number: '4111111111111111',
  exp_month: 12,
  exp_year: 2030,
  cvc: '123',
  ...overrides,
});
const failureOf = (input: CardInput, at = clock) => {
  const result = validateCard(input, at);
  return isFailure(result) ? result.failure : 'valid';
};
/** A Luhn-valid number: `payload` plus its check digit. */
const withCheckDigit = (payload: string) => payload + luhnCheckDigit(payload);
/** The same number with one digit replaced by another. */
const flip = (number: string, index: number, by: number) =>
  number.slice(0, index) + String((Number(number[index]) + by) % 10) + number.slice(index + 1);

describe('Luhn', () => {
  it('accepts the public test numbers and refuses a changed digit', () => {
    for (const n of [
      '4111111111111111',
      '5454545454545454',
      '2221000000000009',
      '371449635398431',
      '378282246310005',
      '3566002020140006',
      '6011000995500000',
      '36438999960016',
    ]) {
      expect(luhnValid(n), n).toBe(true);
      expect(luhnValid(flip(n, 5, 1)), n).toBe(false);
      expect(withCheckDigit(n.slice(0, -1))).toBe(n);
    }
    expect(luhnValid('0')).toBe(false);
  });
});

describe('card validation', () => {
  it('accepts a good card, normalizing separators, the 2-digit year, the CVC and the name', () => {
    expect(
      validateCard(card({ number: '4111-1111 1111-1111', exp_month: '03', exp_year: '30', cvc: ' 123 ', holder_name: '  Li Lei ' }), clock),
    ).toEqual({
      pan: '4111111111111111',
      brand: 'visa',
      expMonth: 3,
      expYear: 2030,
      securityCode: '123',
      holderName: 'Li Lei',
    });
    const noExtras = validateCard({ number: '378282246310005', exp_month: 1, exp_year: 27 }, clock);
    expect(noExtras).toMatchObject({ brand: 'american-express', expYear: 2027, securityCode: undefined, holderName: null });
  });

  it('card_number_invalid: non-digits, lengths, Luhn', () => {
    expect(failureOf(card({ number: '4111 1111 1111 111a' }))).toBe(CardError.CardNumberInvalid);
    expect(failureOf(card({ number: '4111.1111.1111.1111' }))).toBe(CardError.CardNumberInvalid);
    expect(failureOf(card({ number: '' }))).toBe(CardError.CardNumberInvalid);
    expect(failureOf(card({ number: '4111' }))).toBe(CardError.CardNumberInvalid);
    expect(failureOf(card({ number: withCheckDigit('4'.repeat(19)) }))).toBe(CardError.CardNumberInvalid); // 20 digits
    expect(failureOf(card({ number: '4 '.repeat(100) }))).toBe(CardError.CardNumberInvalid); // bounded before parsing
    expect(failureOf(card({ number: withCheckDigit('4111111111111111') }))).toBe(CardError.CardNumberInvalid); // Visa never has 17
    expect(failureOf(card({ number: withCheckDigit('371449635398431'), cvc: '1234' }))).toBe(CardError.CardNumberInvalid); // Amex has 15
    expect(failureOf(card({ number: withCheckDigit('5454545454545') }))).toBe(CardError.CardNumberInvalid); // Mastercard has 16
    expect(failureOf(card({ number: '4111111111111112' }))).toBe(CardError.CardNumberInvalid);
  });

  it('refuses a failed check digit on every brand except UnionPay', () => {
    const numbers: [string, CardBrand][] = [
      ['4111111111111111', 'visa'],
      ['5454545454545454', 'mastercard'],
      ['2221000000000009', 'mastercard'],
      ['371449635398431', 'american-express'],
      ['3566002020140006', 'jcb'],
      ['6011000995500000', 'discover'],
      ['36438999960016', 'diners-club'],
    ];
    for (const [number, brand] of numbers) {
      const cvc = brand === 'american-express' ? '1234' : '123';
      expect(validateCard(card({ number, cvc }), clock), number).toMatchObject({ brand });
      const broken = flip(number, number.length - 1, 1);
      expect(failureOf(card({ number: broken, cvc })), broken).toBe(CardError.CardNumberInvalid);
    }
  });

  it('accepts a UnionPay number without a Luhn check digit, as card-validator does by default', () => {
    const unionPay = '6212345678901234';
    expect(luhnValid(unionPay)).toBe(false);
    expect(validateCard(card({ number: unionPay }), clock)).toMatchObject({ brand: 'unionpay', pan: unionPay });
    expect(cardValidator.number(unionPay).isValid).toBe(true);
    expect(cardValidator.number(unionPay, { luhnValidateUnionPay: true }).isValid).toBe(false);
    // The exception is about Luhn only: lengths still apply (UnionPay issues 14 to 19 digits).
    expect(failureOf(card({ number: '6212345678901' }))).toBe(CardError.CardNumberInvalid);
    expect(validateCard(card({ number: '62123456789012' }), clock)).toMatchObject({ brand: 'unionpay' });
  });

  it('card_brand_unsupported: other networks and prefixes no network issues', () => {
    expect(failureOf(card({ number: withCheckDigit('401178000000000') }))).toBe(CardError.CardBrandUnsupported); // Elo
    expect(failureOf(card({ number: withCheckDigit('220000000000000') }))).toBe(CardError.CardBrandUnsupported); // Mir
    expect(failureOf(card({ number: withCheckDigit('979200000000000') }))).toBe(CardError.CardBrandUnsupported); // Troy
    expect(failureOf(card({ number: withCheckDigit('700000000000000') }))).toBe(CardError.CardBrandUnsupported);
  });

  it('security_code_invalid: 4 digits on Amex, 3 on the others, digits only', () => {
    expect(failureOf(card({ cvc: '1234' }))).toBe(CardError.SecurityCodeInvalid);
    expect(failureOf(card({ cvc: '12' }))).toBe(CardError.SecurityCodeInvalid);
    expect(failureOf(card({ cvc: '12a' }))).toBe(CardError.SecurityCodeInvalid);
    expect(failureOf(card({ cvc: '' }))).toBe(CardError.SecurityCodeInvalid);
    expect(failureOf(card({ number: '371449635398431', cvc: '123' }))).toBe(CardError.SecurityCodeInvalid);
    expect(failureOf(card({ number: '371449635398431', cvc: '1234' }))).toBe('valid');
    expect(brandRules('unionpay').securityCodeLength).toBe(3);
  });

  it('holder_name_invalid: too long, control characters, a card number in the name field', () => {
    expect(failureOf(card({ holder_name: 'A'.repeat(45) }))).toBe('valid');
    expect(failureOf(card({ holder_name: 'A'.repeat(46) }))).toBe(CardError.HolderNameInvalid);
    expect(failureOf(card({ holder_name: 'Li\nLei' }))).toBe(CardError.HolderNameInvalid);
    expect(failureOf(card({ holder_name: '4111 1111 1111 1111' }))).toBe(CardError.HolderNameInvalid);
    expect(validateHolderName('   ')).toBeNull();
    expect(validateHolderName('Zhang San 2')).toBe('Zhang San 2');
  });

  it('reports the first problem: number, then expiry, then security code, then name', () => {
    expect(failureOf({ number: 'x', exp_month: 13, exp_year: 2020, cvc: 'x', holder_name: '\u0000' })).toBe(CardError.CardNumberInvalid);
    expect(failureOf(card({ exp_month: 13, cvc: 'x', holder_name: '\u0000' }))).toBe(CardError.ExpiryInvalid);
    expect(failureOf(card({ cvc: 'x', holder_name: '\u0000' }))).toBe(CardError.SecurityCodeInvalid);
  });
});

describe('expiry', () => {
  const at = (iso: string) => new ManualClock(new Date(iso));

  it('is valid through the last instant of the expiry month (UTC), expired from the next', () => {
    expect(failureOf(card({ exp_month: 3, exp_year: 2026 }), at('2026-03-31T23:59:59.999Z'))).toBe('valid');
    expect(failureOf(card({ exp_month: 3, exp_year: 2026 }), at('2026-04-01T00:00:00.000Z'))).toBe(CardError.CardExpired);
    expect(failureOf(card({ exp_month: 4, exp_year: 2026 }), at('2026-04-01T00:00:00.000Z'))).toBe('valid');
    expect(failureOf(card({ exp_month: 2, exp_year: 2026 }), at('2026-03-01T00:00:00.000Z'))).toBe(CardError.CardExpired);
    // Across a year: December is good through New Year's Eve.
    expect(failureOf(card({ exp_month: 12, exp_year: 26 }), at('2026-12-31T23:59:59.999Z'))).toBe('valid');
    expect(failureOf(card({ exp_month: 12, exp_year: 26 }), at('2027-01-01T00:00:00.000Z'))).toBe(CardError.CardExpired);
    expect(failureOf(card({ exp_month: 1, exp_year: 27 }), at('2027-01-01T00:00:00.000Z'))).toBe('valid');
  });

  it('follows the injected clock as it moves', () => {
    const moving = at('2026-05-31T23:59:59.000Z');
    expect(failureOf(card({ exp_month: 5, exp_year: 2026 }), moving)).toBe('valid');
    moving.advance(1_000);
    expect(failureOf(card({ exp_month: 5, exp_year: 2026 }), moving)).toBe(CardError.CardExpired);
  });

  it('expiry_invalid: months outside 1–12, years neither 2 nor 4 digits, more than 20 years ahead', () => {
    const now = new Date('2026-03-15T00:00:00Z');
    const code = (month: number | string, year: number | string) => {
      const result = validateExpiry(month, year, now);
      return isFailure(result) ? result.failure : result;
    };
    for (const month of [0, 13, -1, 1.5, '0', '13', '', 'ab', '012', '1.0', Number.NaN])
      expect(code(month, 2030), String(month)).toBe(CardError.ExpiryInvalid);
    for (const year of [202, '202', '20266', 10000, -26, 26.5, '2o30', ''])
      expect(code(12, year), String(year)).toBe(CardError.ExpiryInvalid);
    expect(code(12, 2046)).toEqual({ expMonth: 12, expYear: 2046 });
    expect(code(12, 2047)).toBe(CardError.ExpiryInvalid);
    expect(code('7', '2030')).toEqual({ expMonth: 7, expYear: 2030 });
  });

  it('reads a 2-digit year as the one ending in those digits within the 100 years up to 20 ahead', () => {
    const now = new Date('2026-03-15T00:00:00Z');
    expect(validateExpiry(3, 26, now)).toEqual({ expMonth: 3, expYear: 2026 });
    expect(validateExpiry(3, '05', now)).toMatchObject({ failure: CardError.CardExpired }); // 2005
    expect(validateExpiry(3, 5, now)).toMatchObject({ failure: CardError.CardExpired });
    expect(validateExpiry(3, '46', now)).toEqual({ expMonth: 3, expYear: 2046 });
    expect(validateExpiry(3, '47', now)).toMatchObject({ failure: CardError.CardExpired }); // 1947, not 2047
    // The window slides: in 2090, '05' is 2105, not 2005.
    expect(validateExpiry(3, '05', new Date('2090-01-01T00:00:00Z'))).toEqual({ expMonth: 3, expYear: 2105 });
  });
});

describe('masking', () => {
  it('shows the first six and the last four digits only', () => {
    expect(maskPan('4111111111111111')).toBe('411111******1111');
    expect(maskPan('4111 1111 1111 1111')).toBe('411111******1111');
    expect(maskPan('378282246310005')).toBe('378282*****0005');
    expect(maskPan('36438999960016')).toBe('364389****0016');
    expect(maskPan('4111111111111111111')).toBe('411111*********1111');
    expect(maskPan('123456789012')).toBe('************');
    expect(last4Of('4111 1111 1111 1234')).toBe('1234');
  });
});

/**
 * 6-digit prefixes starting with 4 that credit-card-type gives to other networks, because their
 * pattern is more specific than Visa's 4: Elo, Naranja and one Maestro range. Refused as unsupported.
 */
const notVisaPrefixes = ['401178', '401179', '402918', '431274', '438935', '451416', '457393', '457631', '457632', '493698'];

describe('properties', () => {
  const fifteenDigits = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 14, maxLength: 14 }).map((digits) => `4${digits.join('')}`);

  it('a Luhn-valid 16-digit number starting with 4 is a valid Visa; flipping one digit breaks it unless that makes it UnionPay', () => {
    fc.assert(
      fc.property(fifteenDigits, fc.nat(15), fc.integer({ min: 1, max: 9 }), (payload, index, by) => {
        const pan = withCheckDigit(payload);
        if (notVisaPrefixes.some((prefix) => pan.startsWith(prefix))) {
          expect(failureOf(card({ number: pan }))).toBe(CardError.CardBrandUnsupported);
          return;
        }
        const valid = validateCard(card({ number: pan }), clock);
        expect(valid).toMatchObject({ pan, brand: 'visa' });
        expect(last4Of(pan)).toBe(pan.slice(12));
        expect(maskPan(pan)).toBe(`${pan.slice(0, 6)}******${pan.slice(12)}`);
        expect(cardValidator.number(pan).isValid).toBe(true);

        const flipped = flip(pan, index, by);
        const result = validateCard(card({ number: flipped }), clock);
        if (isFailure(result)) {
          expect([CardError.CardNumberInvalid, CardError.CardBrandUnsupported]).toContain(result.failure);
        } else {
          // Only a first digit turned into 6 or 8 can land in a UnionPay range, which skips Luhn.
          expect(index).toBe(0);
          expect(result.brand).toBe('unionpay');
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('our verdict and card-validator agree on Luhn-valid numbers of every brand and length', () => {
    const prefixes: Record<CardBrand, string[]> = {
      visa: ['4111', '4000'],
      mastercard: ['51', '55', '2221', '2720'],
      'american-express': ['34', '37'],
      jcb: ['3528', '3589', '2131', '1800'],
      unionpay: ['6240', '8100'],
      discover: ['6011', '6445'],
      'diners-club': ['300', '36', '38'],
    };
    const generated = fc.constantFrom(...(Object.keys(prefixes) as CardBrand[])).chain((brand) =>
      fc.record({
        brand: fc.constant(brand),
        prefix: fc.constantFrom(...prefixes[brand]),
        length: fc.constantFrom(...brandRules(brand).lengths),
        rest: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 19, maxLength: 19 }),
      }),
    );
    fc.assert(
      fc.property(generated, ({ brand, prefix, length, rest }) => {
        const pan = withCheckDigit((prefix + rest.join('')).slice(0, length - 1));
        const cvc = '1234'.slice(0, brandRules(brand).securityCodeLength);
        expect(validateCard(card({ number: pan, cvc }), clock)).toMatchObject({ brand, pan });
        expect(cardValidator.number(pan).isValid).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
