/**
 * Merchant bank account numbers: an IBAN (ISO 13616, checked with ISO 7064 mod 97-10) or a
 * domestic account number with its bank code (e.g. a CNAPS code in China).
 */
const ibanLengths: Record<string, number> = {
  DE: 22,
  FR: 27,
  GB: 22,
  NL: 18,
  ES: 24,
  IT: 27,
  BE: 16,
  CH: 21,
  AT: 20,
  LU: 20,
  IE: 22,
  PT: 25,
  PL: 28,
  SE: 24,
  DK: 18,
  FI: 18,
  NO: 15,
  HK: 0,
};

export function normalizeIban(raw: string): string {
  return raw.replace(/[\s-]/g, '').toUpperCase();
}

/** mod-97 of the rearranged IBAN, computed piecewise (no bigint needed). */
export function ibanMod97(iban: string): number {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const digits = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder;
}

export function ibanProblem(raw: string): string | undefined {
  const iban = normalizeIban(raw);
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return 'an IBAN is 2 letters, 2 check digits and 11–30 letters or digits';
  const expected = ibanLengths[iban.slice(0, 2)];
  if (expected !== undefined && expected !== 0 && iban.length !== expected)
    return `a ${iban.slice(0, 2)} IBAN has ${expected} characters, not ${iban.length}`;
  if (ibanMod97(iban) !== 1) return 'the IBAN check digits are wrong (mod 97)';
  return undefined;
}

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
