import type { Amount } from '../money/index.js';

/** The domain of bill payment (issue 15; domain.md §9, after BBPS and Alipay's bill service). */
export type BillerModel = 'fetch' | 'validate' | 'direct';
export const billerModels: readonly BillerModel[] = ['fetch', 'validate', 'direct'];

/** What a payer may pay against what is due. */
export type AmountRule = 'exact' | 'at_least' | 'at_most' | 'any' | 'whole_periods';
export const amountRules: readonly AmountRule[] = ['exact', 'at_least', 'at_most', 'any', 'whole_periods'];

export type CheckDigit = 'none' | 'luhn' | 'weights_731';
export const checkDigits: readonly CheckDigit[] = ['none', 'luhn', 'weights_731'];

/** The customer reference a biller asks for (BPAY and BBPS keep these rules per biller). */
export interface AccountRule {
  readonly label: string;
  readonly labelZh: string;
  /** A regular expression the whole account number must match. */
  readonly pattern: string;
  readonly lengthMin: number;
  readonly lengthMax: number;
  readonly checkDigit: CheckDigit;
}

export interface Biller {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly nameZh: string;
  /** electricity, water, gas, mobile, property, charity, … */
  readonly category: string;
  /** Where the biller serves: an administrative area code or name (e.g. 'CN-SH'). */
  readonly region: string;
  /** The configured connector that speaks to it. */
  readonly connector: string;
  readonly model: BillerModel;
  readonly accountRule: AccountRule;
  readonly amountRule: AmountRule;
  /** Limits on any one payment, in minor units. */
  readonly minAmountMinor: bigint;
  readonly maxAmountMinor: bigint;
  readonly currency: string;
  /** The payer's convenience fee, added to what is debited. */
  readonly payerFeeFixedMinor: bigint;
  /** The biller's commission, kept from what it is paid (basis points). */
  readonly billerFeeBps: number;
  /** The Hutong merchant the biller is settled to (its settlement account). */
  readonly merchantId: string;
  readonly status: 'active' | 'suspended';
  readonly createdAt: string;
}

export type BillerInput = Omit<Biller, 'id' | 'createdAt' | 'status'>;

export type BillStatus = 'fetching' | 'available' | 'nothing_due' | 'not_found' | 'unavailable' | 'paying' | 'paid';

export interface BillLineView {
  readonly label: string;
  readonly amountMinor: bigint;
}

export interface Bill {
  readonly id: string;
  readonly merchantId: string;
  readonly customerId: string | null;
  readonly billerId: string;
  readonly accountNumber: string;
  readonly status: BillStatus;
  readonly billerBillRef: string | null;
  readonly currency: string;
  readonly amountDueMinor: bigint | null;
  readonly lateFeeMinor: bigint;
  readonly dueDate: string | null;
  readonly customerName: string | null;
  readonly lines: readonly BillLineView[];
  readonly periods: readonly { readonly period: string; readonly amountMinor: bigint }[];
  readonly detail: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * charging: a card-funded payment, claimed, whose card payment is on its way (or waiting for the
 * cardholder's 3-D Secure step); failed: the card was declined or never charged, nothing moved;
 * posting: the payer was debited into the biller payable and the posting is on its way;
 * awaiting_biller: the biller has not answered, Hutong queries and posts again under its own id;
 * accepted: the biller booked it (its receipt number); refunded: the biller refused it, or never
 * booked it, and the money went back to the payer.
 */
export type BillPaymentStatus = 'charging' | 'posting' | 'awaiting_biller' | 'accepted' | 'refunded' | 'failed';

/** How the payer pays: the Hutong wallet, or a card through the payment gateway (src/payments). */
export type BillFunding = 'wallet' | 'card';

/** The card a bill is paid with: a card stored in the vault (with its CVC when the customer is present), or one entered now. */
export type BillCard =
  | { readonly cardId: string; readonly cvc?: string }
  | {
      readonly card: {
        readonly number: string;
        readonly exp_month: number;
        readonly exp_year: number;
        readonly cvc?: string;
        readonly holder_name?: string;
      };
    };

export interface BillPayment {
  readonly id: string;
  readonly merchantId: string;
  readonly customerId: string;
  readonly billerId: string;
  readonly billId: string | null;
  readonly accountNumber: string;
  readonly amount: Amount;
  readonly payerFeeMinor: bigint;
  readonly billerFeeMinor: bigint;
  readonly periods: number | null;
  readonly status: BillPaymentStatus;
  readonly billerReceipt: string | null;
  readonly reason: string | null;
  readonly attempts: number;
  readonly funding: BillFunding;
  /** The card payment (src/payments) that charged the card; null for the wallet. */
  readonly cardPaymentId: string | null;
  /** A refused card-funded payment: `due` until the card is refunded, then `done`. */
  readonly cardRefund: 'due' | 'done' | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface PayBillInput {
  readonly customerId: string;
  readonly billerId: string;
  readonly billId?: string;
  readonly accountNumber?: string;
  readonly amount: Amount;
  /** Whole periods to pay (property fees); else derived from the amount. */
  readonly periods?: number;
  readonly idempotencyKey?: string;
  /** Pay by card through the payment gateway; absent: from the customer's Hutong wallet. */
  readonly card?: BillCard;
}

export type ComplaintStatus = 'open' | 'resolved';

export interface Complaint {
  readonly id: string;
  readonly merchantId: string;
  readonly paymentId: string;
  readonly reason: string;
  readonly description: string | null;
  readonly status: ComplaintStatus;
  readonly resolution: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A unit's property fees as the property company sees them (its roll joined with Hutong's payments). */
export interface PropertyUnitView {
  readonly unit: string;
  readonly owedMonths: readonly string[];
  readonly owedMinor: bigint;
  readonly paidThroughHutongMinor: bigint;
  readonly lastReceipt: string | null;
}

/** A customer's saved biller account (issue 15: saved billers), with its auto-pay settings. */
export interface SavedBiller {
  readonly id: string;
  readonly merchantId: string;
  readonly customerId: string;
  readonly billerId: string;
  readonly accountNumber: string;
  readonly nickname: string | null;
  /** Auto-pay: each new bill is paid on its due date if it is at most `limitMinor`; from the wallet, or the stored card. */
  readonly autopay: { readonly limitMinor: bigint; readonly currency: string; readonly cardId: string | null } | null;
  readonly status: 'active' | 'removed';
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface SaveBillerInput {
  readonly customerId: string;
  readonly billerId: string;
  readonly accountNumber: string;
  readonly nickname?: string;
  readonly autopay?: { readonly limit: Amount; readonly cardId?: string };
}

/**
 * One auto-pay decision on one biller bill: paying (a payment under the run's key is on its way, or
 * a crash left it: the next run pays under the same key), paid (the bill payment was made; its own
 * status says whether the biller accepted it), failed (it could not be paid: a notice went out),
 * over_limit (the bill was more than the customer's limit: a notice went out, nothing was paid).
 */
export type AutopayRunStatus = 'paying' | 'paid' | 'failed' | 'over_limit';

export interface AutopayRun {
  readonly id: string;
  readonly savedBillerId: string;
  readonly merchantId: string;
  readonly billId: string | null;
  readonly billerBillRef: string;
  readonly dueDate: string | null;
  readonly amountMinor: bigint | null;
  readonly paymentId: string | null;
  readonly status: AutopayRunStatus;
  readonly reason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A biller's day of bill payments (created that UTC day), by status and funding. */
export interface BillerDayReport {
  readonly billerId: string;
  readonly date: string;
  readonly currency: string;
  readonly lines: readonly {
    readonly status: BillPaymentStatus;
    readonly funding: BillFunding;
    readonly count: number;
    readonly amountMinor: bigint;
    /** Of accepted payments only: what the biller's commission and the payers' fees came to. */
    readonly commissionMinor: bigint;
    readonly payerFeesMinor: bigint;
  }[];
  readonly acceptedCount: number;
  readonly acceptedMinor: bigint;
  readonly netToBillerMinor: bigint;
}
