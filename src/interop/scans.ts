import { digestOf, fail, isFailure, newId, type Failure } from '../core/index.js';
import { accountIdFor, chart, LedgerError } from '../ledger/index.js';
import { listCurrencies, parseDecimal, isMoneyFailure } from '../money/index.js';
import { decodeQr } from './decode.js';
import { InteropError } from './errors.js';
import type { Participant } from './participants.js';
import type { FlowDeps } from './ports.js';
import type { PaymentCodeRule } from './payment-codes.js';
import type { InteropScansTable } from './schema.js';
import { signSwitchBody, verifySwitchBody } from './switch-signing.js';
import { checkBarcodeLimit } from './barcode-limits.js';

export const scanTimerKind = 'interop.scan';
export const scanRetryMsOf = (deps: FlowDeps) => deps.settings.scanRetryMs ?? 5_000;

/**
 * A Hutong wallet user scans any participant's collection code: Hutong decodes it, holds the amount
 * on the wallet (claim first), asks the switch to pay, then posts or voids the hold by the answer.
 * A switch that does not answer leaves the scan pending with the amount held: unknown is never
 * guessed as paid or failed (STYLE.md).
 */
export interface ScanRequest {
  readonly customerId: string;
  readonly payload: string;
  readonly amountMinor?: bigint;
}

export interface Scan {
  readonly id: string;
  readonly customerId: string;
  readonly payeeInstitution: string;
  readonly merchantName: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly status: 'pending' | 'succeeded' | 'failed';
  readonly switchReference: string | null;
  readonly failureReason: string | null;
  readonly createdAt: string;
}

type ScanDeps = FlowDeps & { readonly participants: readonly Participant[]; readonly paymentCodeRules: readonly PaymentCodeRule[] };

function terms(deps: ScanDeps, request: ScanRequest) {
  const decoded = decodeQr(deps, request.payload, 'strict');
  if (isFailure(decoded)) return decoded;
  if (decoded.format !== 'emv_mpm' || decoded.mpm === undefined)
    return fail(InteropError.QrCodeUnrecognised, 'scan a merchant-presented code');
  if (decoded.institution === undefined) return fail(InteropError.InstitutionUnknown, 'the code names no participant of the switch');
  const currency = listCurrencies().find((c) => c.numeric === decoded.mpm?.currencyNumeric)?.code;
  if (currency === undefined) return fail(InteropError.QrCodeUnrecognised, `currency ${decoded.mpm.currencyNumeric} is not supported`);
  let amountMinor = request.amountMinor;
  if (decoded.mpm.amountDecimal !== undefined) {
    const parsed = parseDecimal(decoded.mpm.amountDecimal, currency);
    if (isMoneyFailure(parsed)) return fail(InteropError.QrCodeInvalid, `field 54: ${parsed.detail}`);
    if (amountMinor !== undefined && amountMinor !== parsed.minor)
      return fail(InteropError.AmountMismatch, `the code's amount is ${parsed.minor}`);
    amountMinor = parsed.minor;
  }
  if (amountMinor === undefined) return fail(InteropError.AmountMismatch, 'a static code is paid with an amount');
  const kind: 'static' | 'dynamic' = decoded.mpm.pointOfInitiation === 'dynamic' ? 'dynamic' : 'static';
  return { institution: decoded.institution, merchantName: decoded.mpm.merchantName ?? '', currency, amountMinor, kind };
}

export async function scanAndPay(deps: ScanDeps, merchantId: string, request: ScanRequest): Promise<Scan | Failure<InteropError>> {
  const url = deps.settings.switchUrl;
  if (url === undefined) return fail(InteropError.SwitchUnavailable, 'no switch is configured');
  if (!(await deps.customers.belongsTo(merchantId, request.customerId)))
    return fail(InteropError.CustomerNotFound, `no customer ${request.customerId}`);
  const t = terms(deps, request);
  if (isFailure(t)) return t;
  const now = deps.clock.now().toISOString();
  const row: InteropScansTable = {
    id: newId('scan', deps.clock.now().getTime()),
    merchant_id: merchantId,
    customer_id: request.customerId,
    payee_institution: t.institution,
    merchant_name: t.merchantName,
    currency: t.currency,
    amount: t.amountMinor,
    status: 'pending',
    switch_reference: null,
    failure_reason: null,
    request_digest: digestOf({ payload: request.payload }),
    created_at: now,
    updated_at: now,
    code_kind: t.kind,
  };
  const wallet = chart.customerWallet(request.customerId, t.currency);
  const payable = chart.channelReceivable('switch', t.currency);
  const held = await deps.writer.run(
    async (trx) => {
      await trx.insertInto('interop_scans').values(row).execute();
      const entry = await deps.ledger.hold(trx, {
        id: row.id,
        reason: 'interop.scan',
        link: { type: 'scan', id: row.id },
        postings: [
          { accountId: accountIdFor(wallet), currency: t.currency, amountMinor: t.amountMinor },
          { accountId: await deps.ledger.ensureAccount(trx, payable), currency: t.currency, amountMinor: -t.amountMinor },
        ],
      });
      // Funds first, then PBOC limits (the scan row inserted above counts already; a failure rolls the unit back).
      if (!isFailure(entry)) {
        const limited = await checkBarcodeLimit(deps, trx, {
          customerId: request.customerId,
          kind: t.kind,
          currency: t.currency,
          amountMinor: 0n,
        });
        if (limited !== undefined) return limited;
        // The sweep of this scan if no answer is recorded (scan-resolution.ts): written with the claim, so it survives a crash.
        await deps.timers?.schedule(trx, {
          kind: scanTimerKind,
          key: `${scanTimerKind}:${row.id}`,
          dueAt: new Date(deps.clock.now().getTime() + scanRetryMsOf(deps)),
          payload: { scanId: row.id },
        });
        return undefined;
      }
      return entry.failure === LedgerError.InsufficientFunds || entry.failure === LedgerError.AccountNotFound
        ? fail(InteropError.InsufficientFunds, 'the wallet balance is too low')
        : fail(InteropError.ScanDeclined, entry.detail);
    },
    { keys: [accountIdFor(wallet), accountIdFor(payable)] },
  );
  if (held !== undefined) return held;
  const body = JSON.stringify({ scan_id: row.id, payload: request.payload, currency: t.currency, amount: t.amountMinor.toString() });
  const answer = await deps.switchFiles.pay(url, body, signSwitchBody(deps.settings.switchKey, body, deps.clock.now().getTime()));
  if (answer === undefined || answer.status >= 500)
    return fail(InteropError.SwitchUnavailable, `scan ${row.id} is pending: the switch did not answer`);
  const outcome = payOutcome(deps, answer);
  if (outcome === 'unknown') return fail(InteropError.SwitchUnavailable, `scan ${row.id} is pending: the switch has not settled it yet`);
  const settled = await settle(deps, row, outcome);
  return settled.status === 'failed'
    ? fail(InteropError.ScanDeclined, `the payment was declined: ${settled.failureReason ?? ''}`)
    : settled.status === 'pending'
      ? fail(InteropError.SwitchUnavailable, `scan ${row.id} is pending`)
      : settled;
}

export type PayOutcome = { reference: string } | { reason: string } | 'unknown';

/**
 * What a switch answer about a Hutong user's payment says: paid (signed, with a reference), declined
 * or closed (a 4xx naming it), or unknown (no answer, 5xx, `processing`, `not_found`, unsigned).
 */
export function payOutcome(
  deps: FlowDeps,
  answer: { status: number; body: string; signature: string | undefined } | undefined,
): PayOutcome {
  if (answer === undefined || answer.status >= 500) return 'unknown';
  const unsigned = verifySwitchBody(
    deps.settings.switchKey,
    answer.body,
    answer.signature,
    deps.clock,
    deps.settings.switchMessageAgeMsMax,
  );
  let parsed: { status?: string; switch_reference?: string; reason?: string; code?: string };
  try {
    parsed = JSON.parse(answer.body) as typeof parsed;
  } catch {
    return 'unknown';
  }
  if (answer.status === 200 && unsigned === undefined && parsed.status === 'paid' && typeof parsed.switch_reference === 'string')
    return { reference: parsed.switch_reference };
  // A refusal is believed only when signed, or before anything was signed at all (a plain 4xx of the switch's front door).
  if (answer.status === 422 && (unsigned === undefined || answer.signature === undefined))
    return { reason: parsed.reason ?? parsed.code ?? 'declined' };
  return 'unknown';
}

/** Posts or voids the hold once: the row moves out of `pending` first, so a racing second answer changes nothing. */
export async function settle(deps: FlowDeps, row: InteropScansTable, outcome: { reference: string } | { reason: string }): Promise<Scan> {
  const now = deps.clock.now().toISOString();
  const paid = 'reference' in outcome;
  const done = await deps.writer.run(async (trx) => {
    const update = paid
      ? { status: 'succeeded', switch_reference: outcome.reference, updated_at: now }
      : { status: 'failed', failure_reason: outcome.reason, updated_at: now };
    const moved = await trx
      .updateTable('interop_scans')
      .set(update)
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (moved.numUpdatedRows !== 1n) return trx.selectFrom('interop_scans').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    const ledgerMoved = paid
      ? await deps.ledger.postPending(trx, { id: `${row.id}.post`, pendingId: row.id })
      : await deps.ledger.voidPending(trx, { id: `${row.id}.void`, pendingId: row.id });
    if (isFailure(ledgerMoved)) throw new Error(`scan ${row.id}: ${ledgerMoved.detail}`);
    return { ...row, ...update } as InteropScansTable;
  });
  return toScan(done);
}

export function toScan(row: InteropScansTable): Scan {
  return {
    id: row.id,
    customerId: row.customer_id,
    payeeInstitution: row.payee_institution,
    merchantName: row.merchant_name,
    currency: row.currency,
    amountMinor: BigInt(row.amount),
    status: row.status as Scan['status'],
    switchReference: row.switch_reference,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
  };
}
