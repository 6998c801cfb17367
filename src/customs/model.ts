import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../core/index.js';
import type { Amount } from '../money/index.js';
import { defaultImportLimitSettings, type ImportLimitSettings } from './limits.js';
import type { CustomsTables } from './schema.js';
import type { CustomsSigner } from './signer.js';
import type { DeclarationStatus } from './state.js';

/**
 * The module sees only its own tables (src/app.ts hands it the store and the writer typed so):
 * everything it needs of payments comes through `CustomsPaymentsPort`.
 */
export type CustomsTrx = Transaction<CustomsTables>;
export interface CustomsStore {
  readonly db: Kysely<CustomsTables>;
  readonly reader: Kysely<CustomsTables>;
}
export interface CustomsWriter {
  run<T>(work: (trx: CustomsTrx) => Promise<T>, options?: { keys?: readonly string[] }): Promise<T>;
}

export interface CustomsRegistration {
  readonly merchantId: string;
  readonly customsOffice: string;
  readonly ebpCode: string;
  readonly ebpName: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface HistoryEntry {
  readonly version: number;
  readonly status: DeclarationStatus;
  readonly returnStatus: string | null;
  readonly returnInfo: string | null;
  readonly at: string;
}

export interface CustomsDeclaration {
  readonly id: string;
  readonly merchantId: string;
  readonly paymentId: string;
  readonly customsOffice: string;
  readonly subOrderNo: string | null;
  readonly orderNo: string;
  readonly ebpCode: string;
  readonly ebpName: string;
  /** What customs sees (CNY, 2 decimals on the wire). */
  readonly amount: Amount;
  readonly paymentAmount: Amount;
  /** The payment's locked rate to CNY, when the payment is in another currency. */
  readonly cnyRate: string | null;
  readonly payer: { readonly name: string; readonly idType: string; readonly idNumberMasked: string };
  /** The payer was checked against the payment's payer before anything was sent (WeChat: SAME). */
  readonly identityCheck: 'same';
  readonly status: DeclarationStatus;
  readonly version: number;
  readonly guid: string;
  readonly appType: string;
  readonly returnStatus: string | null;
  readonly returnInfo: string | null;
  readonly pushAttempts: number;
  readonly lastError: string | null;
  readonly history: readonly HistoryEntry[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewDeclaration {
  readonly paymentId: string;
  readonly customsOffice: string;
  readonly orderNo: string;
  readonly subOrderNo?: string;
  /** A sub-order's share in CNY fen; required with `subOrderNo`, the whole payment without. */
  readonly amountMinor?: bigint;
  readonly payer: { readonly name: string; readonly idType: string; readonly idNumber: string };
}

/** What customs needs to know of a payment; bound to the payments module in src/app.ts. */
export interface DeclarablePayment {
  readonly id: string;
  readonly merchantId: string;
  readonly status: string;
  readonly amount: Amount;
  readonly capturedMinor: bigint;
  readonly refundedMinor: bigint;
  /** The CNY amount customs sees for the captured amount, and the locked rate used (null for CNY). */
  readonly cny: { readonly minor: bigint; readonly rate: string | null } | undefined;
  readonly paidAt: string;
  readonly payer: { readonly name: string; readonly idType: string; readonly idNumber: string; readonly idNumberMasked: string } | null;
}

export interface CustomsPaymentsPort {
  paymentOf(merchantId: string, paymentId: string): Promise<DeclarablePayment | undefined>;
  /** What the export side needs of a payment: its captured amount, the card's issuing country (BIN), the merchant's country. */
  exportPaymentOf(merchantId: string, paymentId: string): Promise<ExportPayment | undefined>;
}

export interface ExportPayment {
  readonly id: string;
  readonly status: string;
  /** The captured amount. */
  readonly amount: Amount;
  /** The paying card's issuing country (ISO 3166 alpha-2), by BIN; null when not a card or unknown. */
  readonly cardCountry: string | null;
  readonly merchantCountry: string;
  readonly paidAt: string;
}

/** An export receipt: a foreign shopper's payment to a Chinese exporter, with its order and shipment. */
export interface ExportTrade {
  readonly paymentId: string;
  readonly merchantId: string;
  readonly orderNo: string;
  readonly amount: Amount;
  readonly cardCountry: string | null;
  readonly paidAt: string;
  readonly shipment: {
    readonly carrier: string;
    readonly waybillNo: string;
    readonly destinationCountry: string;
    readonly shippedAt: string;
  } | null;
  readonly authenticity: 'matched' | 'awaiting_shipment' | 'flagged';
  readonly flags: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A balance-of-payments declaration record of one cross-border receipt. */
export interface BopRecord {
  readonly id: string;
  readonly merchantId: string;
  readonly paymentId: string;
  readonly amount: Amount;
  readonly counterpartyCountry: string;
  readonly transactionCode: string;
  readonly direction: 'receipt';
  readonly recordedOn: string;
  readonly createdAt: string;
}

/** The single window, as a connector: send one message, poll receipts after a sequence number. */
export interface CustomsGateway {
  send(xml: string): Promise<{ readonly receiptXml: string } | { readonly unavailable: string }>;
  poll(copCode: string, after: number): Promise<readonly { readonly seq: number; readonly xml: string }[]>;
  /** Whether customs released the goods of an order (its inventory list, 800); unknown when customs does not say. */
  releaseOf?(ebpCode: string, orderNo: string): Promise<'released' | 'not_released' | 'unknown'>;
}

export interface CustomsEventsPort {
  record(trx: CustomsTrx, event: { merchantId: string; type: string; objectType: string; objectId: string; data: unknown }): Promise<void>;
}

export interface CustomsTimersPort {
  register(
    kind: string,
    handler: {
      outside: (job: { key: string; payload: Record<string, unknown>; attempts: number }) => Promise<undefined | { retryAt: Date }>;
      leaseMs?: number;
    },
  ): void;
  schedule(trx: CustomsTrx, job: { kind: string; key: string; dueAt: Date; payload?: Record<string, unknown> }): Promise<void>;
}

export interface CustomsSettings extends ImportLimitSettings {
  /** Hutong's own codes with customs, as a payment institution. */
  readonly payCode: string;
  readonly payName: string;
  readonly dxpId: string;
  /** Push retries: delay doubles from `pushRetryBaseMs` up to `pushRetryMaxMs`; after `pushAttemptsMax` the declaration fails. */
  readonly pushRetryBaseMs: number;
  readonly pushRetryMaxMs: number;
  readonly pushAttemptsMax: number;
  /** How long a push holds its job: longer than the single window's timeout; a crashed worker's push is retried after it. */
  readonly pushLeaseMs: number;
  /**
   * A refund of a declared payment whose goods customs released: 'refuse' (409
   * customs_refund_after_release) or 'withdraw' (refund, and ask customs to withdraw the slip; customs
   * may return the withdrawal). Customs unable to say whether the goods are released holds the refund under 'refuse'.
   */
  readonly refundAfterRelease: 'refuse' | 'withdraw';
  /** Export: a receipt without a shipment this many days after payment is flagged for review. */
  readonly exportShipmentDueDays: number;
  /** Export: flag a shipment to another country than the paying card's ('off': no such flag). */
  readonly exportDestinationRule: 'card_country' | 'off';
  /** The balance-of-payments transaction code of a goods-trade receipt [unconfirmed: SAFE's code list]. */
  readonly bopGoodsTradeCode: string;
}

export const defaultCustomsSettings: CustomsSettings = {
  payCode: '110196000T',
  payName: 'Hutong Payment (互通支付)',
  dxpId: 'DXPENT0000000001',
  ...defaultImportLimitSettings,
  pushRetryBaseMs: 1_000,
  pushRetryMaxMs: 5 * 60_000,
  pushAttemptsMax: 30,
  pushLeaseMs: 30_000,
  refundAfterRelease: 'refuse',
  exportShipmentDueDays: 7,
  exportDestinationRule: 'card_country',
  bopGoodsTradeCode: '121010',
};

export interface CustomsDeps {
  readonly store: CustomsStore;
  readonly writer: CustomsWriter;
  readonly clock: Clock;
  readonly payments: CustomsPaymentsPort;
  readonly gateway: CustomsGateway | undefined;
  readonly signer: CustomsSigner;
  /** Customs' public key: every receipt must be signed with it. */
  readonly customsPublicKeyPem: () => string | undefined;
  readonly events: CustomsEventsPort;
  readonly timers: CustomsTimersPort;
  /** Seals message bodies at rest (they name the payer); bound to the vault cipher. */
  readonly seal: (text: string) => string;
  readonly open: (sealed: string) => string;
  /** The per-person allowance key: an HMAC of the ID document, never the number itself. */
  readonly personKey: (idType: string, idNumber: string) => string;
  readonly log: (message: string) => void;
  readonly settings?: Partial<CustomsSettings>;
  readonly endpoints?: { readonly singleWindowUrl: string; readonly sandboxPartnersUrl?: string };
}
