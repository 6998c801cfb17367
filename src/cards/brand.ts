import assert from 'node:assert/strict';
import creditCardType from 'credit-card-type';
import type { CardBrand } from '../channels/index.js';
import { normalizePan, panLengthMax } from './pan.js';

/**
 * Brand detection by IIN prefix. The prefix table is braintree/credit-card-type's (the source of
 * docs/shared domain.md §2); we only name its brands with our `CardBrand` union. It knows more
 * networks than we accept (Elo, Mir, Maestro, Troy…), and it picks the most specific pattern
 * across all of them: 401178… is Elo, not Visa, so it is unsupported rather than sent to Visa.
 * Nothing in Hutong calls the library's global mutators (addCard, updateCard, changeOrder).
 */
export const cardBrands: readonly CardBrand[] = ['visa', 'mastercard', 'american-express', 'jcb', 'unionpay', 'discover', 'diners-club'];

/** credit-card-type's name for each of our brands (today the same words; the map keeps it explicit). */
const libraryTypeOf: Readonly<Record<CardBrand, string>> = {
  visa: 'visa',
  mastercard: 'mastercard',
  'american-express': 'american-express',
  jcb: 'jcb',
  unionpay: 'unionpay',
  discover: 'discover',
  'diners-club': 'diners-club',
};

const brandOfLibraryType: ReadonlyMap<string, CardBrand> = new Map(cardBrands.map((brand) => [libraryTypeOf[brand], brand]));

export interface BrandRules {
  readonly brand: CardBrand;
  /** The card number lengths this brand issues, in digits. */
  readonly lengths: readonly number[];
  /** CVV/CVC/CID/CVN length in digits. */
  readonly securityCodeLength: number;
}

const rulesByBrand: ReadonlyMap<CardBrand, BrandRules> = new Map(
  cardBrands.map((brand) => {
    const info = creditCardType.getTypeInfo(libraryTypeOf[brand]);
    // domain.md §2: a 4-digit CID on American Express, 3 digits everywhere else.
    assert.equal(info.code.size, brand === 'american-express' ? 4 : 3, `security code length of ${brand}`);
    assert.ok(Math.max(...info.lengths) <= panLengthMax, `lengths of ${brand}`);
    return [brand, Object.freeze({ brand, lengths: Object.freeze([...info.lengths]), securityCodeLength: info.code.size })];
  }),
);

export function brandRules(brand: CardBrand): BrandRules {
  const rules = rulesByBrand.get(brand);
  assert.ok(rules !== undefined, `no rules for brand ${brand}`);
  return rules;
}

export type BrandMatch =
  | { readonly kind: 'brand'; readonly brand: CardBrand }
  /** A network we know but do not accept; `network` is credit-card-type's name for it. */
  | { readonly kind: 'unsupported'; readonly network: string }
  /** No network issues this prefix, or too few digits to tell (see `possibleBrands`). */
  | { readonly kind: 'unknown' };

/** The brand of a complete card number (spaces and dashes allowed). */
export function matchBrand(number: string): BrandMatch {
  const digits = normalizePan(number);
  if (!/^\d+$/.test(digits) || digits.length > panLengthMax) return { kind: 'unknown' };
  const matches = creditCardType(digits);
  // More than one match means no pattern is decisive yet: only possible for a few leading digits.
  const [only] = matches;
  if (only === undefined || matches.length > 1) return { kind: 'unknown' };
  const brand = brandOfLibraryType.get(only.type);
  return brand === undefined ? { kind: 'unsupported', network: only.type } : { kind: 'brand', brand };
}

export function brandOf(number: string): CardBrand | undefined {
  const match = matchBrand(number);
  return match.kind === 'brand' ? match.brand : undefined;
}

/**
 * The brands a number being typed may still turn out to be, for a form that shows the logo early:
 * '' is any brand, '3' is Amex, Diners or JCB, '37' is Amex. Empty once the prefix is decisively
 * another network's, or not a card number at all.
 */
export function possibleBrands(partial: string): CardBrand[] {
  const digits = normalizePan(partial);
  if (!/^\d*$/.test(digits) || digits.length > panLengthMax) return [];
  const brands: CardBrand[] = [];
  for (const match of creditCardType(digits)) {
    const brand = brandOfLibraryType.get(match.type);
    if (brand !== undefined && !brands.includes(brand)) brands.push(brand);
  }
  return brands;
}
