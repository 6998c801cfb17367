import type { Clock } from '../../src/core/clock.js';
import { Book } from './book.js';
import { withLuhn } from './check-digits.js';
import type { BillerAnswer, BillerRequest, BillerShape } from './server.js';

/**
 * An electricity company (fetch → pay). One bill per account at a time, to be paid in exactly its
 * total; after the due date a late fee accrues at 1‰ of the unpaid amount per day (the residential
 * rate of 供电营业规则 art. 98). Wire shape: POST JSON, `ret_code` strings, fen as integers.
 */
const dayMs = 86_400_000;
const lateFeePerMille = 1n;

interface ElectricityBill {
  readonly billNo: string;
  readonly period: string;
  readonly baseFen: bigint;
  readonly dueDate: string;
  paid: boolean;
}

export const electricityAccounts = {
  due: withLuhn('310000001'),
  overdue: withLuhn('310000002'),
  nothingDue: withLuhn('310000003'),
  notFound: withLuhn('310000009'),
} as const;

export function createElectricity(clock: Clock): BillerShape {
  const book = new Book('EL', clock);
  const startMs = clock.now().getTime();
  const day = (offsetDays: number) => new Date(startMs + offsetDays * dayMs).toISOString().slice(0, 10);
  const bills = new Map<string, ElectricityBill | null>([
    [
      electricityAccounts.due,
      { billNo: `E-${electricityAccounts.due}-1`, period: day(-20).slice(0, 7), baseFen: 23_456n, dueDate: day(15), paid: false },
    ],
    [
      electricityAccounts.overdue,
      { billNo: `E-${electricityAccounts.overdue}-1`, period: day(-40).slice(0, 7), baseFen: 50_000n, dueDate: day(-10), paid: false },
    ],
    [electricityAccounts.nothingDue, null],
  ]);

  function lateFee(bill: ElectricityBill): bigint {
    const overdueMs = clock.now().getTime() - (Date.parse(`${bill.dueDate}T00:00:00Z`) + dayMs);
    const days = overdueMs < 0 ? 0n : BigInt(Math.floor(overdueMs / dayMs) + 1);
    return (bill.baseFen * lateFeePerMille * days) / 1000n;
  }

  function query(account: string): BillerAnswer {
    if (!bills.has(account)) return { status: 200, body: { ret_code: '1001', ret_msg: 'account not found' } };
    const bill = bills.get(account);
    if (bill === null || bill === undefined || bill.paid)
      return { status: 200, body: { ret_code: '1002', ret_msg: 'no bill outstanding' } };
    const fee = lateFee(bill);
    return {
      status: 200,
      body: {
        ret_code: '0000',
        bill: {
          bill_no: bill.billNo,
          account_no: account,
          period: bill.period,
          base_fen: Number(bill.baseFen),
          late_fee_fen: Number(fee),
          total_fen: Number(bill.baseFen + fee),
          due_date: bill.dueDate,
        },
      },
    };
  }

  function pay(json: Record<string, unknown>): BillerAnswer {
    const reference = String(json.trans_id ?? '');
    const account = String(json.account_no ?? '');
    const payFen = BigInt(Number.isInteger(json.pay_fen) ? (json.pay_fen as number) : -1);
    const known = book.find(reference);
    if (known !== undefined)
      return { status: 200, body: { ret_code: '0000', receipt_no: known.receipt, pay_fen: Number(known.amountMinor) } };
    const bill = bills.get(account);
    if (bill === undefined || bill === null || bill.paid || bill.billNo !== json.bill_no)
      return { status: 200, body: { ret_code: '2002', ret_msg: 'no such bill outstanding' } };
    if (payFen !== bill.baseFen + lateFee(bill))
      return { status: 200, body: { ret_code: '2001', ret_msg: 'amount must equal the bill total' } };
    const { booking } = book.book(reference, account, payFen, () => {
      bill.paid = true;
    });
    return { status: 200, body: { ret_code: '0000', receipt_no: booking.receipt, pay_fen: Number(booking.amountMinor) } };
  }

  return {
    book,
    handle(request: BillerRequest): BillerAnswer {
      if (request.method === 'POST' && request.path === '/api/v1/bill/query') return query(String(request.json.account_no ?? ''));
      if (request.method === 'POST' && request.path === '/api/v1/bill/pay') return pay(request.json);
      if (request.method === 'GET' && request.path === '/api/v1/pay/result') {
        const found = book.find(request.query.get('trans_id') ?? '');
        return found === undefined
          ? { status: 200, body: { ret_code: '3001', ret_msg: 'no such payment' } }
          : { status: 200, body: { ret_code: '0000', receipt_no: found.receipt, pay_fen: Number(found.amountMinor) } };
      }
      return { status: 404, body: { ret_code: '9404', ret_msg: 'no such service' } };
    },
    isPosting: (method, path) => method === 'POST' && path === '/api/v1/bill/pay',
    plantBooking(reference, account, amountMinor) {
      book.book(reference, account, amountMinor, () => undefined);
    },
  };
}
