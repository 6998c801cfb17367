import { derivedId, fail, type Failure } from '../core/index.js';
import type { Database } from '../store/index.js';
import type { BillpayDeps } from './deps.js';
import { BillpayError } from './errors.js';
import { checkedBiller } from './fetch-bill.js';
import type { ReconException, ReconExceptionKind, ReconReport } from './model.js';
import { recordOutcome } from './posting.js';

/**
 * A biller's end-of-day file against Hutong's bill payments of that day (UTC):
 *  - in both, same amount: matched;
 *  - accepted at Hutong, not in the file: ask the biller; not booked → post again under Hutong's
 *    id (booked → matched, reposted); booked but left out of the file → exception; else exception;
 *  - in the file, Hutong still waiting for the answer: the file is the biller's word → accepted;
 *  - in the file only: exception (money the biller booked that Hutong never sent).
 * Exceptions have ids derived from (biller, date, reference, kind): a rerun finds them.
 */
export const reconPaymentsMax = 100_000;

async function addException(
  deps: BillpayDeps,
  billerId: string,
  fileDate: string,
  reference: string,
  kind: ReconExceptionKind,
  expected: bigint | null,
  actual: bigint | null,
): Promise<ReconException> {
  const row: Database['billpay_recon_exceptions'] = {
    id: derivedId('brx', 'billpay-recon', `${billerId}/${fileDate}/${reference}/${kind}`),
    biller_id: billerId,
    file_date: fileDate,
    reference,
    kind,
    expected_amount: expected,
    actual_amount: actual,
    status: 'open',
    resolution: null,
    created_at: deps.clock.now().toISOString(),
  };
  await deps.writer.run(
    async (trx) =>
      trx
        .insertInto('billpay_recon_exceptions')
        .values(row)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute(),
    {
      keys: [row.id],
    },
  );
  return toException(row);
}

export async function reconcileBiller(deps: BillpayDeps, billerId: string, fileDate: string): Promise<ReconReport | Failure<BillpayError>> {
  const found = await checkedBiller(deps, billerId);
  if ('failure' in found) return found;
  const file = await found.connector.dailyFile(fileDate);
  if (file.kind === 'unavailable') return fail(BillpayError.BillerUnavailable, `the biller's file for ${fileDate}: ${file.detail}`);
  const next = new Date(Date.parse(`${fileDate}T00:00:00Z`) + 86_400_000).toISOString();
  const rows = await deps.store.reader
    .selectFrom('billpay_payments')
    .selectAll()
    .where('biller_id', '=', billerId)
    .where('created_at', '>=', `${fileDate}T00:00:00.000Z`)
    .where('created_at', '<', next)
    .limit(reconPaymentsMax)
    .execute();
  const ours = new Map(rows.map((row) => [row.id, row]));
  const exceptions: ReconException[] = [];
  let matched = 0;
  let reposted = 0;
  const inFile = new Set<string>();
  for (const line of file.lines) {
    inFile.add(line.reference);
    const row = ours.get(line.reference);
    if (row === undefined || row.status === 'refunded') {
      exceptions.push(await addException(deps, billerId, fileDate, line.reference, 'biller_only', null, line.amountMinor));
    } else if (row.amount !== line.amountMinor) {
      exceptions.push(await addException(deps, billerId, fileDate, line.reference, 'amount_mismatch', row.amount, line.amountMinor));
    } else {
      if (row.status !== 'accepted')
        await recordOutcome(deps, row.id, { kind: 'accepted', receipt: line.receipt, amountMinor: line.amountMinor });
      matched += 1;
    }
  }
  for (const row of rows) {
    if (row.status !== 'accepted' || inFile.has(row.id)) continue;
    const asked = await found.connector.query(row.id);
    if (asked.kind === 'accepted') {
      exceptions.push(await addException(deps, billerId, fileDate, row.id, 'missing_from_file', row.amount, asked.amountMinor));
      continue;
    }
    const again =
      asked.kind === 'not_found'
        ? await found.connector.post({
            reference: row.id,
            account: row.account_number,
            billerBillRef: row.biller_bill_ref,
            amountMinor: row.amount,
            periods: row.periods === null ? null : Number(row.periods),
          })
        : undefined;
    if (again?.kind === 'accepted') reposted += 1;
    else exceptions.push(await addException(deps, billerId, fileDate, row.id, 'missing_at_biller', row.amount, null));
  }
  return { billerId, fileDate, matched, reposted, exceptions };
}

export function toException(row: Database['billpay_recon_exceptions']): ReconException {
  return {
    id: row.id,
    billerId: row.biller_id,
    fileDate: row.file_date,
    reference: row.reference,
    kind: row.kind as ReconExceptionKind,
    expectedMinor: row.expected_amount,
    actualMinor: row.actual_amount,
    status: row.status as ReconException['status'],
    resolution: row.resolution,
    createdAt: row.created_at,
  };
}

export async function listExceptions(deps: BillpayDeps, billerId: string): Promise<ReconException[]> {
  const rows = await deps.store.reader
    .selectFrom('billpay_recon_exceptions')
    .selectAll()
    .where('biller_id', '=', billerId)
    .orderBy('created_at')
    .limit(1_000)
    .execute();
  return rows.map(toException);
}
