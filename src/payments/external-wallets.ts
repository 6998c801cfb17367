import { fail, isFailure, type Failure } from '../core/index.js';
import { newId } from '../core/index.js';
import { accountIdFor } from '../ledger/index.js';
import { formatDecimal } from '../money/index.js';
import { PaymentError } from './errors.js';
import { feeFor } from './fees.js';
import { toPayment, type Payment, type WalletConnectorPort, type WalletNotification } from './model.js';
import { accountKeys, type Source } from './postings.js';
import type { Payments, PaymentsDeps } from './service.js';
import { insertAttempt, moveStatus, settleAttempt } from './store.js';

type PaymentFailure = Failure<string>;

/**
 * EMV merchant-presented QR field 54 (the amount, in major units with ".") holds at most 13
 * characters (domain.md §5). A larger amount cannot be shown to the shopper's wallet at all: it is
 * the merchant's request that is wrong, refused before any wallet is called (issue 12).
 */
const qrAmountCharsMax = 13;

/**
 * Outside wallets (Alipay-, WeChat-Pay-, QuickPass-like): the shopper pays in the wallet's app, by
 * scanning a QR code or following a redirect, and the wallet tells Hutong asynchronously with a
 * signed notification. Hutong believes only a verified notification or its own query of the
 * wallet; the notification is idempotent (a repeat is acknowledged, never paid twice) and checked
 * against the attempt's amount and currency.
 */
export function createExternalWalletFlows(deps: PaymentsDeps, core: Payments) {
  const { store, writer, clock, wallets } = deps;
  const publicBaseUrl = deps.publicBaseUrl ?? 'http://127.0.0.1:4000';
  const now = () => clock.now().toISOString();

  function connectorOf(name: string): WalletConnectorPort | undefined {
    return wallets?.wallet(name);
  }

  async function confirm(payment: Payment, walletName: string): Promise<Payment | PaymentFailure> {
    const connector = connectorOf(walletName);
    if (connector === undefined) return fail(PaymentError.MethodInvalid, `no wallet ${walletName}`);
    if (!connector.currencies.includes(payment.amount.currency))
      return fail(PaymentError.CurrencyNotSupported, `${walletName} does not take ${payment.amount.currency}`);
    const qrAmount = formatDecimal(payment.amount);
    if (qrAmount.length > qrAmountCharsMax)
      return fail(
        'amount_too_large',
        `${qrAmount} ${payment.amount.currency} is longer than the ${qrAmountCharsMax} characters a wallet QR code's amount (EMV field 54) holds`,
      );
    const attemptId = newId('att');
    const claimed = await writer.run(
      async (trx) => {
        const ok = await moveStatus(trx, {
          id: payment.id,
          from: 'requires_payment_method',
          to: 'processing',
          reason: `confirmed with ${walletName}`,
          at: now(),
          set: { method_type: 'external_wallet', channel: walletName },
        });
        if (ok)
          await insertAttempt(trx, {
            id: attemptId,
            paymentId: payment.id,
            kind: 'purchase',
            channel: walletName,
            amountMinor: payment.amount.minor,
            currency: payment.amount.currency,
            at: now(),
          });
        return ok;
      },
      { keys: [payment.id] },
    );
    if (!claimed) return fail(PaymentError.StateInvalid, 'the payment is no longer waiting for a payment method');
    // The QR code names the paying merchant (tags 59/60/58) from its profile, not a constant.
    const merchant = await deps.parties.getMerchant(payment.merchantId);
    const order = await connector.createOrder({
      orderId: attemptId,
      amount: payment.amount,
      subject: payment.description ?? payment.merchantOrderId,
      notifyUrl: `${publicBaseUrl}/v1/channels/${walletName}/notifications`,
      returnUrl: payment.returnUrl ?? undefined,
      merchant: merchant === undefined ? undefined : { name: merchant.name, city: merchant.city, country: merchant.country },
    });
    if (order.status === 'unavailable') {
      await writer.run((trx) => settleAttempt(trx, { id: attemptId, status: 'declined', reason: order.reason, at: now() }), {
        keys: [payment.id],
      });
      return core.giveBack(payment, PaymentError.ChannelUnavailable, `${walletName} did not answer: ${order.reason}`);
    }
    return writer.run(
      async (trx) => {
        await settleAttempt(trx, { id: attemptId, status: 'pending', reference: order.walletOrderId, at: now() });
        await moveStatus(trx, {
          id: payment.id,
          from: 'processing',
          to: 'requires_action',
          reason: `waiting for the shopper in ${walletName}`,
          at: now(),
          set: { next_action_url: order.redirectUrl, next_action_qr: order.qrCode },
        });
        const waiting = await core.reload(trx, payment.id);
        await core.emit(trx, waiting, 'payment.requires_action');
        return waiting;
      },
      { keys: [payment.id] },
    );
  }

  /** A notification from a wallet: verified on its raw bytes, then settled once. */
  async function acceptNotification(
    walletName: string,
    rawBody: string,
    headers: Record<string, string | undefined>,
  ): Promise<{ ack: WalletConnectorPort['ack'] } | PaymentFailure> {
    const connector = connectorOf(walletName);
    if (connector === undefined) return fail(PaymentError.MethodInvalid, `no wallet ${walletName}`);
    const notification = connector.verifyNotification(rawBody, headers);
    if (isFailure(notification)) return notification;
    const settled = await settlePaid(walletName, notification);
    return isFailure(settled) ? settled : { ack: connector.ack };
  }

  async function settlePaid(walletName: string, paid: WalletNotification): Promise<Payment | PaymentFailure> {
    const attempt = await store.reader
      .selectFrom('payment_attempts')
      .selectAll()
      .where('id', '=', paid.orderId)
      .where('channel', '=', walletName)
      .executeTakeFirst();
    if (attempt === undefined) return fail('wallet_notification_invalid', `no ${walletName} order ${paid.orderId}`);
    // Integrity: what the wallet says was paid must be what Hutong asked for.
    if (attempt.amount !== paid.amount.minor || attempt.currency !== paid.amount.currency) {
      return fail(
        'wallet_notification_invalid',
        `${walletName} reports ${paid.amount.minor} ${paid.amount.currency} for an order of ${attempt.amount} ${attempt.currency}`,
      );
    }
    const row = await store.reader.selectFrom('payments').selectAll().where('id', '=', attempt.payment_id).executeTakeFirstOrThrow();
    const payment = toPayment(row);
    if (attempt.status === 'approved') return payment; // a repeat: already settled
    const source: Source = { kind: 'channel', channel: walletName };
    const { currency } = payment.amount;
    const conversionKeys = await core.fxKeys(payment);
    return writer.run(
      async (trx) => {
        const current = await core.reload(trx, payment.id);
        if (current.status !== 'requires_action') return current; // canceled or settled meanwhile: see docs/payments.md
        await settleAttempt(trx, { id: attempt.id, status: 'approved', reference: paid.walletOrderId, at: now() });
        await moveStatus(trx, {
          id: payment.id,
          from: 'requires_action',
          to: 'processing',
          reason: `${walletName} reports paid`,
          at: now(),
          set: { next_action_url: null, next_action_qr: null },
        });
        const destination = await core.destinationOf(trx, payment);
        // Escrow holds the shopper's own currency: an escrow payment never converts (docs/escrow.md).
        const conversion = destination === 'escrow' ? undefined : await core.captureConversion(trx, payment, payment.amount.minor);
        const fee =
          destination === 'escrow'
            ? 0n
            : feeFor(await core.feePlanOf(trx, payment.merchantId), {
                method: 'wallet',
                brand: walletName,
                amountMinor: conversion?.merchantMinor ?? payment.amount.minor,
                currency: conversion?.currency ?? currency,
              });
        const capture = {
          entryId: attempt.id,
          paymentId: payment.id,
          merchantId: payment.merchantId,
          source,
          currency,
          grossMinor: payment.amount.minor,
          feeMinor: fee,
        };
        const entry =
          conversion === undefined
            ? await core.paymentLedger.captureNow(trx, { ...capture, destination })
            : await core.convertedLedger.captureNow(trx, { ...capture, conversion });
        if (isFailure(entry)) return entry;
        await moveStatus(trx, {
          id: payment.id,
          from: 'processing',
          to: 'succeeded',
          reason: `paid in ${walletName} (${paid.walletOrderId})`,
          at: now(),
          set: { amount_captured: payment.amount.minor, fee },
        });
        const done = await core.reload(trx, payment.id);
        await core.emit(trx, done, 'payment.succeeded');
        await core.afterCapture(trx, done, destination);
        return done;
      },
      { keys: [payment.id, ...accountKeys({ accountIdFor }, payment.merchantId, source, currency), ...conversionKeys] },
    );
  }

  /** The sweep: ask the wallet about orders whose notification is late. */
  async function queryLate(olderThan: Date, batchMax: number): Promise<number> {
    const late = await store.reader
      .selectFrom('payment_attempts')
      .innerJoin('payments', 'payments.id', 'payment_attempts.payment_id')
      .select(['payment_attempts.id as id', 'payment_attempts.channel as channel'])
      .where('payments.status', '=', 'requires_action')
      .where('payments.method_type', '=', 'external_wallet')
      .where('payment_attempts.status', '=', 'pending')
      .where('payment_attempts.sent_at', '<', olderThan.toISOString())
      .limit(batchMax)
      .execute();
    let settled = 0;
    for (const attempt of late) {
      const connector = connectorOf(attempt.channel);
      if (connector === undefined) continue;
      const answer = await connector.query(attempt.id);
      if (answer.status !== 'paid') continue;
      const done = await settlePaid(attempt.channel, {
        orderId: attempt.id,
        walletOrderId: answer.walletOrderId,
        status: 'paid',
        amount: answer.amount,
        paidAt: answer.paidAt ?? now(),
      });
      if (!isFailure(done) && done.status === 'succeeded') settled++;
    }
    return settled;
  }

  return { confirm, acceptNotification, queryLate };
}

export type ExternalWalletFlows = ReturnType<typeof createExternalWalletFlows>;
