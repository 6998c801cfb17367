import type { Kysely } from 'kysely';
import type { CustomsDeclaration, CustomsEventsPort, CustomsTrx, HistoryEntry } from './model.js';
import type { CustomsDeclarationsTable, CustomsTables } from './schema.js';
import type { DeclarationStatus } from './state.js';

type Db = Kysely<CustomsTables>;

export function toDeclaration(row: CustomsDeclarationsTable, history: readonly HistoryEntry[]): CustomsDeclaration {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    paymentId: row.payment_id,
    customsOffice: row.customs_office,
    subOrderNo: row.sub_order_no === '' ? null : row.sub_order_no,
    orderNo: row.order_no,
    ebpCode: row.ebp_code,
    ebpName: row.ebp_name,
    amount: { minor: row.amount_cny, currency: 'CNY' },
    paymentAmount: { minor: row.payment_amount, currency: row.payment_currency },
    cnyRate: row.cny_rate,
    payer: { name: row.payer_name, idType: row.payer_id_type, idNumberMasked: row.payer_id_masked },
    identityCheck: 'same',
    status: row.status as DeclarationStatus,
    version: Number(row.version),
    guid: row.guid,
    appType: row.app_type,
    returnStatus: row.return_status,
    returnInfo: row.return_info,
    pushAttempts: Number(row.push_attempts),
    lastError: row.last_error,
    history,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function historyOf(db: Db, declarationId: string): Promise<HistoryEntry[]> {
  const rows = await db.selectFrom('customs_history').selectAll().where('declaration_id', '=', declarationId).orderBy('seq').execute();
  return rows.map((r) => ({
    version: Number(r.version),
    status: r.status as DeclarationStatus,
    returnStatus: r.return_status,
    returnInfo: r.return_info,
    at: r.at,
  }));
}

export async function loadDeclaration(db: Db, id: string, merchantId?: string): Promise<CustomsDeclaration | undefined> {
  let query = db.selectFrom('customs_declarations').selectAll().where('id', '=', id);
  if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : toDeclaration(row, await historyOf(db, id));
}

/** Appends to the history and records the event, in the caller's unit (after the row changed). */
export async function recordStep(
  trx: CustomsTrx,
  events: CustomsEventsPort,
  id: string,
  step: {
    version: bigint;
    status: DeclarationStatus;
    returnStatus: string | null;
    returnInfo: string | null;
    at: string;
    eventType: string;
  },
): Promise<void> {
  const last = await trx
    .selectFrom('customs_history')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('declaration_id', '=', id)
    .executeTakeFirst();
  const seq = BigInt(last?.seq ?? 0) + 1n;
  await trx
    .insertInto('customs_history')
    .values({
      declaration_id: id,
      seq,
      version: step.version,
      status: step.status,
      return_status: step.returnStatus,
      return_info: step.returnInfo,
      at: step.at,
    })
    .execute();
  const declaration = await loadDeclaration(trx, id);
  if (declaration === undefined) throw new Error(`declaration ${id} vanished inside its own unit`);
  await events.record(trx, {
    merchantId: declaration.merchantId,
    type: step.eventType,
    objectType: 'customs_declaration',
    objectId: id,
    data: declaration,
  });
}

/** The CNY refunded of a payment, as customs counted it (customs_refunds, written in each refund's unit). */
export async function refundedCnyOf(db: Db, paymentId: string): Promise<bigint> {
  const rows = await db.selectFrom('customs_refunds').select('cny_minor').where('payment_id', '=', paymentId).execute();
  return rows.reduce((sum, r) => sum + BigInt(r.cny_minor), 0n);
}
