/**
 * PBOC bar-code payment rules (2017, in force 2018-04-01; domain.md §5) as the sandbox wallets
 * apply them to their own users, in CNY: a static code pays at most CNY 500 a day per payer; dynamic
 * codes (a merchant's dynamic code, the payer's own payment code) by the payer's verification —
 * sandbox users are level B, CNY 5,000 a day. Above the password-free amount the wallet asks its
 * user to confirm (the "user is confirming" answer of barcode-payment APIs).
 */
export interface WalletLimits {
  readonly staticDailyMaxMinor: bigint;
  readonly dynamicDailyMaxMinor: bigint;
  readonly passwordFreeMaxMinor: bigint;
  /** A sandbox wallet's payment code lives this long. */
  readonly codeTtlMs: number;
}

export const defaultWalletLimits: WalletLimits = {
  staticDailyMaxMinor: 50_000n,
  dynamicDailyMaxMinor: 500_000n,
  passwordFreeMaxMinor: 100_000n,
  codeTtlMs: 60_000,
};

export function spentToday(bookings: readonly { kind?: string; amountMinor: bigint }[], kinds: readonly string[]): bigint {
  return bookings.filter((b) => b.kind !== undefined && kinds.includes(b.kind)).reduce((sum, b) => sum + b.amountMinor, 0n);
}
