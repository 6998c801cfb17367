import type { AccountSpec } from './model.js';

/**
 * The chart of accounts: every module names its accounts here, so one account has one meaning.
 * Customer and merchant funds are liabilities of the platform; the reserve (备付金) bank account is
 * the asset that mirrors them (DESIGN.md §5, domain reference §8).
 */
export const chart = {
  customerWallet: (customerId: string, currency: string): AccountSpec => ({
    ownerType: 'customer',
    ownerId: customerId,
    code: 'wallet',
    currency,
    kind: 'liability',
    noNegative: true,
  }),
  merchantAvailable: (merchantId: string, currency: string): AccountSpec => ({
    ownerType: 'merchant',
    ownerId: merchantId,
    code: 'available',
    currency,
    kind: 'liability',
    noNegative: true,
  }),
  /** Hutong's reserve account at the (sandbox) bank, per currency. */
  reserveBank: (currency: string, bank = 'sandbox'): AccountSpec => ({
    ownerType: 'bank',
    ownerId: bank,
    code: 'reserve',
    currency,
    kind: 'asset',
    noNegative: false,
  }),
} as const;
