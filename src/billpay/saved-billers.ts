import { fail, newId, type Failure } from '../core/index.js';
import type { Database } from '../store/index.js';
import { accountNumberProblem } from './account-rules.js';
import { autopayTimerKey, autopayTimerKind } from './autopay.js';
import type { BillpayDeps } from './deps.js';
import { BillpayError } from './errors.js';
import type { AutopayRun, SaveBillerInput, SavedBiller } from './model.js';
import { getBiller } from './registry.js';
import { toAutopayRun, toSavedBiller } from './rows.js';

/**
 * Saved billers: a customer keeps a biller account (checked against the biller's rule) under a
 * nickname, and may turn on auto-pay: each new bill paid on its due date up to a limit, from the
 * wallet or a stored card. Saving the same account again changes the saved one.
 */
type Result<T> = T | Failure<BillpayError>;
export const savedBillersMax = 100;

export async function saveBiller(deps: BillpayDeps, merchantId: string, input: SaveBillerInput): Promise<Result<SavedBiller>> {
  if (!(await deps.parties.customerExists(merchantId, input.customerId)))
    return fail(BillpayError.CustomerNotFound, `no customer ${input.customerId}`);
  const biller = await getBiller(deps, input.billerId);
  if (biller === undefined || biller.status !== 'active') return fail(BillpayError.BillerNotFound, `no active biller ${input.billerId}`);
  const problem = accountNumberProblem(biller.accountRule, input.accountNumber);
  if (problem !== undefined) return fail(BillpayError.AccountNumberInvalid, problem);
  const autopay = input.autopay;
  if (autopay !== undefined) {
    if (biller.model !== 'fetch')
      return fail(BillpayError.AutopayInvalid, `${biller.name} sends no bills with due dates: auto-pay needs a fetch biller`);
    if (autopay.limit.currency !== biller.currency)
      return fail(BillpayError.AutopayInvalid, `${biller.name} is paid in ${biller.currency}`);
    if (autopay.limit.minor < 1n || autopay.limit.minor > biller.maxAmountMinor)
      return fail(BillpayError.AutopayInvalid, `the limit must be between 1 and ${biller.maxAmountMinor} minor units`);
    if (autopay.cardId !== undefined && deps.cards === undefined)
      return fail(BillpayError.CardsUnavailable, 'no card payment gateway is configured for bill payment');
    if (deps.timers === undefined) return fail(BillpayError.AutopayInvalid, 'auto-pay is not available on this Hutong');
  }
  const now = deps.clock.now();
  const at = now.toISOString();
  const existing = await deps.store.reader
    .selectFrom('billpay_saved_billers')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', input.customerId)
    .where('biller_id', '=', biller.id)
    .where('account_number', '=', input.accountNumber)
    .where('status', '=', 'active')
    .executeTakeFirst();
  const row: Database['billpay_saved_billers'] = {
    id: existing?.id ?? newId('sbl', now.getTime()),
    merchant_id: merchantId,
    customer_id: input.customerId,
    biller_id: biller.id,
    account_number: input.accountNumber,
    nickname: input.nickname ?? null,
    autopay_limit: autopay?.limit.minor ?? null,
    autopay_card_id: autopay?.cardId ?? null,
    status: 'active',
    created_at: existing?.created_at ?? at,
    updated_at: at,
  };
  await deps.writer.run(
    async (trx) => {
      if (existing === undefined) await trx.insertInto('billpay_saved_billers').values(row).execute();
      else await trx.updateTable('billpay_saved_billers').set(row).where('id', '=', row.id).execute();
      // The first check runs at once: it finds the bill and waits for its due date.
      if (autopay !== undefined)
        await deps.timers?.schedule(trx, {
          kind: autopayTimerKind,
          key: autopayTimerKey(row.id),
          dueAt: now,
          payload: { savedId: row.id },
        });
    },
    { keys: [row.id] },
  );
  return toSavedBiller(row, biller.currency);
}

async function savedRow(deps: BillpayDeps, merchantId: string, id: string): Promise<Result<Database['billpay_saved_billers']>> {
  const row = await deps.store.reader
    .selectFrom('billpay_saved_billers')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row === undefined ? fail(BillpayError.SavedBillerNotFound, `no saved biller ${id}`) : row;
}

async function currencyOf(deps: BillpayDeps, billerId: string): Promise<string> {
  return (await getBiller(deps, billerId))?.currency ?? 'CNY';
}

export async function getSavedBiller(deps: BillpayDeps, merchantId: string, id: string): Promise<Result<SavedBiller>> {
  const row = await savedRow(deps, merchantId, id);
  if ('failure' in row) return row;
  return toSavedBiller(row, await currencyOf(deps, row.biller_id));
}

export async function listSavedBillers(deps: BillpayDeps, merchantId: string, customerId: string | undefined): Promise<SavedBiller[]> {
  let query = deps.store.reader
    .selectFrom('billpay_saved_billers')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('status', '=', 'active');
  if (customerId !== undefined) query = query.where('customer_id', '=', customerId);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(savedBillersMax).execute();
  return Promise.all(rows.map(async (row) => toSavedBiller(row, await currencyOf(deps, row.biller_id))));
}

/** Removed: auto-pay stops at its next check (the timer finds the saved biller removed and ends). */
export async function removeSavedBiller(deps: BillpayDeps, merchantId: string, id: string): Promise<Result<SavedBiller>> {
  const row = await savedRow(deps, merchantId, id);
  if ('failure' in row) return row;
  const at = deps.clock.now().toISOString();
  await deps.writer.run(
    (trx) => trx.updateTable('billpay_saved_billers').set({ status: 'removed', updated_at: at }).where('id', '=', id).execute(),
    { keys: [id] },
  );
  return toSavedBiller({ ...row, status: 'removed', updated_at: at }, await currencyOf(deps, row.biller_id));
}

export async function listAutopayRuns(deps: BillpayDeps, merchantId: string, savedId: string): Promise<Result<AutopayRun[]>> {
  const row = await savedRow(deps, merchantId, savedId);
  if ('failure' in row) return row;
  const runs = await deps.store.reader
    .selectFrom('billpay_autopay_runs')
    .selectAll()
    .where('saved_id', '=', savedId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(savedBillersMax)
    .execute();
  return runs.map(toAutopayRun);
}
