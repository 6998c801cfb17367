/**
 * The sandbox bank's IBAN check, written from ISO 13616 and ISO 7064 (MOD 97-10) rather than taken
 * from Hutong: move the first four characters to the end, replace letters by 10..35, and the whole
 * number modulo 97 must be 1. Lengths of the countries the sandbox bank serves.
 */
const lengthByCountry = new Map<string, number>([
  ['AT', 20],
  ['BE', 16],
  ['CH', 21],
  ['DE', 22],
  ['DK', 18],
  ['ES', 24],
  ['FI', 18],
  ['FR', 27],
  ['GB', 22],
  ['IE', 22],
  ['IT', 27],
  ['LU', 20],
  ['NL', 18],
  ['NO', 15],
  ['PL', 28],
  ['PT', 25],
  ['SE', 24],
]);

/** Why the bank refuses an account given as an IBAN, or undefined when it takes it. */
export function ibanRefusal(raw: string): string | undefined {
  const iban = raw.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}[0-9]{2}[0-9A-Z]{11,30}$/.test(iban)) return 'not an IBAN';
  const length = lengthByCountry.get(iban.slice(0, 2));
  if (length !== undefined && iban.length !== length) return `wrong length for ${iban.slice(0, 2)}`;
  const digits = [...(iban.slice(4) + iban.slice(0, 4))].map((c) => (c >= 'A' ? String(c.charCodeAt(0) - 55) : c)).join('');
  return BigInt(digits) % 97n === 1n ? undefined : 'check digits do not verify';
}
