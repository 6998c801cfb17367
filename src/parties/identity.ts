/**
 * Real-name identity documents. The PRC resident identity card number (GB 11643-1999) is 17 digits
 * and a check character computed with ISO 7064 MOD 11-2; checking it catches typos before a
 * customs or KYC verification does.
 */
export const idTypes = ['resident_id', 'passport'] as const;
export type IdType = (typeof idTypes)[number];

const residentIdWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const residentIdChecks = '10X98765432';

export function isValidResidentId(value: string): boolean {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(value[i]) * (residentIdWeights[i] as number);
  return residentIdChecks[sum % 11] === value[17];
}

export function isValidIdNumber(type: IdType, value: string): boolean {
  if (type === 'resident_id') return isValidResidentId(value);
  return /^[A-Z0-9]{5,20}$/.test(value);
}

/** Shown instead of the number: first and last characters only. */
export function maskIdNumber(value: string): string {
  if (value.length <= 4) return '*'.repeat(value.length);
  return `${value.slice(0, 1)}${'*'.repeat(value.length - 5)}${value.slice(-4)}`;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/**
 * ISO 3166-1 alpha-2, checked against ICU's region table (Node ships full ICU). ICU also names the
 * user-assigned codes (AA, QM–QZ, XA–XZ, ZZ) and reserved groupings (EU, EZ, UN); none of those is
 * a country a merchant can be registered in.
 */
const notCountries = /^(AA|Q[M-Z]|X[A-Z]|ZZ|EU|EZ|UN)$/;

export function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || notCountries.test(code)) return false;
  const name = regionNames.of(code);
  return name !== undefined && name !== code;
}
