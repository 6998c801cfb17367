import { repeatEvery, type Loop } from '../core/index.js';
import type { BillpayDeps } from './deps.js';
import type { BillPayment } from './model.js';
import { refundCard } from './card-refund.js';
import { resolveCharging } from './pay-by-card.js';
import { postAndRecord, recordOutcome } from './posting.js';
import { toPayment } from './rows.js';

/**
 * An unanswered posting is never guessed (STYLE.md "unknown means pending"): Hutong asks the biller
 * by its own reference. Booked → accepted. Not booked → posted again under the same reference
 * (the biller books a reference once, so a late first posting cannot make it twice), until
 * `postAttemptsMax` postings; then refunded. No answer to the query → asked again later.
 */
export async function resolvePayment(deps: BillpayDeps, payment: BillPayment): Promise<BillPayment> {
  const biller = await deps.store.reader
    .selectFrom('billpay_billers')
    .select(['connector', 'id'])
    .where('id', '=', payment.billerId)
    .executeTakeFirstOrThrow();
  const connector = deps.connectors(biller.connector);
  if (connector === undefined)
    return recordOutcome(deps, payment.id, { kind: 'unknown', detail: `connector ${biller.connector} is not configured` });
  const asked = await connector.query(payment.id);
  if (asked.kind === 'accepted') {
    if (asked.amountMinor !== payment.amount.minor)
      return recordOutcome(deps, payment.id, {
        kind: 'unknown',
        detail: `the biller reports ${asked.amountMinor}, not ${payment.amount.minor}`,
      });
    return recordOutcome(deps, payment.id, asked);
  }
  if (asked.kind === 'unknown') return recordOutcome(deps, payment.id, asked);
  if (payment.attempts >= deps.settings.postAttemptsMax)
    return recordOutcome(deps, payment.id, { kind: 'not_booked', detail: `not booked by the biller after ${payment.attempts} postings` });
  // Claim the next posting: of two resolvers, one sends it.
  const claimed = await deps.writer.run(
    async (trx) =>
      trx
        .updateTable('billpay_payments')
        .set({ attempts: BigInt(payment.attempts + 1), updated_at: deps.clock.now().toISOString() })
        .where('id', '=', payment.id)
        .where('attempts', '=', BigInt(payment.attempts))
        .where('status', 'in', ['posting', 'awaiting_biller'])
        .executeTakeFirst(),
    { keys: [payment.id] },
  );
  if (claimed.numUpdatedRows !== 1n) return payment;
  const row = await deps.store.reader
    .selectFrom('billpay_payments')
    .select('biller_bill_ref')
    .where('id', '=', payment.id)
    .executeTakeFirstOrThrow();
  return postAndRecord(deps, connector, { ...payment, attempts: payment.attempts + 1 }, row.biller_bill_ref);
}

/** One pass: the due unanswered payments (and `posting` ones a crashed process left), each claimed by moving its next check. */
export async function sweepOnce(deps: BillpayDeps): Promise<number> {
  const now = deps.clock.now();
  const due = await deps.store.reader
    .selectFrom('billpay_payments')
    .selectAll()
    .where('status', 'in', ['charging', 'posting', 'awaiting_biller'])
    .where('next_check_at', '<=', now.toISOString())
    .orderBy('next_check_at')
    .limit(deps.settings.sweepBatchMax)
    .execute();
  let resolved = 0;
  for (const row of due) {
    const lease = new Date(now.getTime() + deps.settings.postingGraceMs).toISOString();
    const claimed = await deps.writer.run(
      async (trx) =>
        trx
          .updateTable('billpay_payments')
          .set({ next_check_at: lease })
          .where('id', '=', row.id)
          .where('status', '=', row.status)
          .where('next_check_at', '=', row.next_check_at)
          .executeTakeFirst(),
      { keys: [row.id] },
    );
    if (claimed.numUpdatedRows !== 1n) continue;
    const after = row.status === 'charging' ? await resolveChargingOf(deps, toPayment(row)) : await resolvePayment(deps, toPayment(row));
    if (after.status === 'accepted' || after.status === 'refunded' || after.status === 'failed') resolved += 1;
  }
  // Refused card-funded payments whose card refund did not go through yet (the gateway was down, or a crash).
  const owed = await deps.store.reader
    .selectFrom('billpay_payments')
    .selectAll()
    .where('card_refund', '=', 'due')
    .orderBy('updated_at')
    .limit(deps.settings.sweepBatchMax)
    .execute();
  for (const row of owed) await refundCard(deps, toPayment(row));
  return resolved;
}

async function resolveChargingOf(deps: BillpayDeps, payment: BillPayment): Promise<BillPayment> {
  const biller = await deps.store.reader
    .selectFrom('billpay_billers')
    .select('connector')
    .where('id', '=', payment.billerId)
    .executeTakeFirstOrThrow();
  return resolveCharging(deps, deps.connectors(biller.connector), payment);
}

export function createSweeper(deps: BillpayDeps): Loop {
  return repeatEvery(
    deps.settings.sweepIntervalMs,
    () => sweepOnce(deps),
    (error) => deps.log(`billpay sweeper: ${String(error)}`),
  );
}
