import assert from 'node:assert/strict';
import type { Transaction } from 'kysely';
import { isFailure } from '../core/failure.js';
import { chart, type AccountSpec, type Ledger, type Posting } from '../ledger/index.js';
import type { Database } from '../store/schema.js';

/**
 * The ledger side of payments (DESIGN.md §5, issue "Ledger postings for every step"):
 *
 * - authorization (manual capture): a pending hold, debit the source (the channel's receivable for
 *   cards, the customer's wallet for wallet payments), credit the merchant's pending balance;
 * - capture: the hold is posted (in part, for a partial capture), and the fee moves from the
 *   merchant's pending balance to Hutong's fee revenue — so the merchant's balance grows net of fees;
 * - automatic capture: the same as one posted entry (gross in, fee out);
 * - refund: the reverse of a capture for the refunded amount, and the returned share of the fee.
 *
 * `source` is where the shopper's money comes from: the channel receivable or the wallet.
 */
export type Source = { readonly kind: 'channel'; readonly channel: string } | { readonly kind: 'wallet'; readonly customerId: string };

/**
 * Where a capture's money goes and a refund's comes from: the merchant's pending balance (net of
 * fees), or escrow (gross, no fee yet; src/escrow releases it later). Units that touch escrow also
 * declare the merchant's pending account as a writer key, so they never run beside each other.
 */
export type Destination = 'merchant' | 'escrow';

export function sourceAccount(source: Source, currency: string): AccountSpec {
  return source.kind === 'channel' ? chart.channelReceivable(source.channel, currency) : chart.customerWallet(source.customerId, currency);
}

/** The accounts a payment's units may lock: the writer's keys for concurrent batches. */
export function accountKeys(ledger: { accountIdFor: (spec: AccountSpec) => string }, merchantId: string, source: Source, currency: string): string[] {
  return [sourceAccount(source, currency), chart.merchantPending(merchantId, currency), chart.feeRevenue(currency)].map((spec) => ledger.accountIdFor(spec));
}

interface Accounts {
  readonly source: string;
  readonly merchant: string;
  readonly revenue: string;
  /** Where captures go and refunds come from: the merchant's pending balance or its escrow. */
  readonly funds: string;
}

/** Opens the accounts a payment moves money through (the source wallet must already exist). */
async function accounts(ledger: Ledger, trx: Transaction<Database>, merchantId: string, source: Source, currency: string, accountIdFor: (spec: AccountSpec) => string, destination: Destination = 'merchant'): Promise<Accounts> {
  const sourceSpec = sourceAccount(source, currency);
  return {
    // A wallet that never held money cannot pay; a channel receivable opens on first use.
    source: source.kind === 'wallet' ? accountIdFor(sourceSpec) : await ledger.ensureAccount(trx, sourceSpec),
    merchant: await ledger.ensureAccount(trx, chart.merchantPending(merchantId, currency)),
    revenue: await ledger.ensureAccount(trx, chart.feeRevenue(currency)),
    funds: destination === 'escrow' ? await ledger.ensureAccount(trx, chart.escrowHeld(merchantId, currency)) : accountIdFor(chart.merchantPending(merchantId, currency)),
  };
}

function feePostings(a: Accounts, currency: string, feeMinor: bigint): Posting[] {
  if (feeMinor === 0n) return [];
  return [
    { accountId: a.merchant, currency, amountMinor: feeMinor },
    { accountId: a.revenue, currency, amountMinor: -feeMinor },
  ];
}

export interface PaymentLedger {
  /** Automatic capture: gross from the source to the merchant, fee to revenue, one entry. */
  captureNow(trx: Transaction<Database>, p: { entryId: string; paymentId: string; merchantId: string; source: Source; currency: string; grossMinor: bigint; feeMinor: bigint; destination?: Destination }): ReturnType<Ledger['post']>;
  hold(trx: Transaction<Database>, p: { entryId: string; paymentId: string; merchantId: string; source: Source; currency: string; grossMinor: bigint }): ReturnType<Ledger['hold']>;
  /** Posts (part of) a hold and takes the fee. */
  captureHold(trx: Transaction<Database>, p: { entryId: string; holdId: string; paymentId: string; merchantId: string; source: Source; currency: string; capturedMinor: bigint; feeMinor: bigint }): ReturnType<Ledger['post']>;
  voidHold(trx: Transaction<Database>, p: { entryId: string; holdId: string }): ReturnType<Ledger['voidPending']>;
  refund(trx: Transaction<Database>, p: { entryId: string; paymentId: string; merchantId: string; source: Source; currency: string; refundMinor: bigint; feeReturnedMinor: bigint; destination?: Destination }): ReturnType<Ledger['post']>;
}

export function createPaymentLedger(ledger: Ledger, accountIdFor: (spec: AccountSpec) => string): PaymentLedger {
  return {
    async captureNow(trx, p) {
      const a = await accounts(ledger, trx, p.merchantId, p.source, p.currency, accountIdFor, p.destination);
      // Escrow takes no fee at capture: the fee is taken on release, on what is released.
      assert.ok(p.destination !== 'escrow' || p.feeMinor === 0n, 'an escrow capture carries no fee');
      return ledger.post(trx, {
        id: p.entryId,
        reason: 'payment.capture',
        link: { type: 'payment', id: p.paymentId },
        postings: [
          { accountId: a.source, currency: p.currency, amountMinor: p.grossMinor },
          { accountId: a.funds, currency: p.currency, amountMinor: -p.grossMinor },
          ...feePostings(a, p.currency, p.feeMinor),
        ],
      });
    },
    async hold(trx, p) {
      const a = await accounts(ledger, trx, p.merchantId, p.source, p.currency, accountIdFor);
      return ledger.hold(trx, {
        id: p.entryId,
        reason: 'payment.authorize',
        link: { type: 'payment', id: p.paymentId },
        postings: [
          { accountId: a.source, currency: p.currency, amountMinor: p.grossMinor },
          { accountId: a.merchant, currency: p.currency, amountMinor: -p.grossMinor },
        ],
      });
    },
    async captureHold(trx, p) {
      const posted = await ledger.postPending(trx, { id: p.entryId, pendingId: p.holdId, amountMinor: p.capturedMinor });
      if (isFailure(posted) || p.feeMinor === 0n) return posted;
      const a = await accounts(ledger, trx, p.merchantId, p.source, p.currency, accountIdFor);
      return ledger.post(trx, { id: `${p.entryId}:fee`, reason: 'payment.fee', link: { type: 'payment', id: p.paymentId }, postings: feePostings(a, p.currency, p.feeMinor) });
    },
    voidHold(trx, p) {
      return ledger.voidPending(trx, { id: p.entryId, pendingId: p.holdId });
    },
    async refund(trx, p) {
      const a = await accounts(ledger, trx, p.merchantId, p.source, p.currency, accountIdFor, p.destination);
      assert.ok(p.destination !== 'escrow' || p.feeReturnedMinor === 0n, 'escrowed money carries no fee to return');
      return ledger.post(trx, {
        id: p.entryId,
        reason: 'refund',
        link: { type: 'payment', id: p.paymentId },
        postings: [
          { accountId: a.funds, currency: p.currency, amountMinor: p.refundMinor },
          { accountId: a.source, currency: p.currency, amountMinor: -p.refundMinor },
          ...(p.feeReturnedMinor === 0n
            ? []
            : [
                { accountId: a.revenue, currency: p.currency, amountMinor: p.feeReturnedMinor },
                { accountId: a.merchant, currency: p.currency, amountMinor: -p.feeReturnedMinor },
              ]),
        ],
      });
    },
  };
}
