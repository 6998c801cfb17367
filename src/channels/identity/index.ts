import { causeOf, readBounded } from '../http.js';

/**
 * The identity verification connector: name + ID number, and bank-card four elements, over the
 * JSON API the sandbox identity service speaks (sandbox/identity/). Answers are 'match',
 * 'mismatch' or 'not_found'; anything else — a timeout, a 5xx, a body we cannot read — throws, and
 * the caller treats the check as not done (never as passed).
 */
export type IdentityAnswer = 'match' | 'mismatch' | 'not_found';

export interface IdentityClientOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs?: number;
}

const timeoutMsDefault = 3_000;
const responseBytesMax = 4 * 1024;
const answers: readonly string[] = ['match', 'mismatch', 'not_found'];

export class IdentityServiceError extends Error {}

export function createIdentityClient(options: IdentityClientOptions) {
  async function call(path: string, body: Record<string, string>): Promise<IdentityAnswer> {
    let response: Response;
    try {
      response = await fetch(`${options.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? timeoutMsDefault),
      });
    } catch (error) {
      throw new IdentityServiceError(`identity service unreachable: ${causeOf(error)}`);
    }
    const text = await readBounded(response, responseBytesMax);
    if (response.status !== 200 || text === undefined) throw new IdentityServiceError(`identity service answered HTTP ${response.status}`);
    const result = (JSON.parse(text) as { result?: unknown }).result;
    if (typeof result !== 'string' || !answers.includes(result)) throw new IdentityServiceError('identity service gave no result');
    return result as IdentityAnswer;
  }

  return {
    verifyId: (input: { name: string; idNumber: string }) => call('/v1/id/verify', { name: input.name, id_number: input.idNumber }),
    verifyBankCard: (input: { name: string; idNumber: string; cardNumber: string; phone: string }) =>
      call('/v1/bank_cards/verify', { name: input.name, id_number: input.idNumber, card_number: input.cardNumber, phone: input.phone }),
  };
}
