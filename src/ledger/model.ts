/** The ledger's vocabulary (DESIGN.md §5; pending → posted | voided, after TigerBeetle). */
export type AccountKind = 'asset' | 'liability' | 'revenue' | 'expense' | 'equity';
export type OwnerType = 'platform' | 'merchant' | 'customer' | 'channel' | 'bank';
export type NormalSide = 'debit' | 'credit';

/** Assets and expenses grow with debits; liabilities, revenue and equity with credits. */
export function normalSideOf(kind: AccountKind): NormalSide {
  return kind === 'asset' || kind === 'expense' ? 'debit' : 'credit';
}

export interface AccountSpec {
  readonly ownerType: OwnerType;
  /** '' for the platform's own accounts. */
  readonly ownerId: string;
  /** What the account is for, e.g. 'wallet', 'available', 'reserve'. */
  readonly code: string;
  readonly currency: string;
  readonly kind: AccountKind;
  /** The account's normal balance may never go below zero (pending debits count against it). */
  readonly noNegative: boolean;
}

export interface Account extends AccountSpec {
  readonly id: string;
  readonly normalSide: NormalSide;
  readonly debitsPosted: bigint;
  readonly creditsPosted: bigint;
  readonly debitsPending: bigint;
  readonly creditsPending: bigint;
}

/** A posting: positive amount = debit, negative = credit, in the account's currency's minor units. */
export interface Posting {
  readonly accountId: string;
  readonly currency: string;
  readonly amountMinor: bigint;
}

export type EntryKind = 'posted' | 'pending' | 'post_pending' | 'void_pending';
export type HoldState = 'pending' | 'posted' | 'voided';

export interface EntryRequest {
  /** Idempotent: posting the same id twice with the same content records it once. */
  readonly id: string;
  /** What happened, dotted: 'wallet.top_up', 'payment.capture', 'escrow.release'. */
  readonly reason: string;
  readonly link?: { readonly type: string; readonly id: string };
  readonly postings: readonly Posting[];
}

export interface Entry {
  readonly id: string;
  readonly kind: EntryKind;
  readonly pendingId: string | null;
  readonly reason: string;
  readonly linkType: string | null;
  readonly linkId: string | null;
  readonly createdAt: string;
  readonly postings: readonly Posting[];
  /** True when this call found the entry already recorded (an idempotent replay). */
  readonly replayed: boolean;
}

/** Balance on the account's normal side: what a customer would call their balance. */
export interface Balance {
  readonly accountId: string;
  readonly currency: string;
  readonly postedMinor: bigint;
  readonly pendingOutMinor: bigint;
  readonly pendingInMinor: bigint;
  /** posted − pending outflows: what may still be spent. */
  readonly availableMinor: bigint;
}

export function balanceOf(account: Account): Balance {
  const debit = account.normalSide === 'debit';
  const postedMinor = debit ? account.debitsPosted - account.creditsPosted : account.creditsPosted - account.debitsPosted;
  const pendingOutMinor = debit ? account.creditsPending : account.debitsPending;
  const pendingInMinor = debit ? account.debitsPending : account.creditsPending;
  return {
    accountId: account.id,
    currency: account.currency,
    postedMinor,
    pendingOutMinor,
    pendingInMinor,
    availableMinor: postedMinor - pendingOutMinor,
  };
}
