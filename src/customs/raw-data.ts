import { fail, newId, type Failure } from '../core/index.js';
import { formatDecimal } from '../money/index.js';
import { cebTime } from './ceb.js';
import { CustomsError } from './errors.js';
import type { CustomsDeps } from './model.js';
import { verifyText } from './signer.js';

/**
 * Customs' query for the raw payment record of an order (Announcement 2018 No.179: payment
 * institutions answer in real time, signed). The query is signed by customs (its key checks it),
 * the answer is built from the payment's own record and signed with Hutong's customs key.
 * The field names follow the published "payExchangeInfo" shape; the exact signing string is
 * [unconfirmed]: `"sessionID":"…"||"payExchangeInfoHead":"…"||"payExchangeInfoLists":"…"||"serviceTime":"…"`.
 */
export interface RawDataQuery {
  readonly orderNo: string;
  readonly sessionID: string;
  readonly serviceTime: string;
  readonly signValue: string;
}

export const queryAgeMaxMs = 5 * 60_000;

export function querySigningText(q: { orderNo: string; sessionID: string; serviceTime: string }): string {
  return `"sessionID":"${q.sessionID}"||"orderNo":"${q.orderNo}"||"serviceTime":"${q.serviceTime}"`;
}

export function answerSigningText(a: { sessionID: string; head: unknown; lists: unknown; serviceTime: string }): string {
  return `"sessionID":"${a.sessionID}"||"payExchangeInfoHead":"${JSON.stringify(a.head)}"||"payExchangeInfoLists":"${JSON.stringify(a.lists)}"||"serviceTime":"${a.serviceTime}"`;
}

export async function answerRawDataQuery(deps: CustomsDeps, query: RawDataQuery): Promise<Record<string, unknown> | Failure<CustomsError>> {
  const key = deps.customsPublicKeyPem();
  if (key === undefined || !verifyText(querySigningText(query), query.signValue, key))
    return fail(CustomsError.QueryInvalid, 'the query is not signed by customs');
  const at = Number(query.serviceTime);
  if (!Number.isSafeInteger(at) || Math.abs(deps.clock.now().getTime() - at) > queryAgeMaxMs)
    return fail(CustomsError.QueryInvalid, 'serviceTime is not within 5 minutes of now');
  const row = await deps.store.reader
    .selectFrom('customs_declarations')
    .selectAll()
    .where('order_no', '=', query.orderNo)
    .where('status', 'in', ['submitted', 'accepted'])
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (row === undefined) return fail(CustomsError.DeclarationNotFound, `no declared payment for order ${query.orderNo}`);
  const payment = await deps.payments.paymentOf(row.merchant_id, row.payment_id);
  if (payment === undefined) return fail(CustomsError.PaymentNotFound, `payment ${row.payment_id} is gone`);
  const head = {
    guid: newId('craw', deps.clock.now().getTime()),
    initalRequest: JSON.stringify({ payment: payment.id, amount: payment.amount.minor.toString(), currency: payment.amount.currency }),
    initalResponse: JSON.stringify({ payment: payment.id, status: payment.status, captured: payment.capturedMinor.toString() }),
    ebpCode: row.ebp_code,
    payCode: deps.settings?.payCode ?? '',
    payTransactionId: payment.id,
    totalAmount: formatDecimal({ minor: BigInt(row.amount_cny), currency: 'CNY' }),
    currency: '142',
    verDept: '3',
    payType: '4',
    tradingTime: cebTime(new Date(payment.paidAt)),
    note: '',
  };
  const lists = [{ orderNo: row.order_no, goodsInfo: [], recpAccount: row.merchant_id, recpCode: '', recpName: row.ebp_name }];
  const serviceTime = String(deps.clock.now().getTime());
  const signValue = await deps.signer.signText(answerSigningText({ sessionID: query.sessionID, head, lists, serviceTime }));
  return {
    sessionID: query.sessionID,
    payExchangeInfoHead: head,
    payExchangeInfoLists: lists,
    serviceTime,
    certNo: deps.signer.certNo,
    signValue,
  };
}
