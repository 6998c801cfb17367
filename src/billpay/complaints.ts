import { fail, newId, type Failure } from '../core/index.js';
import type { Database } from '../store/index.js';
import type { BillpayDeps } from './deps.js';
import { BillpayError } from './errors.js';
import type { Complaint, ComplaintStatus } from './model.js';

/** Complaints on a bill payment (BBPS: raise, status, resolve); the operator resolves them. */
export const complaintReasons = ['not_credited', 'wrong_amount', 'duplicate', 'other'] as const;
export type ComplaintReason = (typeof complaintReasons)[number];

export async function raiseComplaint(
  deps: BillpayDeps,
  merchantId: string,
  input: { paymentId: string; reason: ComplaintReason; description?: string },
): Promise<Complaint | Failure<BillpayError>> {
  const payment = await deps.store.reader
    .selectFrom('billpay_payments')
    .select('id')
    .where('id', '=', input.paymentId)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (payment === undefined) return fail(BillpayError.PaymentNotFound, `no bill payment ${input.paymentId}`);
  const now = deps.clock.now().toISOString();
  const row: Database['billpay_complaints'] = {
    id: newId('bcmp', deps.clock.now().getTime()),
    merchant_id: merchantId,
    payment_id: input.paymentId,
    reason: input.reason,
    description: input.description ?? null,
    status: 'open',
    resolution: null,
    created_at: now,
    updated_at: now,
  };
  await deps.writer.run(async (trx) => trx.insertInto('billpay_complaints').values(row).execute(), { keys: [row.id] });
  return toComplaint(row);
}

export async function getComplaint(
  deps: BillpayDeps,
  merchantId: string | undefined,
  id: string,
): Promise<Complaint | Failure<BillpayError>> {
  let query = deps.store.reader.selectFrom('billpay_complaints').selectAll().where('id', '=', id);
  if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
  const row = await query.executeTakeFirst();
  return row === undefined ? fail(BillpayError.ComplaintNotFound, `no complaint ${id}`) : toComplaint(row);
}

export async function resolveComplaint(deps: BillpayDeps, id: string, resolution: string): Promise<Complaint | Failure<BillpayError>> {
  return deps.writer.run(
    async (trx) => {
      const row = await trx.selectFrom('billpay_complaints').selectAll().where('id', '=', id).executeTakeFirst();
      if (row === undefined) return fail(BillpayError.ComplaintNotFound, `no complaint ${id}`);
      if (row.status !== 'open') return fail(BillpayError.ComplaintStateInvalid, `complaint ${id} is ${row.status}`);
      const changes = { status: 'resolved', resolution, updated_at: deps.clock.now().toISOString() };
      await trx.updateTable('billpay_complaints').set(changes).where('id', '=', id).where('status', '=', 'open').execute();
      return toComplaint({ ...row, ...changes });
    },
    { keys: [id] },
  );
}

function toComplaint(row: Database['billpay_complaints']): Complaint {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    paymentId: row.payment_id,
    reason: row.reason,
    description: row.description,
    status: row.status as ComplaintStatus,
    resolution: row.resolution,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
