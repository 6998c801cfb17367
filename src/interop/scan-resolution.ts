import { fail, isFailure, type Failure } from '../core/index.js';
import { InteropError } from './errors.js';
import type { FlowDeps } from './ports.js';
import { payOutcome, scanRetryMsOf, settle, toScan, type PayOutcome, type Scan } from './scans.js';
import { signSwitchBody } from './switch-signing.js';

/**
 * Resolving a pending scan (docs/interop.md, "Resolving a pending scan"): a Hutong user's payment
 * whose outcome is unknown (the switch timed out, or is still at it) is asked about
 * (`pay_query`) — by its durable timer every `scanRetryMs`, and on demand by `GET /v1/scans/{id}`
 * — and settled by the answer: paid posts the wallet hold, declined or closed voids it. One still
 * unknown `scanCloseAfterMs` after it was made is closed at the switch (`pay_close`): the switch
 * stops a payment it is still at, or leaves a tombstone that refuses one arriving late, or answers
 * `paid` when the payment won the race. Hutong releases the hold only on the switch's `closed`, so
 * a scan ends paid or closed, never both; while the switch does not answer the hold stays.
 */
const scanCloseAfterMsDefault = 30_000;

async function askSwitch(deps: FlowDeps, action: 'pay_query' | 'pay_close', scanId: string): Promise<PayOutcome> {
  const url = deps.settings.switchUrl;
  if (url === undefined) return 'unknown';
  const body = JSON.stringify({ scan_id: scanId });
  const answer = await deps.switchFiles.post(
    url,
    `/participants/hutong/${action}`,
    body,
    signSwitchBody(deps.settings.switchKey, body, deps.clock.now().getTime()),
  );
  return payOutcome(deps, answer);
}

/** Asks the switch about one pending scan and settles it if the answer is known; `closeIfLate` allows closing it past the deadline. */
export async function resolveScan(deps: FlowDeps, scanId: string, closeIfLate: boolean): Promise<Scan | undefined> {
  const row = await deps.db.selectFrom('interop_scans').selectAll().where('id', '=', scanId).executeTakeFirst();
  if (row === undefined) return undefined;
  if (row.status !== 'pending') return toScan(row);
  const queried = await askSwitch(deps, 'pay_query', scanId);
  if (queried !== 'unknown') return settle(deps, row, queried);
  const late = deps.clock.now().getTime() - Date.parse(row.created_at) >= (deps.settings.scanCloseAfterMs ?? scanCloseAfterMsDefault);
  if (!closeIfLate || !late) return toScan(row);
  const closed = await askSwitch(deps, 'pay_close', scanId);
  return closed === 'unknown' ? toScan(row) : settle(deps, row, closed);
}

/** The durable timer's run: again later while the scan stays pending. */
export async function sweepScan(deps: FlowDeps, scanId: string): Promise<undefined | { readonly retryAt: Date }> {
  const scan = await resolveScan(deps, scanId, true);
  return scan?.status === 'pending' ? { retryAt: new Date(deps.clock.now().getTime() + scanRetryMsOf(deps)) } : undefined;
}

/** A merchant's view of one of its customers' scans; a pending one is asked about first (on demand, never closed here). */
export async function getScan(deps: FlowDeps, merchantId: string, scanId: string): Promise<Scan | Failure<InteropError>> {
  const row = await deps.db.selectFrom('interop_scans').select(['merchant_id']).where('id', '=', scanId).executeTakeFirst();
  if (row === undefined || row.merchant_id !== merchantId) return fail(InteropError.ScanNotFound, `no scan ${scanId}`);
  const scan = await resolveScan(deps, scanId, false);
  return scan === undefined || isFailure(scan) ? fail(InteropError.ScanNotFound, `no scan ${scanId}`) : scan;
}
