import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { PaymentStatus } from './state.js';

type Trx = Transaction<Database>;

/**
 * Claims of an authorized payment by one follow-up (a capture or a cancel) before it talks to the
 * acquirer (docs/architecture.md, "Money"). The claim is a condition on the row: status still
 * `from` and no other claim. Of a capture racing a cancel, exactly one claims; the other answers
 * 409 without sending anything, so the issuer never sees a capture and a reversal of one payment.
 */
export async function claimPayment(trx: Trx, c: { id: string; from: PaymentStatus; claimId: string; at: string }): Promise<boolean> {
  const result = await trx
    .updateTable('payments')
    .set({ claim_id: c.claimId, claimed_at: c.at })
    .where('id', '=', c.id)
    .where('status', '=', c.from)
    .where('claim_id', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Gives the claim back; false when it is no longer this one's (the recovery sweep released it). */
export async function releaseClaim(trx: Trx, c: { id: string; claimId: string }): Promise<boolean> {
  const result = await trx
    .updateTable('payments')
    .set({ claim_id: null, claimed_at: null })
    .where('id', '=', c.id)
    .where('claim_id', '=', c.claimId)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
