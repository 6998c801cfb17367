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
  /**
   * Card and wallet money a merchant has earned but that is not yet settled to it: captures land
   * here net of fees. It may go negative (a refund after settlement): the merchant then owes Hutong.
   */
  merchantPending: (merchantId: string, currency: string): AccountSpec => ({
    ownerType: 'merchant',
    ownerId: merchantId,
    code: 'pending',
    currency,
    kind: 'liability',
    noNegative: false,
  }),
  /** What a channel (an acquirer, an external wallet) owes Hutong for captured payments. */
  channelReceivable: (channel: string, currency: string): AccountSpec => ({
    ownerType: 'channel',
    ownerId: channel,
    code: 'receivable',
    currency,
    kind: 'asset',
    noNegative: false,
  }),
  /** Hutong's fee revenue, per currency. */
  feeRevenue: (currency: string): AccountSpec => ({
    ownerType: 'platform',
    ownerId: '',
    code: 'fees',
    currency,
    kind: 'revenue',
    noNegative: false,
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
  /**
   * Hutong's FX position, per currency (docs/fx.md): a cross-currency capture credits the shopper's
   * currency here and debits the settlement currency at the mid rate. Its balances across
   * currencies are what Hutong must buy or sell in the market; valued at the mid rate they net to
   * zero at the time of each conversion.
   */
  fxPosition: (currency: string): AccountSpec => ({
    ownerType: 'platform',
    ownerId: '',
    code: 'fx_position',
    currency,
    kind: 'asset',
    noNegative: false,
  }),
  /** Hutong's FX margin (the markup between the mid rate and the merchant's rate), per currency. */
  fxRevenue: (currency: string): AccountSpec => ({
    ownerType: 'platform',
    ownerId: '',
    code: 'fx_revenue',
    currency,
    kind: 'revenue',
    noNegative: false,
  }),
  /**
   * Escrow (src/escrow): buyers' money Hutong holds for a merchant's trades until release. Captures
   * of escrow payments land here gross; release moves it to merchantPending (where settlement pays
   * from) and takes the fee there; refunds before release go from here back to the payment's source.
   */
  escrowHeld: (merchantId: string, currency: string): AccountSpec => ({
    ownerType: 'merchant',
    ownerId: merchantId,
    code: 'escrow',
    currency,
    kind: 'liability',
    noNegative: true,
  }),
  /** A merchant's rolling reserve: withheld from settlements, released back to pending after the hold days. */
  merchantReserve: (merchantId: string, currency: string): AccountSpec => ({
    ownerType: 'merchant',
    ownerId: merchantId,
    code: 'reserve',
    currency,
    kind: 'liability',
    noNegative: true,
  }),
  /** Settled money on its way to the merchant's bank account (a payout not yet executed or returned). */
  payoutInFlight: (merchantId: string, currency: string): AccountSpec => ({
    ownerType: 'merchant',
    ownerId: merchantId,
    code: 'payout',
    currency,
    kind: 'liability',
    noNegative: true,
  }),
  /** Reconciliation adjustments (differences found against a bank or channel, resolved by an operator). */
  reconAdjustments: (currency: string): AccountSpec => ({
    ownerType: 'platform',
    ownerId: '',
    code: 'recon_adjustments',
    currency,
    kind: 'expense',
    noNegative: false,
  }),
} as const;
