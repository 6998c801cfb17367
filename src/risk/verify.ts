import { type Clock, fail, type Failure } from '../core/index.js';
import type { Writer } from '../store/index.js';
import { limitKeyOf } from './debits.js';
import { RiskError } from './errors.js';
import {
  levelRank,
  type IdentityAnswer,
  type IdentityPort,
  type Screening,
  type VerificationLevel,
  type VerificationRequest,
} from './model.js';
import type { Screener } from './screening.js';

export interface VerifyDeps {
  readonly writer: Writer;
  readonly clock: Clock;
  readonly identity: IdentityPort | undefined;
  readonly screening: Screener;
  readonly levelOf: (partyId: string) => Promise<VerificationLevel>;
}

const refusals: Record<Exclude<IdentityAnswer, 'match'>, string> = {
  mismatch: 'the identity service says the name does not belong to this ID number',
  not_found: 'the identity service does not know this ID number (or this bank card)',
};

/**
 * Real-name verification of a customer: the identity service checks name + ID number (level
 * `id`, PBOC class I) and, for `id_bank_card` (class II), the bank card's four elements; then the
 * name is screened against the sanctions lists. Nothing changes unless every check answered: an
 * identity service that cannot be reached is a 503, never a pass.
 */
export async function verifyCustomer(
  deps: VerifyDeps,
  customer: { merchantId: string; customerId: string },
  request: VerificationRequest,
): Promise<{ level: VerificationLevel; screening: Screening } | Failure<RiskError>> {
  if (deps.identity === undefined) return fail(RiskError.IdentityUnavailable, 'no identity service is configured');
  if (request.level === 'id_bank_card' && request.bankCard === undefined)
    return fail(RiskError.VerificationInvalid, 'level id_bank_card needs bank_card.number and bank_card.phone');
  const answers: IdentityAnswer[] = [];
  try {
    answers.push(await deps.identity.verifyId({ name: request.name, idNumber: request.idNumber }));
    if (request.level === 'id_bank_card' && answers[0] === 'match') {
      const card = request.bankCard as { number: string; phone: string };
      answers.push(
        await deps.identity.verifyBankCard({ name: request.name, idNumber: request.idNumber, cardNumber: card.number, phone: card.phone }),
      );
    }
  } catch (error) {
    return fail(RiskError.IdentityUnavailable, `the identity check could not be done: ${(error as Error).message}`);
  }
  const refused = answers.find((a): a is Exclude<IdentityAnswer, 'match'> => a !== 'match');
  if (refused !== undefined) return fail(RiskError.IdentityMismatch, refusals[refused]);

  const screening = await deps.screening.screen({
    partyId: customer.customerId,
    partyType: 'customer',
    merchantId: customer.merchantId,
    name: request.name,
    context: 'verification',
  });
  const current = await deps.levelOf(customer.customerId);
  const level = levelRank(request.level) > levelRank(current) ? request.level : current;
  const at = deps.clock.now().toISOString();
  await deps.writer.run(
    (trx) =>
      trx.updateTable('risk_parties').set({ level, verified_at: at, updated_at: at }).where('party_id', '=', customer.customerId).execute(),
    { keys: [limitKeyOf(customer.customerId)] },
  );
  return { level, screening };
}
