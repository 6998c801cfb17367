import { available, call, dailyFile, minorOf } from './client.js';
import type { BillerConnector, BillerEndpoint, QueryOutcome } from './contract.js';

/** The charity (direct pay): POST a donation, 201 with a certificate number; 404/410/422 refuse it. */
export function charityConnector(endpoint: BillerEndpoint): BillerConnector {
  return {
    kind: 'charity',
    available: () => available(endpoint),
    fetch: async () => ({ kind: 'unavailable', detail: 'the charity takes donations directly' }),
    validate: async () => ({ kind: 'unavailable', detail: 'the charity takes donations directly' }),
    async post(request) {
      const answer = await call(endpoint, 'POST', '/donations', {
        project: request.account,
        amount_fen: Number(request.amountMinor),
        ref: request.reference,
      });
      if (answer.kind === 'unreachable') return { kind: 'unknown', detail: answer.detail };
      if ([404, 410, 422].includes(answer.status)) return { kind: 'rejected', reason: String(answer.json.error) };
      const fen = minorOf(answer.json.amount_fen);
      if ((answer.status === 200 || answer.status === 201) && typeof answer.json.certificate_no === 'string' && fen === request.amountMinor)
        return { kind: 'accepted', receipt: answer.json.certificate_no, amountMinor: fen };
      return { kind: 'unknown', detail: `unexpected answer ${answer.status}` };
    },
    async query(reference): Promise<QueryOutcome> {
      const answer = await call(endpoint, 'GET', `/donations/${encodeURIComponent(reference)}`);
      if (answer.kind === 'unreachable') return { kind: 'unknown', detail: answer.detail };
      if (answer.status === 404) return { kind: 'not_found' };
      const fen = minorOf(answer.json.amount_fen);
      if (answer.status === 200 && typeof answer.json.certificate_no === 'string' && fen !== undefined)
        return { kind: 'accepted', receipt: answer.json.certificate_no, amountMinor: fen };
      return { kind: 'unknown', detail: `unexpected answer ${answer.status}` };
    },
    dailyFile: (date) => dailyFile(endpoint, date),
  };
}
