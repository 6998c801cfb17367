import type { Kysely, Transaction } from 'kysely';
import { type Clock, fail, type Failure, isFailure } from '../core/index.js';
import type { Database, Store, Writer } from '../store/index.js';
import { RiskError } from './errors.js';
import type { HeldPaymentPort, Review } from './model.js';

/**
 * Review holds (issue 16): a card payment a review rule fired on is authorized but not captured
 * (payments asks `captureAllowed`, so the merchant cannot capture it either) until an analyst
 * releases it (captured: the ledger entry is payments' capture) or cancels it (the authorization
 * is reversed and the hold voided in the ledger). The decision claims the review first
 * (open → releasing / canceling), then asks payments, then records the answer; a concurrent
 * second decision loses at the claim (409).
 */
const reviewOf = (r: Database['risk_reviews']): Review => ({
  paymentId: r.payment_id,
  merchantId: r.merchant_id,
  decisionId: r.decision_id,
  status: r.status as Review['status'],
  analyst: r.analyst,
  reason: r.reason,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
});

const reviewKey = (paymentId: string) => `risk/reviews/${paymentId}`;

export function createReviews(deps: { store: Store; writer: Writer; clock: Clock; payments: () => HeldPaymentPort | undefined }) {
  const { store, writer, clock } = deps;

  async function hold(trx: Transaction<Database>, h: { paymentId: string; merchantId: string; decisionId: string }): Promise<void> {
    const at = clock.now().toISOString();
    await trx
      .insertInto('risk_reviews')
      .values({
        payment_id: h.paymentId,
        merchant_id: h.merchantId,
        decision_id: h.decisionId,
        status: 'open',
        analyst: null,
        reason: null,
        created_at: at,
        decided_at: null,
      })
      .onConflict((oc) =>
        oc
          .column('payment_id')
          .doUpdateSet({ decision_id: h.decisionId, status: 'open', analyst: null, reason: null, created_at: at, decided_at: null }),
      )
      .execute();
  }

  async function captureAllowed(db: Kysely<Database>, paymentId: string): Promise<boolean> {
    const row = await db.selectFrom('risk_reviews').select('status').where('payment_id', '=', paymentId).executeTakeFirst();
    return row === undefined || row.status === 'releasing' || row.status === 'released';
  }

  async function list(filter: { status?: string }): Promise<Review[]> {
    let q = store.reader.selectFrom('risk_reviews').selectAll().orderBy('created_at', 'desc').limit(500);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    return (await q.execute()).map(reviewOf);
  }

  async function decide(
    paymentId: string,
    decision: 'release' | 'cancel',
    reason: string,
    analyst: string,
  ): Promise<{ before: Review; after: Review } | Failure<string>> {
    const port = deps.payments();
    if (port === undefined) throw new Error('reviews: payments are not bound');
    const before = await store.reader.selectFrom('risk_reviews').selectAll().where('payment_id', '=', paymentId).executeTakeFirst();
    if (before === undefined) return fail(RiskError.ReviewNotFound, `no payment ${paymentId} under review`);
    const working = decision === 'release' ? 'releasing' : 'canceling';
    const claimed = await writer.run(
      async (trx) =>
        (
          await trx
            .updateTable('risk_reviews')
            .set({ status: working, analyst, reason })
            .where('payment_id', '=', paymentId)
            .where('status', '=', 'open')
            .executeTakeFirst()
        ).numUpdatedRows === 1n,
      { keys: [reviewKey(paymentId)] },
    );
    if (!claimed)
      return fail(RiskError.ReviewDecided, `the review of ${paymentId} is ${before.status === 'open' ? 'being decided' : before.status}`);
    const done =
      decision === 'release' ? await port.capture(before.merchant_id, paymentId) : await port.cancel(before.merchant_id, paymentId);
    // The payment left requires_capture some other way (expired, canceled by the merchant): the hold is over.
    const gone = isFailure(done) && done.failure === 'payment_state_invalid';
    const final = !isFailure(done) ? (decision === 'release' ? 'released' : 'canceled') : gone ? 'canceled' : 'open';
    await writer.run(
      (trx) =>
        trx
          .updateTable('risk_reviews')
          .set({
            status: final,
            decided_at: final === 'open' ? null : clock.now().toISOString(),
            ...(final === 'open' ? { analyst: null, reason: null } : gone ? { reason: `${reason} (the payment was no longer held)` } : {}),
          })
          .where('payment_id', '=', paymentId)
          .where('status', '=', working)
          .execute(),
      { keys: [reviewKey(paymentId)] },
    );
    if (isFailure(done)) return done;
    const after = await store.reader.selectFrom('risk_reviews').selectAll().where('payment_id', '=', paymentId).executeTakeFirstOrThrow();
    return { before: reviewOf(before), after: reviewOf(after) };
  }

  return { hold, captureAllowed, list, decide };
}
