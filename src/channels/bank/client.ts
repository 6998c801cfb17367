import { fail, type Failure } from '../../core/failure.js';
import type { BankConnector } from '../contracts.js';

/**
 * The settlement bank over HTTP: pain.001 files in (answered with a pain.002), camt.053 statements
 * out, and (sandbox only) the control routes the channels use to pay in. Network trouble is a
 * failure value: a payout file stays recorded as sent and is resent (same MsgId, which the bank
 * answers idempotently).
 */
export interface BankClient extends BankConnector {
  readonly baseUrl: string;
  credit(input: {
    account: string;
    amountMinor: bigint;
    currency: string;
    reference: string;
    from: string;
  }): Promise<true | Failure<'bank_unavailable'>>;
}

export function createBankClient(baseUrl: string, timeoutMs = 10_000): BankClient {
  async function call(path: string, init: RequestInit): Promise<string | Failure<'bank_unavailable'>> {
    try {
      const response = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      if (!response.ok) return fail('bank_unavailable', `the bank answered ${response.status}: ${text.slice(0, 200)}`);
      return text;
    } catch (error) {
      return fail('bank_unavailable', `the bank at ${baseUrl} did not answer: ${(error as Error).message}`);
    }
  }
  return {
    baseUrl,
    capabilities: { payouts: true, statements: true },
    formats: { payouts: 'pain.001.001.09', statements: 'camt.053.001.08' },
    sendPayoutFile: (xml) => call('/pain.001', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml }),
    nextStatement: (account) => call(`/statements/${encodeURIComponent(account)}/next`, { method: 'GET' }),
    async credit(input) {
      const answer = await call('/control/credit', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...input, amountMinor: undefined, amount: input.amountMinor.toString() }),
      });
      return typeof answer === 'string' ? true : answer;
    },
  };
}
