import type { CpmCode } from './emv-cpm.js';
import type { MpmViolation } from './emv-mpm.js';
import type { MerchantAccount, MpmCode } from './mpm-code.js';

/** A merchant account and the switch participant it names, if any. */
export interface RoutedAccount extends MerchantAccount {
  readonly institution?: string;
}

export type QrFormat = 'emv_mpm' | 'emv_cpm' | 'payment_code';
export type DecodeMode = 'strict' | 'lenient';

/** What a decode answers: the format, every violation found, and the reading. */
export interface DecodedQr {
  readonly format: QrFormat;
  readonly valid: boolean;
  readonly violations: readonly MpmViolation[];
  readonly mpm?: Omit<MpmCode, 'merchantAccounts'> & { readonly merchantAccounts: readonly RoutedAccount[] };
  readonly cpm?: CpmCode;
  /** For a payment code: the institution its prefix names (never the code itself). */
  readonly paymentCode?: { readonly institution: string; readonly digits: number };
  /** The participant that would receive a payment of this code (MPM: its first known account). */
  readonly institution?: string;
}
