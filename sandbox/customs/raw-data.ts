import { createSign, createVerify, randomUUID } from 'node:crypto';
import type { Clock } from '../../src/core/clock.js';
import { fenOf, type Fields } from './wire.js';

/**
 * Customs asking a payment institution for the raw payment record of an order (Announcement 2018
 * No.179): the query is signed with customs' key, the answer must be signed with the institution's
 * registered key, be current (serviceTime within 5 minutes) and agree with the payment slip customs
 * holds. The signing strings are the sandbox's reading of the published shape [unconfirmed].
 */
export const answerAgeMaxMs = 5 * 60_000;

export interface RawDataAnswer {
  readonly sessionID?: string;
  readonly payExchangeInfoHead?: Record<string, unknown>;
  readonly payExchangeInfoLists?: unknown;
  readonly serviceTime?: string;
  readonly certNo?: string;
  readonly signValue?: string;
}

export interface RawDataVerdict {
  readonly sessionID: string;
  readonly checks: { readonly signature: boolean; readonly time: boolean; readonly matchesSlip: boolean };
  readonly answer: RawDataAnswer | null;
}

export async function queryRawData(options: {
  clock: Clock;
  customsKeyPem: string;
  declarantPublicKeyPem: string;
  orderNo: string;
  slip: Fields | undefined;
  send: (query: Record<string, string>) => Promise<RawDataAnswer | null>;
}): Promise<RawDataVerdict> {
  const sessionID = randomUUID();
  const serviceTime = String(options.clock.now().getTime());
  const text = `"sessionID":"${sessionID}"||"orderNo":"${options.orderNo}"||"serviceTime":"${serviceTime}"`;
  const signValue = createSign('RSA-SHA1').update(text, 'utf8').sign(options.customsKeyPem, 'base64');
  const answer = await options.send({ orderNo: options.orderNo, sessionID, serviceTime, signValue });
  if (answer === null) return { sessionID, checks: { signature: false, time: false, matchesSlip: false }, answer };
  const signed = `"sessionID":"${answer.sessionID}"||"payExchangeInfoHead":"${JSON.stringify(answer.payExchangeInfoHead)}"||"payExchangeInfoLists":"${JSON.stringify(answer.payExchangeInfoLists)}"||"serviceTime":"${answer.serviceTime}"`;
  let signature = false;
  try {
    signature =
      answer.sessionID === sessionID &&
      createVerify('RSA-SHA1')
        .update(signed, 'utf8')
        .verify(options.declarantPublicKeyPem, answer.signValue ?? '', 'base64');
  } catch {
    signature = false;
  }
  const time = Math.abs(Number(answer.serviceTime) - options.clock.now().getTime()) <= answerAgeMaxMs;
  const head = answer.payExchangeInfoHead ?? {};
  const matchesSlip =
    options.slip !== undefined &&
    head.payTransactionId === options.slip.payTransactionId &&
    fenOf(String(head.totalAmount)) === fenOf(options.slip.amountPaid) &&
    head.payCode === options.slip.payCode;
  return { sessionID, checks: { signature, time, matchesSlip }, answer };
}
