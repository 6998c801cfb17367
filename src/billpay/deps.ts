import type { BillerConnector } from '../channels/billers/index.js';
import type { Clock } from '../core/index.js';
import type { Ledger } from '../ledger/index.js';
import type { Database, Store, Writer } from '../store/index.js';
import type { Transaction } from 'kysely';
import type { BillPayment } from './model.js';

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
}

export const billpaySettingsDefault: BillpaySettings = {
  fetchWaitMs: 1_500,
  recheckDelayMs: 2_000,
  postAttemptsMax: 3,
  postingGraceMs: 30_000,
  sweepIntervalMs: 1_000,
  sweepBatchMax: 50,
};

export interface BillpayDeps {
  readonly store: Store;
  readonly writer: Writer;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly parties: BillpayPartiesPort;
  readonly connectors: BillerConnectors;
  readonly events: BillpayEventsPort;
  readonly settings: BillpaySettings;
  readonly log: (message: string) => void;
}
