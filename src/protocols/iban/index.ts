/** IBAN (ISO 13616), checked with ISO 7064 mod 97-10: the account numbers banks and the sandbox bank accept. */
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
