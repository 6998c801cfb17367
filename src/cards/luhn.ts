/**
 * The Luhn mod 10 check digit (ISO/IEC 7812-1 Annex B). It catches every single-digit error and
 * most transpositions of adjacent digits, which is why a mistyped card number fails here before
 * it ever reaches an acquirer. Callers pass digits only.
 */
export function luhnValid(digits: string): boolean {
  return digits.length > 1 && luhnSum(digits, false) % 10 === 0;
}

/** The digit that makes `payload ‖ digit` Luhn-valid. */
export function luhnCheckDigit(payload: string): string {
  return String((10 - (luhnSum(payload, true) % 10)) % 10);
}

/** Doubles every second digit counting from the right; `payloadOnly` when the check digit is still missing. */
function luhnSum(digits: string, payloadOnly: boolean): number {
  let sum = 0;
  for (let i = digits.length - 1, position = payloadOnly ? 1 : 0; i >= 0; i--, position++) {
    let digit = digits.charCodeAt(i) - 48;
    if (position % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum;
}
