/**
 * The check digits the sandbox billers put on their account numbers, written here from the
 * standards (Hutong checks them with its own code in src/billpay/account-rules.ts):
 *  - Luhn (ISO/IEC 7812-1 Annex B): the electricity company's 10-digit account numbers;
 *  - 7-3-1 weights mod 10 (ICAO Doc 9303 part 3, 4.9): the water and gas company's 9-digit numbers.
 */
export function luhnDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function weights731Digit(body: string): number {
  const weights = [7, 3, 1];
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[i]) * (weights[i % 3] as number);
  return sum % 10;
}

export const withLuhn = (body: string): string => `${body}${luhnDigit(body)}`;
export const with731 = (body: string): string => `${body}${weights731Digit(body)}`;
