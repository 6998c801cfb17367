import { derivedId, digestOf, fail, isFailure, newId, type Failure } from '../core/index.js';
import { accountIdFor, chart } from '../ledger/index.js';
import { InteropError } from './errors.js';
import type { FlowDeps, Trx } from './ports.js';
import type { InteropCodeOrdersTable, InteropOrderRefundsTable } from './schema.js';
import { toCollectionCode } from './collection-codes.js';
import { toOrder, type CodeOrder } from './switch-orders.js';
import { ask } from './till-charges.js';

/**
 * Refunds of collection-code orders (docs/interop.md, "Refunds of collection-code orders"): Hutong
 * as the merchant's institution gives a payer's money back through the switch to the payer's
 * institution, which credits its user.
 *
 * 1. Claim, one writer unit: the refund row (`pending`), a ledger hold (debit the merchant's pending
 *    balance, credit the switch receivable) that keeps several refunds within the paid amount, and a
 *    durable timer that asks again if no answer is recorded.
 * 2. Talk: signed `POST /participants/hutong/order_refund {switch_reference, refund_id, currency,
 *    amount}`; the refund id is the switch's idempotency key, so asking again never refunds twice.
 * 3. Record, one writer unit, only from `pending`: `succeeded` posts the hold, `failed` voids it.
 *    No answer (or one whose signature does not verify) leaves the refund pending: the timer asks
 *    again after `orderRefundRetryMs` until the switch answers, also after a crash or a restart.
 */
export interface OrderRefund {
  readonly id: string;
  readonly orderId: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly reason: string | null;
  readonly status: 'pending' | 'succeeded' | 'failed';
  readonly switchReference: string | null;
  readonly failureReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface OrderRefundRequest {
  /** Unset: the rest of the order (what is not refunded or being refunded). */
  readonly amountMinor?: bigint;
  readonly reason?: string;
  readonly idempotencyKey?: string;
}

/** An order with its refunds, as the merchant sees it. */
export interface CodeOrderDetail extends CodeOrder {
  readonly amountRefundedMinor: bigint;
  readonly refunds: readonly OrderRefund[];
}

export const orderRefundTimerKind = 'interop.order_refund';
const orderRefundRetryMsDefault = 5_000;

type Failed = Failure<InteropError>;

export function toOrderRefund(row: InteropOrderRefundsTable): OrderRefund {
  return {
    id: row.id,
    orderId: row.order_id,
    merchantId: row.merchant_id,
    currency: row.currency,
    amountMinor: BigInt(row.amount),
    reason: row.reason,
    status: row.status as OrderRefund['status'],
    switchReference: row.switch_reference,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const accountsOf = (order: { merchant_id: string; currency: string }) => ({
  pending: chart.merchantPending(order.merchant_id, order.currency),
  receivable: chart.channelReceivable('switch', order.currency),
});

async function orderRow(deps: FlowDeps, merchantId: string, orderId: string): Promise<InteropCodeOrdersTable | undefined> {
  const row = await deps.db.selectFrom('interop_code_orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  return row === undefined || row.merchant_id !== merchantId ? undefined : row;
}

export async function getCodeOrder(deps: FlowDeps, merchantId: string, orderId: string): Promise<CodeOrderDetail | Failed> {
  const row = await orderRow(deps, merchantId, orderId);
  if (row === undefined) return fail(InteropError.CodeOrderNotFound, `no collection-code order ${orderId}`);
  return detailOf(deps, row);
}

async function detailOf(deps: FlowDeps, row: InteropCodeOrdersTable): Promise<CodeOrderDetail> {
  const code = await deps.db.selectFrom('interop_collection_codes').selectAll().where('id', '=', row.code_id).executeTakeFirstOrThrow();
  const refunds = await deps.db
    .selectFrom('interop_order_refunds')
    .selectAll()
    .where('order_id', '=', row.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const amountRefundedMinor = refunds.filter((r) => r.status === 'succeeded').reduce((sum, r) => sum + BigInt(r.amount), 0n);
  return { ...toOrder(row, toCollectionCode(code)), amountRefundedMinor, refunds: refunds.map(toOrderRefund) };
}

/** The merchant refunds a paid order, in full or in part; refunds together never exceed what was paid. */
export async function refundCodeOrder(
  deps: FlowDeps,
  merchantId: string,
  orderId: string,
  request: OrderRefundRequest,
): Promise<OrderRefund | Failed> {
  const order = await orderRow(deps, merchantId, orderId);
  if (order === undefined) return fail(InteropError.CodeOrderNotFound, `no collection-code order ${orderId}`);
  if (deps.settings.switchUrl === undefined) return fail(InteropError.SwitchUnavailable, 'no switch is configured');
  const now = deps.clock.now();
  const id =
    request.idempotencyKey === undefined
      ? newId('qrr', now.getTime())
      : derivedId('qrr', `${merchantId}/collection_code_refund`, request.idempotencyKey);
  const digest = digestOf({ orderId, amountMinor: request.amountMinor?.toString() ?? null, reason: request.reason ?? null });
  const { pending, receivable } = accountsOf(order);
  const claimed = await deps.writer.run(
    async (trx): Promise<{ row: InteropOrderRefundsTable; fresh: boolean } | Failed> => {
      const replay = await trx.selectFrom('interop_order_refunds').selectAll().where('id', '=', id).executeTakeFirst();
      if (replay !== undefined) {
        return replay.request_digest === digest
          ? { row: replay, fresh: false }
          : fail(InteropError.IdempotencyConflict, 'this Idempotency-Key was used for a different refund');
      }
      // Re-read inside the unit, and take the order's row lock (PostgreSQL) so two refunds of one order run one after the other.
      await trx.updateTable('interop_code_orders').set({ status: order.status }).where('id', '=', order.id).execute();
      const current = await trx.selectFrom('interop_code_orders').selectAll().where('id', '=', order.id).executeTakeFirstOrThrow();
      if (current.status === 'ordered') return fail(InteropError.CodeOrderNotPaid, 'the order is not paid: there is nothing to refund');
      const others = await trx
        .selectFrom('interop_order_refunds')
        .select(['amount', 'status'])
        .where('order_id', '=', order.id)
        .where('status', '!=', 'failed')
        .execute();
      const taken = others.reduce((sum, r) => sum + BigInt(r.amount), 0n);
      const paid = BigInt(current.amount);
      const amountMinor = request.amountMinor ?? paid - taken;
      if (amountMinor <= 0n || taken + amountMinor > paid)
        return fail(
          InteropError.CodeOrderRefundExceedsPaid,
          `the order paid ${paid} ${current.currency}; ${taken} is refunded or being refunded, so at most ${paid - taken} is left`,
        );
      const at = now.toISOString();
      const row: InteropOrderRefundsTable = {
        id,
        order_id: order.id,
        merchant_id: merchantId,
        idempotency_key: request.idempotencyKey ?? null,
        request_digest: digest,
        currency: current.currency,
        amount: amountMinor,
        reason: request.reason ?? null,
        status: 'pending',
        switch_reference: null,
        failure_reason: null,
        created_at: at,
        updated_at: at,
      };
      await trx.insertInto('interop_order_refunds').values(row).execute();
      const held = await deps.ledger.hold(trx, {
        id,
        reason: 'interop.code_refund',
        link: { type: 'collection_code_order', id: order.id },
        postings: [
          { accountId: await deps.ledger.ensureAccount(trx, pending), currency: row.currency, amountMinor },
          { accountId: await deps.ledger.ensureAccount(trx, receivable), currency: row.currency, amountMinor: -amountMinor },
        ],
      });
      // The merchant's pending balance may go negative (a refund after settlement): a failure here is a bug.
      if (isFailure(held)) throw new Error(`order refund ${id}: ${held.detail}`);
      await deps.timers?.schedule(trx, {
        kind: orderRefundTimerKind,
        key: `${orderRefundTimerKind}:${id}`,
        dueAt: new Date(now.getTime() + retryMsOf(deps)),
        payload: { refundId: id },
      });
      return { row, fresh: true };
    },
    { keys: [accountIdFor(pending), accountIdFor(receivable), `interop.order:${order.id}`] },
  );
  if (isFailure(claimed)) return claimed;
  if (claimed.row.status !== 'pending') return toOrderRefund(claimed.row);
  return askSwitch(deps, claimed.row, order);
}

const retryMsOf = (deps: FlowDeps) => deps.settings.orderRefundRetryMs ?? orderRefundRetryMsDefault;

type SwitchOutcome = { status: 'succeeded'; reference: string } | { status: 'failed'; reason: string } | { status: 'unknown' };

async function askSwitch(deps: FlowDeps, refund: InteropOrderRefundsTable, order: InteropCodeOrdersTable): Promise<OrderRefund> {
  const parsed = await ask(deps, 'order_refund', {
    switch_reference: order.switch_reference,
    refund_id: refund.id,
    currency: refund.currency,
    amount: BigInt(refund.amount).toString(),
  });
  let outcome: SwitchOutcome = { status: 'unknown' };
  if (!isFailure(parsed) && parsed.http_status === '200') {
    if (parsed.status === 'succeeded' && typeof parsed.reference === 'string' && parsed.reference !== '')
      outcome = { status: 'succeeded', reference: parsed.reference };
    else if (parsed.status === 'failed') outcome = { status: 'failed', reason: parsed.reason ?? 'refused' };
  }
  if (outcome.status === 'unknown') return toOrderRefund(refund);
  return recordOutcome(deps, refund, order, outcome);
}

/** Posts or voids the hold once: a second answer (the timer and the first call racing) finds the row moved and changes nothing. */
async function recordOutcome(
  deps: FlowDeps,
  refund: InteropOrderRefundsTable,
  order: InteropCodeOrdersTable,
  outcome: Exclude<SwitchOutcome, { status: 'unknown' }>,
): Promise<OrderRefund> {
  const { pending, receivable } = accountsOf(order);
  return deps.writer.run(
    async (trx) => {
      const at = deps.clock.now().toISOString();
      const update =
        outcome.status === 'succeeded'
          ? { status: 'succeeded', switch_reference: outcome.reference, updated_at: at }
          : { status: 'failed', failure_reason: outcome.reason, updated_at: at };
      const moved = await trx
        .updateTable('interop_order_refunds')
        .set(update)
        .where('id', '=', refund.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (moved.numUpdatedRows !== 1n) {
        const now = await trx.selectFrom('interop_order_refunds').selectAll().where('id', '=', refund.id).executeTakeFirstOrThrow();
        return toOrderRefund(now);
      }
      const done =
        outcome.status === 'succeeded'
          ? await deps.ledger.postPending(trx, { id: `${refund.id}.post`, pendingId: refund.id })
          : await deps.ledger.voidPending(trx, { id: `${refund.id}.void`, pendingId: refund.id });
      if (isFailure(done)) throw new Error(`order refund ${refund.id}: ${done.detail}`);
      await afterRefund(deps, trx, order, outcome.status);
      return toOrderRefund({ ...refund, ...update });
    },
    { keys: [accountIdFor(pending), accountIdFor(receivable), `interop.order:${order.id}`] },
  );
}

/** A fully refunded order becomes `refunded`; the merchant hears of each outcome by webhook. */
async function afterRefund(deps: FlowDeps, trx: Trx, order: InteropCodeOrdersTable, outcome: 'succeeded' | 'failed'): Promise<void> {
  const refunds = await trx
    .selectFrom('interop_order_refunds')
    .select(['amount'])
    .where('order_id', '=', order.id)
    .where('status', '=', 'succeeded')
    .execute();
  const refunded = refunds.reduce((sum, r) => sum + BigInt(r.amount), 0n);
  const status = refunded >= BigInt(order.amount) ? 'refunded' : order.status === 'refunded' ? 'refunded' : 'paid';
  if (status !== order.status) await trx.updateTable('interop_code_orders').set({ status }).where('id', '=', order.id).execute();
  const code = await trx.selectFrom('interop_collection_codes').selectAll().where('id', '=', order.code_id).executeTakeFirstOrThrow();
  await deps.events.record(trx, {
    merchantId: order.merchant_id,
    type: outcome === 'succeeded' ? 'collection_code.refunded' : 'collection_code.refund_failed',
    objectType: 'collection_code_order',
    objectId: order.id,
    data: { ...toOrder({ ...order, status }, toCollectionCode(code)), amountRefundedMinor: refunded },
  });
}

/**
 * The sweep of one refund (a durable timer, so it survives a crash between the claim and the
 * answer): asks the switch again while the refund is pending; the switch answers a refund id it
 * has seen with its first answer.
 */
export async function resolveOrderRefund(deps: FlowDeps, refundId: string): Promise<undefined | { readonly retryAt: Date }> {
  const refund = await deps.db.selectFrom('interop_order_refunds').selectAll().where('id', '=', refundId).executeTakeFirst();
  if (refund === undefined || refund.status !== 'pending') return undefined;
  const order = await deps.db.selectFrom('interop_code_orders').selectAll().where('id', '=', refund.order_id).executeTakeFirstOrThrow();
  const after = await askSwitch(deps, refund, order);
  return after.status === 'pending' ? { retryAt: new Date(deps.clock.now().getTime() + retryMsOf(deps)) } : undefined;
}
