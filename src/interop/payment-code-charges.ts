import { createHash, randomInt } from 'node:crypto';
import { fail, isFailure, newId, type Failure } from '../core/index.js';
import { accountIdFor, chart, LedgerError } from '../ledger/index.js';
import { findCurrency } from '../money/index.js';
import { InteropError } from './errors.js';
import { hutongPaymentCodeDigits, hutongPaymentCodePrefix } from './payment-codes.js';
import type { FlowDeps } from './ports.js';
import type { InteropPaymentCodesTable } from './schema.js';
import { checkBarcodeLimit } from './barcode-limits.js';

/** A one-time code as the wallet app shows it: the digits are returned once and stored as a digest. */
export interface IssuedPaymentCode {
  readonly id: string;
  readonly customerId: string;
  readonly currency: string;
  readonly code: string;
  readonly expiresAt: string;
  readonly createdAt: string;
}

export interface PaymentCodeCharge {
  readonly paymentCodeId: string;
  readonly switchReference: string;
  readonly payeeInstitution: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly usedAt: string;
}

const digestOfCode = (code: string) => createHash('sha256').update(`hutong/payment-code/${code}`).digest('hex');

function newCode(): string {
  let digits = hutongPaymentCodePrefix;
  while (digits.length < hutongPaymentCodeDigits) digits += String(randomInt(10));
  return digits;
}

export async function issuePaymentCode(
  deps: FlowDeps,
  merchantId: string,
  customerId: string,
  currency: string,
): Promise<IssuedPaymentCode | Failure<InteropError>> {
  if (findCurrency(currency) === undefined) return fail(InteropError.PaymentCodeInvalid, `${currency} is not a supported currency`);
  if (!(await deps.customers.belongsTo(merchantId, customerId))) return fail(InteropError.CustomerNotFound, `no customer ${customerId}`);
  const now = deps.clock.now();
  const code = newCode();
  const row: InteropPaymentCodesTable = {
    id: newId('pc', now.getTime()),
    code_digest: digestOfCode(code),
    merchant_id: merchantId,
    customer_id: customerId,
    currency,
    status: 'active',
    expires_at: new Date(now.getTime() + deps.settings.paymentCodeTtlMs).toISOString(),
    switch_reference: null,
    payee_institution: null,
    amount: null,
    used_at: null,
    created_at: now.toISOString(),
  };
  await deps.writer.run((trx) => trx.insertInto('interop_payment_codes').values(row).execute());
  return { id: row.id, customerId, currency, code, expiresAt: row.expires_at, createdAt: row.created_at };
}

export interface ChargeRequest {
  readonly switchReference: string;
  readonly payeeInstitution: string;
  readonly paymentCode: string;
  readonly currency: string;
  readonly amountMinor: bigint;
}

/**
 * Another participant's merchant took a Hutong wallet code: claim the code (once), debit the wallet
 * and owe the switch, in one writer unit. A refusal (expired, used, insufficient funds) rolls the
 * unit back whole; a charge replayed with the same switch reference answers the first result.
 */
export async function chargePaymentCode(deps: FlowDeps, request: ChargeRequest): Promise<PaymentCodeCharge | Failure<InteropError>> {
  const digest = digestOfCode(request.paymentCode);
  const found = await deps.db.selectFrom('interop_payment_codes').selectAll().where('code_digest', '=', digest).executeTakeFirst();
  if (found === undefined) return fail(InteropError.PaymentCodeInvalid, 'no such payment code');
  if (found.switch_reference === request.switchReference) return toCharge(found);
  if (found.status !== 'active') return fail(InteropError.PaymentCodeInvalid, 'the payment code was used already');
  const now = deps.clock.now().toISOString();
  if (now >= found.expires_at) return fail(InteropError.PaymentCodeInvalid, 'the payment code expired');
  if (found.currency !== request.currency) return fail(InteropError.PaymentCodeInvalid, `the payment code pays in ${found.currency}`);
  const wallet = chart.customerWallet(found.customer_id, found.currency);
  const payable = chart.channelReceivable('switch', found.currency);
  return deps.writer.run(
    async (trx) => {
      const claimed = await trx
        .updateTable('interop_payment_codes')
        .set({
          status: 'used',
          used_at: now,
          switch_reference: request.switchReference,
          payee_institution: request.payeeInstitution,
          amount: request.amountMinor,
        })
        .where('id', '=', found.id)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (claimed.numUpdatedRows !== 1n) return fail(InteropError.PaymentCodeInvalid, 'the payment code was used already');

      const entry = await deps.ledger.post(trx, {
        id: `pcc_${found.id}`,
        reason: 'interop.payment_code_charge',
        link: { type: 'payment_code', id: found.id },
        postings: [
          { accountId: accountIdFor(wallet), currency: found.currency, amountMinor: request.amountMinor },
          { accountId: await deps.ledger.ensureAccount(trx, payable), currency: found.currency, amountMinor: -request.amountMinor },
        ],
      });
      if (isFailure(entry)) {
        return entry.failure === LedgerError.InsufficientFunds || entry.failure === LedgerError.AccountNotFound
          ? fail(InteropError.InsufficientFunds, 'the wallet balance is too low')
          : fail(InteropError.PaymentCodeInvalid, entry.detail);
      }
      // Funds first, then PBOC limits; the claim above counts as spent already (a returned failure rolls the unit back, claim included).
      const limited = await checkBarcodeLimit(deps, trx, {
        customerId: found.customer_id,
        kind: 'dynamic',
        currency: found.currency,
        amountMinor: 0n,
      });
      if (limited !== undefined) return limited;
      return toCharge({
        ...found,
        switch_reference: request.switchReference,
        payee_institution: request.payeeInstitution,
        amount: request.amountMinor,
        used_at: now,
      });
    },
    { keys: [accountIdFor(wallet), accountIdFor(payable)] },
  );
}

function toCharge(row: InteropPaymentCodesTable): PaymentCodeCharge {
  return {
    paymentCodeId: row.id,
    switchReference: row.switch_reference ?? '',
    payeeInstitution: row.payee_institution ?? '',
    currency: row.currency,
    amountMinor: BigInt(row.amount ?? 0n),
    usedAt: row.used_at ?? '',
  };
}
