import type { Clock } from '../core/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import { newId } from '../core/index.js';
import type { Events } from '../events/index.js';
import { accountIdFor, chart, type Ledger } from '../ledger/index.js';
import type { Store } from '../store/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/index.js';
import type { Database } from '../store/index.js';
import type { Writer } from '../store/index.js';
import { buildPain001, parsePain002, type BankFileSettings } from '../channels/bank/index.js';
import type { BankClient } from '../channels/bank/index.js';
import { payoutMachine } from './state.js';
import { SettlementError } from './errors.js';
import type { BeneficiaryScreen } from '../risk/index.js';

export interface Payout {
  readonly id: string;
  readonly merchantId: string;
  readonly statementId: string;
  readonly bankAccountId: string | null;
  readonly currency: string;
  readonly amountMinor: bigint;
  /** pending → sent → paid | failed */
  readonly status: string;
  readonly fileId: string | null;
  readonly failureCode: string | null;
  readonly failureReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface PayoutRunResult {
  readonly files: { id: string; currency: string; transfers: number; status: string }[];
  readonly paid: number;
  readonly failed: number;
  /** Pending payouts of merchants without a bank account in that currency: they wait. */
  readonly waiting: number;
}

/** Hutong's accounts at the settlement bank (the reserve account pays out and receives the channels). */
export const bankAccountNames = {
  reserve: (currency: string) => `HUTONG-RESERVE-${currency}`,
  settlement: (currency: string) => `HUTONG-SETTLEMENT-${currency}`,
};

/**
 * Payouts through the bank connector: pending payouts become one pain.001 file per currency
 * (recorded before it is sent), the pain.002 answer settles each payout in its own unit — accepted:
 * the money leaves the reserve bank account; rejected: it goes back to the merchant's pending
 * balance (and settles again next run) with a `payout.failed` event.
 */
export function createPayouts(deps: {
  store: Store;
  writer: Writer;
  ledger: Ledger;
  clock: Clock;
  events: Events;
  bank: () => BankClient | undefined;
  /** Sanctions screening of each payee (src/risk); a payee that is not clear is not paid and its payout waits. */
  beneficiaries?: BeneficiaryScreen;
  /** pain.001 settings from configuration: Hutong's bank's BIC (DbtrAgt) and the charge bearer. */
  bankFiles?: Pick<BankFileSettings, 'debtorAgentBic' | 'chargeBearer'>;
}) {
  const { store, writer, ledger, clock, events } = deps;
  const reader = store.reader;

  async function send(): Promise<PayoutRunResult | Failure<SettlementError>> {
    const bank = deps.bank();
    if (bank === undefined) return fail(SettlementError.BankUnavailable, 'no settlement bank is configured (HUTONG_BANK_URL)');
    const now = clock.now();
    // 1. New files for pending payouts with a bank account (the account at sending time counts).
    const pending = await reader
      .selectFrom('payouts as p')
      .innerJoin('merchant_bank_accounts as b', (j) =>
        j.onRef('b.merchant_id', '=', 'p.merchant_id').onRef('b.currency', '=', 'p.currency').on('b.status', '=', 'active'),
      )
      .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
      .select([
        'p.id',
        'p.currency',
        'p.amount',
        'p.merchant_id',
        'b.id as bank_id',
        'b.holder_name',
        'b.iban',
        'b.account_number',
        'b.bank_code',
        'b.bic',
        'b.clearing_system',
        'b.country',
        'b.town',
        'b.postcode',
        'b.address_line',
        'm.name',
      ])
      .where('p.status', '=', 'pending')
      .orderBy('p.created_at')
      .limit(5000)
      .execute()
      .then((rows) => clearedPayees(deps.beneficiaries, rows));
    const byCurrency = new Map<string, typeof pending>();
    for (const p of pending) byCurrency.set(p.currency, [...(byCurrency.get(p.currency) ?? []), p]);
    for (const [currency, rows] of byCurrency) {
      const fileId = newId('bf', now.getTime());
      const xml = buildPain001({
        messageId: fileId,
        createdAt: now.toISOString(),
        debtorName: 'Hutong Payments',
        debtorAccount: bankAccountNames.reserve(currency),
        executionDate: now.toISOString().slice(0, 10),
        transfers: rows.map((r) => ({
          endToEndId: r.id,
          amountMinor: r.amount,
          currency,
          creditorName: r.holder_name,
          iban: r.iban,
          accountNumber: r.account_number,
          bankCode: r.bank_code,
          bic: r.bic,
          clearingSystem: r.clearing_system,
          country: r.country,
          town: r.town,
          postcode: r.postcode,
          addressLine: r.address_line,
        })),
        debtorAgentBic: deps.bankFiles?.debtorAgentBic,
        chargeBearer: deps.bankFiles?.chargeBearer,
      });
      // A payout another run (a concurrent click, a second timer worker) put in its file first
      // voids this file whole: every payout is in exactly one file.
      const stored = await writer
        .run(async (trx) => {
          payoutMachine.assertMove('pending', 'sent');
          for (const r of rows) {
            const taken = await trx
              .updateTable('payouts')
              .set({ status: 'sent', file_id: fileId, bank_account_id: r.bank_id, updated_at: now.toISOString() })
              .where('id', '=', r.id)
              .where('status', '=', 'pending')
              .executeTakeFirst();
            if (taken.numUpdatedRows !== 1n) throw new PayoutTaken();
          }
          await trx
            .insertInto('bank_files')
            .values({
              id: fileId,
              kind: 'pain.001',
              message_id: fileId,
              content: xml,
              response: null,
              status: 'sent',
              created_at: now.toISOString(),
            })
            .execute();
          return true;
        })
        .catch((error: unknown) => {
          if (error instanceof PayoutTaken) return false;
          throw error;
        });
      if (!stored) continue;
    }
    // 2. Every file without an answer yet is (re)sent: the bank answers a known MsgId with its first answer.
    const files = await reader
      .selectFrom('bank_files')
      .selectAll()
      .where('kind', '=', 'pain.001')
      .where('status', '=', 'sent')
      .orderBy('created_at')
      .execute();
    const result: PayoutRunResult = { files: [], paid: 0, failed: 0, waiting: 0 };
    for (const file of files) {
      const answer = await bank.sendPayoutFile(file.content);
      if (isFailure(answer)) {
        result.files.push({ id: file.id, currency: '', transfers: 0, status: 'unanswered' });
        continue;
      }
      const applied = await applyStatusReport(file.id, answer);
      if (isFailure(applied)) return applied;
      result.files.push({ id: file.id, currency: applied.currency, transfers: applied.paid + applied.failed, status: 'answered' });
      (result as { paid: number }).paid += applied.paid;
      (result as { failed: number }).failed += applied.failed;
    }
    const waiting = await reader
      .selectFrom('payouts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return { ...result, waiting: Number(waiting.n) };
  }

  async function applyStatusReport(
    fileId: string,
    xml: string,
  ): Promise<{ currency: string; paid: number; failed: number } | Failure<SettlementError>> {
    const report = parsePain002(xml);
    if (isFailure(report)) return fail(SettlementError.BankUnavailable, `the bank's pain.002 is not valid: ${report.detail}`);
    if (report.originalMessageId !== fileId)
      return fail(SettlementError.BankUnavailable, `the pain.002 answers ${report.originalMessageId}, not ${fileId}`);
    let paid = 0;
    let failed = 0;
    let currency = '';
    for (const tx of report.transactions) {
      const outcome = await writer.run(async (trx) => {
        const payout = await trx
          .selectFrom('payouts')
          .selectAll()
          .where('id', '=', tx.endToEndId)
          .where('file_id', '=', fileId)
          .executeTakeFirst();
        if (payout === undefined || payout.status !== 'sent') return undefined;
        currency = payout.currency;
        const accepted = tx.status === 'ACCP' || tx.status === 'ACSC' || tx.status === 'ACSP' || tx.status === 'ACTC';
        // Claim first: of two runs applying the same answer (the bank answers a resent file alike),
        // only the one that moves the payout out of `sent` posts and tells the merchant.
        payoutMachine.assertMove('sent', accepted ? 'paid' : 'failed');
        const claimed = await trx
          .updateTable('payouts')
          .set({
            status: accepted ? 'paid' : 'failed',
            failure_code: accepted ? null : (tx.reasonCode ?? 'RJCT'),
            failure_reason: accepted ? null : (tx.reasonText ?? tx.reasonCode),
            updated_at: clock.now().toISOString(),
          })
          .where('id', '=', payout.id)
          .where('status', '=', 'sent')
          .executeTakeFirst();
        if (claimed.numUpdatedRows !== 1n) return undefined;
        const inFlight = accountIdFor(chart.payoutInFlight(payout.merchant_id, payout.currency));
        const destination = accepted
          ? await ledger.ensureAccount(trx, chart.reserveBank(payout.currency))
          : await ledger.ensureAccount(trx, chart.merchantPending(payout.merchant_id, payout.currency));
        const posted = await ledger.post(trx, {
          id: `${payout.id}:${accepted ? 'paid' : 'returned'}`,
          reason: accepted ? 'payout.paid' : 'payout.returned',
          link: { type: 'payout', id: payout.id },
          postings: [
            { accountId: inFlight, currency: payout.currency, amountMinor: payout.amount },
            { accountId: destination, currency: payout.currency, amountMinor: -payout.amount },
          ],
        });
        if (isFailure(posted)) throw new Error(`payout ${payout.id}: ${posted.detail}`);
        const after = await trx.selectFrom('payouts').selectAll().where('id', '=', payout.id).executeTakeFirstOrThrow();
        await events.recordEvent(trx, {
          merchantId: payout.merchant_id,
          type: accepted ? 'payout.paid' : 'payout.failed',
          objectType: 'payout',
          objectId: payout.id,
          data: payoutJson(toPayout(after)),
        });
        return accepted ? 'paid' : 'failed';
      });
      if (outcome === 'paid') paid++;
      if (outcome === 'failed') failed++;
    }
    await writer.run((trx) => trx.updateTable('bank_files').set({ status: 'answered', response: xml }).where('id', '=', fileId).execute());
    return { currency, paid, failed };
  }

  async function list(merchantId: string, page: PageRequest): Promise<Page<Payout> | Failure<SettlementError>> {
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    if (page.cursor !== undefined && after === undefined) return fail(SettlementError.PayoutNotFound, 'the cursor is not valid');
    const limit = pageLimit(page);
    const rows = await pageQuery(reader.selectFrom('payouts').selectAll().where('merchant_id', '=', merchantId), after, limit).execute();
    return toPage(rows, limit, toPayout);
  }

  async function get(merchantId: string | undefined, id: string): Promise<Payout | Failure<SettlementError>> {
    let q = reader.selectFrom('payouts').selectAll().where('id', '=', id);
    if (merchantId !== undefined) q = q.where('merchant_id', '=', merchantId);
    const row = await q.executeTakeFirst();
    return row === undefined ? fail(SettlementError.PayoutNotFound, `no payout ${id}`) : toPayout(row);
  }

  return { send, applyStatusReport, list, get };
}

export type Payouts = ReturnType<typeof createPayouts>;

class PayoutTaken extends Error {}

export function toPayout(r: Database['payouts']): Payout {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    statementId: r.statement_id,
    bankAccountId: r.bank_account_id,
    currency: r.currency,
    amountMinor: r.amount,
    status: r.status,
    fileId: r.file_id,
    failureCode: r.failure_code,
    failureReason: r.failure_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The API view of a payout (also the event payload). */
export function payoutJson(p: Payout) {
  return {
    id: p.id,
    object: 'payout' as const,
    settlement: p.statementId,
    bank_account: p.bankAccountId,
    amount: Number(p.amountMinor),
    currency: p.currency,
    status: p.status,
    failure_code: p.failureCode,
    failure_reason: p.failureReason,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

/** Keeps the payouts whose payee screens clear; a screening that cannot be done throws, and nothing is sent. */
async function clearedPayees<T extends { bank_id: string; holder_name: string; merchant_id: string }>(
  screen: BeneficiaryScreen | undefined,
  rows: T[],
): Promise<T[]> {
  if (screen === undefined) return rows;
  const cleared: T[] = [];
  for (const row of rows) {
    const state = await screen.screen({ merchantId: row.merchant_id, accountId: row.bank_id, name: row.holder_name });
    if (state === 'clear') cleared.push(row);
  }
  return cleared;
}
