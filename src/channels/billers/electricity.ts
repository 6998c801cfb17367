import { available, call, dailyFile, minorOf } from './client.js';
import type { BillerConnector, BillerEndpoint, PostingOutcome, QueryOutcome } from './contract.js';

/** The electricity company: POST JSON, `ret_code` 0000 ok, 1001 no account, 1002 nothing due, 2xxx refused. */
export function electricityConnector(endpoint: BillerEndpoint): BillerConnector {
  const acceptedOf = (json: Record<string, unknown>, expectedMinor?: bigint): PostingOutcome => {
    const paid = minorOf(json.pay_fen);
    if (typeof json.receipt_no !== 'string' || paid === undefined) return { kind: 'unknown', detail: 'accepted without a receipt' };
    if (expectedMinor !== undefined && paid !== expectedMinor)
      return { kind: 'unknown', detail: `biller booked ${paid}, we sent ${expectedMinor}` };
    return { kind: 'accepted', receipt: json.receipt_no, amountMinor: paid };
  };
  return {
    kind: 'electricity',
    available: () => available(endpoint),
    async fetch(account) {
      const answer = await call(endpoint, 'POST', '/api/v1/bill/query', { account_no: account });
      if (answer.kind === 'unreachable') return { kind: 'unavailable', detail: answer.detail };
      if (answer.json.ret_code === '1001') return { kind: 'not_found' };
      if (answer.json.ret_code === '1002') return { kind: 'nothing_due' };
      const bill = answer.json.bill as Record<string, unknown> | undefined;
      const base = minorOf(bill?.base_fen);
      const late = minorOf(bill?.late_fee_fen);
      const total = minorOf(bill?.total_fen);
      if (answer.json.ret_code !== '0000' || bill === undefined || base === undefined || late === undefined || total !== base + late)
        return { kind: 'unavailable', detail: `unexpected answer ${String(answer.json.ret_code)}` };
      return {
        kind: 'bill',
        bill: {
          billerBillRef: String(bill.bill_no),
          amountDueMinor: total,
          lateFeeMinor: late,
          dueDate: typeof bill.due_date === 'string' ? bill.due_date : null,
          customerName: null,
          lines: [
            { label: `electricity ${String(bill.period)}`, amountMinor: base },
            ...(late > 0n ? [{ label: 'late fee', amountMinor: late }] : []),
          ],
          periods: [],
        },
      };
    },
    validate: async () => ({ kind: 'unavailable', detail: 'the electricity company bills: fetch, then pay' }),
    async post(request) {
      const answer = await call(endpoint, 'POST', '/api/v1/bill/pay', {
        bill_no: request.billerBillRef,
        account_no: request.account,
        pay_fen: Number(request.amountMinor),
        trans_id: request.reference,
      });
      if (answer.kind === 'unreachable') return { kind: 'unknown', detail: answer.detail };
      if (answer.json.ret_code === '0000') return acceptedOf(answer.json, request.amountMinor);
      if (typeof answer.json.ret_code === 'string' && answer.json.ret_code.startsWith('2'))
        return { kind: 'rejected', reason: String(answer.json.ret_msg ?? answer.json.ret_code) };
      return { kind: 'unknown', detail: `unexpected answer ${String(answer.json.ret_code)}` };
    },
    async query(reference): Promise<QueryOutcome> {
      const answer = await call(endpoint, 'GET', `/api/v1/pay/result?trans_id=${encodeURIComponent(reference)}`);
      if (answer.kind === 'unreachable') return { kind: 'unknown', detail: answer.detail };
      if (answer.json.ret_code === '3001') return { kind: 'not_found' };
      const accepted = acceptedOf(answer.json);
      return accepted.kind === 'accepted' ? accepted : { kind: 'unknown', detail: 'unexpected query answer' };
    },
    dailyFile: (date) => dailyFile(endpoint, date),
  };
}
