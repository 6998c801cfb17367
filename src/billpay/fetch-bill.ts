import type { BillerConnector, FetchOutcome, ValidateOutcome } from '../channels/billers/index.js';
import { fail, newId, type Failure } from '../core/index.js';
import type { Database } from '../store/index.js';
import { accountNumberProblem } from './account-rules.js';
import type { BillpayDeps } from './deps.js';
import { BillpayError } from './errors.js';
import type { Bill, Biller, BillStatus } from './model.js';
import { getBiller } from './registry.js';
import { toBill } from './rows.js';

/**
 * Fetch a bill (fetch-model billers) or validate an account (validate-model billers). The account
 * number is checked against the biller's rule before any call. A biller that takes longer than
 * `fetchWaitMs` is answered with the bill's id in status `fetching` (BBPS's asynchronous reference
 * id); the fetch finishes in the background and the client reads the bill by its id.
 */
export interface FetchBillInput {
  readonly billerId: string;
  readonly accountNumber: string;
  readonly customerId?: string;
}

export type FetchBillResult = { readonly bill: Bill; readonly complete: boolean } | Failure<BillpayError>;

export async function checkedBiller(
  deps: BillpayDeps,
  billerId: string,
): Promise<{ biller: Biller; connector: BillerConnector } | Failure<BillpayError>> {
  const biller = await getBiller(deps, billerId);
  if (biller === undefined || biller.status !== 'active') return fail(BillpayError.BillerNotFound, `no active biller ${billerId}`);
  const connector = deps.connectors(biller.connector);
  if (connector === undefined) return fail(BillpayError.BillerUnavailable, `the connector ${biller.connector} is not configured`);
  return { biller, connector };
}

export async function fetchBill(deps: BillpayDeps, merchantId: string, input: FetchBillInput): Promise<FetchBillResult> {
  const found = await checkedBiller(deps, input.billerId);
  if ('failure' in found) return found;
  const { biller, connector } = found;
  if (biller.model === 'direct') return fail(BillpayError.ModelMismatch, `${biller.name} takes payments directly: nothing to fetch`);
  const problem = accountNumberProblem(biller.accountRule, input.accountNumber);
  if (problem !== undefined) return fail(BillpayError.AccountNumberInvalid, problem);
  if (input.customerId !== undefined && !(await deps.parties.customerExists(merchantId, input.customerId)))
    return fail(BillpayError.CustomerNotFound, `no customer ${input.customerId}`);
  const now = deps.clock.now().toISOString();
  const row: Database['billpay_bills'] = {
    id: newId('bill', deps.clock.now().getTime()),
    merchant_id: merchantId,
    customer_id: input.customerId ?? null,
    biller_id: biller.id,
    account_number: input.accountNumber,
    status: 'fetching',
    biller_bill_ref: null,
    currency: biller.currency,
    amount_due: null,
    late_fee: 0n,
    due_date: null,
    customer_name: null,
    lines: null,
    periods: null,
    detail: null,
    created_at: now,
    updated_at: now,
  };
  await deps.writer.run(async (trx) => trx.insertInto('billpay_bills').values(row).execute(), { keys: [row.id] });
  const asking = biller.model === 'fetch' ? connector.fetch(input.accountNumber) : connector.validate(input.accountNumber);
  const recorded = asking.then((outcome) => recordFetch(deps, row, outcome));
  let timer: NodeJS.Timeout | undefined;
  const waited = await Promise.race([
    recorded,
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), deps.settings.fetchWaitMs))),
  ]);
  clearTimeout(timer);
  if (waited === undefined) {
    recorded.catch((error: unknown) => deps.log(`billpay: fetch ${row.id} failed: ${String(error)}`));
    return { bill: toBill(row), complete: false };
  }
  if (waited.status === 'unavailable') return fail(BillpayError.BillerUnavailable, `${biller.name} did not answer: ${waited.detail ?? ''}`);
  return { bill: waited, complete: true };
}

/** The biller's answer onto the bill row. */
export function fetchedColumns(outcome: FetchOutcome | ValidateOutcome): Partial<Database['billpay_bills']> & { status: BillStatus } {
  if (outcome.kind === 'not_found') return { status: 'not_found', detail: 'the biller does not know this account' };
  if (outcome.kind === 'nothing_due') return { status: 'nothing_due', detail: 'nothing is due on this account' };
  if (outcome.kind === 'unavailable') return { status: 'unavailable', detail: outcome.detail };
  if (outcome.kind === 'valid')
    return {
      status: 'available',
      customer_name: outcome.customerName,
      detail: `any amount from ${outcome.minMinor} to ${outcome.maxMinor} minor units`,
    };
  const { bill } = outcome;
  return {
    status: 'available',
    biller_bill_ref: bill.billerBillRef,
    amount_due: bill.amountDueMinor,
    late_fee: bill.lateFeeMinor,
    due_date: bill.dueDate,
    customer_name: bill.customerName,
    lines: JSON.stringify(bill.lines.map((l) => ({ label: l.label, amount: l.amountMinor.toString() }))),
    periods:
      bill.periods.length === 0 ? null : JSON.stringify(bill.periods.map((p) => ({ period: p.period, amount: p.amountMinor.toString() }))),
    detail: null,
  };
}

async function recordFetch(deps: BillpayDeps, row: Database['billpay_bills'], outcome: FetchOutcome | ValidateOutcome): Promise<Bill> {
  const columns = { ...fetchedColumns(outcome), updated_at: deps.clock.now().toISOString() };
  await deps.writer.run(
    async (trx) => trx.updateTable('billpay_bills').set(columns).where('id', '=', row.id).where('status', '=', 'fetching').execute(),
    { keys: [row.id] },
  );
  return toBill({ ...row, ...columns });
}

/**
 * A bill still `fetching` long after its fetch began lost its fetch (a crashed process): reading it
 * asks the biller again. Nothing moves money here, so a second fetch is harmless.
 */
export async function getBill(deps: BillpayDeps, merchantId: string, id: string): Promise<Bill | Failure<BillpayError>> {
  const row = await deps.store.reader
    .selectFrom('billpay_bills')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (row === undefined) return fail(BillpayError.BillNotFound, `no bill ${id}`);
  const staleMs = deps.clock.now().getTime() - Date.parse(row.updated_at);
  if (row.status !== 'fetching' || staleMs < deps.settings.postingGraceMs) return toBill(row);
  const found = await checkedBiller(deps, row.biller_id);
  if ('failure' in found) return toBill(row);
  const outcome =
    found.biller.model === 'fetch' ? await found.connector.fetch(row.account_number) : await found.connector.validate(row.account_number);
  return recordFetch(deps, row, outcome);
}
