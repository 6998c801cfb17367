import { AssertionError } from 'node:assert';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  add,
  amount,
  amountFromMinor,
  amountMinorMax,
  compare,
  convert,
  divideRounded,
  findCurrency,
  formatDecimal,
  isCurrencyCode,
  isMoneyFailure,
  isZero,
  listCurrencies,
  MoneyError,
  multiplyRatio,
  negate,
  parseDecimal,
  parseRate,
  subtract,
  toJSONMinor,
  type Amount,
  type Currency,
  type DecimalRate,
  type MoneyFailure,
  type RoundingMode,
} from './index.js';

const allModes: readonly RoundingMode[] = ['half_up', 'half_even', 'half_down', 'down', 'up', 'floor', 'ceiling'];

/** Unwraps a success; fails the test with the failure detail otherwise. */
function ok<T extends object>(result: T | MoneyFailure): T {
  if (isMoneyFailure(result)) throw new Error(`unexpected failure ${result.failure}: ${result.detail}`);
  return result;
}

function failureOf(result: object): MoneyError | undefined {
  return isMoneyFailure(result) ? result.failure : undefined;
}

function rate(text: string): DecimalRate {
  return ok(parseRate(text));
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

describe('currency', () => {
  // ISO 4217 List One minor units for every currency that is not 2.
  const exponentZero = [
    'BIF',
    'CLP',
    'DJF',
    'GNF',
    'ISK',
    'JPY',
    'KMF',
    'KRW',
    'PYG',
    'RWF',
    'UGX',
    'UYI',
    'VND',
    'VUV',
    'XAF',
    'XOF',
    'XPF',
  ];
  const exponentThree = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
  const exponentFour = ['CLF', 'UYW'];
  const expected = new Map<string, number>([
    ...exponentZero.map((code) => [code, 0] as const),
    ...exponentThree.map((code) => [code, 3] as const),
    ...exponentFour.map((code) => [code, 4] as const),
  ]);

  it.each([...expected])('%s has ISO 4217 exponent %i', (code, exponent) => {
    expect(findCurrency(code)?.exponent).toBe(exponent);
  });

  it('every other listed currency has exponent 2', () => {
    const others = listCurrencies().filter((c) => !expected.has(c.code));
    expect(others.length).toBeGreaterThan(100);
    for (const c of others) expect({ code: c.code, exponent: c.exponent }).toEqual({ code: c.code, exponent: 2 });
  });

  it('describes common currencies', () => {
    expect(findCurrency('CNY')).toEqual({ code: 'CNY', numeric: '156', exponent: 2, name: 'Yuan Renminbi' });
    expect(findCurrency('USD')).toMatchObject({ numeric: '840', exponent: 2 });
    expect(findCurrency('EUR')).toMatchObject({ numeric: '978', exponent: 2 });
    expect(findCurrency('JPY')).toMatchObject({ numeric: '392', exponent: 0 });
    expect(findCurrency('KMF')?.name).toBe('Comorian Franc');
  });

  it.each(['XAU', 'XAG', 'XPT', 'XPD', 'XDR', 'XBA', 'XBB', 'XBC', 'XBD', 'XSU', 'XTS', 'XUA', 'XXX'])(
    'excludes non-payable ISO 4217 code %s (minor unit N.A.)',
    (code) => {
      expect(findCurrency(code)).toBeUndefined();
      expect(isCurrencyCode(code)).toBe(false);
    },
  );

  it('keeps real X-currencies', () => {
    expect(findCurrency('XOF')).toMatchObject({ exponent: 0, numeric: '952' });
    expect(findCurrency('XAF')).toMatchObject({ exponent: 0, numeric: '950' });
    expect(findCurrency('XPF')?.exponent).toBe(0);
    expect(findCurrency('XCD')?.exponent).toBe(2);
  });

  it.each(['usd', 'Usd', 'US', 'USDX', '', ' USD', 'ABC', '840'])('rejects code %j', (code) => {
    expect(findCurrency(code)).toBeUndefined();
    expect(isCurrencyCode(code)).toBe(false);
  });

  it('lists well-formed currencies sorted by code', () => {
    const list = listCurrencies();
    const codes = list.map((c) => c.code);
    expect(codes).toEqual([...codes].sort());
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of list) {
      expect(c.code).toMatch(/^[A-Z]{3}$/);
      expect(c.numeric).toMatch(/^\d{3}$/);
      expect([0, 2, 3, 4]).toContain(c.exponent);
      expect(c.name).toBe(c.name.trim());
      expect(isCurrencyCode(c.code)).toBe(true);
    }
  });
});

describe('parseDecimal', () => {
  it.each([
    ['12.34', 'CNY', 1234n],
    ['1000', 'JPY', 1000n],
    ['1.234', 'KWD', 1234n],
    ['12.3', 'USD', 1230n],
    ['0.10', 'USD', 10n],
    ['007.50', 'USD', 750n],
    ['0', 'USD', 0n],
    ['1.2345', 'CLF', 12345n],
    ['9999999999999.99', 'USD', amountMinorMax],
    ['999999999999999', 'JPY', amountMinorMax],
    ['99999999999.9999', 'CLF', amountMinorMax],
  ])('parses %j %s to %s', (text, code, minor) => {
    expect(parseDecimal(text, code)).toEqual({ minor, currency: code });
  });

  it('accepts negatives only when allowed', () => {
    expect(parseDecimal('-12.34', 'USD', { allowNegative: true })).toEqual({ minor: -1234n, currency: 'USD' });
    expect(parseDecimal('-0', 'USD', { allowNegative: true })).toEqual({ minor: 0n, currency: 'USD' });
    expect(parseDecimal('-9999999999999.99', 'USD', { allowNegative: true })).toEqual({ minor: -amountMinorMax, currency: 'USD' });
    expect(failureOf(parseDecimal('-1', 'USD'))).toBe(MoneyError.AmountNegative);
    expect(failureOf(parseDecimal('-0', 'USD'))).toBe(MoneyError.AmountNegative);
    expect(failureOf(parseDecimal('-1', 'USD', { allowNegative: false }))).toBe(MoneyError.AmountNegative);
  });

  it.each([
    '',
    ' ',
    ' 1',
    '1 ',
    '1 000',
    '+1',
    '1e3',
    '1E3',
    '1.',
    '.5',
    '1,000',
    '1,5',
    '12abc',
    'abc12',
    'NaN',
    'Infinity',
    '-Infinity',
    '1.2.3',
    '--1',
    '-',
    '-.5',
    '0x10',
    '1_000',
    '\n1',
    '1\n',
    '١٢',
    '１２',
    '12.3 ',
    '\u00a012',
  ])('rejects %j as amount_invalid', (text) => {
    const result = parseDecimal(text, 'USD', { allowNegative: true });
    expect(failureOf(result)).toBe(MoneyError.AmountInvalid);
    expect((result as MoneyFailure).detail).not.toBe('');
  });

  it.each([
    ['12.340', 'USD'],
    ['12.345', 'USD'],
    ['1.0', 'JPY'],
    ['1.5', 'JPY'],
    ['1.2345', 'KWD'],
    ['1.23456', 'CLF'],
    ['0.000', 'USD'],
  ])('rejects %j %s as amount_too_precise', (text, code) => {
    expect(failureOf(parseDecimal(text, code))).toBe(MoneyError.AmountTooPrecise);
  });

  it.each([
    ['10000000000000.00', 'USD'],
    ['10000000000000', 'USD'],
    ['1000000000000000', 'JPY'],
    ['100000000000', 'CLF'],
    ['9'.repeat(10_000), 'USD'],
    ['0000' + '1'.repeat(16), 'JPY'],
  ])('rejects %j %s as amount_too_large', (text, code) => {
    expect(failureOf(parseDecimal(text, code))).toBe(MoneyError.AmountTooLarge);
  });

  it('rejects too-large negatives as amount_too_large', () => {
    expect(failureOf(parseDecimal('-10000000000000', 'USD', { allowNegative: true }))).toBe(MoneyError.AmountTooLarge);
  });

  it('accepts many leading zeros within the limit', () => {
    expect(parseDecimal('0'.repeat(100) + '5', 'JPY')).toEqual({ minor: 5n, currency: 'JPY' });
  });

  it.each(['usd', 'Usd', 'XAU', 'XTS', 'XXX', 'ABC', '', ' USD'])('rejects currency %j', (code) => {
    expect(failureOf(parseDecimal('1', code))).toBe(MoneyError.CurrencyUnsupported);
  });

  it('never throws and only accepts the decimal grammar (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 24 }), fc.boolean(), (text, allowNegative) => {
        const result = parseDecimal(text, 'KWD', { allowNegative });
        if (isMoneyFailure(result)) return;
        expect(text).toMatch(/^-?[0-9]+(\.[0-9]{1,3})?$/);
        expect(abs(result.minor)).toBeLessThanOrEqual(amountMinorMax);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^-?[0-9]{1,20}(\.[0-9]{1,5})?$/), (text) => {
        expect(() => parseDecimal(text, 'USD', { allowNegative: true })).not.toThrow();
      }),
    );
  });
});

describe('formatDecimal', () => {
  it.each([
    [1234n, 'CNY', '12.34'],
    [1000n, 'JPY', '1000'],
    [1234n, 'KWD', '1.234'],
    [5n, 'USD', '0.05'],
    [-5n, 'USD', '-0.05'],
    [0n, 'USD', '0.00'],
    [0n, 'JPY', '0'],
    [-7n, 'JPY', '-7'],
    [1n, 'CLF', '0.0001'],
    [100n, 'USD', '1.00'],
    [-123456n, 'KWD', '-123.456'],
    [amountMinorMax, 'USD', '9999999999999.99'],
  ])('formats %s %s as %j', (minor, code, text) => {
    expect(formatDecimal(amount(minor, code))).toBe(text);
  });

  it('asserts on an unknown currency', () => {
    expect(() => formatDecimal({ minor: 1n, currency: 'XAU' })).toThrow(AssertionError);
  });
});

describe('amountFromMinor', () => {
  it('accepts bigints and safe-integer numbers', () => {
    expect(amountFromMinor(1234n, 'USD')).toEqual({ minor: 1234n, currency: 'USD' });
    expect(amountFromMinor(1234, 'USD')).toEqual({ minor: 1234n, currency: 'USD' });
    expect(amountFromMinor(0, 'USD')).toEqual({ minor: 0n, currency: 'USD' });
    expect(amountFromMinor(-0, 'USD')).toEqual({ minor: 0n, currency: 'USD' });
    expect(amountFromMinor(-5, 'USD', { allowNegative: true })).toEqual({ minor: -5n, currency: 'USD' });
    expect(amountFromMinor(amountMinorMax, 'JPY')).toEqual({ minor: amountMinorMax, currency: 'JPY' });
    expect(amountFromMinor(-amountMinorMax, 'JPY', { allowNegative: true })).toEqual({ minor: -amountMinorMax, currency: 'JPY' });
    expect(amountFromMinor(1, 'USD', { allowZero: false })).toEqual({ minor: 1n, currency: 'USD' });
  });

  it.each([
    ['1.5', 1.5],
    ['0.1', 0.1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['2^53', 2 ** 53],
    ['-2^53', -(2 ** 53)],
    ['string', '100'],
    ['null', null],
    ['undefined', undefined],
    ['true', true],
    ['false', false],
    ['object', {}],
    ['array', [1]],
    ['boxed', Object(1n)],
  ])('rejects %s as amount_invalid', (_label, value) => {
    expect(failureOf(amountFromMinor(value, 'USD', { allowNegative: true }))).toBe(MoneyError.AmountInvalid);
  });

  it('rejects negatives without allowNegative', () => {
    expect(failureOf(amountFromMinor(-1, 'USD'))).toBe(MoneyError.AmountNegative);
    expect(failureOf(amountFromMinor(-1n, 'USD'))).toBe(MoneyError.AmountNegative);
  });

  it('rejects zero when allowZero is false, explaining it must be positive', () => {
    const result = amountFromMinor(0n, 'USD', { allowZero: false });
    expect(failureOf(result)).toBe(MoneyError.AmountInvalid);
    expect((result as MoneyFailure).detail).toMatch(/positive/);
  });

  it('rejects values beyond amountMinorMax', () => {
    expect(failureOf(amountFromMinor(amountMinorMax + 1n, 'USD'))).toBe(MoneyError.AmountTooLarge);
    expect(failureOf(amountFromMinor(10 ** 15, 'USD'))).toBe(MoneyError.AmountTooLarge);
    expect(failureOf(amountFromMinor(-amountMinorMax - 1n, 'USD', { allowNegative: true }))).toBe(MoneyError.AmountTooLarge);
  });

  it('rejects unsupported currencies', () => {
    expect(failureOf(amountFromMinor(1n, 'usd'))).toBe(MoneyError.CurrencyUnsupported);
    expect(failureOf(amountFromMinor(1n, 'XXX'))).toBe(MoneyError.CurrencyUnsupported);
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const result = amountFromMinor(value, 'EUR', { allowNegative: true });
        if (!isMoneyFailure(result)) expect(typeof value === 'bigint' || Number.isSafeInteger(value)).toBe(true);
      }),
    );
  });
});

describe('amountMinorMax', () => {
  it('is 10^15 - 1 and below Number.MAX_SAFE_INTEGER', () => {
    expect(amountMinorMax).toBe(10n ** 15n - 1n);
    expect(amountMinorMax < BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });
});

describe('isMoneyFailure', () => {
  it('recognises failures only', () => {
    expect(isMoneyFailure({ failure: MoneyError.AmountInvalid, detail: 'x' })).toBe(true);
    expect(isMoneyFailure({ failure: 'something_else', detail: 'x' })).toBe(false);
    expect(isMoneyFailure({ failure: MoneyError.AmountInvalid })).toBe(false);
    expect(isMoneyFailure(amount(1n, 'USD'))).toBe(false);
    expect(isMoneyFailure(null)).toBe(false);
    expect(isMoneyFailure('amount_invalid')).toBe(false);
  });

  it('uses the documented string values', () => {
    expect(Object.values(MoneyError).sort()).toEqual([
      'amount_invalid',
      'amount_negative',
      'amount_too_large',
      'amount_too_precise',
      'currency_unsupported',
    ]);
  });
});

describe('amount arithmetic', () => {
  const usd = (minor: bigint): Amount => amount(minor, 'USD');

  it('amount() asserts on programmer errors', () => {
    expect(() => amount(1n, 'usd')).toThrow(AssertionError);
    expect(() => amount(1n, 'XAU')).toThrow(AssertionError);
    expect(() => amount(amountMinorMax + 1n, 'USD')).toThrow(AssertionError);
    expect(() => amount(-amountMinorMax - 1n, 'USD')).toThrow(AssertionError);
    expect(() => amount(1 as unknown as bigint, 'USD')).toThrow(AssertionError);
    expect(amount(-amountMinorMax, 'USD').minor).toBe(-amountMinorMax);
  });

  it('adds, subtracts and negates', () => {
    expect(add(usd(150n), usd(275n))).toEqual(usd(425n));
    expect(subtract(usd(150n), usd(275n))).toEqual(usd(-125n));
    expect(negate(usd(5n))).toEqual(usd(-5n));
    expect(negate(usd(0n)).minor).toBe(0n);
  });

  it('asserts when currencies differ or the result overflows', () => {
    expect(() => add(usd(1n), amount(1n, 'EUR'))).toThrow(AssertionError);
    expect(() => subtract(usd(1n), amount(1n, 'CNY'))).toThrow(AssertionError);
    expect(() => compare(usd(1n), amount(1n, 'JPY'))).toThrow(AssertionError);
    expect(() => add(usd(amountMinorMax), usd(1n))).toThrow(AssertionError);
  });

  it('compares and tests zero', () => {
    expect(compare(usd(1n), usd(2n))).toBe(-1);
    expect(compare(usd(2n), usd(2n))).toBe(0);
    expect(compare(usd(3n), usd(-2n))).toBe(1);
    expect(isZero(usd(0n))).toBe(true);
    expect(isZero(usd(-1n))).toBe(false);
  });

  it('produces JSON-safe numbers', () => {
    expect(toJSONMinor(usd(1234n))).toBe(1234);
    expect(toJSONMinor(usd(-amountMinorMax))).toBe(-999_999_999_999_999);
    expect(() => toJSONMinor({ minor: 2n ** 53n + 1n, currency: 'USD' })).toThrow(AssertionError);
  });

  it('add and subtract are inverse; add commutes; negate is an involution (property)', () => {
    const half = amountMinorMax / 2n;
    const minor = fc.bigInt({ min: -half, max: half });
    fc.assert(
      fc.property(minor, minor, fc.constantFrom(...listCurrencies()), (x, y, currency) => {
        const a = amount(x, currency.code);
        const b = amount(y, currency.code);
        expect(subtract(add(a, b), b)).toEqual(a);
        expect(add(subtract(a, b), b)).toEqual(a);
        expect(add(a, b)).toEqual(add(b, a));
        expect(negate(negate(a))).toEqual(a);
        expect(add(a, negate(a)).minor).toBe(0n);
        expect(compare(a, b)).toBe(-compare(b, a) || 0);
      }),
    );
  });
});

describe('decimal round trips (property)', () => {
  const currencies = listCurrencies();

  it('parseDecimal(formatDecimal(x)) === x for every amount in range', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -amountMinorMax, max: amountMinorMax }), fc.constantFrom(...currencies), (minor, currency) => {
        const a = amount(minor, currency.code);
        const text = formatDecimal(a);
        const fraction = currency.exponent === 0 ? '' : `\\.[0-9]{${currency.exponent}}`;
        expect(text).toMatch(new RegExp(`^-?(0|[1-9][0-9]*)${fraction}$`));
        expect(parseDecimal(text, currency.code, { allowNegative: true })).toEqual(a);
      }),
      { numRuns: 500 },
    );
  });

  const digits = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
    fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });

  /** A valid decimal string for `currency` plus its canonical (formatted) form. */
  const decimalText = (currency: Currency): fc.Arbitrary<{ text: string; canonical: string }> =>
    fc
      .tuple(
        fc.boolean(),
        digits(0, 3), // leading zeros source
        digits(0, 15 - currency.exponent),
        digits(currency.exponent === 0 ? 0 : 1, currency.exponent),
        fc.boolean(),
      )
      .map(([negative, zerosSource, integerDigits, fractionDigits, withFraction]) => {
        const zeros = '0'.repeat(zerosSource.length);
        const integerText = zeros + integerDigits || '0';
        const fraction = withFraction ? fractionDigits : '';
        const text = (negative ? '-' : '') + integerText + (fraction === '' ? '' : `.${fraction}`);
        const integerCanonical = integerText.replace(/^0+(?=[0-9])/, '');
        const fractionCanonical = fraction.padEnd(currency.exponent, '0');
        const isZeroValue = /^0+$/.test(integerCanonical + fractionCanonical);
        const canonical =
          (negative && !isZeroValue ? '-' : '') + integerCanonical + (currency.exponent === 0 ? '' : `.${fractionCanonical}`);
        return { text, canonical };
      });

  it('formatDecimal(parseDecimal(s)) is the canonical form of s', () => {
    const arbitrary = fc.constantFrom(...currencies).chain((currency) => decimalText(currency).map((sample) => ({ currency, ...sample })));
    fc.assert(
      fc.property(arbitrary, ({ currency, text, canonical }) => {
        const parsed = ok(parseDecimal(text, currency.code, { allowNegative: true }));
        expect(formatDecimal(parsed)).toBe(canonical);
        expect(parseDecimal(canonical, currency.code, { allowNegative: true })).toEqual(parsed);
      }),
      { numRuns: 500 },
    );
  });
});

describe('divideRounded', () => {
  // [numerator / 10, half_up, half_even, half_down, down, up, floor, ceiling]
  const table: readonly (readonly [bigint, ...bigint[]])[] = [
    [25n, 3n, 2n, 2n, 2n, 3n, 2n, 3n],
    [-25n, -3n, -2n, -2n, -2n, -3n, -3n, -2n],
    [35n, 4n, 4n, 3n, 3n, 4n, 3n, 4n],
    [-35n, -4n, -4n, -3n, -3n, -4n, -4n, -3n],
    [24n, 2n, 2n, 2n, 2n, 3n, 2n, 3n],
    [-24n, -2n, -2n, -2n, -2n, -3n, -3n, -2n],
    [26n, 3n, 3n, 3n, 2n, 3n, 2n, 3n],
    [-26n, -3n, -3n, -3n, -2n, -3n, -3n, -2n],
    [21n, 2n, 2n, 2n, 2n, 3n, 2n, 3n],
    [-21n, -2n, -2n, -2n, -2n, -3n, -3n, -2n],
    [20n, 2n, 2n, 2n, 2n, 2n, 2n, 2n],
    [-20n, -2n, -2n, -2n, -2n, -2n, -2n, -2n],
    [5n, 1n, 0n, 0n, 0n, 1n, 0n, 1n],
    [-5n, -1n, 0n, 0n, 0n, -1n, -1n, 0n],
    [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
  ];
  const cases = table.flatMap(([tenths, ...expected]) =>
    allModes.map((mode, i) => [`${Number(tenths) / 10}`, mode, tenths, expected[i]] as const),
  );

  it.each(cases)('%s rounds %s to %s', (_label, mode, tenths, expected) => {
    expect(divideRounded(tenths, 10n, mode)).toBe(expected);
    // Same rational with both signs flipped, and with the sign on the denominator.
    expect(divideRounded(-tenths, -10n, mode)).toBe(expected);
    expect(divideRounded(tenths * 3n, 30n, mode)).toBe(expected);
  });

  it('asserts on a zero denominator and unknown modes', () => {
    expect(() => divideRounded(1n, 0n, 'half_up')).toThrow(AssertionError);
    expect(() => divideRounded(1n, 2n, 'nearest' as RoundingMode)).toThrow(AssertionError);
  });

  it('bounds the error and follows each mode direction (property)', () => {
    const nonZero = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).filter((d) => d !== 0n);
    const small = fc.bigInt({ min: -50n, max: 50n }).filter((d) => d !== 0n);
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.oneof(nonZero, small),
        fc.constantFrom(...allModes),
        (numerator, denominator, mode) => {
          const r = divideRounded(numerator, denominator, mode);
          // Normalise to a positive denominator: exact value is n / d.
          const n = denominator < 0n ? -numerator : numerator;
          const d = abs(denominator);
          const error = abs(n - r * d); // |exact - r| * d
          if (mode.startsWith('half_')) expect(2n * error <= d).toBe(true);
          else expect(error < d).toBe(true);
          const lowerOk = r * d <= n; // r <= exact
          const upperOk = r * d >= n; // r >= exact
          expect(lowerOk || upperOk).toBe(true);
          const towardZero = n >= 0n ? lowerOk : upperOk;
          const awayFromZero = n >= 0n ? upperOk : lowerOk;
          const tie = 2n * error === d;
          if (mode === 'floor') expect(lowerOk).toBe(true);
          if (mode === 'ceiling') expect(upperOk).toBe(true);
          if (mode === 'down') expect(towardZero && r * n >= 0n).toBe(true);
          if (mode === 'up') expect(awayFromZero).toBe(true);
          if (tie && mode === 'half_up') expect(awayFromZero).toBe(true);
          if (tie && mode === 'half_down') expect(towardZero).toBe(true);
          if (tie && mode === 'half_even') expect(r % 2n).toBe(0n);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('multiplyRatio', () => {
  it('rounds minor * n / d explicitly', () => {
    expect(multiplyRatio(12345n, 29n, 1000n, 'half_up')).toBe(358n); // 358.005
    expect(multiplyRatio(12345n, 29n, 1000n, 'down')).toBe(358n);
    expect(multiplyRatio(12345n, 29n, 1000n, 'up')).toBe(359n);
    expect(multiplyRatio(250n, 1n, 100n, 'half_even')).toBe(2n);
    expect(multiplyRatio(250n, 1n, 100n, 'half_up')).toBe(3n);
    expect(multiplyRatio(-250n, 1n, 100n, 'floor')).toBe(-3n);
    expect(multiplyRatio(1000n, 3n, 1n, 'down')).toBe(3000n);
  });
});

describe('parseRate', () => {
  it.each([
    ['7.1234', 71234n, 4],
    ['1', 1n, 0],
    ['0.30', 30n, 2],
    ['0.0067', 67n, 4],
    ['0.000000000001', 1n, 12],
    ['0012.5', 125n, 1],
  ])('parses %j', (text, scaled, scale) => {
    expect(parseRate(text)).toEqual({ scaled, scale });
  });

  it.each([
    ['0', MoneyError.AmountInvalid],
    ['0.000', MoneyError.AmountInvalid],
    ['-1', MoneyError.AmountNegative],
    ['-0.5', MoneyError.AmountNegative],
    ['', MoneyError.AmountInvalid],
    ['abc', MoneyError.AmountInvalid],
    ['1e3', MoneyError.AmountInvalid],
    ['+1', MoneyError.AmountInvalid],
    [' 1', MoneyError.AmountInvalid],
    ['.5', MoneyError.AmountInvalid],
    ['1.', MoneyError.AmountInvalid],
    ['1,5', MoneyError.AmountInvalid],
    ['NaN', MoneyError.AmountInvalid],
    ['Infinity', MoneyError.AmountInvalid],
    ['0.0000000000001', MoneyError.AmountTooPrecise],
    ['1' + '0'.repeat(15), MoneyError.AmountTooLarge],
  ])('rejects %j as %s', (text, failure) => {
    expect(failureOf(parseRate(text))).toBe(failure);
  });
});

describe('convert', () => {
  it.each([
    [10000n, 'USD', '7.1234', 'CNY', 71234n],
    [1000n, 'JPY', '0.0067', 'USD', 670n],
    [1000n, 'KWD', '3.25', 'USD', 325n],
    [1000n, 'USD', '0.30', 'KWD', 3000n],
    [-10000n, 'USD', '7.1234', 'CNY', -71234n],
  ])('converts %s %s at %s to %s minor %s', (minor, fromCode, rateText, toCode, expected) => {
    expect(convert(amount(minor, fromCode), rate(rateText), toCode, 'half_up')).toEqual({ minor: expected, currency: toCode });
  });

  it('rounds with the given mode', () => {
    const cent = amount(1n, 'USD'); // 0.01 USD at 0.5 = 0.005 CNY
    expect(convert(cent, rate('0.5'), 'CNY', 'half_up').minor).toBe(1n);
    expect(convert(cent, rate('0.5'), 'CNY', 'half_even').minor).toBe(0n);
    expect(convert(cent, rate('0.5'), 'CNY', 'down').minor).toBe(0n);
    expect(convert(amount(1n, 'JPY'), rate('0.0067'), 'USD', 'ceiling').minor).toBe(1n);
    expect(convert(amount(1n, 'JPY'), rate('0.0067'), 'USD', 'half_up').minor).toBe(1n);
    expect(convert(amount(1n, 'JPY'), rate('0.0049'), 'USD', 'half_up').minor).toBe(0n);
  });

  it('asserts on unsupported currencies, bad rates and overflow', () => {
    expect(() => convert(amount(1n, 'USD'), rate('1'), 'XAU', 'half_up')).toThrow(AssertionError);
    expect(() => convert({ minor: 1n, currency: 'XTS' }, rate('1'), 'USD', 'half_up')).toThrow(AssertionError);
    expect(() => convert(amount(1n, 'USD'), { scaled: 0n, scale: 0 }, 'EUR', 'half_up')).toThrow(AssertionError);
    expect(() => convert(amount(1n, 'USD'), { scaled: -1n, scale: 0 }, 'EUR', 'half_up')).toThrow(AssertionError);
    expect(() => convert(amount(amountMinorMax, 'USD'), rate('2'), 'EUR', 'half_up')).toThrow(AssertionError);
  });

  const currencies = listCurrencies();

  it('rate 1 between same-exponent currencies is the identity (property)', () => {
    const pair = fc
      .constantFrom(...currencies)
      .chain((from) => fc.constantFrom(...currencies.filter((c) => c.exponent === from.exponent)).map((to) => [from, to] as const));
    fc.assert(
      fc.property(
        fc.bigInt({ min: -amountMinorMax, max: amountMinorMax }),
        pair,
        fc.constantFrom(...allModes),
        fc.constantFrom('1', '1.0', '1.000000000000'),
        (minor, [from, to], mode, one) => {
          expect(convert(amount(minor, from.code), rate(one), to.code, mode)).toEqual({ minor, currency: to.code });
        },
      ),
    );
  });

  it('rate 1 to a finer currency and back is the identity (property)', () => {
    const pair = fc
      .constantFrom(...currencies)
      .chain((from) => fc.constantFrom(...currencies.filter((c) => c.exponent >= from.exponent)).map((to) => [from, to] as const));
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 10n), max: 10n ** 10n }), pair, fc.constantFrom(...allModes), (minor, [from, to], mode) => {
        const there = convert(amount(minor, from.code), rate('1'), to.code, mode);
        expect(there.minor).toBe(minor * 10n ** BigInt(to.exponent - from.exponent));
        expect(convert(there, rate('1'), from.code, mode)).toEqual(amount(minor, from.code));
      }),
    );
  });

  it('floor and ceiling bracket the exact value within one minor unit (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }),
        fc.constantFrom(...currencies),
        fc.constantFrom(...currencies),
        fc.bigInt({ min: 1n, max: 10n ** 4n }),
        fc.integer({ min: 0, max: 12 }),
        (minor, from, to, scaled, scale) => {
          const r: DecimalRate = { scaled, scale };
          const low = convert(amount(minor, from.code), r, to.code, 'floor').minor;
          const high = convert(amount(minor, from.code), r, to.code, 'ceiling').minor;
          const nearest = convert(amount(minor, from.code), r, to.code, 'half_even').minor;
          // exact = numerator / denominator, in target minor units
          const numerator = minor * scaled * 10n ** BigInt(to.exponent);
          const denominator = 10n ** BigInt(scale + from.exponent);
          expect(low * denominator <= numerator && numerator <= high * denominator).toBe(true);
          expect(high - low === 0n || high - low === 1n).toBe(true);
          expect(high - low === 0n).toBe(numerator % denominator === 0n);
          expect(nearest === low || nearest === high).toBe(true);
        },
      ),
    );
  });
});
