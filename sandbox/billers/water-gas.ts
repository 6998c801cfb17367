import type { Clock } from '../../src/core/clock.js';
import { Book } from './book.js';
import { with731 } from './check-digits.js';
import type { BillerAnswer, BillerRequest, BillerShape } from './server.js';

/**
 * A water and gas company: any part of what is due may be paid; a payment goes to the arrears
 * first, and what is left unpaid is carried to the next statement. REST shape: GET dues, POST a
 * payment (201), GET a payment by the payer's reference; cents as integers, 404 for unknown.
 */
interface Customer {
  readonly name: string;
  arrearsCents: bigint;
  currentCents: bigint;
}

export const waterGasAccounts = {
  arrears: with731('10000001'),
  nothingDue: with731('10000002'),
  notFound: with731('10000009'),
} as const;

export function createWaterGas(clock: Clock): BillerShape {
  const book = new Book('WG', clock);
  const customers = new Map<string, Customer>([
    [waterGasAccounts.arrears, { name: '王*', arrearsCents: 5_000n, currentCents: 8_800n }],
    [waterGasAccounts.nothingDue, { name: '张*', arrearsCents: 0n, currentCents: 0n }],
  ]);
  const statementOf = () => clock.now().toISOString().slice(0, 7);

  function dues(account: string): BillerAnswer {
    const customer = customers.get(account);
    if (customer === undefined) return { status: 404, body: { error: 'customer_not_found' } };
    return {
      status: 200,
      body: {
        customer: account,
        name: customer.name,
        statement_id: `WG-${account}-${statementOf()}`,
        arrears_cents: Number(customer.arrearsCents),
        current_cents: Number(customer.currentCents),
        total_cents: Number(customer.arrearsCents + customer.currentCents),
      },
    };
  }

  function pay(json: Record<string, unknown>): BillerAnswer {
    const reference = String(json.reference ?? '');
    const known = book.find(reference);
    if (known !== undefined) return { status: 200, body: { receipt: known.receipt, cents: Number(known.amountMinor), duplicate: true } };
    const customer = customers.get(String(json.customer ?? ''));
    if (customer === undefined) return { status: 404, body: { error: 'customer_not_found' } };
    const cents = Number.isInteger(json.cents) ? BigInt(json.cents as number) : 0n;
    const dueCents = customer.arrearsCents + customer.currentCents;
    if (cents <= 0n) return { status: 422, body: { error: 'amount_invalid' } };
    if (cents > dueCents) return { status: 422, body: { error: 'amount_above_due', due_cents: Number(dueCents) } };
    const { booking } = book.book(reference, String(json.customer), cents, () => {
      const toArrears = cents < customer.arrearsCents ? cents : customer.arrearsCents;
      customer.arrearsCents -= toArrears;
      customer.currentCents -= cents - toArrears;
    });
    return {
      status: 201,
      body: { receipt: booking.receipt, cents: Number(cents), remaining_cents: Number(customer.arrearsCents + customer.currentCents) },
    };
  }

  return {
    book,
    handle(request: BillerRequest): BillerAnswer {
      const duesPath = /^\/v2\/customers\/([^/]+)\/dues$/.exec(request.path);
      if (request.method === 'GET' && duesPath !== null) return dues(decodeURIComponent(duesPath[1] as string));
      if (request.method === 'POST' && request.path === '/v2/payments') return pay(request.json);
      const paymentPath = /^\/v2\/payments\/([^/]+)$/.exec(request.path);
      if (request.method === 'GET' && paymentPath !== null) {
        const found = book.find(decodeURIComponent(paymentPath[1] as string));
        return found === undefined
          ? { status: 404, body: { error: 'payment_not_found' } }
          : { status: 200, body: { receipt: found.receipt, cents: Number(found.amountMinor) } };
      }
      return { status: 404, body: { error: 'not_found' } };
    },
    isPosting: (method, path) => method === 'POST' && path === '/v2/payments',
    plantBooking(reference, account, amountMinor) {
      book.book(reference, account, amountMinor, () => undefined);
    },
  };
}
