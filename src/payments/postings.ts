import assert from 'node:assert/strict';
import type { Transaction } from 'kysely';
import { isFailure } from '../core/index.js';
import { chart, type AccountSpec, type Ledger, type Posting } from '../ledger/index.js';
import type { Database } from '../store/index.js';

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

/**
 * The accounts a payment's units may lock: the writer's keys for concurrent batches. The merchant's
 * escrow account is among them because an escrow payment captures into it (src/escrow).
 */
export function accountKeys(
  ledger: { accountIdFor: (spec: AccountSpec) => string },
  merchantId: string,
  source: Source,
  currency: string,
): string[] {
  return [
    sourceAccount(source, currency),
    chart.merchantPending(merchantId, currency),
    chart.escrowHeld(merchantId, currency),
    chart.feeRevenue(currency),
  ].map((spec) => ledger.accountIdFor(spec));
}

interface Accounts {
  readonly source: string;
  readonly merchant: string;
  readonly revenue: string;
  /** Where captures go and refunds come from: the merchant's pending balance or its escrow. */
  readonly funds: string;
}

/** Opens the accounts a payment moves money through (the source wallet must already exist). */
async function accounts(
  ledger: Ledger,
  trx: Transaction<Database>,
  merchantId: string,
  source: Source,
  currency: string,
  accountIdFor: (spec: AccountSpec) => string,
  destination: Destination = 'merchant',
): Promise<Accounts> {
  const sourceSpec = sourceAccount(source, currency);
  return {
    // A wallet that never held money cannot pay; a channel receivable opens on first use.
    source: source.kind === 'wallet' ? accountIdFor(sourceSpec) : await ledger.ensureAccount(trx, sourceSpec),
    merchant: await ledger.ensureAccount(trx, chart.merchantPending(merchantId, currency)),
    revenue: await ledger.ensureAccount(trx, chart.feeRevenue(currency)),
    funds:
      destination === 'escrow'
        ? await ledger.ensureAccount(trx, chart.escrowHeld(merchantId, currency))
        : accountIdFor(chart.merchantPending(merchantId, currency)),
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
  captureNow(
    trx: Transaction<Database>,
    p: {
      entryId: string;
      paymentId: string;
      merchantId: string;
      source: Source;
      currency: string;
      grossMinor: bigint;
      feeMinor: bigint;
      destination?: Destination;
    },
  ): ReturnType<Ledger['post']>;
  hold(
    trx: Transaction<Database>,
    p: { entryId: string; paymentId: string; merchantId: string; source: Source; currency: string; grossMinor: bigint },
  ): ReturnType<Ledger['hold']>;
  /** Posts (part of) a hold and takes the fee. */
  captureHold(
    trx: Transaction<Database>,
    p: {
      entryId: string;
      holdId: string;
      paymentId: string;
      merchantId: string;
      source: Source;
      currency: string;
      capturedMinor: bigint;
      feeMinor: bigint;
    },
  ): ReturnType<Ledger['post']>;
  voidHold(trx: Transaction<Database>, p: { entryId: string; holdId: string }): ReturnType<Ledger['voidPending']>;
  refund(
    trx: Transaction<Database>,
    p: {
      entryId: string;
      paymentId: string;
      merchantId: string;
      source: Source;
      currency: string;
      refundMinor: bigint;
      feeReturnedMinor: bigint;
      destination?: Destination;
    },
  ): ReturnType<Ledger['post']>;
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
      return ledger.post(trx, {
        id: `${p.entryId}:fee`,
        reason: 'payment.fee',
        link: { type: 'payment', id: p.paymentId },
        postings: feePostings(a, p.currency, p.feeMinor),
      });
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

/**
 * Cross-currency payments (issue 5, docs/fx.md): the shopper pays in the presentment currency P,
 * the merchant is credited in its settlement currency S. The conversion is its own postings, so
 * that every entry balances per currency:
 *
 * - P: the source is debited the gross, Hutong's FX position in P is credited it;
 * - S: Hutong's FX position in S is debited the gross at the mid rate (`midMinor`), the merchant's
 *   pending balance is credited it at the merchant's rate (`merchantMinor`), the difference is FX
 *   revenue; the fee, computed on `merchantMinor`, moves from the merchant to fee revenue in S.
 *
 * A refund is the mirror image for the refunded share (at the original rates: the shopper gets
 * back exactly what it paid in P; Hutong's FX position carries any market move since).
 */
export interface Conversion {
  /** The settlement currency S. */
  readonly currency: string;
  readonly midMinor: bigint;
  readonly merchantMinor: bigint;
}

/** The accounts a conversion may lock, beyond `accountKeys` (writer keys). */
export function conversionKeys(
  ledger: { accountIdFor: (spec: AccountSpec) => string },
  merchantId: string,
  presentment: string,
  settlement: string,
): string[] {
  return [
    chart.fxPosition(presentment),
    chart.fxPosition(settlement),
    chart.fxRevenue(settlement),
    chart.merchantPending(merchantId, settlement),
    chart.feeRevenue(settlement),
  ].map((spec) => ledger.accountIdFor(spec));
}

async function conversionPostings(
  ledger: Ledger,
  trx: Transaction<Database>,
  p: {
    merchantId: string;
    from: string;
    presentment: string;
    grossMinor: bigint;
    feeMinor: bigint;
    conversion: Conversion;
    sign: 1n | -1n;
  },
): Promise<Posting[]> {
  const s = p.conversion.currency;
  const position = await ledger.ensureAccount(trx, chart.fxPosition(p.presentment));
  const positionS = await ledger.ensureAccount(trx, chart.fxPosition(s));
  const revenue = await ledger.ensureAccount(trx, chart.fxRevenue(s));
  const merchant = await ledger.ensureAccount(trx, chart.merchantPending(p.merchantId, s));
  const fees = await ledger.ensureAccount(trx, chart.feeRevenue(s));
  const margin = p.conversion.midMinor - p.conversion.merchantMinor;
  const k = p.sign;
  const all: Posting[] = [
    { accountId: p.from, currency: p.presentment, amountMinor: k * p.grossMinor },
    { accountId: position, currency: p.presentment, amountMinor: -k * p.grossMinor },
    { accountId: positionS, currency: s, amountMinor: k * p.conversion.midMinor },
    { accountId: merchant, currency: s, amountMinor: -k * p.conversion.merchantMinor },
    { accountId: revenue, currency: s, amountMinor: -k * margin },
    { accountId: merchant, currency: s, amountMinor: k * p.feeMinor },
    { accountId: fees, currency: s, amountMinor: -k * p.feeMinor },
  ];
  return all.filter((x) => x.amountMinor !== 0n);
}

export interface ConvertedPaymentLedger {
  /** Automatic capture with conversion: one entry. `feeMinor` is in the settlement currency. */
  captureNow(
    trx: Transaction<Database>,
    p: {
      entryId: string;
      paymentId: string;
      merchantId: string;
      source: Source;
      currency: string;
      grossMinor: bigint;
      feeMinor: bigint;
      conversion: Conversion;
    },
  ): ReturnType<Ledger['post']>;
  /** Posts (part of) a hold in P to the merchant, then converts what was posted (`:fx` entry). */
  captureHold(
    trx: Transaction<Database>,
    p: {
      entryId: string;
      holdId: string;
      paymentId: string;
      merchantId: string;
      source: Source;
      currency: string;
      capturedMinor: bigint;
      feeMinor: bigint;
      conversion: Conversion;
    },
  ): ReturnType<Ledger['post']>;
  /** Refund of `refundMinor` in P; `conversion` is the refunded share in S, `feeReturnedMinor` in S. */
  refund(
    trx: Transaction<Database>,
    p: {
      entryId: string;
      paymentId: string;
      merchantId: string;
      source: Source;
      currency: string;
      refundMinor: bigint;
      feeReturnedMinor: bigint;
      conversion: Conversion;
    },
  ): ReturnType<Ledger['post']>;
}

export function createConvertedPaymentLedger(ledger: Ledger, accountIdFor: (spec: AccountSpec) => string): ConvertedPaymentLedger {
  return {
    async captureNow(trx, p) {
      const a = await accounts(ledger, trx, p.merchantId, p.source, p.currency, accountIdFor);
      const postings = await conversionPostings(ledger, trx, {
        merchantId: p.merchantId,
        from: a.source,
        presentment: p.currency,
        grossMinor: p.grossMinor,
        feeMinor: p.feeMinor,
        conversion: p.conversion,
        sign: 1n,
      });
      return ledger.post(trx, { id: p.entryId, reason: 'payment.capture', link: { type: 'payment', id: p.paymentId }, postings });
    },
    async captureHold(trx, p) {
      const posted = await ledger.postPending(trx, { id: p.entryId, pendingId: p.holdId, amountMinor: p.capturedMinor });
      if (isFailure(posted)) return posted;
      // The hold credited the merchant in P; the conversion takes that back into Hutong's position.
      const merchantP = await ledger.ensureAccount(trx, chart.merchantPending(p.merchantId, p.currency));
      const postings = await conversionPostings(ledger, trx, {
        merchantId: p.merchantId,
        from: merchantP,
        presentment: p.currency,
        grossMinor: p.capturedMinor,
        feeMinor: p.feeMinor,
        conversion: p.conversion,
        sign: 1n,
      });
      return ledger.post(trx, { id: `${p.entryId}:fx`, reason: 'payment.fx', link: { type: 'payment', id: p.paymentId }, postings });
    },
    async refund(trx, p) {
      const a = await accounts(ledger, trx, p.merchantId, p.source, p.currency, accountIdFor);
      const postings = await conversionPostings(ledger, trx, {
        merchantId: p.merchantId,
        from: a.source,
        presentment: p.currency,
        grossMinor: p.refundMinor,
        feeMinor: p.feeReturnedMinor,
        conversion: p.conversion,
        sign: -1n,
      });
      return ledger.post(trx, { id: p.entryId, reason: 'refund', link: { type: 'payment', id: p.paymentId }, postings });
    },
  };
}
