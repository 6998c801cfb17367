import { possibleBrands } from '../cards/index.js';
import type { CardBrand } from '../channels/index.js';

/** Who issued a card, as far as its BIN (first 6–8 digits) tells: what a cashier needs. */
export interface CardIssuer {
  readonly bin: string;
  readonly brand: CardBrand;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  /** ISO 4217: the cardholder's billing currency. */
  readonly currency: string;
}

/**
 * The issuer table Hutong looks BINs up in. A production deployment loads its acquirer's BIN
 * file here; the default is the sandbox card world's issuers (sandbox/card-world/test-cards.ts
 * `issuerProfiles`: one issuer per network), so that the cashier offers what the sandbox bills.
 * Ranges are matched longest first; the brand's entry is the fallback.
 */
export interface BinRange {
  readonly prefix: string;
  readonly country: string;
  readonly currency: string;
}

export const sandboxIssuersByBrand: Readonly<Partial<Record<CardBrand, { country: string; currency: string }>>> = {
  visa: { country: 'US', currency: 'USD' },
  mastercard: { country: 'GB', currency: 'GBP' },
  'american-express': { country: 'US', currency: 'USD' },
  jcb: { country: 'JP', currency: 'JPY' },
  unionpay: { country: 'CN', currency: 'CNY' },
};

export function lookupBin(bin: string, ranges: readonly BinRange[] = [], byBrand = sandboxIssuersByBrand): CardIssuer | undefined {
  if (!/^\d{6,8}$/.test(bin)) return undefined;
  const brands = possibleBrands(bin);
  if (brands.length !== 1) return undefined;
  const brand = brands[0] as CardBrand;
  const range = [...ranges].sort((a, b) => b.prefix.length - a.prefix.length).find((r) => bin.startsWith(r.prefix));
  const issuer = range ?? byBrand[brand];
  return issuer === undefined ? undefined : { bin, brand, country: issuer.country, currency: issuer.currency };
}
