import { available, call, dailyFile, minorOf } from './client.js';
import type { BillerConnector, BillerEndpoint, QueryOutcome } from './contract.js';

/** The water and gas company: REST, 404 for an unknown customer, 422 for a refused payment, cents. */
export function waterGasConnector(endpoint: BillerEndpoint): BillerConnector {
  return {
    kind: 'water_gas',
    available: () => available(endpoint),
    async fetch(account) {
      const answer = await call(endpoint, 'GET', `/v2/customers/${encodeURIComponent(account)}/dues`);
      if (answer.kind === 'unreachable') return { kind: 'unavailable', detail: answer.detail };
      if (answer.status === 404) return { kind: 'not_found' };
      const arrears = minorOf(answer.json.arrears_cents);
      const current = minorOf(answer.json.current_cents);
      const total = minorOf(answer.json.total_cents);
      if (answer.status !== 200 || arrears === undefined || current === undefined || total !== arrears + current)
        return { kind: 'unavailable', detail: `unexpected answer ${answer.status}` };
      if (total === 0n) return { kind: 'nothing_due' };
      return {
        kind: 'bill',
        bill: {
          billerBillRef: String(answer.json.statement_id),
          amountDueMinor: total,
          lateFeeMinor: 0n,
          dueDate: null,
          customerName: typeof answer.json.name === 'string' ? answer.json.name : null,
          lines: [
            ...(arrears > 0n ? [{ label: 'arrears carried over', amountMinor: arrears }] : []),
            { label: 'current statement', amountMinor: current },
          ],
          periods: [],
        },
      };
    },
    validate: async () => ({ kind: 'unavailable', detail: 'the water and gas company bills: fetch, then pay' }),
    async post(request) {
      const answer = await call(endpoint, 'POST', '/v2/payments', {
        customer: request.account,
        cents: Number(request.amountMinor),
        reference: request.reference,
      });
      if (answer.kind === 'unreachable') return { kind: 'unknown', detail: answer.detail };
      if (answer.status === 404 || answer.status === 422) return { kind: 'rejected', reason: String(answer.json.error) };
      const cents = minorOf(answer.json.cents);
      if ((answer.status === 200 || answer.status === 201) && typeof answer.json.receipt === 'string' && cents === request.amountMinor)
        return { kind: 'accepted', receipt: answer.json.receipt, amountMinor: cents };
      return { kind: 'unknown', detail: `unexpected answer ${answer.status}` };
    },
    async query(reference): Promise<QueryOutcome> {
      const answer = await call(endpoint, 'GET', `/v2/payments/${encodeURIComponent(reference)}`);
      if (answer.kind === 'unreachable') return { kind: 'unknown', detail: answer.detail };
      if (answer.status === 404) return { kind: 'not_found' };
      const cents = minorOf(answer.json.cents);
      if (answer.status === 200 && typeof answer.json.receipt === 'string' && cents !== undefined)
        return { kind: 'accepted', receipt: answer.json.receipt, amountMinor: cents };
      return { kind: 'unknown', detail: `unexpected answer ${answer.status}` };
    },
    dailyFile: (date) => dailyFile(endpoint, date),
  };
}
