import type { Transaction } from 'kysely';
import { isFailure } from '../core/index.js';
import { accountIdFor, chart, type Entry, type Ledger, type LedgerResult } from '../ledger/index.js';
import { statement, type Database, type Exec, type Statement } from '../store/index.js';

/**
 * The money rollups of the reports read model (docs/reports.md). Reads `payments` and `escrows`
 * (owned by payments and escrow) to put a ledger entry in its merchant × method × brand × channel
 * bucket, and writes `report_money` — in the writer unit of the entry itself: the ledger handed to
 * every module is wrapped (`observeLedger`, bound in src/app.ts) so that each recorded entry that
 * names a payment (or an escrow trade, which names its payment) moves its rollup row before the
 * unit commits. A unit rolled back takes its rollup with it; a replayed entry moves nothing.
 *
 * What an entry counts, by the accounts it moves (src/ledger/chart.ts):
 * - the merchant's pending balance: `net` (credits in, debits out: captures net of fees, refunds, FX);
 * - fee revenue: `fees` (charged minus returned); FX revenue: `fx_margin`;
 * - the merchant's escrow: `escrow_held` (credits) and `escrow_released` (debits: released or refunded);
 * - any other account (the shopper's side: a channel receivable, a wallet) gives the gross:
 *   a capture's debit is `captured`, a refund's credit is `refunded`. FX positions are skipped.
 * Entries of other kinds of links (settlement, payouts, wallets, interop, billpay) are not payment
 * reports; the balance statement reads them from the ledger itself.
 */
export interface PaymentDims {
  readonly merchantId: string;
  readonly method: string;
  readonly brand: string;
  readonly channel: string;
  readonly currency: string;
}

const dimsOfPayment = statement(`select p.merchant_id, p.method_type, p.card_brand, p.channel, p.currency from payments p where p.id = ?`);
const dimsOfEscrow = statement(
  `select p.merchant_id, p.method_type, p.card_brand, p.channel, p.currency from escrows e join payments p on p.id = e.payment_id where e.id = ?`,
);

export const moneyMeasures = [
  'captured_count',
  'captured',
  'refunded_count',
  'refunded',
  'fees',
  'fx_margin',
  'net',
  'escrow_held',
  'escrow_released',
  'chargebacks',
] as const;
export type MoneyMeasure = (typeof moneyMeasures)[number];
export type MoneyFigures = Record<MoneyMeasure, bigint>;

export const zeroFigures = (): MoneyFigures => Object.fromEntries(moneyMeasures.map((m) => [m, 0n])) as MoneyFigures;

const upserts = new Map<number, Statement>();
function upsertFor(rows: number): Statement {
  let st = upserts.get(rows);
  if (st === undefined) {
    const cols = ['merchant_id', 'hour', 'currency', 'method', 'brand', 'channel', ...moneyMeasures];
    const row = `(${cols.map(() => '?').join(', ')})`;
    st = statement(
      `insert into report_money (${cols.join(', ')}) values ${Array.from({ length: rows }, () => row).join(', ')}
       on conflict (merchant_id, hour, currency, method, brand, channel) do update set
       ${moneyMeasures.map((m) => `${m} = report_money.${m} + excluded.${m}`).join(', ')}`,
    );
    upserts.set(rows, st);
  }
  return st;
}

function isCapture(entry: Entry): boolean {
  return (
    (entry.kind === 'posted' && entry.reason === 'payment.capture') ||
    (entry.kind === 'post_pending' && entry.reason === 'payment.authorize')
  );
}

/** What one entry adds to the rollup, per currency (pure; the property test checks it against the ledger). */
export function figuresOf(entry: Entry, dims: PaymentDims): Map<string, MoneyFigures> {
  const out = new Map<string, MoneyFigures>();
  if (entry.kind === 'pending' || entry.kind === 'void_pending') return out;
  const at = (currency: string) => {
    let f = out.get(currency);
    if (f === undefined) out.set(currency, (f = zeroFigures()));
    return f;
  };
  const m = dims.merchantId;
  const capture = isCapture(entry);
  for (const p of entry.postings) {
    const c = p.currency;
    const a = p.amountMinor;
    const f = at(c);
    if (p.accountId === accountIdFor(chart.merchantPending(m, c))) {
      f.net -= a;
      if (entry.reason === 'chargeback') f.chargebacks += a;
    } else if (p.accountId === accountIdFor(chart.feeRevenue(c))) f.fees -= a;
    else if (p.accountId === accountIdFor(chart.fxRevenue(c))) f.fx_margin -= a;
    else if (p.accountId === accountIdFor(chart.escrowHeld(m, c))) {
      if (a < 0n) f.escrow_held -= a;
      else f.escrow_released += a;
    } else if (p.accountId === accountIdFor(chart.fxPosition(c))) continue;
    else if (capture && a > 0n) f.captured += a;
    else if (entry.reason === 'refund' && a < 0n) f.refunded -= a;
  }
  if (capture) at(dims.currency).captured_count += 1n;
  if (entry.reason === 'refund') at(dims.currency).refunded_count += 1n;
  for (const [c, f] of out) if (Object.values(f).every((v) => v === 0n)) out.delete(c);
  return out;
}

export interface Rollups {
  /** Moves the rollup rows of one recorded entry, inside its writer unit. */
  record(trx: Transaction<Database>, entry: Entry): Promise<void>;
}

export function createRollups(deps: { exec: Exec }): Rollups {
  const { exec } = deps;
  const cacheMax = 50_000;
  const cache = new Map<string, PaymentDims>();
  async function dimsOf(trx: Transaction<Database>, linkType: string, linkId: string): Promise<PaymentDims | undefined> {
    const key = `${linkType}/${linkId}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const { rows } = await exec(trx, linkType === 'payment' ? dimsOfPayment : dimsOfEscrow, [linkId]);
    const r = rows[0];
    if (r === undefined) return undefined;
    const dims: PaymentDims = {
      merchantId: r.merchant_id as string,
      method: (r.method_type as string | null) ?? '',
      brand: (r.card_brand as string | null) ?? '',
      channel: (r.channel as string | null) ?? '',
      currency: r.currency as string,
    };
    // Set at confirmation, before any money moves: a payment's dimensions never change after.
    if (cache.size >= cacheMax) cache.clear();
    cache.set(key, dims);
    return dims;
  }
  return {
    async record(trx, entry) {
      if (entry.replayed || entry.linkId === null || (entry.linkType !== 'payment' && entry.linkType !== 'escrow')) return;
      if (entry.kind === 'pending' || entry.kind === 'void_pending') return;
      const dims = await dimsOf(trx, entry.linkType, entry.linkId);
      if (dims === undefined) return;
      const figures = figuresOf(entry, dims);
      if (figures.size === 0) return;
      const hour = entry.createdAt.slice(0, 13);
      const params: unknown[] = [];
      for (const [currency, f] of figures) {
        params.push(dims.merchantId, hour, currency, dims.method, dims.brand, dims.channel, ...moneyMeasures.map((m) => f[m]));
      }
      await exec(trx, upsertFor(figures.size), params);
    },
  };
}

/**
 * The ledger every module is given (src/app.ts): the same ledger, whose recorded entries also move
 * the rollups in the same transaction.
 */
export function observeLedger(ledger: Ledger, rollups: Rollups): Ledger {
  const seen = async (trx: Transaction<Database>, result: LedgerResult): Promise<LedgerResult> => {
    if (!isFailure(result)) await rollups.record(trx, result);
    return result;
  };
  return {
    ...ledger,
    post: async (trx, request) => seen(trx, await ledger.post(trx, request)),
    hold: async (trx, request) => seen(trx, await ledger.hold(trx, request)),
    postPending: async (trx, request) => seen(trx, await ledger.postPending(trx, request)),
    voidPending: async (trx, request) => seen(trx, await ledger.voidPending(trx, request)),
  };
}
