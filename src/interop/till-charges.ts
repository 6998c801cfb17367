import { fail, isFailure, type Failure } from '../core/index.js';
import { InteropError } from './errors.js';
import type { FlowDeps } from './ports.js';
import { signSwitchBody, verifySwitchBody } from './switch-signing.js';

/**
 * Hutong as the till's institution (docs/interop.md, "Payment codes at Hutong's tills"): a
 * merchant's till scans a shopper's payment code (any participant's, Hutong's own included: on-us
 * goes through the switch like the rest) and the payments module asks the switch through these
 * calls. Each call is keyed by the payment attempt's id (the order reference), recorded here first
 * (claim), then sent, then its answer recorded: the rows are Hutong's side of the daily clearing.
 * An answer is believed only if its signature verifies; anything else is `unknown`, never guessed.
 */
export type TillAnswer =
  | { readonly status: 'paid'; readonly switchReference: string; readonly institution: string }
  | { readonly status: 'user_paying'; readonly switchReference: string; readonly institution: string }
  | { readonly status: 'declined'; readonly reason: string; readonly institution: string }
  | { readonly status: 'unknown'; readonly reason: string };

export interface TillChargeRequest {
  readonly orderReference: string;
  readonly merchantId: string;
  readonly paymentId: string;
  readonly paymentCode: string;
  readonly institution: string;
  readonly currency: string;
  readonly amountMinor: bigint;
}

export type TillRefundAnswer = { readonly status: 'succeeded' | 'failed' | 'unknown'; readonly reason?: string };

export async function ask(
  deps: FlowDeps,
  action: string,
  message: Record<string, string>,
): Promise<Record<string, string> | Failure<InteropError>> {
  const url = deps.settings.switchUrl;
  if (url === undefined) return fail(InteropError.SwitchUnavailable, 'no switch is configured');
  const body = JSON.stringify(message);
  const answer = await deps.switchFiles.post(
    url,
    `/participants/hutong/${action}`,
    body,
    signSwitchBody(deps.settings.switchKey, body, deps.clock.now().getTime()),
  );
  if (answer === undefined || answer.status >= 500) return fail(InteropError.SwitchUnavailable, `the switch did not answer ${action}`);
  const unsigned = verifySwitchBody(
    deps.settings.switchKey,
    answer.body,
    answer.signature,
    deps.clock,
    deps.settings.switchMessageAgeMsMax,
  );
  if (unsigned !== undefined)
    return fail(InteropError.SwitchUnavailable, `the switch's answer to ${action} is not signed: ${unsigned.detail}`);
  try {
    return { ...(JSON.parse(answer.body) as Record<string, string>), http_status: String(answer.status) };
  } catch {
    return fail(InteropError.SwitchUnavailable, `the switch's answer to ${action} is not JSON`);
  }
}

function answerOf(parsed: Record<string, string>, fallbackInstitution: string): TillAnswer {
  const institution = parsed.payer_institution || fallbackInstitution;
  if (parsed.status === 'paid' && typeof parsed.switch_reference === 'string')
    return { status: 'paid', switchReference: parsed.switch_reference, institution };
  if (parsed.status === 'user_paying' && typeof parsed.switch_reference === 'string')
    return { status: 'user_paying', switchReference: parsed.switch_reference, institution };
  if (parsed.status === 'declined' || parsed.status === 'reversed')
    return { status: 'declined', reason: parsed.reason ?? parsed.status, institution };
  return { status: 'unknown', reason: `the switch answered ${parsed.status ?? parsed.code ?? 'nothing'}` };
}

async function record(deps: FlowDeps, id: string, answer: TillAnswer): Promise<void> {
  await deps.writer.run((trx) =>
    trx
      .updateTable('interop_till_charges')
      .set({
        status: answer.status,
        switch_reference: 'switchReference' in answer ? answer.switchReference : null,
        reason: 'reason' in answer ? answer.reason : null,
        updated_at: deps.clock.now().toISOString(),
      })
      .where('id', '=', id)
      .where('status', '!=', 'reversed')
      .execute(),
  );
}

export async function tillCharge(deps: FlowDeps, request: TillChargeRequest): Promise<TillAnswer> {
  const now = deps.clock.now().toISOString();
  await deps.writer.run(async (trx) => {
    const existing = await trx.selectFrom('interop_till_charges').select('id').where('id', '=', request.orderReference).executeTakeFirst();
    if (existing !== undefined) return;
    await trx
      .insertInto('interop_till_charges')
      .values({
        id: request.orderReference,
        merchant_id: request.merchantId,
        payment_id: request.paymentId,
        payer_institution: request.institution,
        currency: request.currency,
        amount: request.amountMinor,
        status: 'sent',
        switch_reference: null,
        reason: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
  const parsed = await ask(deps, 'charge', {
    order_reference: request.orderReference,
    payment_code: request.paymentCode,
    currency: request.currency,
    amount: request.amountMinor.toString(),
  });
  const answer = isFailure(parsed) ? { status: 'unknown' as const, reason: parsed.detail } : answerOf(parsed, request.institution);
  await record(deps, request.orderReference, answer);
  return answer;
}

export async function tillQuery(deps: FlowDeps, orderReference: string): Promise<TillAnswer | { readonly status: 'not_found' }> {
  const parsed = await ask(deps, 'query', { order_reference: orderReference });
  if (isFailure(parsed)) return { status: 'unknown', reason: parsed.detail };
  if (parsed.http_status === '404') return { status: 'not_found' };
  const answer = answerOf(parsed, '');
  if (answer.status !== 'unknown') await record(deps, orderReference, answer);
  return answer;
}

/** Gives up on a charge: the switch undoes it whatever state it reached (a tombstone if it never arrived). */
export async function tillReverse(deps: FlowDeps, orderReference: string): Promise<'reversed' | 'unknown'> {
  const parsed = await ask(deps, 'reverse', { order_reference: orderReference });
  if (isFailure(parsed) || parsed.status !== 'reversed') return 'unknown';
  await deps.writer.run((trx) =>
    trx
      .updateTable('interop_till_charges')
      .set({ status: 'reversed', updated_at: deps.clock.now().toISOString() })
      .where('id', '=', orderReference)
      .execute(),
  );
  return 'reversed';
}

/** A refund of a paid till charge back to the payer's institution; the refund id is the switch's idempotency key. */
export async function tillRefund(
  deps: FlowDeps,
  request: { readonly orderReference: string; readonly refundId: string; readonly currency: string; readonly amountMinor: bigint },
): Promise<TillRefundAnswer> {
  const now = deps.clock.now().toISOString();
  await deps.writer.run(async (trx) => {
    const existing = await trx.selectFrom('interop_till_refunds').select('id').where('id', '=', request.refundId).executeTakeFirst();
    if (existing !== undefined) return;
    await trx
      .insertInto('interop_till_refunds')
      .values({
        id: request.refundId,
        charge_id: request.orderReference,
        currency: request.currency,
        amount: request.amountMinor,
        status: 'pending',
        switch_reference: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
  const parsed = await ask(deps, 'refund', {
    order_reference: request.orderReference,
    refund_id: request.refundId,
    amount: request.amountMinor.toString(),
  });
  if (isFailure(parsed)) return { status: 'unknown', reason: parsed.detail };
  const status = parsed.status === 'succeeded' ? 'succeeded' : parsed.status === 'failed' ? 'failed' : undefined;
  if (status === undefined) return { status: 'unknown', reason: `the switch answered ${parsed.status ?? parsed.code ?? 'nothing'}` };
  await deps.writer.run((trx) =>
    trx
      .updateTable('interop_till_refunds')
      .set({ status, switch_reference: parsed.reference ?? null, updated_at: deps.clock.now().toISOString() })
      .where('id', '=', request.refundId)
      .execute(),
  );
  return status === 'failed' ? { status, reason: parsed.reason ?? 'refused' } : { status };
}
