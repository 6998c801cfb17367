/**
 * The primary account number (PAN) as text. ISO/IEC 7812 numbers have at most 19 digits; the
 * brands we accept issue 14 to 19. People type them with spaces or dashes, as printed.
 */
export const panLengthMin = 12;
export const panLengthMax = 19;

/** Shorter than this, first six and last four would leave fewer than three digits hidden. */
const maskedPanLengthMin = 13;

/** Removes the separators people type; anything else that is not a digit is left for validation to refuse. */
export function normalizePan(input: string): string {
  return input.replace(/[\s-]/g, '');
}

/**
 * First six (the IIN, which names the issuer) and last four, as PCI DSS allows for display:
 * `411111******1111`. Anything too short to be a card number is masked entirely.
 */
export function maskPan(pan: string): string {
  const digits = normalizePan(pan);
  if (digits.length < maskedPanLengthMin) return '*'.repeat(digits.length);
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}

export function last4Of(pan: string): string {
  return normalizePan(pan).slice(-4);
}
