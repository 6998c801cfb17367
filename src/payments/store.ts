import assert from 'node:assert/strict';
import type { PaymentFxFacts } from './fx-port.js';
import { CompiledQuery, PostgresAdapter, sql, type Transaction } from 'kysely';
import type { Database } from '../store/index.js';
import { paymentMachine, refundMachine, type AttemptKind, type AttemptStatus, type PaymentStatus, type RefundStatus } from './state.js';

/** Row-level helpers every payment unit uses: conditional moves, transitions, attempts. */
type Trx = Transaction<Database>;

/**
 * Moves a payment from one status to another only if it is still in `from`: the row's own state is
 * the lock that makes two concurrent confirms (or a capture racing a cancel) resolve to one winner.
 */
export async function moveStatus(
  trx: Trx,
  p: { id: string; from: PaymentStatus; to: PaymentStatus; reason: string; at: string; set?: Partial<Database['payments']> },
): Promise<boolean> {
  return (await moveStatusReturning(trx, p)) !== undefined;
}

/**
 * `moveStatus` that answers the moved row (no re-read after it), or undefined if the payment was
 * no longer in `from`. On PostgreSQL the move and its timeline entry are one round trip (a
 * data-modifying CTE); on SQLite two statements.
 */
export async function moveStatusReturning(
  trx: Trx,
  p: { id: string; from: PaymentStatus; to: PaymentStatus; reason: string; at: string; set?: Partial<Database['payments']> },
): Promise<Database['payments'] | undefined> {
  paymentMachine.assertMove(p.from, p.to);
  const update = trx
    .updateTable('payments')
    .set({ ...p.set, status: p.to, updated_at: p.at })
    .where('id', '=', p.id)
    .where('status', '=', p.from)
    .returningAll();
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    const compiled = update.compile();
    const n = compiled.parameters.length;
    const text = `with u as (${compiled.sql}), t as (
      insert into payment_transitions (payment_id, seq, from_status, to_status, reason, at)
      select u.id, coalesce((select max(seq) from payment_transitions where payment_id = u.id), -1) + 1, $${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}
      from u) select * from u`;
    const result = await trx.executeQuery<Database['payments']>(
      CompiledQuery.raw(text, [...compiled.parameters, p.from, p.to, p.reason, p.at]),
    );
    return result.rows[0];
  }
  const row = await update.executeTakeFirst();
  if (row === undefined) return undefined;
  await recordTransition(trx, { paymentId: p.id, from: p.from, to: p.to, reason: p.reason, at: p.at });
  return row as Database['payments'];
}

/** Appends to the payment's timeline; the next sequence number is computed in the same statement. */
export async function recordTransition(
  trx: Trx,
  t: { paymentId: string; from: PaymentStatus | null; to: PaymentStatus; reason: string; at: string },
): Promise<void> {
  if (t.from === null) assert.equal(t.to, paymentMachine.initial, `a payment starts as ${paymentMachine.initial}`);
  else paymentMachine.assertMove(t.from, t.to);
  await sql`insert into payment_transitions (payment_id, seq, from_status, to_status, reason, at)
    select ${t.paymentId}, coalesce(max(seq), -1) + 1, ${t.from}, ${t.to}, ${t.reason}, ${t.at}
    from payment_transitions where payment_id = ${t.paymentId}`.execute(trx);
}

export async function insertAttempt(
  trx: Trx,
  a: {
    id: string;
    paymentId: string;
    kind: AttemptKind;
    channel: string;
    amountMinor: bigint;
    currency: string;
    originalAttemptId?: string;
    at: string;
  },
): Promise<void> {
  await trx
    .insertInto('payment_attempts')
    .values({
      id: a.id,
      payment_id: a.paymentId,
      kind: a.kind,
      channel: a.channel,
      status: 'pending',
      amount: a.amountMinor,
      currency: a.currency,
      response_code: null,
      reason: null,
      reference: null,
      authorization_code: null,
      original_attempt_id: a.originalAttemptId ?? null,
      sent_at: a.at,
      created_at: a.at,
      updated_at: a.at,
    })
    .execute();
}

export async function settleAttempt(
  trx: Trx,
  a: {
    id: string;
    status: AttemptStatus;
    responseCode?: string | null;
    reason?: string | null;
    reference?: string | null;
    authorizationCode?: string | null;
    at: string;
    /** Only if the attempt is still in one of these states (a claim); answers whether it was. */
    from?: readonly AttemptStatus[];
  },
): Promise<boolean> {
  // Only what this answer says is written: a reversal must not erase the original's reference.
  const set: Partial<Database['payment_attempts']> = { status: a.status, updated_at: a.at };
  if (a.responseCode !== undefined) set.response_code = a.responseCode;
  if (a.reason !== undefined) set.reason = a.reason;
  if (a.reference !== undefined) set.reference = a.reference;
  if (a.authorizationCode !== undefined) set.authorization_code = a.authorizationCode;
  let query = trx.updateTable('payment_attempts').set(set).where('id', '=', a.id);
  if (a.from !== undefined) query = query.where('status', 'in', [...a.from]);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

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

/** Moves a refund from `from` to `to` (checked against its table) only if it is still in `from`. */
export async function moveRefund(
  trx: Trx,
  r: { id: string; from: RefundStatus; to: RefundStatus; set?: Partial<Database['refunds']>; at: string },
): Promise<boolean> {
  refundMachine.assertMove(r.from, r.to);
  const result = await trx
    .updateTable('refunds')
    .set({ ...r.set, status: r.to, updated_at: r.at })
    .where('id', '=', r.id)
    .where('status', '=', r.from)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Writes the payment columns FX decided (src/fx returns them; only payments writes payment rows). */
export async function writeFxFacts(trx: Trx, paymentId: string, facts: PaymentFxFacts): Promise<void> {
  const set: Partial<Database['payments']> = {};
  if (facts.settlementCurrency !== undefined) set.settlement_currency = facts.settlementCurrency;
  if (facts.quoteId !== undefined) set.fx_quote_id = facts.quoteId;
  if (facts.rate !== undefined) set.fx_rate = facts.rate;
  if (facts.settlementAmountMinor !== undefined) set.settlement_amount = facts.settlementAmountMinor;
  if (Object.keys(set).length === 0) return;
  await trx.updateTable('payments').set(set).where('id', '=', paymentId).execute();
}
