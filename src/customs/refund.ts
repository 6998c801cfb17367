import { fail, isFailure, type Failure } from '../core/index.js';
import { formatDecimal } from '../money/index.js';
import { buildCeb411, newGuid, slipHeadOf } from './ceb.js';
import { queuePush } from './declare.js';
import { CustomsError } from './errors.js';
import type { CustomsDeps, CustomsSettings, CustomsTrx } from './model.js';
import type { CustomsDeclarationsTable } from './schema.js';
import { recordStep, refundedCnyOf } from './rows.js';
import { countingStatuses, inFlightStatuses, transition, type DeclarationStatus } from './state.js';

/**
 * A refund of a payment customs may know of (docs/customs.md, "Refunds"). Two steps, bound into the
 * payments module's refund through `CustomsRefundPort` (src/app.ts):
 *
 * 1. `prepareRefund`, before the refund's unit, reads the payment's declarations and decides:
 *    nothing declared that the refund touches → allowed; a declaration customs has not concluded
 *    (pending, submitted, withdrawing) → held (409: retry once customs answered); goods customs
 *    released while the setting refuses such refunds → refused; otherwise the change customs needs
 *    is built and signed here (no outside party is talked to): a refund of the whole payment
 *    withdraws each stored slip (CEB411 appType 3), a partial one changes the whole-payment slip to
 *    what is left (appType 2); a partial refund of a payment declared in sub-orders is held (the
 *    merchant says which sub-order shrinks by modifying it first).
 * 2. `reserveRefund`, inside the unit that reserves the refund's amount on the payment (so both
 *    commit or neither does), claims: records the refund's CNY share (a later declaration sees
 *    what is left), moves each declaration under a condition on its version and status, stores
 *    the signed message and queues its push. Anything changed since step 1 (another refund, a
 *    declaration, a receipt) makes it fail, and the unit with it: 409, the caller retries.
 */
export interface RefundPlan {
  readonly paymentId: string;
  readonly refundCnyMinor: bigint;
  /** The CNY refunded before this refund, as customs counted it when the plan was made. */
  readonly refundedCnyBefore: bigint;
  /** What is left of the payment in CNY after this refund. */
  readonly remainingCnyMinor: bigint;
  readonly changes: readonly PlannedChange[];
  /** The counting declarations the plan saw (id → version): the unit checks nothing else appeared. */
  readonly seen: Readonly<Record<string, bigint>>;
}

interface PlannedChange {
  readonly id: string;
  readonly fromVersion: bigint;
  readonly fromStatus: DeclarationStatus;
  readonly to: DeclarationStatus;
  readonly appType: '2' | '3';
  readonly amountCnyMinor: bigint;
  readonly guid: string;
  readonly xml: string;
}

/** What the payments module tells customs of a refund it is about to reserve. */
export interface RefundInput {
  readonly paymentId: string;
  readonly refundMinor: bigint;
  readonly capturedMinor: bigint;
  /** The captured amount as customs sees it in CNY (itself, or at the locked rate); undefined: not declarable. */
  readonly cnyTotalMinor: bigint | undefined;
}

const yuan = (fen: bigint) => `CNY ${formatDecimal({ minor: fen, currency: 'CNY' })}`;

/** The CNY share of refunding `refundMinor` of a payment whose captured amount was `cnyTotal` in CNY (ceiling: customs is never told more than is left). */
export function cnyShareOf(cnyTotalMinor: bigint, capturedMinor: bigint, refundMinor: bigint): bigint {
  if (capturedMinor <= 0n) return 0n;
  const product = cnyTotalMinor * refundMinor;
  return (product + capturedMinor - 1n) / capturedMinor;
}

export async function prepareRefund(
  deps: CustomsDeps,
  settings: CustomsSettings,
  merchantId: string,
  input: RefundInput,
): Promise<RefundPlan | Failure<CustomsError>> {
  const rows = await deps.store.reader
    .selectFrom('customs_declarations')
    .selectAll()
    .where('payment_id', '=', input.paymentId)
    .where('merchant_id', '=', merchantId)
    .execute();
  const cnyTotal = input.cnyTotalMinor ?? 0n;
  const refundCny = cnyShareOf(cnyTotal, input.capturedMinor, input.refundMinor);
  const refundedBefore = await refundedCnyOf(deps.store.reader, input.paymentId);
  const left = cnyTotal - refundedBefore - refundCny;
  const remaining = left < 0n ? 0n : left;
  const counting = rows.filter((r) => countingStatuses.includes(r.status as DeclarationStatus));
  const seen = Object.fromEntries(counting.map((r) => [r.id, BigInt(r.version)]));
  const plan = {
    paymentId: input.paymentId,
    refundCnyMinor: refundCny,
    refundedCnyBefore: refundedBefore,
    remainingCnyMinor: remaining,
    seen,
  };
  const declared = counting.reduce((sum, r) => sum + BigInt(r.amount_cny), 0n);
  if (counting.length === 0 || declared <= remaining) return { ...plan, changes: [] };

  const waiting = counting.find((r) => inFlightStatuses.includes(r.status as DeclarationStatus));
  if (waiting !== undefined)
    return fail(
      CustomsError.RefundHeld,
      `declaration ${waiting.id} of this payment is ${waiting.status}: customs has not answered it yet; retry the refund once it has`,
    );
  if (remaining > 0n && counting.some((r) => r.sub_order_no !== ''))
    return fail(
      CustomsError.RefundHeld,
      `this payment is declared in sub-orders (${yuan(declared)}); a partial refund leaves ${yuan(remaining)}: modify the sub-order declarations first`,
    );
  for (const row of counting) {
    const released = await releaseOf(deps, row);
    if (released === 'released' && settings.refundAfterRelease === 'refuse')
      return fail(
        CustomsError.RefundAfterRelease,
        `customs released the goods of order ${row.order_no} (800); a refund of a declared payment is refused once the goods are released`,
      );
    if (released === 'unknown' && settings.refundAfterRelease === 'refuse')
      return fail(
        CustomsError.RefundHeld,
        `customs could not say whether the goods of order ${row.order_no} are released; retry the refund later`,
      );
  }
  const changes: PlannedChange[] = [];
  for (const row of counting) {
    const withdraw = remaining === 0n;
    const to = transition(row.status as DeclarationStatus, withdraw ? 'withdraw' : 'modify');
    if (isFailure(to)) return to;
    const change = await signedChange(
      deps,
      settings,
      row,
      withdraw ? { appType: '3', amount: BigInt(row.amount_cny) } : { appType: '2', amount: remaining },
    );
    if (isFailure(change)) return change;
    changes.push({ ...change, id: row.id, fromVersion: BigInt(row.version), fromStatus: row.status as DeclarationStatus, to });
  }
  return { ...plan, changes };
}

/** Whether customs released the goods of a declaration's order (the single window's inventory list); unknown without an answer. */
async function releaseOf(deps: CustomsDeps, row: CustomsDeclarationsTable): Promise<'released' | 'not_released' | 'unknown'> {
  if (deps.gateway?.releaseOf === undefined) return 'unknown';
  const orderNo = row.sub_order_no === '' ? row.order_no : row.sub_order_no;
  return deps.gateway.releaseOf(row.ebp_code, orderNo);
}

/** The next version of a slip: the same head, the new guid, appType and amount; signed. */
async function signedChange(
  deps: CustomsDeps,
  settings: CustomsSettings,
  row: CustomsDeclarationsTable,
  change: { appType: '2' | '3'; amount: bigint },
): Promise<{ guid: string; xml: string; appType: '2' | '3'; amountCnyMinor: bigint } | Failure<CustomsError>> {
  const last = await deps.store.reader
    .selectFrom('customs_messages')
    .select('body_sealed')
    .where('guid', '=', row.guid)
    .where('direction', '=', 'out')
    .executeTakeFirst();
  const head = last === undefined ? undefined : slipHeadOf(deps.open(last.body_sealed));
  if (head === undefined) return fail(CustomsError.StateInvalid, `declaration ${row.id} has no message to change`);
  const now = deps.clock.now();
  const guid = newGuid();
  const xml = await deps.signer.sign(
    buildCeb411({
      guid,
      appType: change.appType,
      appTime: now,
      payCode: settings.payCode,
      payName: settings.payName,
      payTransactionId: row.payment_id,
      orderNo: head.orderNo ?? row.order_no,
      ebpCode: row.ebp_code,
      ebpName: row.ebp_name,
      payerName: row.payer_name,
      payerIdNumber: head.payerIdNumber ?? '',
      telephone: head.telephone ?? '',
      amountPaidFen: change.amount,
      payTime: parseCebTime(head.payTime ?? '') ?? now,
      note: change.appType === '3' ? 'refunded: payment slip withdrawn' : `refunded in part: ${yuan(change.amount)} left`,
      copCode: settings.payCode,
      copName: settings.payName,
      dxpId: settings.dxpId,
    }),
  );
  return { guid, xml, appType: change.appType, amountCnyMinor: change.amount };
}

/** yyyyMMddHHmmss in China time back to an instant. */
function parseCebTime(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s) - 8 * 3_600_000);
}

/** The writer keys the refund's unit must hold with the plan (the same as a declaration of the payment). */
export function refundKeysOf(plan: RefundPlan): string[] {
  return [`customs.payment:${plan.paymentId}`, ...plan.changes.map((c) => `customs.declaration:${c.id}`)];
}

export async function reserveRefund(
  trx: CustomsTrx,
  deps: CustomsDeps,
  plan: RefundPlan,
  refundId: string,
): Promise<Failure<CustomsError> | undefined> {
  const changed = () =>
    fail(CustomsError.RefundHeld, "this payment's customs declarations changed while the refund was prepared; retry the refund");
  const now = deps.clock.now();
  const at = now.toISOString();
  const counting = await trx
    .selectFrom('customs_declarations')
    .select(['id', 'version'])
    .where('payment_id', '=', plan.paymentId)
    .where('status', 'in', countingStatuses)
    .execute();
  if (counting.length !== Object.keys(plan.seen).length || counting.some((r) => plan.seen[r.id] !== BigInt(r.version))) return changed();
  const already = await trx.selectFrom('customs_refunds').select('refund_id').where('refund_id', '=', refundId).executeTakeFirst();
  if (already !== undefined) return undefined;
  // Another refund of a declared payment in between changes what is left: the plan no longer holds.
  if (counting.length > 0 && (await refundedCnyOf(trx, plan.paymentId)) !== plan.refundedCnyBefore) return changed();
  if (plan.refundCnyMinor > 0n)
    await trx
      .insertInto('customs_refunds')
      .values({ refund_id: refundId, payment_id: plan.paymentId, cny_minor: plan.refundCnyMinor, created_at: at })
      .execute();
  for (const change of plan.changes) {
    const version = change.fromVersion + 1n;
    const moved = await trx
      .updateTable('customs_declarations')
      .set({
        status: change.to,
        version,
        guid: change.guid,
        app_type: change.appType,
        amount_cny: change.amountCnyMinor,
        return_status: null,
        return_info: null,
        push_attempts: 0n,
        last_error: null,
        updated_at: at,
      })
      .where('id', '=', change.id)
      .where('version', '=', change.fromVersion)
      .where('status', '=', change.fromStatus)
      .executeTakeFirst();
    if (moved.numUpdatedRows !== 1n) return changed();
    await queuePush(trx, deps, { id: change.id, version, guid: change.guid, xml: change.xml, at: now });
    await recordStep(trx, deps.events, change.id, {
      version,
      status: change.to,
      returnStatus: null,
      returnInfo: change.appType === '3' ? `refund ${refundId}: withdrawn` : `refund ${refundId}: ${yuan(change.amountCnyMinor)} left`,
      at,
      eventType: change.to === 'withdrawing' ? 'customs_declaration.withdrawing' : 'customs_declaration.modified',
    });
  }
  return undefined;
}
