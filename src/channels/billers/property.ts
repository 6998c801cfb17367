import { available, call, dailyFile, minorOf } from './client.js';
import type { BillerConnector, BillerEndpoint, BillPeriod, QueryOutcome } from './contract.js';

/**
 * The property management company: an account is `community-building-unit` (SH01-02-1503); dues
 * are listed by month and paid in whole months, oldest first.
 */
function unitPath(account: string): string | undefined {
  const match = /^([A-Z]{2}\d{2})-(\d{2}-\d{4})$/.exec(account);
  return match === null ? undefined : `/communities/${match[1]}/units/${match[2]}`;
}

export function propertyConnector(endpoint: BillerEndpoint): BillerConnector {
  return {
    kind: 'property',
    available: () => available(endpoint),
    async fetch(account) {
      const path = unitPath(account);
      if (path === undefined) return { kind: 'not_found' };
      const answer = await call(endpoint, 'GET', `${path}/dues`);
      if (answer.kind === 'unreachable') return { kind: 'unavailable', detail: answer.detail };
      if (answer.status === 404) return { kind: 'not_found' };
      const months = Array.isArray(answer.json.months) ? (answer.json.months as Record<string, unknown>[]) : undefined;
      const total = minorOf(answer.json.total_fen);
      if (answer.status !== 200 || months === undefined || total === undefined)
        return { kind: 'unavailable', detail: `unexpected answer ${answer.status}` };
      if (months.length === 0) return { kind: 'nothing_due' };
      const periods: BillPeriod[] = [];
      for (const month of months) {
        const amountMinor = minorOf(month.total_fen);
        if (amountMinor === undefined || typeof month.month !== 'string')
          return { kind: 'unavailable', detail: 'a month without an amount' };
        periods.push({ period: month.month, amountMinor });
      }
      if (periods.reduce((sum, p) => sum + p.amountMinor, 0n) !== total)
        return { kind: 'unavailable', detail: 'months do not add up to the total' };
      return {
        kind: 'bill',
        bill: {
          billerBillRef: `${account}/${periods[0]?.period}`,
          amountDueMinor: total,
          lateFeeMinor: 0n,
          dueDate: null,
          customerName: null,
          lines: months.map((m) => ({
            label: `${String(m.month)} fee ${String(m.fee_fen)} + parking ${String(m.parking_fen)}`,
            amountMinor: minorOf(m.total_fen) ?? 0n,
          })),
          periods,
        },
      };
    },
    validate: async () => ({ kind: 'unavailable', detail: 'the property company bills: fetch, then pay' }),
    async post(request) {
      const path = unitPath(request.account);
      if (path === undefined || request.periods === null) return { kind: 'rejected', reason: 'not a unit, or no whole months' };
      const answer = await call(endpoint, 'POST', `${path}/payments`, {
        months: request.periods,
        total_fen: Number(request.amountMinor),
        ref: request.reference,
      });
      if (answer.kind === 'unreachable') return { kind: 'unknown', detail: answer.detail };
      if (answer.status === 404 || answer.status === 422) return { kind: 'rejected', reason: String(answer.json.error) };
      const total = minorOf(answer.json.total_fen);
      if (answer.status === 200 && typeof answer.json.receipt_no === 'string' && total === request.amountMinor)
        return { kind: 'accepted', receipt: answer.json.receipt_no, amountMinor: total };
      return { kind: 'unknown', detail: `unexpected answer ${answer.status}` };
    },
    async query(reference): Promise<QueryOutcome> {
      const answer = await call(endpoint, 'GET', `/payments/${encodeURIComponent(reference)}`);
      if (answer.kind === 'unreachable') return { kind: 'unknown', detail: answer.detail };
      if (answer.status === 404) return { kind: 'not_found' };
      const total = minorOf(answer.json.total_fen);
      if (answer.status === 200 && typeof answer.json.receipt_no === 'string' && total !== undefined)
        return { kind: 'accepted', receipt: answer.json.receipt_no, amountMinor: total };
      return { kind: 'unknown', detail: `unexpected answer ${answer.status}` };
    },
    dailyFile: (date) => dailyFile(endpoint, date),
  };
}
