import assert from 'node:assert/strict';
import { digestOf } from '../../src/core/ids.js';
import { dynamicMerchantCode } from './emv.js';
import { findCurrency, formatDecimal } from '../../src/money/index.js';
import type { WalletWorldContext } from './context.js';
import type { Order } from './model.js';
import { walletProfiles, type WalletName } from './profiles.js';
import type { Fields } from './signing.js';

/**
 * The wallets' behaviour behind the HTTP routes (README.md): create an order, answer a query,
 * refund, pay. Every answer is a status and flat string fields, which world.ts signs.
 */
export interface Answer {
  readonly httpStatus: number;
  readonly fields: Fields;
}

export const idCharsMax = 64;
export const subjectCharsMax = 128;
export const urlCharsMax = 2_048;
/** EMV field 54 holds at most 13 characters: CNY 9999999999.99. */
export const qrAmountCharsMax = 13;
/** ISO 18245 "miscellaneous and specialty retail": the sandbox merchant's category. */
export const merchantCategoryCode = '5999';
const idPattern = new RegExp(`^[A-Za-z0-9_-]{1,${idCharsMax}}$`);
const positiveMinorPattern = /^[1-9][0-9]{0,14}$/;
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f]/;

export function errorAnswer(httpStatus: number, error: string, detail: string): Answer {
  return { httpStatus, fields: { error, detail } };
}

function isHttpUrl(text: string): boolean {
  if (text.length > urlCharsMax || !URL.canParse(text)) return false;
  const protocol = new URL(text).protocol;
  return protocol === 'http:' || protocol === 'https:';
}

/** A pending order past its time is closed (lazily, when it is next looked at). */
export function refreshStatus(context: WalletWorldContext, order: Order): Order {
  if (order.status === 'pending' && context.clock.now().getTime() - order.createdAt.getTime() >= context.orderTtlMs) {
    order.status = 'closed';
  }
  return order;
}

function checkAmount(wallet: WalletName, amountMinor: string | undefined, currency: string | undefined): Answer | undefined {
  if (amountMinor === undefined || !positiveMinorPattern.test(amountMinor)) {
    return errorAnswer(400, 'invalid_request', 'amountMinor must be a positive integer of minor units, at most 15 digits');
  }
  if (currency === undefined || !walletProfiles[wallet].currencies.includes(currency) || findCurrency(currency) === undefined) {
    return errorAnswer(400, 'currency_unsupported', `${wallet} takes ${walletProfiles[wallet].currencies.join(', ')}`);
  }
  return undefined;
}

function checkOrderRequest(wallet: WalletName, fields: Fields): Answer | undefined {
  const invalid = (detail: string) => errorAnswer(400, 'invalid_request', detail);
  if (fields.orderId === undefined || !idPattern.test(fields.orderId))
    return invalid(`orderId must be 1 to ${idCharsMax} of A-Z a-z 0-9 _ -`);
  const amountProblem = checkAmount(wallet, fields.amountMinor, fields.currency);
  if (amountProblem !== undefined) return amountProblem;
  if (formatDecimal({ minor: BigInt(fields.amountMinor ?? '0'), currency: fields.currency ?? '' }).length > qrAmountCharsMax) {
    return invalid(`the amount must fit the QR code's ${qrAmountCharsMax} characters`);
  }
  const subject = fields.subject ?? '';
  if (subject.trim() === '' || [...subject].length > subjectCharsMax || controlCharacters.test(subject)) {
    return invalid(`subject must be 1 to ${subjectCharsMax} printable characters`);
  }
  if (fields.notifyUrl === undefined || !isHttpUrl(fields.notifyUrl)) return invalid('notifyUrl must be an http(s) URL');
  if (fields.returnUrl !== undefined && fields.returnUrl !== '' && !isHttpUrl(fields.returnUrl))
    return invalid('returnUrl must be an http(s) URL');
  // The merchant's name and city as the QR code carries them (EMV tags 59, 60: Latin, ≤ 25 and ≤ 15).
  for (const [name, max] of [
    ['merchantName', 25],
    ['merchantCity', 15],
  ] as const) {
    const value = fields[name];
    if (value !== undefined && (!/^[\x20-\x7e]+$/.test(value) || value.trim() === '' || value.length > max))
      return invalid(`${name} must be 1 to ${max} printable Latin characters`);
  }
  if (fields.merchantCountry !== undefined && !/^[A-Z]{2}$/.test(fields.merchantCountry))
    return invalid('merchantCountry must be an ISO 3166 two-letter code');
  return undefined;
}

/** yyyymmdd, the wallet's 2-digit code, a 10-digit sequence. */
export const walletOrderIdChars = 20;

function walletOrderIdFor(context: WalletWorldContext, wallet: WalletName): string {
  const day = context.clock.now().toISOString().slice(0, 10).replaceAll('-', '');
  const id = `${day}${walletProfiles[wallet].idCode}${String(context.nextSequence(wallet)).padStart(10, '0')}`;
  assert.equal(id.length, walletOrderIdChars, 'at most 10^10 orders per wallet and world');
  return id;
}

function createdAnswer(order: Order): Answer {
  return {
    httpStatus: 200,
    fields: {
      orderId: order.orderId,
      walletOrderId: order.walletOrderId,
      amountMinor: order.amountMinor.toString(),
      currency: order.currency,
      qrCode: order.qrCode,
      redirectUrl: order.redirectUrl,
    },
  };
}

/** `POST /{wallet}/orders`: the same order id and content again is the same answer; other content is 409. */
export function createOrder(context: WalletWorldContext, wallet: WalletName, fields: Fields): Answer {
  const problem = checkOrderRequest(wallet, fields);
  if (problem !== undefined) return problem;
  const returnUrl = fields.returnUrl === '' ? undefined : fields.returnUrl;
  const request = {
    amountMinor: fields.amountMinor,
    currency: fields.currency,
    subject: fields.subject,
    notifyUrl: fields.notifyUrl,
    returnUrl,
  };
  const requestDigest = digestOf(request);
  const store = context.stores[wallet];
  const orderId = fields.orderId as string;
  const existing = store.order(orderId);
  if (existing !== undefined) {
    if (existing.requestDigest !== requestDigest) return errorAnswer(409, 'order_conflict', 'this orderId was used with other content');
    return createdAnswer(existing);
  }
  const walletOrderId = walletOrderIdFor(context, wallet);
  const redirectUrl = `${context.publicBaseUrl()}/${wallet}/pay/${walletOrderId}`;
  const amount = { minor: BigInt(request.amountMinor as string), currency: request.currency as string };
  const order: Order = {
    wallet,
    orderId,
    walletOrderId,
    requestDigest,
    amountMinor: amount.minor,
    currency: amount.currency,
    subject: request.subject as string,
    notifyUrl: request.notifyUrl as string,
    ...(returnUrl === undefined ? {} : { returnUrl }),
    qrCode: dynamicMerchantCode({
      template: '26',
      globallyUniqueId: walletProfiles[wallet].globallyUniqueId,
      url: redirectUrl,
      mcc: merchantCategoryCode,
      currencyNumeric: findCurrency(amount.currency)?.numeric ?? '',
      amountDecimal: formatDecimal(amount),
      country: fields.merchantCountry ?? 'CN',
      merchantName: fields.merchantName ?? context.merchantName,
      city: fields.merchantCity ?? context.merchantCity,
    }),
    redirectUrl,
    createdAt: context.clock.now(),
    status: 'pending',
    refundedMinor: 0n,
    notification: { attempts: 0, acknowledged: false },
  };
  store.addOrder(order);
  context.log(`wallets: ${wallet} order ${orderId} created as ${walletOrderId}`);
  return createdAnswer(order);
}

/** `GET /{wallet}/orders/{orderId}`. */
export function queryOrder(context: WalletWorldContext, wallet: WalletName, orderId: string): Answer {
  const found = context.stores[wallet].order(orderId);
  if (found === undefined) return errorAnswer(404, 'order_not_found', 'no such order');
  const order = refreshStatus(context, found);
  const fields: Record<string, string> = {
    orderId: order.orderId,
    walletOrderId: order.walletOrderId,
    status: order.status,
    amountMinor: order.amountMinor.toString(),
    currency: order.currency,
  };
  if (order.paidAt !== undefined) fields.paidAt = order.paidAt.toISOString();
  return { httpStatus: 200, fields };
}

function refundOutcome(
  context: WalletWorldContext,
  wallet: WalletName,
  fields: Fields,
): { status: 'succeeded' } | { status: 'failed'; reason: string } {
  const found = context.stores[wallet].order(fields.orderId as string);
  if (found === undefined) return { status: 'failed', reason: 'order_not_found' };
  const order = refreshStatus(context, found);
  if (order.currency !== fields.currency) return { status: 'failed', reason: 'currency_mismatch' };
  if (order.status !== 'paid') return { status: 'failed', reason: 'order_not_paid' };
  const amountMinor = BigInt(fields.amountMinor as string);
  if (order.refundedMinor + amountMinor > order.amountMinor) return { status: 'failed', reason: 'refund_exceeds_paid_amount' };
  order.refundedMinor += amountMinor;
  return { status: 'succeeded' };
}

/** `POST /{wallet}/refunds`: idempotent by refundId; refunds never total more than the paid amount. */
export function refundOrder(context: WalletWorldContext, wallet: WalletName, fields: Fields): Answer {
  const invalid = (detail: string) => errorAnswer(400, 'invalid_request', detail);
  if (fields.orderId === undefined || !idPattern.test(fields.orderId)) return invalid('orderId is missing or malformed');
  if (fields.refundId === undefined || !idPattern.test(fields.refundId))
    return invalid(`refundId must be 1 to ${idCharsMax} of A-Z a-z 0-9 _ -`);
  const amountProblem = checkAmount(wallet, fields.amountMinor, fields.currency);
  if (amountProblem !== undefined) return amountProblem;
  const store = context.stores[wallet];
  const requestDigest = digestOf({ orderId: fields.orderId, amountMinor: fields.amountMinor, currency: fields.currency });
  let refund = store.refund(fields.refundId);
  if (refund !== undefined && refund.requestDigest !== requestDigest) {
    return errorAnswer(409, 'refund_conflict', 'this refundId was used with other content');
  }
  if (refund === undefined) {
    const outcome = refundOutcome(context, wallet, fields);
    refund = {
      refundId: fields.refundId,
      orderId: fields.orderId,
      requestDigest,
      amountMinor: BigInt(fields.amountMinor as string),
      currency: fields.currency as string,
      outcome,
      ...(outcome.status === 'succeeded' ? { walletRefundId: `R${walletOrderIdFor(context, wallet)}` } : {}),
    };
    store.addRefund(refund);
    context.log(`wallets: ${wallet} refund ${refund.refundId} of ${refund.orderId}: ${refund.outcome.status}`);
  }
  const answer: Record<string, string> = {
    orderId: refund.orderId,
    refundId: refund.refundId,
    amountMinor: refund.amountMinor.toString(),
    currency: refund.currency,
    status: refund.outcome.status,
  };
  if (refund.outcome.status === 'failed') answer.reason = refund.outcome.reason;
  if (refund.walletRefundId !== undefined) answer.walletRefundId = refund.walletRefundId;
  return { httpStatus: 200, fields: answer };
}

export type PayResult = 'paid' | 'already_paid' | 'closed';

/** The shopper pays: the order is paid once, and (unless told not to) the merchant is notified. */
export function payOrder(context: WalletWorldContext, order: Order, notify: boolean): PayResult {
  refreshStatus(context, order);
  if (order.status === 'paid') return 'already_paid';
  if (order.status === 'closed') return 'closed';
  order.status = 'paid';
  order.paidAt = context.clock.now();
  context.log(`wallets: ${order.wallet} order ${order.orderId} paid`);
  if (notify) context.notifier.start(order);
  return 'paid';
}
