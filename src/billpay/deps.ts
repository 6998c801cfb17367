import type { BillerConnector } from '../channels/billers/index.js';
import type { Clock } from '../core/index.js';
import type { Ledger } from '../ledger/index.js';
import type { Database, Store, Writer } from '../store/index.js';
import type { Transaction } from 'kysely';
import type { Amount } from '../money/index.js';
import type { AutopayRun, BillCard, BillPayment } from './model.js';

/** The parties bill payment needs to know exist; bound to src/parties in app.ts. */
export interface BillpayPartiesPort {
  customerExists(merchantId: string, customerId: string): Promise<boolean>;
  merchantExists(merchantId: string): Promise<boolean>;
}

/**
 * Webhooks: an event written in the same unit as the status change it reports (the outbox of
 * src/events, bound in app.ts with the API's view of the payment).
 */
export interface BillpayEventsPort {
  record(trx: Transaction<Database>, event: { merchantId: string; type: string; payment: BillPayment }): Promise<void>;
  /** The biller's own notice (`biller_payment.accepted`), to the biller's merchant, with the biller's view of the payment. */
  recordForBiller(trx: Transaction<Database>, event: { merchantId: string; type: string; payment: BillPayment }): Promise<void>;
  /** Auto-pay notices (`bill_autopay.failed`), in the unit that records the run. */
  recordRun(trx: Transaction<Database>, event: { merchantId: string; type: string; run: AutopayRun }): Promise<void>;
}

/** Durable timers (src/events timers), bound in app.ts: auto-pay's daily check of each saved biller. */
export interface BillpayTimersPort {
  register(
    kind: string,
    handler: { readonly outside: (job: { readonly payload: Record<string, unknown> }) => Promise<undefined | { readonly retryAt: Date }> },
  ): void;
  schedule(trx: Transaction<Database>, job: { kind: string; key: string; dueAt: Date; payload?: Record<string, unknown> }): Promise<void>;
}

/**
 * Where a card charge stands: `succeeded` (captured: its money is on the payer's merchant's pending
 * balance), `pending` (on its way, or waiting for the cardholder's 3-D Secure step), `failed`
 * (declined, or closed before it was charged: nothing will ever be charged under it).
 */
export interface BillCardCharge {
  readonly status: 'succeeded' | 'pending' | 'failed';
  readonly paymentId: string | null;
  readonly capturedMinor: bigint;
  readonly detail: string | null;
  /** The cardholder's next step while pending (3-D Secure). */
  readonly nextActionUrl: string | null;
}

/**
 * Card payments of bills, through the payment gateway (src/payments), bound in app.ts. The card
 * payment belongs to the payer's merchant (the wallet app), captures automatically and is keyed by
 * the bill payment: a retry under the same key finds the same card payment, never a second charge.
 */
export interface BillpayCardsPort {
  /** Creates (once per key) and confirms the card payment; a decline closes it. */
  charge(
    merchantId: string,
    input: { key: string; billPaymentId: string; customerId: string; amount: Amount; description: string; card: BillCard },
  ): Promise<BillCardCharge>;
  /**
   * The card payment under this key now, `undefined` if none. One still waiting for a card is closed
   * (so never charged); one waiting for the cardholder's 3-D Secure step too when `closeAwaitingAction`.
   */
  settle(merchantId: string, key: string, options: { closeAwaitingAction: boolean }): Promise<BillCardCharge | undefined>;
  /** Refunds a card payment in full (idempotent under its key); false when it must be tried again later. */
  refund(merchantId: string, paymentId: string, key: string): Promise<boolean>;
}

/** The configured biller connectors, by the name a biller's registry entry gives. */
export type BillerConnectors = (name: string) => BillerConnector | undefined;

export interface BillpaySettings {
  /** A fetch that takes longer is answered with its reference id (202) and finished in the background. */
  readonly fetchWaitMs: number;
  /** After an unanswered posting, the next query waits this long (doubling per attempt). */
  readonly recheckDelayMs: number;
  /** Postings under one reference before an unbooked payment is refunded. */
  readonly postAttemptsMax: number;
  /** A payment still `posting` this long after its debit is taken over by the sweeper (a crashed process). */
  readonly postingGraceMs: number;
  readonly sweepIntervalMs: number;
  readonly sweepBatchMax: number;
  /** A card payment still waiting for the cardholder's 3-D Secure step this long after the claim is closed, and the bill freed. */
  readonly cardActionWaitMs: number;
}

export const billpaySettingsDefault: BillpaySettings = {
  fetchWaitMs: 1_500,
  recheckDelayMs: 2_000,
  postAttemptsMax: 3,
  postingGraceMs: 30_000,
  sweepIntervalMs: 1_000,
  sweepBatchMax: 50,
  cardActionWaitMs: 15 * 60_000,
};

export interface BillpayDeps {
  readonly store: Store;
  readonly writer: Writer;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly parties: BillpayPartiesPort;
  readonly connectors: BillerConnectors;
  readonly events: BillpayEventsPort;
  /** Card payments of bills; absent: bills are paid from the wallet only. */
  readonly cards?: BillpayCardsPort;
  /** Auto-pay's durable timer; absent: saved billers without auto-pay only. */
  readonly timers?: BillpayTimersPort;
  readonly settings: BillpaySettings;
  readonly log: (message: string) => void;
}
