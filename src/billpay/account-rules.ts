import type { AccountRule, CheckDigit } from './model.js';

/**
 * An account number is checked against its biller's rule before any call to the biller (BPAY
 * keeps length and check digit per biller). Check digits, from their standards:
 *  - luhn: ISO/IEC 7812-1 Annex B (the mod-10 "double every second digit from the right");
 *  - weights_731: weights 7, 3, 1 repeating, sum mod 10 (ICAO Doc 9303 part 3, 4.9).
 */
export const accountNumberCharsMax = 40;

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function weights731Valid(digits: string): boolean {
  const weights = [7, 3, 1];
  let sum = 0;
  for (let i = 0; i < digits.length - 1; i++) sum += (digits.charCodeAt(i) - 48) * (weights[i % 3] as number);
  return sum % 10 === digits.charCodeAt(digits.length - 1) - 48;
}

const checkers: Record<CheckDigit, (digits: string) => boolean> = {
  none: () => true,
  luhn: luhnValid,
  weights_731: weights731Valid,
};

/** Why the account number breaks the rule, or undefined when it is acceptable. */
export function accountNumberProblem(rule: AccountRule, accountNumber: string): string | undefined {
  if (accountNumber.length < rule.lengthMin || accountNumber.length > rule.lengthMax)
    return `${rule.label} has ${rule.lengthMin === rule.lengthMax ? rule.lengthMin : `${rule.lengthMin}–${rule.lengthMax}`} characters`;
  if (!new RegExp(`^(?:${rule.pattern})$`).test(accountNumber)) return `${rule.label} does not have the biller's format`;
  if (rule.checkDigit !== 'none') {
    if (!/^\d+$/.test(accountNumber)) return `${rule.label} must be digits to carry a check digit`;
    if (!checkers[rule.checkDigit](accountNumber)) return `${rule.label} fails its check digit`;
  }
  return undefined;
}

/** A rule is usable: its pattern compiles, its lengths are ordered and bounded. */
export function accountRuleProblem(rule: AccountRule): string | undefined {
  if (
    !Number.isInteger(rule.lengthMin) ||
    !Number.isInteger(rule.lengthMax) ||
    rule.lengthMin < 1 ||
    rule.lengthMax > accountNumberCharsMax
  )
    return `account lengths are 1–${accountNumberCharsMax}`;
  if (rule.lengthMin > rule.lengthMax) return 'length_min is more than length_max';
  try {
    new RegExp(rule.pattern);
  } catch {
    return 'the account pattern is not a regular expression';
  }
  return undefined;
}
