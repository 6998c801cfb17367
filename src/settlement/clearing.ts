import { sql } from 'kysely';
import type { Clock } from '../core/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import { derivedId } from '../core/index.js';
import { accountIdFor, chart, type Ledger } from '../ledger/index.js';
import type { Store } from '../store/index.js';
import type { Writer } from '../store/index.js';
import type { BankClient } from '../channels/bank/index.js';
import { SettlementError } from './errors.js';
import { bankAccountNames } from './payouts.js';

/** Hutong itself, as a participant of the netting. */
export const hutongParticipant = 'hutong';

export interface Position {
  readonly participant: string;
  /** What the participant owes Hutong in the window (captures). */
  readonly owesMinor: bigint;
  /** What Hutong owes the participant (refunds, chargebacks taken back). */
  readonly owedMinor: bigint;
  /** owes − owed: positive, the participant pays in; negative, it is paid. Sums to zero over all. */
  readonly netMinor: bigint;
}

export interface ClearingWindow {
  readonly id: string;
  readonly currency: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly positions: Position[];
  /** Σ net over every participant, Hutong included: always 0 — the proof of the netting. */
  readonly proofSumMinor: bigint;
  readonly settled: { participant: string; reference: string; amountMinor: bigint }[];
}

/**
 * Clearing between participants (docs/settlement.md): per currency and window, the gross
 * obligations on each channel's receivable account become one multilateral net position per
 * channel, plus Hutong's own, which is minus their sum — the positions sum to zero by construction
 * and the window records the proof. Settling a window makes each channel pay (or be paid) its net
 * position into Hutong's reserve account at the bank, posted in the ledger under a reference the
 * bank statement carries, so the camt.053 reconciliation confirms it.
 */
export function createClearing(deps: { store: Store; writer: Writer; ledger: Ledger; clock: Clock; bank: () => BankClient | undefined }) {
  const { store, writer, ledger, clock } = deps;

  async function net(currency: string, windowEndIso?: string): Promise<ClearingWindow> {
    const end = windowEndIso ?? clock.now().toISOString();
    const previous = await store.reader
      .selectFrom('clearing_windows')
      .select(['window_end'])
      .where('currency', '=', currency)
      .where('window_end', '<', end)
      .orderBy('window_end', 'desc')
      .limit(1)
      .executeTakeFirst();
    const start = previous?.window_end ?? '';
    const id = derivedId('clr', 'clearing', `${currency}/${end}`);
    const found = await store.reader.selectFrom('clearing_windows').selectAll().where('id', '=', id).executeTakeFirst();
    if (found !== undefined) return fromJson(found.positions);
    // Clearing moves themselves (reason 'clearing.settle') are payments of positions, not obligations.
    const rows = await sql<{ participant: string; owes: string | bigint | null; owed: string | bigint | null }>`
      select a.owner_id as participant,
        sum(case when p.amount > 0 then p.amount else 0 end) as owes,
        sum(case when p.amount < 0 then -p.amount else 0 end) as owed
      from ledger_postings p join ledger_accounts a on a.id = p.account_id join ledger_entries e on e.id = p.entry_id
      where a.owner_type = 'channel' and a.code = 'receivable' and a.currency = ${currency}
        and e.kind in ('posted', 'post_pending') and e.reason <> 'clearing.settle'
        and e.created_at >= ${start} and e.created_at < ${end}
      group by a.owner_id order by a.owner_id`.execute(store.reader);
    const positions: Position[] = rows.rows.map((r) => {
      const owes = BigInt(r.owes ?? 0);
      const owed = BigInt(r.owed ?? 0);
      return { participant: r.participant, owesMinor: owes, owedMinor: owed, netMinor: owes - owed };
    });
    const channelsNet = positions.reduce((s, p) => s + p.netMinor, 0n);
    positions.push({
      participant: hutongParticipant,
      owesMinor: positions.reduce((s, p) => s + p.owedMinor, 0n),
      owedMinor: positions.reduce((s, p) => s + p.owesMinor, 0n),
      netMinor: -channelsNet,
    });
    const proofSumMinor = positions.reduce((s, p) => s + p.netMinor, 0n);
    if (proofSumMinor !== 0n) throw new Error(`clearing ${id}: positions sum to ${proofSumMinor}`);
    const window: ClearingWindow = { id, currency, windowStart: start, windowEnd: end, positions, proofSumMinor, settled: [] };
    await writer.run((trx) =>
      trx
        .insertInto('clearing_windows')
        .values({ id, currency, window_end: end, positions: toJson(window), created_at: clock.now().toISOString() })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute(),
    );
    return window;
  }

  /** Each channel settles its net position through the bank; Hutong posts what it expects to see on the statement. */
  async function settleWindow(id: string): Promise<ClearingWindow | Failure<SettlementError>> {
    const bank = deps.bank();
    if (bank === undefined) return fail(SettlementError.BankUnavailable, 'no settlement bank is configured (HUTONG_BANK_URL)');
    const row = await store.reader.selectFrom('clearing_windows').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return fail(SettlementError.StatementNotFound, `no clearing window ${id}`);
    const window = fromJson(row.positions);
    const settled: ClearingWindow['settled'] = [...window.settled];
    for (const p of window.positions) {
      if (p.participant === hutongParticipant || p.netMinor === 0n || settled.some((s) => s.participant === p.participant)) continue;
      // An ISO 20022 reference is at most 35 characters: a derived id (29) names window and participant.
      const reference = derivedId('cs', 'clearing-settle', `${id}/${p.participant}`);
      const sent = await bank.credit({
        account: bankAccountNames.reserve(window.currency),
        amountMinor: p.netMinor,
        currency: window.currency,
        reference,
        from: p.participant,
      });
      if (isFailure(sent)) return fail(SettlementError.BankUnavailable, sent.detail);
      const receivable = accountIdFor(chart.channelReceivable(p.participant, window.currency));
      await writer.run(async (trx) => {
        const bankAccount = await ledger.ensureAccount(trx, chart.reserveBank(window.currency));
        const posted = await ledger.post(trx, {
          id: `${id}:${p.participant}`,
          reason: 'clearing.settle',
          link: { type: 'clearing', id: reference },
          postings: [
            { accountId: bankAccount, currency: window.currency, amountMinor: p.netMinor },
            { accountId: receivable, currency: window.currency, amountMinor: -p.netMinor },
          ],
        });
        if (isFailure(posted)) throw new Error(`clearing ${id}: ${posted.detail}`);
        settled.push({ participant: p.participant, reference, amountMinor: p.netMinor });
        await trx
          .updateTable('clearing_windows')
          .set({ positions: toJson({ ...window, settled }) })
          .where('id', '=', id)
          .execute();
      });
    }
    return { ...window, settled };
  }

  /** The latest windows, newest first (the console's list). */
  async function list(limit = 50): Promise<ClearingWindow[]> {
    const rows = await store.reader
      .selectFrom('clearing_windows')
      .select('positions')
      .orderBy('window_end', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => fromJson(r.positions));
  }

  return { net, settleWindow, list };
}

export type Clearing = ReturnType<typeof createClearing>;

function toJson(w: ClearingWindow): string {
  return JSON.stringify(w, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

function fromJson(text: string): ClearingWindow {
  return JSON.parse(text, (_k, v: unknown) => (typeof v === 'string' && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v)) as ClearingWindow;
}
