import assert from 'node:assert/strict';
import type { Transaction } from 'kysely';
import {
  authorizeWithFailover,
  wasNeverSent,
  type AuthorizeRequest,
  type CardConnector,
  type CardholderData,
  type ChannelOutcome,
  type FailoverJournal,
  type MerchantDescriptor,
} from '../channels/index.js';
import type { Clock } from '../core/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import { derivedId, digestOf, newId } from '../core/index.js';
import { accountIdFor, LedgerError, type Executor, type Ledger } from '../ledger/index.js';
import type { Amount } from '../money/index.js';
import type { Parties } from '../parties/index.js';
import type { Store } from '../store/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/index.js';
import type { Database } from '../store/index.js';
import type { Writer } from '../store/index.js';
import { PaymentError } from './errors.js';
import { declinedFailure, declineFor } from './declines.js';
import { defaultFeePlan, feeFor, validateFeePlan, type FeePlan } from './fees.js';
import {
  toAttempt,
  toPayment,
  type Attempt,
  type CaptureMethod,
  type CardVaultPort,
  type ChannelsPort,
  type EscrowPort,
  type CustomsRefundPort,
  type EventsPort,
  type Payment,
  type PaymentCodePort,
  type PaymentMethodInput,
  type ThreeDSecurePort,
  type Transition,
  type WalletsPort,
} from './model.js';
import {
  accountKeys,
  createConvertedPaymentLedger,
  createPaymentLedger,
  type Conversion,
  type Destination,
  type Source,
} from './postings.js';
import type { FxPort, PaymentFxInput } from './fx-port.js';
import type { PaymentStatus } from './state.js';
import { insertAttempt, moveStatus, moveStatusReturning, recordTransition, settleAttempt, writeFxFacts } from './store.js';
import { type FraudDecision, RiskError, type DebitGuard, type PaymentFraudPort, type PreparedFraudCheck } from '../risk/index.js';

export interface PaymentSettings {
  /** An unpaid payment is canceled after this long. */
  readonly expiresAfterMs: number;
  /** Declined attempts after which the payment fails for good. */
  readonly declinedAttemptsMax: number;
  /** The merchant category code sent to acquirers (ISO 18245); 5999 = miscellaneous retail. */
  readonly mcc: string;
}

/** Draws of an attempt id whose channel trace is taken; past this the last draw goes (1 in 10⁶ each). */
const traceDrawsMax = 8;

export const defaultPaymentSettings: PaymentSettings = { expiresAfterMs: 24 * 60 * 60 * 1000, declinedAttemptsMax: 5, mcc: '5999' };

export interface PaymentsDeps {
  readonly store: Store;
  readonly writer: Writer;
  readonly ledger: Ledger;
  readonly parties: Parties;
  readonly clock: Clock;
  readonly vault: CardVaultPort;
  readonly channels: ChannelsPort;
  readonly events?: EventsPort;
  /** When set, card payments are authenticated with 3-D Secure first (docs/payments.md). */
  readonly threeDSecure?: ThreeDSecurePort;
  /** Outside wallets (Alipay-, WeChat-Pay-, QuickPass-like). */
  readonly wallets?: WalletsPort;
  /** Where shoppers' browsers reach Hutong (3-D Secure returns here). */
  readonly publicBaseUrl?: string;
  readonly settings?: PaymentSettings;
  /** Cross-currency conversion and cross-border import rules (src/fx); none: payments never convert. */
  readonly fx?: FxPort;
  /** Escrow trades (src/escrow): their payments capture into escrow instead of the merchant. */
  readonly escrow?: EscrowPort;
  /** Real-name limits and sanctions status on wallet (balance) payments (src/risk). */
  readonly risk?: DebitGuard;
  /** Payment codes taken at tills through the interconnection switch (src/interop). */
  readonly paymentCodes?: PaymentCodePort;
  /** Fraud rules on card payments: block, or hold for review (authorize only) (src/risk). */
  readonly fraud?: PaymentFraudPort;
  /** Customs declarations of the payment a refund must withdraw or change, or that hold it (src/customs). */
  readonly customs?: CustomsRefundPort;
}

export interface NewPayment {
  readonly amount: Amount;
  readonly merchantOrderId: string;
  readonly description?: string;
  readonly metadata?: Record<string, string>;
  readonly captureMethod?: CaptureMethod;
  readonly customerId?: string;
  readonly returnUrl?: string;
  /** Settlement currency, FX quote, cross-border import order (src/fx). */
  readonly fx?: PaymentFxInput;
}

type PaymentFailure = Failure<string>;
type Trx = Transaction<Database>;

/** How a confirm claims the payment: the reason for its timeline and the method's columns. */
interface Claim {
  readonly reason: string;
  readonly set: Partial<Database['payments']>;
}

/** Flows that live in their own files but start from `confirm` (late-bound by payments/index.ts). */
export interface PaymentHooks {
  confirmExternal?: (payment: Payment, wallet: string) => Promise<Payment | Failure<string>>;
  confirmPaymentCode?: (payment: Payment, code: string) => Promise<Payment | Failure<string>>;
}

export function createPayments(deps: PaymentsDeps, hooks: PaymentHooks = {}) {
  const { store, writer, ledger, parties, clock, vault, channels, events, threeDSecure } = deps;
  const publicBaseUrl = deps.publicBaseUrl ?? 'http://127.0.0.1:4000';
  const settings = deps.settings ?? defaultPaymentSettings;
  const paymentLedger = createPaymentLedger(ledger, accountIdFor);
  const convertedLedger = createConvertedPaymentLedger(ledger, accountIdFor);
  const fxKeys = async (payment: Payment): Promise<string[]> => (deps.fx === undefined ? [] : deps.fx.keysOf(payment));
  const now = () => clock.now().toISOString();

  async function emit(trx: Trx, payment: Payment, type: string): Promise<void> {
    await events?.record(trx, { merchantId: payment.merchantId, type, objectType: 'payment', objectId: payment.id, data: payment });
  }

  /**
   * Where a payment's money goes: an escrow trade's payment (escrow sets `metadata.escrow`, last,
   * so a merchant cannot unset it, and metadata never changes) asks escrow whether the trade still
   * holds it; any other payment goes to the merchant without a lookup on the capture path.
   */
  async function destinationOf(db: Executor, payment: Payment): Promise<Destination> {
    if (deps.escrow === undefined || payment.metadata.escrow === undefined) return 'merchant';
    return deps.escrow.fundsOf(db, payment.id);
  }

  /** In the capturing unit: an escrow payment's trade moves to held with its money. */
  async function afterCapture(trx: Trx, payment: Payment, destination: Destination): Promise<void> {
    if (destination === 'escrow' && payment.status === 'succeeded') await deps.escrow?.captured(trx, payment);
  }

  /** Inside a capturing unit: FX's conversion of the captured amount, its settlement amount written here. */
  async function captureConversion(trx: Trx, payment: Payment, capturedMinor: bigint): Promise<Conversion | undefined> {
    const conversion = await deps.fx?.onCapture(trx, payment, capturedMinor);
    if (conversion !== undefined) await writeFxFacts(trx, payment.id, { settlementAmountMinor: conversion.merchantMinor });
    return conversion;
  }

  /**
   * The shopper pays in its own currency (an FX quote): FX checks the quote and records its
   * conversion; payments writes the new price, its timeline entry and a `payment.updated` event.
   */
  async function applyPresentment(merchantId: string, id: string, quoteId: string): Promise<Payment | PaymentFailure> {
    if (deps.fx === undefined) return fail(PaymentError.StateInvalid, 'FX is not configured');
    const step = await deps.fx.preparePresentment(merchantId, quoteId);
    if (isFailure(step)) return step;
    return writer.run(
      async (trx) => {
        const row = await trx
          .selectFrom('payments')
          .selectAll()
          .where('id', '=', id)
          .where('merchant_id', '=', merchantId)
          .executeTakeFirst();
        if (row === undefined) return fail(PaymentError.PaymentNotFound, `no payment ${id}`);
        const repriced = await step(trx, row);
        if (isFailure(repriced)) return repriced;
        const at = now();
        await trx
          .updateTable('payments')
          .set({ amount: repriced.amount.minor, currency: repriced.amount.currency, updated_at: at })
          .where('id', '=', id)
          .execute();
        await writeFxFacts(trx, id, { settlementCurrency: repriced.settlementCurrency, quoteId: repriced.quoteId });
        await recordTransition(trx, {
          paymentId: id,
          from: 'requires_payment_method',
          to: 'requires_payment_method',
          reason: repriced.reason,
          at,
        });
        const payment = await reload(trx, id);
        await emit(trx, payment, 'payment.updated');
        return payment;
      },
      { keys: [id] },
    );
  }

  /** The payment as a move left it: the row the move answered, or (the move found it elsewhere) as it is. */
  async function afterMove(trx: Trx, row: Database['payments'] | undefined, id: string): Promise<Payment> {
    return row === undefined ? reload(trx, id) : toPayment(row);
  }

  async function reload(trx: Trx, id: string): Promise<Payment> {
    return toPayment(await trx.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  }

  async function create(merchantId: string, input: NewPayment, idempotencyKey?: string): Promise<Payment | PaymentFailure> {
    if (input.customerId !== undefined) {
      const missing = await parties.firstMissingCustomer(merchantId, [input.customerId]);
      if (missing !== undefined) return fail('customer_not_found', `no customer ${missing}`);
    }
    const at = clock.now();
    const id = idempotencyKey === undefined ? newId('pay', at.getTime()) : derivedId('pay', `${merchantId}/payments`, idempotencyKey);
    const digest = digestOf({ ...input, amount: { minor: input.amount.minor.toString(), currency: input.amount.currency } });
    const row: Database['payments'] = {
      id,
      merchant_id: merchantId,
      merchant_order_id: input.merchantOrderId,
      amount: input.amount.minor,
      currency: input.amount.currency,
      amount_captured: 0n,
      amount_refunded: 0n,
      fee: 0n,
      status: 'requires_payment_method',
      capture_method: input.captureMethod ?? 'automatic',
      description: input.description ?? null,
      metadata: JSON.stringify(input.metadata ?? {}),
      customer_id: input.customerId ?? null,
      return_url: input.returnUrl ?? null,
      method_type: null,
      card_id: null,
      card_brand: null,
      card_last4: null,
      card_expiry_yymm: null,
      channel: null,
      hold_entry_id: null,
      three_ds_transaction_id: null,
      next_action_url: null,
      next_action_qr: null,
      last_error_code: null,
      last_error_message: null,
      request_digest: digest,
      expires_at: new Date(at.getTime() + settings.expiresAfterMs).toISOString(),
      created_at: at.toISOString(),
      updated_at: at.toISOString(),
    };
    const fxRecord =
      deps.fx === undefined
        ? undefined
        : await deps.fx.prepareCreate({ merchantId, amount: input.amount, customerId: input.customerId ?? null }, input.fx);
    if (isFailure(fxRecord)) {
      // A retry of a request that created its payment finds it, even if its quote expired since.
      const created = await store.reader
        .selectFrom('payments')
        .selectAll()
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst();
      return created?.request_digest === digest ? toPayment(created) : fxRecord;
    }
    return writer.run(
      async (trx) => {
        const existing = await trx.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
        if (existing !== undefined) {
          return existing.request_digest === digest && existing.merchant_id === merchantId
            ? toPayment(existing)
            : fail(PaymentError.IdempotencyConflict, 'this Idempotency-Key created a different payment');
        }
        const taken = await trx
          .selectFrom('payments')
          .select('id')
          .where('merchant_id', '=', merchantId)
          .where('merchant_order_id', '=', input.merchantOrderId)
          .executeTakeFirst();
        if (taken !== undefined)
          return fail(PaymentError.OrderIdTaken, `merchant_order_id ${input.merchantOrderId} is already payment ${taken.id}`);
        await trx.insertInto('payments').values(row).execute();
        if (fxRecord !== undefined) await writeFxFacts(trx, id, await fxRecord(trx, id));
        await recordTransition(trx, { paymentId: id, from: null, to: 'requires_payment_method', reason: 'created', at: row.created_at });
        const payment = fxRecord === undefined ? toPayment(row) : await reload(trx, id);
        await emit(trx, payment, 'payment.created');
        return payment;
      },
      { keys: [id] },
    );
  }

  async function get(merchantId: string, id: string): Promise<Payment | PaymentFailure> {
    const row = await store.reader
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row === undefined ? fail(PaymentError.PaymentNotFound, `no payment ${id}`) : toPayment(row);
  }

  async function details(
    merchantId: string,
    id: string,
  ): Promise<{ payment: Payment; attempts: Attempt[]; timeline: Transition[] } | PaymentFailure> {
    const payment = await get(merchantId, id);
    if (isFailure(payment)) return payment;
    const attempts = await store.reader
      .selectFrom('payment_attempts')
      .selectAll()
      .where('payment_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const timeline = await store.reader.selectFrom('payment_transitions').selectAll().where('payment_id', '=', id).orderBy('seq').execute();
    return {
      payment,
      attempts: attempts.map(toAttempt),
      timeline: timeline.map((t) => ({
        from: t.from_status as PaymentStatus | null,
        to: t.to_status as PaymentStatus,
        reason: t.reason,
        at: t.at,
      })),
    };
  }

  async function list(merchantId: string, request: PageRequest & PaymentFilters): Promise<Page<Payment> | Failure<'cursor_invalid'>> {
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && after === undefined) return fail('cursor_invalid', 'the cursor was not issued by this API');
    const limit = pageLimit(request);
    let query = store.reader.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId);
    if (request.status !== undefined) query = query.where('status', '=', request.status);
    if (request.method !== undefined) query = query.where('method_type', '=', request.method);
    if (request.brand !== undefined) query = query.where('card_brand', '=', request.brand);
    if (request.currency !== undefined) query = query.where('currency', '=', request.currency);
    if (request.merchantOrderId !== undefined) query = query.where('merchant_order_id', '=', request.merchantOrderId);
    if (request.createdGte !== undefined) query = query.where('created_at', '>=', request.createdGte);
    if (request.createdLt !== undefined) query = query.where('created_at', '<', request.createdLt);
    return toPage(await pageQuery(query, after, limit).execute(), limit, toPayment);
  }

  async function feePlanOf(trx: Executor, merchantId: string): Promise<FeePlan> {
    const row = await trx.selectFrom('fee_plans').selectAll().where('merchant_id', '=', merchantId).executeTakeFirst();
    if (row === undefined) return defaultFeePlan;
    const rules = (
      JSON.parse(row.rules) as {
        method: 'card' | 'wallet' | '*';
        brand: string;
        percentBps: number;
        fixedMinor: string;
        fixedCurrency: string | null;
      }[]
    ).map((r) => ({ ...r, fixedMinor: BigInt(r.fixedMinor) }));
    return { rules, refundFeePolicy: row.refund_fee_policy as FeePlan['refundFeePolicy'] };
  }

  /** Sets a merchant's fee plan (operator). Payments captured afterwards use it. */
  async function setFeePlan(merchantId: string, plan: FeePlan): Promise<FeePlan | PaymentFailure> {
    const invalid = validateFeePlan(plan);
    if (invalid !== undefined) return invalid;
    if ((await parties.getMerchant(merchantId)) === undefined) return fail('merchant_not_found', `no merchant ${merchantId}`);
    const row = {
      merchant_id: merchantId,
      rules: JSON.stringify(plan.rules.map((r) => ({ ...r, fixedMinor: r.fixedMinor.toString() }))),
      refund_fee_policy: plan.refundFeePolicy,
      updated_at: now(),
    };
    await writer.run(
      (trx) =>
        trx
          .insertInto('fee_plans')
          .values(row)
          .onConflict((oc) =>
            oc
              .column('merchant_id')
              .doUpdateSet({ rules: row.rules, refund_fee_policy: row.refund_fee_policy, updated_at: row.updated_at }),
          )
          .execute(),
      { keys: [] },
    );
    return plan;
  }

  async function descriptorOf(merchantId: string): Promise<MerchantDescriptor> {
    const merchant = await parties.getMerchant(merchantId);
    assert.ok(merchant !== undefined, `merchant ${merchantId} exists`);
    return { id: merchant.id, name: merchant.name, country: merchant.country, mcc: settings.mcc };
  }

  /** Expired unpaid payments are canceled on touch (and by the sweeper). */
  async function expireIfDue(payment: Payment): Promise<PaymentFailure | undefined> {
    if (payment.status !== 'requires_payment_method' || clock.now().toISOString() < payment.expiresAt) return undefined;
    await writer.run(
      (trx) => moveStatus(trx, { id: payment.id, from: 'requires_payment_method', to: 'canceled', reason: 'expired', at: now() }),
      { keys: [payment.id] },
    );
    return fail(PaymentError.PaymentExpired, `payment ${payment.id} expired at ${payment.expiresAt}`);
  }

  async function confirm(merchantId: string, id: string, method: PaymentMethodInput): Promise<Payment | PaymentFailure> {
    const payment = await get(merchantId, id);
    if (isFailure(payment)) return payment;
    const expired = await expireIfDue(payment);
    if (expired !== undefined) return expired;
    if (payment.status !== 'requires_payment_method')
      return fail(PaymentError.StateInvalid, `cannot confirm a payment that is ${payment.status}`);
    const fxRefused = await deps.fx?.onConfirm(payment, method, (trx, facts) => writeFxFacts(trx, payment.id, facts));
    if (fxRefused !== undefined) return fxRefused;
    if (method.type === 'wallet') return confirmWallet(payment, method.customerId);
    if (method.type === 'external_wallet') {
      if (hooks.confirmExternal === undefined) return fail(PaymentError.MethodInvalid, 'external wallets are not configured');
      return hooks.confirmExternal(payment, method.wallet);
    }
    if (method.type === 'payment_code') {
      if (hooks.confirmPaymentCode === undefined) return fail(PaymentError.MethodInvalid, 'payment codes are not configured');
      return hooks.confirmPaymentCode(payment, method.code);
    }
    return confirmCard(payment, method);
  }

  async function confirmWallet(payment: Payment, customerId: string): Promise<Payment | PaymentFailure> {
    const missing = await parties.firstMissingCustomer(payment.merchantId, [customerId]);
    if (missing !== undefined) return fail('customer_not_found', `no customer ${missing}`);
    const source: Source = { kind: 'wallet', customerId };
    const { currency } = payment.amount;
    const plan = await feePlanOf(store.reader, payment.merchantId);
    const conversionKeys = await fxKeys(payment);
    return writer.run(
      async (trx) => {
        const claimed = await moveStatus(trx, {
          id: payment.id,
          from: 'requires_payment_method',
          to: 'processing',
          reason: 'confirmed with wallet',
          at: now(),
          set: { method_type: 'wallet', customer_id: customerId, channel: 'hutong_wallet' },
        });
        if (!claimed) return fail(PaymentError.StateInvalid, 'the payment is no longer waiting for a payment method');
        const refused = await deps.risk?.charge(trx, { customerId, amount: payment.amount, kind: 'payment', ref: payment.id });
        if (refused !== undefined) return refused;
        const entryId = `${payment.id}:wallet`;
        const destination = await destinationOf(trx, payment);
        let moved: Database['payments'] | undefined;
        if (payment.captureMethod === 'automatic') {
          // Escrow holds the shopper's own currency: an escrow payment never converts (docs/escrow.md).
          const conversion = destination === 'escrow' ? undefined : await captureConversion(trx, payment, payment.amount.minor);
          const fee =
            destination === 'escrow'
              ? 0n
              : feeFor(plan, {
                  method: 'wallet',
                  brand: null,
                  amountMinor: conversion?.merchantMinor ?? payment.amount.minor,
                  currency: conversion?.currency ?? currency,
                });
          const capture = {
            entryId,
            paymentId: payment.id,
            merchantId: payment.merchantId,
            source,
            currency,
            grossMinor: payment.amount.minor,
            feeMinor: fee,
          };
          const entry =
            conversion === undefined
              ? await paymentLedger.captureNow(trx, { ...capture, destination })
              : await convertedLedger.captureNow(trx, { ...capture, conversion });
          if (isFailure(entry))
            return fail(
              entry.failure === LedgerError.AccountNotFound ? LedgerError.InsufficientFunds : entry.failure,
              'the wallet has too little to pay this',
            );
          moved = await moveStatusReturning(trx, {
            id: payment.id,
            from: 'processing',
            to: 'succeeded',
            reason: 'paid from wallet',
            at: now(),
            set: { amount_captured: payment.amount.minor, fee },
          });
        } else {
          const hold = await paymentLedger.hold(trx, {
            entryId,
            paymentId: payment.id,
            merchantId: payment.merchantId,
            source,
            currency,
            grossMinor: payment.amount.minor,
          });
          if (isFailure(hold))
            return fail(
              hold.failure === LedgerError.AccountNotFound ? LedgerError.InsufficientFunds : hold.failure,
              'the wallet has too little to pay this',
            );
          moved = await moveStatusReturning(trx, {
            id: payment.id,
            from: 'processing',
            to: 'requires_capture',
            reason: 'wallet funds held',
            at: now(),
            set: { hold_entry_id: entryId },
          });
        }
        const settled = await afterMove(trx, moved, payment.id);
        await emit(trx, settled, settled.status === 'succeeded' ? 'payment.succeeded' : 'payment.requires_capture');
        await afterCapture(trx, settled, destination);
        return settled;
      },
      {
        keys: [
          payment.id,
          ...accountKeys({ accountIdFor }, payment.merchantId, source, currency),
          ...conversionKeys,
          ...(deps.risk?.keysOf(customerId) ?? []),
        ],
      },
    );
  }

  async function confirmCard(payment: Payment, method: Extract<PaymentMethodInput, { type: 'card' }>): Promise<Payment | PaymentFailure> {
    const resolved = await cardOf(payment.merchantId, method);
    if (isFailure(resolved)) return resolved;
    const { cardId, cardholder } = resolved;
    const connectors = channels.route({ brand: cardholder.brand, currency: payment.amount.currency, merchantId: payment.merchantId });
    if (connectors.length === 0 && channels.acceptsBrand?.(cardholder.brand) === false)
      return fail(PaymentError.CardBrandUnsupported, `${cardholder.brand} cards are not accepted`);
    if (connectors.length === 0)
      return fail(PaymentError.CurrencyNotSupported, `no channel accepts ${cardholder.brand} cards in ${payment.amount.currency}`);
    const merchant = await descriptorOf(payment.merchantId);
    // The fraud check runs inside the claiming unit (its velocity rows, list lookup and decision
    // commit with the claim: one unit per confirm, not two); a block commits the decision only.
    const fraudCheck =
      deps.fraud === undefined
        ? undefined
        : await deps.fraud.prepare({
            paymentId: payment.id,
            merchantId: payment.merchantId,
            amount: payment.amount,
            customerId: payment.customerId,
            card: { pan: cardholder.pan, brand: cardholder.brand },
            ip: payment.metadata.ip ?? null,
            deviceId: payment.metadata.device_id ?? null,
            email: payment.metadata.email ?? null,
          });
    const claim: Claim = {
      reason: `confirmed with a ${cardholder.brand} card`,
      set: {
        method_type: 'card',
        card_id: cardId,
        card_brand: cardholder.brand,
        card_last4: cardholder.pan.slice(-4),
        card_expiry_yymm: cardholder.expiryYymm,
      },
    };
    // 3-D Secure comes before the claim, so that the claim and the first attempt are one unit;
    // two racing confirms may both ask the directory server, only one claims the payment.
    if (threeDSecure !== undefined) {
      const authentication = await threeDSecure.authenticate({
        requestorTransactionId: payment.id,
        pan: cardholder.pan,
        amount: payment.amount,
        merchantName: merchant.name,
        notificationUrl: `${publicBaseUrl}/v1/payments/${payment.id}/3ds_return`,
      });
      if (authentication.status === 'challenge')
        return requireChallenge(payment, claim, fraudCheck, authentication.acsTransactionId, authentication.challengeUrl);
      // Frictionless: go on. Unavailable: go on without authentication (the issuer decides;
      // documented in docs/payments.md) rather than block every payment on the directory server.
    }
    const connector = connectors[0] as CardConnector;
    const request = cardRequest(payment, cardholder, merchant, connector);
    const claimed = await writer.run(
      async (trx): Promise<{ blocked: FraudDecision } | { first: AuthorizeRequest } | PaymentFailure> => {
        const verdict = await fraudCheck?.run(trx);
        if (verdict?.action === 'block') return { blocked: verdict };
        // Review: authorized only, held uncaptured for an analyst (src/risk/reviews.ts).
        const held = verdict?.action === 'review';
        const first = held ? { ...request, capture: false } : request;
        const ok = await moveStatus(trx, {
          id: payment.id,
          from: 'requires_payment_method',
          to: 'processing',
          reason: claim.reason,
          at: now(),
          set: claim.set,
        });
        // Lost to another confirm: nothing of this one is kept (its fraud check included).
        if (!ok) return fail(PaymentError.StateInvalid, 'the payment is no longer waiting for a payment method');
        await recordAttempt(trx, payment, connector, first);
        if (held) await deps.fraud?.hold(trx, { paymentId: payment.id, merchantId: payment.merchantId, decisionId: verdict.id });
        return { first };
      },
      { keys: [payment.id, ...(fraudCheck?.keys ?? [])] },
    );
    if (isFailure(claimed)) return claimed;
    if ('blocked' in claimed) return blockedFailure(claimed.blocked);
    return authorizeCard(payment, cardholder, merchant, connectors, claimed.first);
  }

  function blockedFailure(verdict: FraudDecision): PaymentFailure {
    return fail(RiskError.PaymentBlocked, `refused by ${verdict.fired.map((f) => f.name).join(', ')}; nothing was charged`);
  }

  /**
   * An authorization request, stamped with the whole second it is sent (stored as the attempt's
   * time). Its attempt id names the message at the channel (the STAN is derived from it), so an id
   * whose trace another operation already carries in that second is drawn again.
   */
  function cardRequest(
    payment: Payment,
    cardholder: CardholderData,
    merchant: MerchantDescriptor,
    connector: CardConnector,
  ): AuthorizeRequest {
    const sentAt = new Date(Math.floor(clock.now().getTime() / 1000) * 1000);
    let attemptId = newId('att');
    for (let draws = 1; connector.reserveTrace?.(attemptId, sentAt) === false && draws < traceDrawsMax; draws++) attemptId = newId('att');
    return { attemptId, card: cardholder, amount: payment.amount, merchant, capture: payment.captureMethod === 'automatic', sentAt };
  }

  async function recordAttempt(trx: Trx, payment: Payment, connector: CardConnector, request: AuthorizeRequest): Promise<void> {
    const at = (request.sentAt ?? clock.now()).toISOString();
    await insertAttempt(trx, {
      id: request.attemptId,
      paymentId: payment.id,
      kind: request.capture ? 'purchase' : 'authorize',
      channel: connector.name,
      amountMinor: payment.amount.minor,
      currency: payment.amount.currency,
      at,
    });
  }

  /**
   * Authorizes at the routed connectors through the channels' failover (src/channels/failover.ts):
   * it decides when to try the next acquirer and when to reverse first; payments records every
   * message before it leaves and settles the payment on the final answer. `first`, if given, is
   * already recorded (in the claiming unit) for the first connector.
   */
  async function authorizeCard(
    payment: Payment,
    cardholder: CardholderData,
    merchant: MerchantDescriptor,
    connectors: readonly CardConnector[],
    first?: AuthorizeRequest,
    firstRecorded = first !== undefined,
  ): Promise<Payment | PaymentFailure> {
    const initial = first ?? cardRequest(payment, cardholder, merchant, connectors[0] as CardConnector);
    const result = await authorizeWithFailover(connectors, initial, {
      // A later acquirer gets the same capture choice (a payment held for review is authorized only).
      requestFor: (connector, index) =>
        index === 0 ? initial : { ...cardRequest(payment, cardholder, merchant, connector), capture: initial.capture },
      reversalIdFor: () => newId('att'),
      journal: attemptJournal(payment, firstRecorded),
    });
    const { outcome, request } = result;
    if (outcome.status === 'approved') return settleApproved(payment, result.connector, request, outcome);
    if (outcome.status === 'declined' && !outcome.unavailable) return settleDeclined(payment, request.attemptId, outcome);
    // Every acquirer answered "issuer unavailable" (91): a decline the shopper can retry later.
    if (outcome.status === 'declined' && !result.needsReversal)
      return giveBackDeclined(payment, declinedFailure(outcome.responseCode, outcome.reason));
    // Possibly approved and not reversed: the payment stays processing for the recovery sweep.
    if (result.needsReversal)
      return fail(PaymentError.ChannelUnavailable, 'the acquirer did not answer; the payment will be resolved by reversal shortly');
    return giveBack(payment, PaymentError.ChannelUnavailable, 'no acquirer could take the payment; nothing was charged');
  }

  /** The failover's journal for one payment: each message recorded before it leaves, each non-final answer after. */
  function attemptJournal(payment: Payment, firstRecorded: boolean): FailoverJournal {
    const unit = (work: (trx: Trx) => Promise<void>) => writer.run(work, { keys: [payment.id] });
    return {
      sending: async (connector, request, index) => {
        if (index > 0 || !firstRecorded) await unit((trx) => recordAttempt(trx, payment, connector, request));
      },
      answered: (_connector, request, outcome) =>
        unit(async (trx) => {
          // Not over a claim of the recovery sweep (`reversing`): its reversal settles the attempt.
          await settleAttempt(trx, {
            id: request.attemptId,
            status: wasNeverSent(outcome) ? 'not_sent' : outcome.status === 'declined' ? 'declined' : 'unknown',
            responseCode: outcome.status === 'declined' ? outcome.responseCode : null,
            reason: outcome.status === 'approved' ? null : outcome.reason,
            at: now(),
            from: ['pending', 'unknown'],
          });
        }),
      reversing: (connector, reversal) =>
        unit((trx) =>
          insertAttempt(trx, {
            id: reversal.operationId,
            paymentId: payment.id,
            kind: 'reverse',
            channel: connector.name,
            amountMinor: reversal.amount.minor,
            currency: reversal.amount.currency,
            originalAttemptId: reversal.original.attemptId,
            at: now(),
          }),
        ),
      reversed: (_connector, reversal, outcome, confirmed) =>
        unit(async (trx) => {
          await settleAttempt(trx, {
            id: reversal.operationId,
            status: outcome.status,
            responseCode: outcome.status === 'unknown' ? null : outcome.responseCode,
            reason: outcome.status === 'approved' ? null : outcome.reason,
            at: now(),
          });
          if (confirmed) await settleAttempt(trx, { id: reversal.original.attemptId, status: 'reversed', at: now() });
        }),
    };
  }

  async function requireChallenge(
    payment: Payment,
    claim: Claim,
    fraudCheck: PreparedFraudCheck | undefined,
    acsTransactionId: string,
    challengeUrl: string,
  ): Promise<Payment | PaymentFailure> {
    const challenged = await writer.run(
      async (trx): Promise<Payment | { blocked: FraudDecision } | PaymentFailure> => {
        const verdict = await fraudCheck?.run(trx);
        if (verdict?.action === 'block') return { blocked: verdict };
        if (
          !(await moveStatus(trx, {
            id: payment.id,
            from: 'requires_payment_method',
            to: 'processing',
            reason: claim.reason,
            at: now(),
            set: claim.set,
          }))
        ) {
          return fail(PaymentError.StateInvalid, 'the payment is no longer waiting for a payment method');
        }
        const moved = await moveStatusReturning(trx, {
          id: payment.id,
          from: 'processing',
          to: 'requires_action',
          reason: '3-D Secure challenge',
          at: now(),
          set: { three_ds_transaction_id: acsTransactionId, next_action_url: challengeUrl },
        });
        // A review verdict outlives the challenge: the authorization after it is not captured.
        if (verdict?.action === 'review')
          await deps.fraud?.hold(trx, { paymentId: payment.id, merchantId: payment.merchantId, decisionId: verdict.id });
        const waiting = await afterMove(trx, moved, payment.id);
        await emit(trx, waiting, 'payment.requires_action');
        return waiting;
      },
      { keys: [payment.id, ...(fraudCheck?.keys ?? [])] },
    );
    return !isFailure(challenged) && 'blocked' in challenged ? blockedFailure(challenged.blocked) : challenged;
  }

  /**
   * The shopper's browser comes back from the issuer's challenge page with a signed result. The
   * signature, the payment it names and the challenge transaction must all match; then the card is
   * authorized (without its security code, which was never stored) or the payment reopens.
   */
  async function completeChallenge(paymentId: string, token: string): Promise<Payment | PaymentFailure> {
    if (threeDSecure === undefined) return fail(PaymentError.StateInvalid, '3-D Secure is not configured');
    const result = threeDSecure.verifyResult(token);
    if (isFailure(result)) return result;
    const row = await store.reader.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
    if (row === undefined || result.requestorTransactionId !== paymentId || row.three_ds_transaction_id !== result.acsTransactionId) {
      return fail('three_ds_result_invalid', 'the result does not belong to this payment');
    }
    const payment = toPayment(row);
    if (payment.status !== 'requires_action') return payment;
    const to: PaymentStatus = result.authenticated ? 'processing' : 'requires_payment_method';
    const moved = await writer.run(
      async (trx) => {
        const ok = await moveStatus(trx, {
          id: paymentId,
          from: 'requires_action',
          to,
          reason: result.authenticated ? `3-D Secure authenticated (ECI ${result.eci})` : '3-D Secure failed',
          at: now(),
          set: result.authenticated
            ? { next_action_url: null }
            : { next_action_url: null, last_error_code: 'three_ds_failed', last_error_message: 'the cardholder did not pass 3-D Secure' },
        });
        if (ok && !result.authenticated) await emit(trx, await reload(trx, paymentId), 'payment.failed');
        return ok;
      },
      { keys: [paymentId] },
    );
    if (!moved || !result.authenticated) return (await get(payment.merchantId, paymentId)) as Payment;
    const cardholder = await vault.cardholderData(payment.merchantId, payment.method?.cardId ?? '');
    if (isFailure(cardholder)) return giveBack(payment, PaymentError.MethodInvalid, cardholder.detail);
    const connectors = channels.route({ brand: cardholder.brand, currency: payment.amount.currency, merchantId: payment.merchantId });
    const merchant = await descriptorOf(payment.merchantId);
    // Held for review when the challenge began: authorized only, like a frictionless held payment.
    const held = deps.fraud !== undefined && !(await deps.fraud.captureAllowed(store.reader, paymentId));
    const request = cardRequest(payment, cardholder, merchant, connectors[0] as CardConnector);
    const outcome = await authorizeCard(payment, cardholder, merchant, connectors, held ? { ...request, capture: false } : request, false);
    return isFailure(outcome) ? ((await get(payment.merchantId, paymentId)) as Payment) : outcome;
  }

  async function cardOf(
    merchantId: string,
    method: Extract<PaymentMethodInput, { type: 'card' }>,
  ): Promise<{ cardId: string; cardholder: CardholderData } | PaymentFailure> {
    if ('card' in method) {
      const tokenized = await vault.tokenize(merchantId, method.card);
      if (isFailure(tokenized)) return tokenized;
      const cardholder = await vault.cardholderData(merchantId, tokenized.card.id, tokenized.securityCode);
      return isFailure(cardholder) ? cardholder : { cardId: tokenized.card.id, cardholder };
    }
    const cardholder = await vault.cardholderData(merchantId, method.cardId, method.cvc);
    return isFailure(cardholder) ? cardholder : { cardId: method.cardId, cardholder };
  }

  async function settleApproved(
    payment: Payment,
    channel: string,
    request: AuthorizeRequest,
    outcome: Extract<ChannelOutcome, { status: 'approved' }>,
  ): Promise<Payment | PaymentFailure> {
    const source: Source = { kind: 'channel', channel };
    const { currency } = payment.amount;
    const conversionKeys = await fxKeys(payment);
    return writer.run(
      async (trx) => {
        const recorded = await settleAttempt(trx, {
          id: request.attemptId,
          status: 'approved',
          responseCode: outcome.responseCode,
          reference: outcome.reference,
          authorizationCode: outcome.authorizationCode,
          at: now(),
          from: ['pending', 'unknown'],
        });
        // The recovery sweep claimed this unanswered authorization and is reversing it: the late
        // approval is not the outcome (the issuer gets the reversal), so nothing is captured.
        if (!recorded)
          return fail(
            PaymentError.ChannelUnavailable,
            'the approval came too late: the authorization is being reversed; nothing was charged',
          );
        const common = {
          entryId: request.attemptId,
          paymentId: payment.id,
          merchantId: payment.merchantId,
          source,
          currency,
          grossMinor: payment.amount.minor,
        };
        const destination = await destinationOf(trx, payment);
        let moved: Database['payments'] | undefined;
        if (request.capture) {
          const conversion = destination === 'escrow' ? undefined : await captureConversion(trx, payment, payment.amount.minor);
          const fee =
            destination === 'escrow'
              ? 0n
              : feeFor(await feePlanOf(trx, payment.merchantId), {
                  method: 'card',
                  brand: request.card.brand,
                  amountMinor: conversion?.merchantMinor ?? payment.amount.minor,
                  currency: conversion?.currency ?? currency,
                });
          const entry =
            conversion === undefined
              ? await paymentLedger.captureNow(trx, { ...common, feeMinor: fee, destination })
              : await convertedLedger.captureNow(trx, { ...common, feeMinor: fee, conversion });
          assert.ok(!isFailure(entry), `capture entry for ${payment.id}: ${isFailure(entry) ? entry.detail : ''}`);
          moved = await moveStatusReturning(trx, {
            id: payment.id,
            from: 'processing',
            to: 'succeeded',
            reason: `approved by ${channel} (${outcome.authorizationCode})`,
            at: now(),
            set: { amount_captured: payment.amount.minor, fee, channel, last_error_code: null, last_error_message: null },
          });
        } else {
          const hold = await paymentLedger.hold(trx, common);
          assert.ok(!isFailure(hold), `authorization hold for ${payment.id}: ${isFailure(hold) ? hold.detail : ''}`);
          moved = await moveStatusReturning(trx, {
            id: payment.id,
            from: 'processing',
            to: 'requires_capture',
            reason: `authorized by ${channel} (${outcome.authorizationCode})`,
            at: now(),
            set: { hold_entry_id: request.attemptId, channel, last_error_code: null, last_error_message: null },
          });
        }
        const settled = await afterMove(trx, moved, payment.id);
        await emit(trx, settled, settled.status === 'succeeded' ? 'payment.succeeded' : 'payment.requires_capture');
        await afterCapture(trx, settled, destination);
        return settled;
      },
      { keys: [payment.id, ...accountKeys({ accountIdFor }, payment.merchantId, source, currency), ...conversionKeys] },
    );
  }

  async function settleDeclined(
    payment: Payment,
    attemptId: string,
    outcome: Extract<ChannelOutcome, { status: 'declined' }>,
  ): Promise<PaymentFailure> {
    // The unit must commit the decline, so it returns nothing; the caller gets the failure after.
    await writer.run(
      async (trx) => {
        await settleAttempt(trx, {
          id: attemptId,
          status: 'declined',
          responseCode: outcome.responseCode,
          reason: outcome.reason,
          at: now(),
        });
        const declined = await trx
          .selectFrom('payment_attempts')
          .select((eb) => eb.fn.countAll<bigint>().as('n'))
          .where('payment_id', '=', payment.id)
          .where('status', '=', 'declined')
          .executeTakeFirstOrThrow();
        const to: PaymentStatus = Number(declined.n) >= settings.declinedAttemptsMax ? 'failed' : 'requires_payment_method';
        const moved = await moveStatusReturning(trx, {
          id: payment.id,
          from: 'processing',
          to,
          reason: `declined (${outcome.responseCode} ${outcome.reason})`,
          at: now(),
          set: {
            last_error_code: PaymentError.CardDeclined,
            last_error_message: `${outcome.responseCode} ${outcome.reason}`,
            last_decline_code: declineFor(outcome.responseCode).code,
          },
        });
        await emit(trx, await afterMove(trx, moved, payment.id), 'payment.failed');
      },
      { keys: [payment.id] },
    );
    return declinedFailure(outcome.responseCode, outcome.reason) as PaymentFailure;
  }

  /** Back to requires_payment_method as a decline (its decline code kept), when no issuer could answer. */
  async function giveBackDeclined(payment: Payment, declined: ReturnType<typeof declinedFailure>): Promise<PaymentFailure> {
    await writer.run(
      (trx) =>
        moveStatus(trx, {
          id: payment.id,
          from: 'processing',
          to: 'requires_payment_method',
          reason: `declined (${declined.detail})`,
          at: now(),
          set: { last_error_code: PaymentError.CardDeclined, last_error_message: declined.detail, last_decline_code: declined.declineCode },
        }),
      { keys: [payment.id] },
    );
    return declined as PaymentFailure;
  }

  /** Back to requires_payment_method with a reason, when no channel could take the payment. */
  async function giveBack(payment: Payment, code: PaymentError, message: string): Promise<PaymentFailure> {
    await writer.run(
      (trx) =>
        moveStatus(trx, {
          id: payment.id,
          from: 'processing',
          to: 'requires_payment_method',
          reason: message,
          at: now(),
          set: { last_error_code: code, last_error_message: message },
        }),
      { keys: [payment.id] },
    );
    return fail(code, message);
  }

  return {
    create,
    get,
    details,
    list,
    confirm,
    completeChallenge,
    giveBack,
    feePlanOf,
    setFeePlan,
    descriptorOf,
    paymentLedger,
    reload,
    emit,
    convertedLedger,
    fxKeys,
    destinationOf,
    afterCapture,
    captureConversion,
    applyPresentment,
  };
}

export type Payments = ReturnType<typeof createPayments>;

/** Filters of the payments list (all optional, combined with AND); times compare as ISO 8601 text. */
export interface PaymentFilters {
  readonly status?: string;
  readonly method?: string;
  readonly brand?: string;
  readonly currency?: string;
  readonly merchantOrderId?: string;
  readonly createdGte?: string;
  readonly createdLt?: string;
}
