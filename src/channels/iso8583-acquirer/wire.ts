import { createHash } from 'node:crypto';
import { findCurrency, type Amount } from '../../money/index.js';
import {
  formatLocalDate,
  formatLocalTime,
  formatOriginalData,
  formatTransmissionDateTime,
  isIso8583Failure,
  MessageType,
  validateElement,
  type Iso8583Message,
} from '../../protocols/iso8583/index.js';
import type {
  AuthorizeRequest,
  CardholderData,
  ChannelTrace,
  FollowUpRequest,
  MerchantDescriptor,
  OriginalReference,
} from '../connector.js';
import { stanOf } from './stan.js';

/**
 * Hutong's requests to an acquirer as ISO 8583:1987 messages. Builders are pure: the STAN, the
 * transmission time and the acquirer's institution id come in `WireContext`. A request that
 * cannot be expressed (amount beyond n12, unknown currency, bad PAN) is returned as a string
 * saying why, and is never sent.
 */
export interface WireContext {
  /** DE 11, 6 digits. */
  readonly stan: string;
  /** DE 7 (and DE 12/13), to the second. */
  readonly sentAt: Date;
  /** DE 32, up to 11 digits: the id the acquirer knows Hutong by. */
  readonly acquiringInstitutionId: string;
}

export type WireProblem = string;

export const ProcessingCode = { Purchase: '000000', Refund: '200000' } as const;

/** DE 4 is n12: at most 999,999,999,999 minor units. */
export const amountMinorMaxOnWire = 999_999_999_999n;

/**
 * DE 22: PAN entered for e-commerce (81), terminal cannot accept PINs (2). Card-not-present
 * payments are all Hutong sends.
 */
const posEntryModeEcommerce = '812';

const nameLength = 23;
const cityLength = 13;
const stateLength = 2;

function amountFields(amount: Amount): Record<number, string> | WireProblem {
  const currency = findCurrency(amount.currency);
  if (currency === undefined) return `currency ${amount.currency} has no ISO 4217 numeric code`;
  if (amount.minor < 0n || amount.minor > amountMinorMaxOnWire) return `amount ${amount.minor} does not fit DE 4 (n12)`;
  return { 4: amount.minor.toString().padStart(12, '0'), 49: currency.numeric };
}

function cardFields(card: Omit<CardholderData, 'securityCode'>): Record<number, string> | WireProblem {
  const fields = { 2: card.pan, 14: card.expiryYymm };
  for (const [field, value] of Object.entries(fields)) {
    const invalid = validateElement(Number(field), value);
    if (invalid !== undefined) return invalid.detail;
  }
  return fields;
}

/**
 * The card security code (CVV2, CVC2, CID) rides in DE 48, "additional data, private use", as a
 * tag-length-value subelement: tag 92, two-digit length, the digits (Mastercard's layout for CVC 2;
 * ISO 8583:1987 has no element of its own for it). Only the authorization carries it; it is never
 * stored, and no log line prints DE 48.
 */
export const securityCodeSubelement = '92';

function securityCodeField(code: string | undefined): Record<number, string> | WireProblem {
  if (code === undefined) return {};
  if (!/^[0-9]{3,4}$/.test(code)) return 'the security code is not 3 or 4 digits';
  return { 48: `${securityCodeSubelement}${String(code.length).padStart(2, '0')}${code}` };
}

/** Printable ASCII only (DE 43 is ans): accents are dropped to their base letter, other scripts removed. */
export function asciiText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7E]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** A fixed-width, upper-case hex digest: ids longer than their element stay distinct. */
function digest(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length).toUpperCase();
}

/**
 * DE 41/42/43 from the merchant descriptor. DE 42 (ans15) is the merchant id itself when it fits,
 * otherwise a digest of it; DE 41 (ans8) is a digest of the id: one virtual terminal per
 * merchant. DE 43 follows the common 1987 layout: name 23, city 13, state 2, country 2.
 */
export function acceptorFields(merchant: MerchantDescriptor): Record<number, string> | WireProblem {
  if (!/^[0-9]{4}$/.test(merchant.mcc)) return `merchant category code ${JSON.stringify(merchant.mcc)} is not 4 digits`;
  const idFits = merchant.id.length <= 15 && asciiText(merchant.id) === merchant.id;
  const name = asciiText(merchant.name) || asciiText(merchant.id) || 'MERCHANT';
  const country = /^[A-Z]{2}$/.test(merchant.country) ? merchant.country : '  ';
  return {
    18: merchant.mcc,
    41: digest(merchant.id, 8),
    42: idFits ? merchant.id.padEnd(15, ' ') : digest(merchant.id, 15),
    43: name.slice(0, nameLength).padEnd(nameLength, ' ') + ' '.repeat(cityLength + stateLength) + country,
  };
}

function timeFields(context: WireContext): Record<number, string> {
  return {
    7: formatTransmissionDateTime(context.sentAt),
    11: context.stan,
    12: formatLocalTime(context.sentAt),
    13: formatLocalDate(context.sentAt),
    32: context.acquiringInstitutionId,
  };
}

/** Combines element groups, or returns the first problem among them. */
function combine(mti: string, ...groups: (Record<number, string> | WireProblem)[]): Iso8583Message | WireProblem {
  const fields: Record<number, string> = {};
  for (const group of groups) {
    if (typeof group === 'string') return group;
    Object.assign(fields, group);
  }
  return { mti, fields };
}

/** 0100 (authorize only) or 0200 (authorize and capture), processing code 000000. */
export function buildAuthorization(request: AuthorizeRequest, context: WireContext): Iso8583Message | WireProblem {
  const mti = request.capture ? MessageType.FinancialRequest : MessageType.AuthorizationRequest;
  return combine(
    mti,
    { 3: ProcessingCode.Purchase, 22: posEntryModeEcommerce },
    cardFields(request.card),
    securityCodeField(request.card.securityCode),
    amountFields(request.amount),
    timeFields(context),
    acceptorFields(request.merchant),
  );
}

/** 0200 with processing code 200000: money back to the card. */
export function buildRefund(request: FollowUpRequest, context: WireContext): Iso8583Message | WireProblem {
  const { original } = request;
  return combine(
    MessageType.FinancialRequest,
    { 3: ProcessingCode.Refund, 22: posEntryModeEcommerce },
    cardFields(original.card),
    amountFields(request.amount),
    timeFields(context),
    acceptorFields(original.merchant),
  );
}

/**
 * Where an ISO 8583 message can be found again, carried as the outcome's opaque `trace`
 * (src/channels/connector.ts `ChannelTrace`): a completion or reversal names its original in DE 90.
 */
export interface MessageTrace extends ChannelTrace {
  /** The original's message type indicator (0100 authorization, 0200 purchase or refund). */
  readonly mti: string;
  /** Its systems trace audit number, DE 11 (6 digits). */
  readonly stan: string;
  /** Its processing code, DE 3 (000000 purchase, 200000 refund). */
  readonly processingCode: string;
}

/**
 * The original's trace: the one its outcome carried, or, for callers that stored only the attempt
 * id and send time (crash recovery), the STAN derived from the attempt id and an authorization's
 * MTI and processing code.
 */
export function traceOf(original: OriginalReference): MessageTrace {
  const carried = original.trace;
  if (carried?.mti !== undefined && carried.stan !== undefined && carried.processingCode !== undefined)
    return { mti: carried.mti, stan: carried.stan, processingCode: carried.processingCode };
  // Financial messages take their STAN from the attempt id, so the trace can be rebuilt from what
  // the original was even when its outcome was never recorded.
  const stan = stanOf(original.attemptId);
  if (original.kind === 'purchase') return { mti: MessageType.FinancialRequest, stan, processingCode: ProcessingCode.Purchase };
  if (original.kind === 'refund') return { mti: MessageType.FinancialRequest, stan, processingCode: ProcessingCode.Refund };
  return { mti: MessageType.AuthorizationRequest, stan, processingCode: ProcessingCode.Purchase };
}

function originalDataField(original: OriginalReference, context: WireContext): Record<number, string> | WireProblem {
  const trace = traceOf(original);
  const value = formatOriginalData({
    mti: trace.mti,
    stan: trace.stan,
    transmissionDateTime: formatTransmissionDateTime(original.sentAt),
    acquirerId: context.acquiringInstitutionId,
    forwardingId: '',
  });
  return isIso8583Failure(value) ? value.detail : { 90: value };
}

/** 0220 completion advice for up to the authorized amount, naming the authorization in DE 90. */
export function buildCompletion(request: FollowUpRequest, context: WireContext): Iso8583Message | WireProblem {
  const { original } = request;
  return combine(
    MessageType.FinancialAdvice,
    { 3: traceOf(original).processingCode, 22: posEntryModeEcommerce },
    cardFields(original.card),
    amountFields(request.amount),
    timeFields(context),
    acceptorFields(original.merchant),
    originalDataField(original, context),
  );
}

/** 0400 for the whole original (the issuer matches DE 4 against it), naming it in DE 90. */
export function buildReversal(request: FollowUpRequest, context: WireContext): Iso8583Message | WireProblem {
  const { original } = request;
  return combine(
    MessageType.ReversalRequest,
    { 3: traceOf(original).processingCode, 22: posEntryModeEcommerce },
    cardFields(original.card),
    amountFields(original.amount),
    timeFields(context),
    acceptorFields(original.merchant),
    originalDataField(original, context),
  );
}

/** 0800 echo test (DE 70 = 301). */
export function buildEcho(context: WireContext): Iso8583Message {
  return {
    mti: MessageType.NetworkManagementRequest,
    fields: { 7: formatTransmissionDateTime(context.sentAt), 11: context.stan, 70: '301' },
  };
}

/** The trace an outcome carries for the message just built. */
export function messageTrace(message: Iso8583Message): MessageTrace {
  return { mti: message.mti, stan: message.fields[11] ?? '', processingCode: message.fields[3] ?? '' };
}
