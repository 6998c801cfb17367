import type { Clock } from '../core/index.js';
import type { Executor, Ledger } from '../ledger/index.js';
import type { SwitchFiles } from './clearing.js';
import type { BarcodeLimits } from './barcode-limits.js';

/** The writer unit's transaction, as the ledger takes it. */
export type Trx = Parameters<Ledger['post']>[0];

/** The group-commit writer (src/store/writer.ts), as this module uses it. */
export interface WriterPort {
  run<T>(work: (trx: Trx) => Promise<T>, options?: { readonly keys?: readonly string[] }): Promise<T>;
}

/** What interop needs to know of a merchant (bound to parties in app.ts). */
export interface MerchantsPort {
  merchant(id: string): Promise<{ readonly name: string; readonly status: 'active' | 'suspended'; readonly country: string } | undefined>;
}

/** The transactional outbox (bound to events in app.ts): webhooks of collection-code payments. */
export interface EventsPort {
  record(trx: Trx, event: { merchantId: string; type: string; objectType: string; objectId: string; data: unknown }): Promise<void>;
}

/** Whether a customer is this merchant's (bound to parties in app.ts). */
export interface CustomersPort {
  belongsTo(merchantId: string, customerId: string): Promise<boolean>;
}

export interface InteropSettings {
  /** A payment code lives this long (real wallets: about a minute). */
  readonly paymentCodeTtlMs: number;
  /** A dynamic code lives this long unless the request says otherwise. */
  readonly dynamicTtlMsDefault: number;
  readonly dynamicTtlMsMax: number;
  /** Where the switch listens (its participants' directory and, later, Hutong's own scans). */
  readonly switchUrl?: string;
  /** The HMAC key the switch and Hutong share (sandbox default in src/config.ts). */
  readonly switchKey: string;
  /** How far a switch message's time may be from Hutong's clock. */
  readonly switchMessageAgeMsMax: number;
  /** PBOC bar-code limits on Hutong's own payers (barcode-limits.ts); unset: the defaults there. */
  readonly barcodeLimits?: BarcodeLimits;
  /** A refund of a collection-code order whose answer is unknown is asked again this long after (order-refunds.ts). */
  readonly orderRefundRetryMs?: number;
  /** A Hutong user's scan whose outcome is unknown is asked about this often (scan-resolution.ts). */
  readonly scanRetryMs?: number;
  /** A scan still unknown this long after it was made is closed at the switch and its hold released. */
  readonly scanCloseAfterMs?: number;
}

/** Durable timers (src/events timers), bound in app.ts: the sweep of refunds whose answer is unknown. */
export interface TimersPort {
  register(
    kind: string,
    handler: { readonly outside: (job: { readonly payload: Record<string, unknown> }) => Promise<undefined | { readonly retryAt: Date }> },
  ): void;
  schedule(trx: Trx, job: { kind: string; key: string; dueAt: Date; payload?: Record<string, unknown> }): Promise<void>;
}

export const defaultInteropSettings: InteropSettings = {
  paymentCodeTtlMs: 60_000,
  dynamicTtlMsDefault: 5 * 60_000,
  dynamicTtlMsMax: 24 * 3600_000,
  switchKey: 'hutong-sandbox-switch-key-not-for-production',
  switchMessageAgeMsMax: 5 * 60_000,
};

export interface FlowDeps {
  readonly db: Executor;
  readonly writer: WriterPort;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly merchants: MerchantsPort;
  readonly customers: CustomersPort;
  readonly events: EventsPort;
  readonly settings: InteropSettings;
  /** Reads the switch's clearing files (bound to HTTP in app.ts). */
  readonly switchFiles: SwitchFiles;
  /** Durable timers; without them a refund left pending is resolved only when asked again (tests). */
  readonly timers?: TimersPort;
}
