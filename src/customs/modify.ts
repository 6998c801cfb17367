import { fail, isFailure, type Failure } from '../core/index.js';
import { buildCeb411, newGuid } from './ceb.js';
import { queuePush } from './declare.js';
import { CustomsError } from './errors.js';
import type { CustomsDeclaration, CustomsDeps, CustomsSettings } from './model.js';
import { loadDeclaration, recordStep, refundedCnyOf } from './rows.js';
import { transition, type DeclarationStatus } from './state.js';

/**
 * Modifies a declaration customs has answered (a new order number) or pushes it again unchanged:
 * a new version with a new guid, pending again. customs knows the slip once it stored or returned
 * it, so that version goes as a change (appType 2); after an error customs kept nothing, so it
 * goes as new (appType 1) again.
 */
export async function modify(
  deps: CustomsDeps,
  settings: CustomsSettings,
  merchantId: string,
  id: string,
  input: { orderNo?: string },
): Promise<CustomsDeclaration | Failure<CustomsError>> {
  const current = await loadDeclaration(deps.store.reader, id, merchantId);
  if (current === undefined) return fail(CustomsError.DeclarationNotFound, `no customs declaration ${id}`);
  if (input.orderNo !== undefined && !/^[\x21-\x7e]{1,60}$/.test(input.orderNo))
    return fail(CustomsError.DeclarationInvalid, 'order_no is 1 to 60 printable ASCII characters');
  const next = transition(current.status, 'modify');
  if (isFailure(next)) return next;
  const payment = await deps.payments.paymentOf(merchantId, current.paymentId);
  if (payment?.payer === null || payment === undefined)
    return fail(CustomsError.PayerIdentityRequired, 'the payment no longer has a verified payer');
  // A withdrawn slip (a refund) is gone at customs: declaring it again is new, and must fit what the refunds left.
  if (current.status === 'withdrawn') {
    const left = (payment.cny?.minor ?? 0n) - (await refundedCnyOf(deps.store.reader, current.paymentId));
    if (current.amount.minor > left)
      return fail(
        CustomsError.SplitExceedsPayment,
        `the declaration was withdrawn for a refund; CNY ${left} fen is left of the payment, it declares ${current.amount.minor}`,
      );
  }
  const known = current.status !== 'withdrawn' && current.history.some((h) => h.status === 'accepted' || h.status === 'returned');
  const appType = known ? '2' : '1';
  const now = deps.clock.now();
  const guid = newGuid();
  const orderNo = input.orderNo ?? current.orderNo;
  const xml = await deps.signer.sign(
    buildCeb411({
      guid,
      appType,
      appTime: now,
      payCode: settings.payCode,
      payName: settings.payName,
      payTransactionId: current.paymentId,
      orderNo: current.subOrderNo ?? orderNo,
      ebpCode: current.ebpCode,
      ebpName: current.ebpName,
      payerName: current.payer.name,
      payerIdNumber: payment.payer.idNumber.toUpperCase(),
      telephone: '',
      amountPaidFen: current.amount.minor,
      payTime: new Date(payment.paidAt),
      note: current.subOrderNo === null ? '' : `sub-order ${current.subOrderNo}`,
      copCode: settings.payCode,
      copName: settings.payName,
      dxpId: settings.dxpId,
    }),
  );
  const at = now.toISOString();
  const version = BigInt(current.version + 1);
  return deps.writer.run(
    async (trx) => {
      const moved = await trx
        .updateTable('customs_declarations')
        .set({
          status: next,
          version,
          guid,
          app_type: appType,
          order_no: orderNo,
          return_status: null,
          return_info: null,
          push_attempts: 0n,
          last_error: null,
          updated_at: at,
        })
        .where('id', '=', id)
        .where('version', '=', BigInt(current.version))
        .where('status', '=', current.status as DeclarationStatus)
        .executeTakeFirst();
      if (moved.numUpdatedRows !== 1n) return fail(CustomsError.StateInvalid, 'the declaration changed meanwhile; read it again');
      await queuePush(trx, deps, { id, version, guid, xml, at: now });
      await recordStep(trx, deps.events, id, {
        version,
        status: next,
        returnStatus: null,
        returnInfo: null,
        at,
        eventType: 'customs_declaration.modified',
      });
      return (await loadDeclaration(trx, id)) as CustomsDeclaration;
    },
    { keys: [`customs.declaration:${id}`] },
  );
}
