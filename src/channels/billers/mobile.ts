import { available, call, dailyFile, minorOf } from './client.js';
import type { BillerConnector, BillerEndpoint, QueryOutcome } from './contract.js';

/** The mobile operator: POST JSON with two-digit codes (00 ok, 13 amount, 14 no number, 62 barred, 25 unknown top-up). */
export function mobileConnector(endpoint: BillerEndpoint): BillerConnector {
  return {
    kind: 'mobile',
    available: () => available(endpoint),
    fetch: async () => ({ kind: 'unavailable', detail: 'the mobile operator takes top-ups: validate, then pay' }),
    async validate(account) {
      const answer = await call(endpoint, 'POST', '/topup/validate', { msisdn: account });
      if (answer.kind === 'unreachable') return { kind: 'unavailable', detail: answer.detail };
      if (answer.json.code === '14') return { kind: 'not_found' };
      if (answer.json.code === '62') return { kind: 'nothing_due' };
      const min = minorOf(answer.json.min_fen);
      const max = minorOf(answer.json.max_fen);
      if (answer.json.code !== '00' || min === undefined || max === undefined)
        return { kind: 'unavailable', detail: `unexpected code ${String(answer.json.code)}` };
      return {
        kind: 'valid',
        minMinor: min,
        maxMinor: max,
        customerName: typeof answer.json.holder === 'string' ? answer.json.holder : null,
      };
    },
    async post(request) {
      const answer = await call(endpoint, 'POST', '/topup/credit', {
        msisdn: request.account,
        fen: Number(request.amountMinor),
        txn_id: request.reference,
      });
      if (answer.kind === 'unreachable') return { kind: 'unknown', detail: answer.detail };
      const fen = minorOf(answer.json.fen);
      if (answer.json.code === '00' && typeof answer.json.voucher === 'string' && fen === request.amountMinor)
        return { kind: 'accepted', receipt: answer.json.voucher, amountMinor: fen };
      if (['13', '14', '62'].includes(String(answer.json.code)))
        return { kind: 'rejected', reason: String(answer.json.message ?? answer.json.code) };
      return { kind: 'unknown', detail: `unexpected code ${String(answer.json.code)}` };
    },
    async query(reference): Promise<QueryOutcome> {
      const answer = await call(endpoint, 'POST', '/topup/status', { txn_id: reference });
      if (answer.kind === 'unreachable') return { kind: 'unknown', detail: answer.detail };
      if (answer.json.code === '25') return { kind: 'not_found' };
      const fen = minorOf(answer.json.fen);
      if (answer.json.code === '00' && typeof answer.json.voucher === 'string' && fen !== undefined)
        return { kind: 'accepted', receipt: answer.json.voucher, amountMinor: fen };
      return { kind: 'unknown', detail: `unexpected code ${String(answer.json.code)}` };
    },
    dailyFile: (date) => dailyFile(endpoint, date),
  };
}
