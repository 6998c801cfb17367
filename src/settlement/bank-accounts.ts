/**
 * Merchant bank account numbers: an IBAN (src/protocols/iban) or a domestic account number with its
 * bank code (e.g. a CNAPS code in China).
 */
export { ibanMod97, ibanProblem, normalizeIban } from '../protocols/iban/index.js';

export function domesticProblem(accountNumber: string, bankCode: string): string | undefined {
  if (!/^[0-9]{6,34}$/.test(accountNumber)) return 'the account number is 6–34 digits';
  if (!/^[A-Z0-9]{3,12}$/.test(bankCode)) return 'the bank code is 3–12 letters or digits (a CNAPS code, sort code, routing number…)';
  return undefined;
}

/**
 * The cross-border details of a bank account, as pain.001.001.09 takes them: a BIC (ISO 9362, 8 or
 * 11 characters), a clearing system code (ISO external code, up to 5 letters: CNAPS, USABA…), an
 * ISO 3166 country, and free text within the schema's lengths (town 35, post code 16, line 70).
 */
export function routingProblem(r: {
  bic?: string;
  clearingSystem?: string;
  country?: string;
  town?: string;
  postcode?: string;
  addressLine?: string;
}): string | undefined {
  if (r.bic !== undefined && !/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(r.bic.toUpperCase()))
    return 'a BIC is 8 or 11 letters and digits (bank, country, location, branch)';
  if (r.clearingSystem !== undefined && !/^[A-Z]{2,5}$/.test(r.clearingSystem.toUpperCase()))
    return 'clearing_system is an ISO 20022 clearing system code of 2–5 letters (CNAPS, USABA, GBDSC…)';
  if (r.country !== undefined && !/^[A-Z]{2}$/.test(r.country.toUpperCase())) return 'country is an ISO 3166 two-letter code';
  for (const [name, value, max] of [
    ['town', r.town, 35],
    ['postcode', r.postcode, 16],
    ['address_line', r.addressLine, 70],
  ] as const) {
    if (value !== undefined && (value.trim() === '' || value.trim().length > max)) return `${name} is 1 to ${max} characters`;
  }
  return undefined;
}
