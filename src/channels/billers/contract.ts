/**
 * The biller connector contract (issue 15, domain.md §9): what Hutong asks of any biller,
 * protocol-neutral. A biller answers a fetch with a bill, "nothing due" or "customer not found";
 * a posting with its own receipt number or a rejection; it deduplicates postings by Hutong's
 * reference. As everywhere (STYLE.md), a connector says accepted or rejected only when the biller
 * said so: a timeout is `unknown`, settled by a query, never guessed.
 */
export type BillerKind = 'electricity' | 'water_gas' | 'mobile' | 'property' | 'charity';
export const billerKinds: readonly BillerKind[] = ['electricity', 'water_gas', 'mobile', 'property', 'charity'];

export interface BillLine {
  readonly label: string;
  readonly amountMinor: bigint;
}

/** A period (a month of property fees) that must be paid whole, oldest first. */
export interface BillPeriod {
  readonly period: string;
  readonly amountMinor: bigint;
}

export interface FetchedBill {
  /** The biller's own id of the bill, echoed on the posting. */
  readonly billerBillRef: string;
  /** Everything due now, late fees included. */
  readonly amountDueMinor: bigint;
  readonly lateFeeMinor: bigint;
  readonly dueDate: string | null;
  readonly customerName: string | null;
  readonly lines: readonly BillLine[];
  readonly periods: readonly BillPeriod[];
}

export type FetchOutcome =
  | { readonly kind: 'bill'; readonly bill: FetchedBill }
  | { readonly kind: 'nothing_due' }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unavailable'; readonly detail: string };

export type ValidateOutcome =
  | { readonly kind: 'valid'; readonly minMinor: bigint; readonly maxMinor: bigint; readonly customerName: string | null }
  | { readonly kind: 'nothing_due' }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unavailable'; readonly detail: string };

export interface PostingRequest {
  /** Hutong's payment id: the biller books a reference once. */
  readonly reference: string;
  readonly account: string;
  readonly billerBillRef: string | null;
  readonly amountMinor: bigint;
  /** Whole periods paid (property fees), else null. */
  readonly periods: number | null;
}

export type PostingOutcome =
  | { readonly kind: 'accepted'; readonly receipt: string; readonly amountMinor: bigint }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly detail: string };

export type QueryOutcome =
  | { readonly kind: 'accepted'; readonly receipt: string; readonly amountMinor: bigint }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unknown'; readonly detail: string };

/** One line of a biller's end-of-day file: what it booked. */
export interface DailyLine {
  readonly reference: string;
  readonly receipt: string;
  readonly account: string;
  readonly amountMinor: bigint;
  readonly bookedAt: string;
}

export type DailyFileOutcome =
  { readonly kind: 'file'; readonly lines: readonly DailyLine[] } | { readonly kind: 'unavailable'; readonly detail: string };

export interface BillerConnector {
  readonly kind: BillerKind;
  /** Is the biller answering at all (before anyone is charged)? */
  available(): Promise<boolean>;
  fetch(account: string): Promise<FetchOutcome>;
  validate(account: string): Promise<ValidateOutcome>;
  post(request: PostingRequest): Promise<PostingOutcome>;
  query(reference: string): Promise<QueryOutcome>;
  dailyFile(date: string): Promise<DailyFileOutcome>;
}

/** Where a biller is and the key it shares with Hutong (configuration, not code). */
export interface BillerEndpoint {
  readonly baseUrl: string;
  readonly key: string;
  readonly timeoutMs: number;
}
