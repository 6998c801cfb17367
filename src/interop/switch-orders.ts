import assert from 'node:assert/strict';
import { fail, isFailure, newId, type Failure } from '../core/index.js';
import { accountIdFor, chart } from '../ledger/index.js';
import { parseMpm } from './emv-mpm.js';
import { InteropError } from './errors.js';
import { describeMpm } from './mpm-code.js';
import { hutongGuid } from './participants.js';
import type { FlowDeps, Trx } from './ports.js';
import type { InteropCodeOrdersTable } from './schema.js';
import { toCollectionCode, type CollectionCode } from './collection-codes.js';

/** The switch asks: a participant's user scanned this Hutong code; may it be paid, and how much? */
export interface SwitchOrderRequest {
  readonly switchReference: string;
  readonly payerInstitution: string;
  readonly payload: string;
  readonly currency: string;
  /** The amount the user typed (static codes); a dynamic code's amount is its own. */
  readonly amountMinor?: bigint;
}

export interface CodeOrder {
  readonly id: string;
  readonly codeId: string;
  readonly merchantId: string;
  readonly switchReference: string;
  readonly payerInstitution: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly status: 'ordered' | 'paid' | 'refunded';
  readonly merchantName: string;
  readonly createdAt: string;
  readonly paidAt: string | null;
  /** What its refunds gave back so far (order-refunds.ts); unset where not counted. */
  readonly amountRefundedMinor?: bigint;
}

type OrderFailure = Failure<InteropError>;

/** Finds the code a payload names (Hutong's template, sub-field 01) and checks it is the code Hutong issued. */
async function codeOfPayload(deps: FlowDeps, payload: string): Promise<CollectionCode | OrderFailure> {
  const { fields, violations } = parseMpm(payload);
  if (violations.length > 0) return fail(InteropError.QrCodeInvalid, violations.map((v) => v.message).join('; '));
  const template = describeMpm(fields).merchantAccounts.find((account) => account.guid === hutongGuid);
  const codeId = template?.subFields?.['01'];
  if (codeId === undefined) return fail(InteropError.InstitutionUnknown, 'the code carries no Hutong merchant account template');
  const row = await deps.db.selectFrom('interop_collection_codes').selectAll().where('id', '=', codeId).executeTakeFirst();
  if (row === undefined) return fail(InteropError.CollectionCodeNotFound, `no collection code ${codeId}`);
  // A code whose fields were edited and whose CRC was recomputed is not the code Hutong issued.
  if (row.payload !== payload) return fail(InteropError.CollectionCodeInvalid, 'the payload is not the one Hutong issued for this code');
  return toCollectionCode(row);
}

function checkPayable(deps: FlowDeps, code: CollectionCode, request: SwitchOrderRequest): bigint | OrderFailure {
  if (code.status === 'disabled') return fail(InteropError.CollectionCodeInvalid, 'the code is disabled');
  if (code.currency !== request.currency) return fail(InteropError.AmountMismatch, `the code is in ${code.currency}`);
  if (code.kind === 'static') {
    if (request.amountMinor === undefined || request.amountMinor <= 0n)
      return fail(InteropError.AmountMismatch, 'a static code is paid with an amount');
    return request.amountMinor;
  }
  if (code.status === 'paid') return fail(InteropError.CollectionCodeUsed, 'the code was paid already');
  if (code.expiresAt !== null && deps.clock.now().toISOString() >= code.expiresAt)
    return fail(InteropError.CollectionCodeExpired, 'the code expired');
  assert.ok(code.amountMinor !== null, 'a dynamic code has an amount');
  if (request.amountMinor !== undefined && request.amountMinor !== code.amountMinor)
    return fail(InteropError.AmountMismatch, `the code's amount is ${code.amountMinor}`);
  return code.amountMinor;
}

export async function orderCode(deps: FlowDeps, request: SwitchOrderRequest): Promise<CodeOrder | OrderFailure> {
  const code = await codeOfPayload(deps, request.payload);
  if (isFailure(code)) return code;
  const merchant = await deps.merchants.merchant(code.merchantId);
  if (merchant === undefined || merchant.status !== 'active') return fail(InteropError.MerchantSuspended, 'the merchant is suspended');
  const amountMinor = checkPayable(deps, code, request);
  if (isFailure(amountMinor)) return amountMinor;
  const id = newId('qro', deps.clock.now().getTime());
  const row: InteropCodeOrdersTable = {
    id,
    code_id: code.id,
    merchant_id: code.merchantId,
    claim_key: code.kind === 'dynamic' ? code.id : id,
    switch_reference: request.switchReference,
    payer_institution: request.payerInstitution,
    currency: code.currency,
    amount: amountMinor,
    status: 'ordered',
    entry_id: null,
    created_at: deps.clock.now().toISOString(),
    paid_at: null,
  };
  return deps.writer.run(
    async (trx) => {
      const replay = await trx
        .selectFrom('interop_code_orders')
        .selectAll()
        .where('switch_reference', '=', request.switchReference)
        .executeTakeFirst();
      if (replay !== undefined) {
        return replay.code_id === code.id
          ? toOrder(replay, code)
          : fail(InteropError.SwitchMessageInvalid, 'this switch reference names another order');
      }
      const claimed = await trx.selectFrom('interop_code_orders').select('id').where('claim_key', '=', row.claim_key).executeTakeFirst();
      if (claimed !== undefined) return fail(InteropError.CollectionCodeUsed, 'the code has an order already: a dynamic code is paid once');
      await trx.insertInto('interop_code_orders').values(row).execute();
      return toOrder(row, code);
    },
    { keys: [code.id] },
  );
}

export interface SwitchPaidNotice {
  readonly switchReference: string;
  readonly orderId: string;
  readonly currency: string;
  readonly amountMinor: bigint;
}

/** The switch says the payer's institution debited its user: credit the merchant, once. */
export async function acceptPaid(deps: FlowDeps, notice: SwitchPaidNotice): Promise<CodeOrder | OrderFailure> {
  const found = await deps.db.selectFrom('interop_code_orders').selectAll().where('id', '=', notice.orderId).executeTakeFirst();
  if (found === undefined || found.switch_reference !== notice.switchReference)
    return fail(InteropError.SwitchOrderUnknown, `no order ${notice.orderId} for switch reference ${notice.switchReference}`);
  if (found.currency !== notice.currency || BigInt(found.amount) !== notice.amountMinor)
    return fail(InteropError.AmountMismatch, `the order is ${found.amount} ${found.currency}`);
  const codeRow = await deps.db
    .selectFrom('interop_collection_codes')
    .selectAll()
    .where('id', '=', found.code_id)
    .executeTakeFirstOrThrow();
  const code = toCollectionCode(codeRow);
  const receivable = chart.channelReceivable('switch', found.currency);
  const pending = chart.merchantPending(found.merchant_id, found.currency);
  return deps.writer.run(
    async (trx) => {
      const now = deps.clock.now().toISOString();
      const moved = await trx
        .updateTable('interop_code_orders')
        .set({ status: 'paid', paid_at: now, entry_id: found.id })
        .where('id', '=', found.id)
        .where('status', '=', 'ordered')
        .executeTakeFirst();
      if (moved.numUpdatedRows !== 1n) {
        const again = await trx.selectFrom('interop_code_orders').selectAll().where('id', '=', found.id).executeTakeFirstOrThrow();
        return toOrder(again, code);
      }
      if (code.kind === 'dynamic')
        await trx.updateTable('interop_collection_codes').set({ status: 'paid' }).where('id', '=', code.id).execute();
      return credit(deps, trx, { ...found, status: 'paid', paid_at: now, entry_id: found.id }, code, [receivable, pending]);
    },
    { keys: [accountIdFor(receivable), accountIdFor(pending)] },
  );
}

async function credit(
  deps: FlowDeps,
  trx: Trx,
  order: InteropCodeOrdersTable,
  code: CollectionCode,
  [receivable, pending]: [ReturnType<typeof chart.channelReceivable>, ReturnType<typeof chart.merchantPending>],
): Promise<CodeOrder | OrderFailure> {
  const amountMinor = BigInt(order.amount);
  const entry = await deps.ledger.post(trx, {
    id: order.id,
    reason: 'interop.code_paid',
    link: { type: 'collection_code_order', id: order.id },
    postings: [
      { accountId: await deps.ledger.ensureAccount(trx, receivable), currency: order.currency, amountMinor },
      { accountId: await deps.ledger.ensureAccount(trx, pending), currency: order.currency, amountMinor: -amountMinor },
    ],
  });
  // Both accounts may go negative and exist now: a failure here is a bug, not a business refusal.
  assert.ok(!isFailure(entry), `the code payment ${order.id} could not be posted: ${isFailure(entry) ? entry.detail : ''}`);
  const paid = toOrder(order, code);
  await deps.events.record(trx, {
    merchantId: order.merchant_id,
    type: 'collection_code.paid',
    objectType: 'collection_code_order',
    objectId: order.id,
    data: paid,
  });
  return paid;
}

export function toOrder(row: InteropCodeOrdersTable, code: CollectionCode): CodeOrder {
  return {
    id: row.id,
    codeId: row.code_id,
    merchantId: row.merchant_id,
    switchReference: row.switch_reference,
    payerInstitution: row.payer_institution,
    currency: row.currency,
    amountMinor: BigInt(row.amount),
    status: row.status as CodeOrder['status'],
    merchantName: code.merchantName,
    createdAt: row.created_at,
    paidAt: row.paid_at,
  };
}
