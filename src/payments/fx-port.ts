import type { Transaction } from 'kysely';
import type { Failure } from '../core/index.js';
import type { Amount } from '../money/index.js';
import type { Database } from '../store/index.js';
import type { Payment, PaymentMethodInput } from './model.js';
import type { Conversion } from './postings.js';

/** What a payment may ask of FX at creation (issue 5): all optional. */
export interface PaymentFxInput {
  /** Settle this payment in another currency than the merchant's (only the shopper's is allowed). */
  readonly settlementCurrency?: string;
  /** A quote (POST /v1/fx/quotes) whose rate this payment locks. */
  readonly quoteId?: string;
  /** A cross-border retail import order: the payer's real name and ID, checked against the customer. */
  readonly importOrder?: { readonly payerName: string; readonly idType: string; readonly idNumber: string };
}

/**
 * Payment columns that FX decides. FX returns them; payments writes them (store.ts
 * `writeFxFacts`), so only payments writes payment rows.
 */
export interface PaymentFxFacts {
  readonly settlementCurrency?: string;
  readonly quoteId?: string | null;
  /** The locked client rate, as a decimal string. */
  readonly rate?: string;
  readonly settlementAmountMinor?: bigint;
}

/** A repricing FX decided (the shopper pays in its own currency): payments records it, with an event. */
export interface PaymentRepricing {
  readonly amount: Amount;
  readonly settlementCurrency: string;
  readonly quoteId: string;
  /** For the payment's timeline. */
  readonly reason: string;
}

/**
 * What payments need from FX (src/fx), late-bound like the other ports. Every hook is a no-op for
 * a payment without FX facts (same currency, not an import order).
 */
export interface FxPort {
  /**
   * Before the creating unit: validates the payment's FX facts (reads only). Gives what to record
   * inside the unit, or nothing when the payment neither converts nor is an import order.
   */
  prepareCreate(
    payment: { merchantId: string; amount: Amount; customerId: string | null },
    input: PaymentFxInput | undefined,
  ): Promise<Failure | undefined | ((trx: Transaction<Database>, paymentId: string) => Promise<PaymentFxFacts>)>;
  /**
   * Before a confirm claims the payment: locks the rate, checks and reserves import allowance, in
   * a unit of its own; `record` is payments' writer of the facts, called inside that unit.
   */
  onConfirm(
    payment: Payment,
    method: PaymentMethodInput,
    record: (trx: Transaction<Database>, facts: PaymentFxFacts) => Promise<void>,
  ): Promise<Failure | undefined>;
  /**
   * Pay in the shopper's currency (a quote): reads the quote, then gives the step that checks the
   * payment (row read in payments' unit) and records the conversion, returning the new price.
   */
  preparePresentment(
    merchantId: string,
    quoteId: string,
  ): Promise<Failure | ((trx: Transaction<Database>, payment: Database['payments']) => Promise<PaymentRepricing | Failure>)>;
  /** Inside a capturing unit: records the capture and gives its conversion (none: same currency). */
  onCapture(trx: Transaction<Database>, payment: Payment, capturedMinor: bigint): Promise<Conversion | undefined>;
  /** Inside a refund's unit: the refunded share in settlement currency (none: same currency). */
  onRefund(trx: Transaction<Database>, payment: Payment, refundMinor: bigint): Promise<Conversion | undefined>;
  /** Writer keys of the conversion's accounts (empty when the payment does not convert). */
  keysOf(payment: Payment): Promise<string[]>;
}
