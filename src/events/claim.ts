import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../store/index.js';
import type { EventsDb } from './model.js';

export interface ClaimRequest {
  readonly now: Date;
  /** Claimed deliveries are not due again before this: the lease of the attempt about to run. */
  readonly leaseUntil: Date;
  readonly limit: number;
  readonly attemptsMax: number;
}

export interface Claimed {
  readonly deliveryId: string;
  /** The attempt number reserved for this claim (1-based). */
  readonly attempt: number;
}

const abandonedError = 'the last attempt was interrupted before it finished';

/**
 * Takes due deliveries for one round of attempts, in one short transaction:
 *
 * - due: pending, `next_attempt_at <= now`, endpoint enabled;
 * - in order: no earlier event of the same object is still pending for the same endpoint;
 * - leased: the claim reserves the next attempt number and moves `next_attempt_at` to the end of
 *   the lease, so no other dispatcher takes it while the attempt runs. If this process dies
 *   mid-attempt, the delivery is due again when the lease ends (at-least-once).
 *
 * On PostgreSQL the rows are selected `FOR UPDATE SKIP LOCKED`: a second Hutong process skips what
 * the first is claiming instead of waiting, and a row claimed and committed meanwhile is re-checked
 * against `next_attempt_at` and dropped. SQLite has one writer, so the transaction alone suffices.
 *
 * A delivery whose attempts are used up but is still pending lost its last attempt to a crash; it
 * is marked failed here rather than tried beyond the bound.
 */
export async function claimDue(db: Kysely<EventsDb>, dialect: Dialect, request: ClaimRequest): Promise<Claimed[]> {
  const nowIso = request.now.toISOString();
  return db.transaction().execute(async (trx) => {
    let query = trx
      .selectFrom('webhook_deliveries as d')
      .select(['d.id', 'd.attempts'])
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', nowIso)
      .where('d.endpoint_id', 'in', (eb) =>
        eb.selectFrom('webhook_endpoints').select('webhook_endpoints.id').where('webhook_endpoints.status', '=', 'enabled'),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_deliveries as e')
              .select(sql.lit(1).as('one'))
              .whereRef('e.endpoint_id', '=', 'd.endpoint_id')
              .whereRef('e.object_id', '=', 'd.object_id')
              .whereRef('e.sequence', '<', 'd.sequence')
              .where('e.status', '=', 'pending'),
          ),
        ),
      )
      .orderBy('d.next_attempt_at')
      .orderBy('d.id')
      .limit(request.limit);
    if (dialect === 'postgres') query = query.forUpdate().skipLocked();
    const rows = await query.execute();

    const spent = rows.filter((r) => Number(r.attempts) >= request.attemptsMax).map((r) => r.id);
    const taken = rows.filter((r) => Number(r.attempts) < request.attemptsMax);
    if (spent.length > 0) {
      await trx
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', next_attempt_at: null, last_error: abandonedError, updated_at: nowIso })
        .where('id', 'in', spent)
        .execute();
    }
    if (taken.length > 0) {
      await trx
        .updateTable('webhook_deliveries')
        .set((eb) => ({ attempts: eb('attempts', '+', 1n), next_attempt_at: request.leaseUntil.toISOString(), updated_at: nowIso }))
        .where(
          'id',
          'in',
          taken.map((r) => r.id),
        )
        .execute();
    }
    return taken.map((r) => ({ deliveryId: r.id, attempt: Number(r.attempts) + 1 }));
  });
}
