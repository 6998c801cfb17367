import { describe, expect, it } from 'vitest';
import { brandOf, brandRules, cardBrands, matchBrand, possibleBrands } from './brand.js';

/** domain.md §2: public test numbers that pass Luhn. */
const publicTestNumbers = [
  ['4111111111111111', 'visa'],
  ['5454545454545454', 'mastercard'],
  ['2221000000000009', 'mastercard'],
  ['371449635398431', 'american-express'],
  ['378282246310005', 'american-express'],
  ['3566002020140006', 'jcb'],
  ['6011000995500000', 'discover'],
  ['36438999960016', 'diners-club'],
] as const;

describe('brand detection', () => {
  it.each(publicTestNumbers)('%s is %s', (number, brand) => {
    expect(brandOf(number)).toBe(brand);
    expect(matchBrand(number)).toEqual({ kind: 'brand', brand });
  });

  it('ignores the spaces and dashes people type', () => {
    expect(brandOf('4111 1111 1111 1111')).toBe('visa');
    expect(brandOf('3782-822463-10005')).toBe('american-express');
  });

  it('covers every IIN range of domain.md §2', () => {
    const cases: [string, string][] = [
      ['5100000000000000', 'mastercard'],
      ['5500000000000000', 'mastercard'],
      ['2720990000000000', 'mastercard'],
      ['3400000000000000', 'american-express'],
      ['3528000000000000', 'jcb'],
      ['3589000000000000', 'jcb'],
      ['2131000000000000', 'jcb'],
      ['1800000000000000', 'jcb'],
      ['6200000000000000', 'unionpay'],
      ['8100000000000000', 'unionpay'],
      ['8171000000000000', 'unionpay'],
      ['6440000000000000', 'discover'],
      ['6500000000000000', 'discover'],
      ['3000000000000000', 'diners-club'],
      ['3050000000000000', 'diners-club'],
      ['3800000000000000', 'diners-club'],
      ['3900000000000000', 'diners-club'],
    ];
    for (const [number, brand] of cases) expect(brandOf(number), number).toBe(brand);
  });

  it('lets the most specific prefix win, even when it names a network we do not accept', () => {
    // 6011 (Discover, 4 digits) beats Maestro's catch-all 6.
    expect(brandOf('6011000000000004')).toBe('discover');
    // 401178 is Elo: more specific than Visa's 4, so not routed to Visa.
    expect(matchBrand('4011780000000000')).toEqual({ kind: 'unsupported', network: 'elo' });
    expect(matchBrand('2200000000000000')).toEqual({ kind: 'unsupported', network: 'mir' });
    expect(matchBrand('6759000000000000')).toEqual({ kind: 'unsupported', network: 'maestro' });
  });

  it('says unknown for prefixes no network issues, non-digits and numbers too short to decide', () => {
    expect(matchBrand('7000000000000000')).toEqual({ kind: 'unknown' });
    expect(matchBrand('0000000000000000')).toEqual({ kind: 'unknown' });
    expect(matchBrand('4111x11111111111')).toEqual({ kind: 'unknown' });
    expect(matchBrand('3')).toEqual({ kind: 'unknown' });
    expect(matchBrand('41111111111111111111')).toEqual({ kind: 'unknown' });
  });

  it('knows each brand lengths and security code sizes (domain.md §2)', () => {
    expect(brandRules('visa')).toEqual({ brand: 'visa', lengths: [16, 18, 19], securityCodeLength: 3 });
    expect(brandRules('mastercard').lengths).toEqual([16]);
    expect(brandRules('american-express')).toEqual({ brand: 'american-express', lengths: [15], securityCodeLength: 4 });
    expect(brandRules('jcb').lengths).toEqual([16, 17, 18, 19]);
    expect(brandRules('unionpay').lengths).toEqual([14, 15, 16, 17, 18, 19]);
    expect(brandRules('discover').lengths).toEqual([16, 19]);
    expect(brandRules('diners-club').lengths).toEqual([14, 16, 19]);
    for (const brand of cardBrands) expect(brandRules(brand).securityCodeLength).toBe(brand === 'american-express' ? 4 : 3);
  });
});

describe('possible brands while typing', () => {
  it.each([
    ['', [...cardBrands].sort()],
    ['4', ['visa']],
    ['3', ['american-express', 'diners-club', 'jcb']],
    ['34', ['american-express']],
    ['37', ['american-express']],
    ['35', ['jcb']],
    ['36', ['diners-club']],
    ['30', ['diners-club']],
    ['2', ['jcb', 'mastercard']],
    ['22', ['mastercard']],
    ['5', ['mastercard']],
    ['1', ['jcb']],
    ['6', ['discover', 'unionpay']],
    ['60', ['discover']],
    ['62', ['unionpay']],
    ['8', ['unionpay']],
    ['4111 11', ['visa']],
    ['3782-82', ['american-express']],
  ])('%j may be %j', (partial, brands) => {
    expect(possibleBrands(partial).sort()).toEqual(brands);
  });

  it('is empty for prefixes of other networks, no network, non-digits and overlong input', () => {
    expect(possibleBrands('401178')).toEqual([]); // Elo
    expect(possibleBrands('2200')).toEqual([]); // Mir
    expect(possibleBrands('7')).toEqual([]);
    expect(possibleBrands('9')).toEqual([]); // Troy only
    expect(possibleBrands('4a')).toEqual([]);
    expect(possibleBrands('4'.repeat(20))).toEqual([]);
  });

  it('narrows to one brand as the complete public test numbers are typed', () => {
    for (const [number, brand] of publicTestNumbers) {
      for (let length = 2; length <= number.length; length++)
        expect(possibleBrands(number.slice(0, length)), number.slice(0, length)).toContain(brand);
      expect(possibleBrands(number)).toEqual([brand]);
    }
  });
});
