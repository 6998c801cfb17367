import { fail, isFailure, type Failure } from '../core/index.js';
import { accountIdFor, chart } from '../ledger/index.js';
import { InteropError } from './errors.js';
import type { FlowDeps } from './ports.js';

/** The switch gives a Hutong wallet user money back: a refund at the merchant's institution, or a reversal of the charge. */
export interface CodeRefundRequest {
  readonly switchReference: string;
  readonly originalReference: string;
  readonly kind: 'refund' | 'reversal';
  readonly currency: string;
  readonly amountMinor: bigint;
}

export interface CodeRefund {
  readonly id: string;
  readonly paymentCodeId: string;
  readonly kind: 'refund' | 'reversal';
  readonly currency: string;
  readonly amountMinor: bigint;
}

/**
 * Credits the wallet back in one writer unit with the refund's row (its id is the switch's
 * reference, so a replay finds the first answer and moves nothing). A reversal gives back the whole
 * charge and marks the code `reversed` (the switch voids the booking: it is in no clearing file);
 * refunds together never exceed the charge.
 */
export async function refundPaymentCode(deps: FlowDeps, request: CodeRefundRequest): Promise<CodeRefund | Failure<InteropError>> {
  const code = await deps.db
    .selectFrom('interop_payment_codes')
    .selectAll()
    .where('switch_reference', '=', request.originalReference)
    .executeTakeFirst();
  if (code === undefined || code.amount === null)
    return fail(InteropError.SwitchOrderUnknown, `no charge with switch reference ${request.originalReference}`);
  if (code.currency !== request.currency) return fail(InteropError.AmountMismatch, `the charge is in ${code.currency}`);
  const wallet = chart.customerWallet(code.customer_id, code.currency);
  const payable = chart.channelReceivable('switch', code.currency);
  const view = (row: { id: string; kind: string; currency: string; amount: bigint }): CodeRefund => ({
    id: row.id,
    paymentCodeId: code.id,
    kind: row.kind as CodeRefund['kind'],
    currency: row.currency,
    amountMinor: BigInt(row.amount),
  });
  return deps.writer.run(
    async (trx) => {
      const replay = await trx.selectFrom('interop_code_refunds').selectAll().where('id', '=', request.switchReference).executeTakeFirst();
      if (replay !== undefined) return view(replay);
      const before = await trx.selectFrom('interop_code_refunds').select(['amount']).where('payment_code_id', '=', code.id).execute();
      const refunded = before.reduce((sum, r) => sum + BigInt(r.amount), 0n);
      const amountMinor = request.kind === 'reversal' ? BigInt(code.amount ?? 0n) - refunded : request.amountMinor;
      if (amountMinor <= 0n || refunded + amountMinor > BigInt(code.amount ?? 0n))
        return fail(InteropError.AmountMismatch, `refunds would exceed the charge of ${code.amount}`);
      const row = {
        id: request.switchReference,
        payment_code_id: code.id,
        kind: request.kind,
        currency: code.currency,
        amount: amountMinor,
        created_at: deps.clock.now().toISOString(),
      };
      await trx.insertInto('interop_code_refunds').values(row).execute();
      if (request.kind === 'reversal')
        await trx.updateTable('interop_payment_codes').set({ status: 'reversed' }).where('id', '=', code.id).execute();
      const entry = await deps.ledger.post(trx, {
        id: `pcr_${request.switchReference}`,
        reason: `interop.payment_code_${request.kind}`,
        link: { type: 'payment_code', id: code.id },
        postings: [
          { accountId: await deps.ledger.ensureAccount(trx, payable), currency: code.currency, amountMinor },
          { accountId: accountIdFor(wallet), currency: code.currency, amountMinor: -amountMinor },
        ],
      });
      if (isFailure(entry)) throw new Error(`payment code refund ${row.id}: ${entry.detail}`);
      return view(row);
    },
    { keys: [accountIdFor(wallet), accountIdFor(payable)] },
  );
}
