import { fail, type Failure } from '../../core/failure.js';
import { amountFromMinor, findCurrency, formatDecimal, isMoneyFailure, type Amount } from '../../money/index.js';
import { fieldValue, parseEmvPayload } from '../../protocols/emv-qr/index.js';
import { WalletConnectorError } from './errors.js';
import { UnknownReason } from '../unknown-reason.js';
import type { Fields } from './signing.js';
import type {
  WalletCreateOrderOutcome,
  WalletNotification as ContractNotification,
  WalletQueryOutcome,
  WalletRefundOutcome,
} from '../contracts.js';

/**
 * The sandbox wallets' messages (sandbox/wallets/README.md), as Hutong reads them once their
 * signature is verified: every field a string, amounts in minor units as decimal digits. What they
 * are read into is the channels' wallet contract (src/channels/contracts.ts).
 */
export type WalletNotification = ContractNotification;
export type CreateOrderOutcome = WalletCreateOrderOutcome;
export type QueryOutcome = WalletQueryOutcome;
export type RefundOutcome = WalletRefundOutcome;

export const idCharsMax = 64;
export const urlCharsMax = 2_048;
export const qrCodeCharsMax = 512;
export const reasonCharsMax = 200;
export const idPattern = new RegExp(`^[A-Za-z0-9_-]{1,${idCharsMax}}$`);
/** At most 15 digits, as Hutong's amounts (src/money `amountMinorMax`); no leading zeros. */
const amountMinorPattern = /^(0|[1-9][0-9]{0,14})$/;
const isoInstantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const reasonPattern = new RegExp(`^[a-z0-9_]{1,${reasonCharsMax}}$`);

/** Exact minor units from the wallet's digits; anything else (a fraction, a sign, a float) is refused. */
export function amountOf(amountMinor: string | undefined, currency: string | undefined): Amount | undefined {
  if (amountMinor === undefined || currency === undefined || !amountMinorPattern.test(amountMinor)) return undefined;
  const parsed = amountFromMinor(BigInt(amountMinor), currency, { allowZero: false });
  return isMoneyFailure(parsed) ? undefined : parsed;
}

function sameAmount(a: Amount, b: Amount): boolean {
  return a.minor === b.minor && a.currency === b.currency;
}

function isHttpUrl(text: string | undefined): text is string {
  if (text === undefined || text.length > urlCharsMax || !URL.canParse(text)) return false;
  const protocol = new URL(text).protocol;
  return protocol === 'http:' || protocol === 'https:';
}

function unavailable(reason: UnknownReason): { status: 'unavailable'; reason: string } {
  return { status: 'unavailable', reason };
}

/**
 * The QR payload must be a well-formed EMV payload (CRC included) for the same currency and
 * amount: a code that would charge the shopper something else is never shown.
 */
export function qrMatches(qrCode: string, sent: Amount, currencyNumeric: string): boolean {
  if (qrCode.length > qrCodeCharsMax) return false;
  const fields = parseEmvPayload(qrCode);
  if (fields === undefined) return false;
  return fieldValue(fields, '53') === currencyNumeric && fieldValue(fields, '54') === formatDecimal(sent);
}

/** A signed 2xx answer to `POST /{wallet}/orders`. */
export function createdOrderOf(fields: Fields, orderId: string, sent: Amount): CreateOrderOutcome {
  if (fields.orderId !== orderId) return unavailable(UnknownReason.Integrity);
  const answered = amountOf(fields.amountMinor, fields.currency);
  if (answered === undefined) return unavailable(UnknownReason.MalformedResponse);
  if (!sameAmount(answered, sent)) return unavailable(UnknownReason.Integrity);
  const { walletOrderId, qrCode, redirectUrl } = fields;
  if (walletOrderId === undefined || !idPattern.test(walletOrderId) || qrCode === undefined || !isHttpUrl(redirectUrl)) {
    return unavailable(UnknownReason.MalformedResponse);
  }
  const currencyNumeric = findCurrency(sent.currency)?.numeric;
  if (currencyNumeric === undefined || !qrMatches(qrCode, sent, currencyNumeric)) return unavailable(UnknownReason.Integrity);
  return { status: 'created', walletOrderId, qrCode, redirectUrl };
}

/** A signed 2xx answer to `GET /{wallet}/orders/{orderId}`. */
export function queriedOrderOf(fields: Fields, orderId: string): QueryOutcome {
  if (fields.orderId !== orderId) return unavailable(UnknownReason.Integrity);
  const amount = amountOf(fields.amountMinor, fields.currency);
  const { walletOrderId, status, paidAt } = fields;
  if (amount === undefined || walletOrderId === undefined || !idPattern.test(walletOrderId)) {
    return unavailable(UnknownReason.MalformedResponse);
  }
  if (status === 'paid') {
    if (paidAt === undefined || !isoInstantPattern.test(paidAt)) return unavailable(UnknownReason.MalformedResponse);
    return { status, walletOrderId, amount, paidAt };
  }
  if (status === 'pending' || status === 'closed') return { status, walletOrderId, amount };
  return unavailable(UnknownReason.MalformedResponse);
}

/** A signed 2xx answer to `POST /{wallet}/refunds`; only an explicit status is believed. */
export function refundOutcomeOf(fields: Fields, orderId: string, refundId: string, sent: Amount): RefundOutcome {
  if (fields.orderId !== orderId || fields.refundId !== refundId) return { status: 'unknown', reason: UnknownReason.Integrity };
  const answered = amountOf(fields.amountMinor, fields.currency);
  if (answered === undefined || !sameAmount(answered, sent)) return { status: 'unknown', reason: UnknownReason.Integrity };
  if (fields.status === 'succeeded') {
    // The wallet's own refund number, when it gives one (the reference of its bill's refund line).
    const walletRefundId = fields.walletRefundId;
    if (walletRefundId === undefined) return { status: 'succeeded' };
    if (!idPattern.test(walletRefundId)) return { status: 'unknown', reason: UnknownReason.MalformedResponse };
    return { status: 'succeeded', walletRefundId };
  }
  if (fields.status === 'failed' && fields.reason !== undefined && reasonPattern.test(fields.reason)) {
    return { status: 'failed', reason: fields.reason };
  }
  return { status: 'unknown', reason: UnknownReason.MalformedResponse };
}

/** A notification's fields, verified: paid, well formed, in a currency the wallet supports. */
export function notificationOf(
  fields: Fields,
  currencies: readonly string[],
): WalletNotification | Failure<WalletConnectorError.NotificationInvalid> {
  const invalid = (detail: string) => fail(WalletConnectorError.NotificationInvalid, detail);
  const { orderId, walletOrderId, status, paidAt, currency } = fields;
  if (orderId === undefined || !idPattern.test(orderId)) return invalid('orderId is missing or malformed');
  if (walletOrderId === undefined || !idPattern.test(walletOrderId)) return invalid('walletOrderId is missing or malformed');
  if (status !== 'paid') return invalid('status must be paid');
  if (currency === undefined || !currencies.includes(currency)) return invalid('currency is missing or not one the wallet supports');
  const amount = amountOf(fields.amountMinor, currency);
  if (amount === undefined) return invalid('amountMinor must be a positive integer of minor units');
  if (paidAt === undefined || !isoInstantPattern.test(paidAt)) return invalid('paidAt must be an ISO 8601 UTC time');
  return { orderId, walletOrderId, status, amount, paidAt };
}

/** A signed error answer `{ error, detail }`: its code, if well formed. */
export function errorCodeOf(fields: Fields): string | undefined {
  const code = fields.error;
  return code !== undefined && reasonPattern.test(code) ? code : undefined;
}
