import { sql, type Kysely } from 'kysely';
import { accountIdFor, chart } from '../ledger/index.js';
import type { Database } from '../store/index.js';
import { moneyMeasures, zeroFigures, type MoneyFigures } from './rollups.js';

/**
 * The reports read model (issue 17 §3, docs/reports.md). Reads the rollups (`report_money`,
 * `report_attempts`, `report_latency`, kept by src/read-models/rollups.ts and migration 015's
 * trigger), and for the few reports that are about other things: `ledger_accounts`,
 * `ledger_postings`/`ledger_entries` (the balance statement, from the ledger itself),
 * `payouts`/`settlement_lines` (payout reconciliation), `recon_exceptions` (exceptions per day),
 * `merchants` (names).
 *
 * Ranges are local dates in a time zone, turned into UTC hours: the rollups are hourly, so a range
 * is exact in every zone whose offset is whole hours; in a :30 or :45 zone (India, Nepal) a day
 * starts at the UTC hour that contains its midnight.
 */
export interface ReportRange {
  /** First local day, `YYYY-MM-DD`. */
  readonly from: string;
  /** Last local day, inclusive. */
  readonly to: string;
  readonly timeZone: string;
}

export interface ReportFilter extends ReportRange {
  /** Absent: every merchant (operator reports). */
  readonly merchantId?: string;
  readonly currency?: string;
  readonly method?: string;
}

export type Interval = 'hour' | 'day' | 'week' | 'month';
export type Dimension = 'method' | 'brand' | 'channel' | 'currency' | 'merchant';

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = offsetFormatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
    });
    offsetFormatters.set(timeZone, f);
  }
  return f;
}

/** True when the zone is one Intl knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local `YYYY-MM-DDTHH` of a UTC instant. */
function localHour(utcMs: number, timeZone: string): string {
  const parts = Object.fromEntries(
    formatterOf(timeZone)
      .formatToParts(new Date(utcMs))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}`;
}

/** The zone's offset in ms at an instant (local − UTC). */
function offsetMs(utcMs: number, timeZone: string): number {
  const local = localHour(utcMs, timeZone);
  return Date.parse(`${local}:00:00Z`) - Math.floor(utcMs / 3_600_000) * 3_600_000;
}

/** The UTC instant of a local midnight (the first UTC hour whose local day is `date`). */
export function utcStartOf(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  let t = guess - offsetMs(guess, timeZone);
  // Around a DST change the offset at the guess may differ from the one at the answer.
  t = guess - offsetMs(t, timeZone);
  return Math.floor(t / 3_600_000) * 3_600_000;
}

const hourKey = (ms: number) => new Date(ms).toISOString().slice(0, 13);
const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The hour keys `[from, to)` of a range. */
export function hoursOf(range: ReportRange): { fromHour: string; toHour: string } {
  return { fromHour: hourKey(utcStartOf(range.from, range.timeZone)), toHour: hourKey(utcStartOf(nextDay(range.to), range.timeZone)) };
}

/** The period an hour belongs to in a zone: a local hour, day, ISO week (its Monday) or month. */
export function periodOf(hour: string, interval: Interval, timeZone: string): string {
  const local = localHour(Date.parse(`${hour}:00:00Z`), timeZone);
  if (interval === 'hour') return local;
  const day = local.slice(0, 10);
  if (interval === 'day') return day;
  if (interval === 'month') return day.slice(0, 7);
  const d = new Date(`${day}T00:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10);
}

const dimensionColumn: Record<Dimension, string> = {
  method: 'method',
  brand: 'brand',
  channel: 'channel',
  currency: 'currency',
  merchant: 'merchant_id',
};

function where(f: ReportFilter): ReturnType<typeof sql> {
  const { fromHour, toHour } = hoursOf(f);
  const parts = [sql`hour >= ${fromHour}`, sql`hour < ${toHour}`];
  if (f.merchantId !== undefined) parts.push(sql`merchant_id = ${f.merchantId}`);
  if (f.currency !== undefined) parts.push(sql`currency = ${f.currency}`);
  if (f.method !== undefined) parts.push(sql`method = ${f.method}`);
  return sql.join(parts, sql` and `);
}

const sums = sql.raw(moneyMeasures.map((m) => `sum(${m}) as ${m}`).join(', '));

function figuresOfRow(r: Record<string, unknown>): MoneyFigures {
  const f = zeroFigures();
  for (const m of moneyMeasures) f[m] = BigInt((r[m] as string | number | bigint | null) ?? 0);
  return f;
}

export interface MoneyRow {
  /** The period (series) or the dimension's value (breakdown). */
  readonly key: string;
  readonly currency: string;
  readonly figures: MoneyFigures;
}

export interface AttemptFigures {
  approved: number;
  declined: number;
  timeouts: number;
  latencyMsSum: number;
}

const add = (a: MoneyFigures, b: MoneyFigures) => {
  for (const m of moneyMeasures) a[m] += b[m];
};

/**
 * The periods of a range in its zone, each with the UTC hour it starts at (sorted): an hour's period
 * is then found by a binary search over a few hundred strings instead of a time-zone conversion per row.
 */
function periodStarts(f: ReportRange, interval: Exclude<Interval, 'hour'>): { key: string; fromHour: string }[] {
  const out: { key: string; fromHour: string }[] = [];
  let day = f.from;
  const end = nextDay(f.to);
  while (day < end) {
    const key = interval === 'day' ? day : interval === 'month' ? day.slice(0, 7) : periodOf(`${day}T12`, 'week', 'UTC');
    if (out.length === 0 || (out[out.length - 1] as { key: string }).key !== key)
      out.push({ key, fromHour: hourKey(utcStartOf(day, f.timeZone)) });
    day = nextDay(day);
  }
  return out;
}

function periodFinder(f: ReportRange, interval: Interval): (hour: string) => string {
  if (interval === 'hour') return (hour) => periodOf(hour, 'hour', f.timeZone);
  const starts = periodStarts(f, interval);
  return (hour) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as { fromHour: string }).fromHour <= hour) lo = mid;
      else hi = mid - 1;
    }
    return (starts[lo] as { key: string }).key;
  };
}

/** Money per period and currency, in the filter's zone. */
export async function moneySeries(db: Kysely<Database>, f: ReportFilter, interval: Interval): Promise<MoneyRow[]> {
  const { rows } = await sql<Record<string, unknown>>`select hour, currency, ${sums} from report_money where ${where(f)}
    group by hour, currency order by hour, currency`.execute(db);
  const periodAt = periodFinder(f, interval);
  const out = new Map<string, MoneyRow>();
  for (const r of rows) {
    const key = periodAt(r.hour as string);
    const id = `${key}/${r.currency as string}`;
    const row = out.get(id) ?? { key, currency: r.currency as string, figures: zeroFigures() };
    add(row.figures, figuresOfRow(r));
    out.set(id, row);
  }
  return [...out.values()];
}

/** Money per value of one dimension and currency. */
export async function moneyBreakdown(db: Kysely<Database>, f: ReportFilter, by: Dimension): Promise<MoneyRow[]> {
  const col = sql.raw(dimensionColumn[by]);
  const { rows } = await sql<Record<string, unknown>>`select ${col} as k, currency, ${sums} from report_money where ${where(f)}
    group by ${col}, currency order by ${col}, currency`.execute(db);
  return rows.map((r) => ({ key: r.k as string, currency: r.currency as string, figures: figuresOfRow(r) }));
}

/** Totals per currency. */
export async function moneyTotals(db: Kysely<Database>, f: ReportFilter): Promise<MoneyRow[]> {
  return moneyBreakdown(db, f, 'currency');
}

export interface OutcomeRow {
  readonly key: string;
  readonly outcome: string;
  readonly code: string;
  readonly count: number;
  readonly latencyMsSum: number;
}

/** Authorisation outcomes per value of a dimension (or '' for all), outcome and code. */
export async function outcomes(db: Kysely<Database>, f: ReportFilter, by?: Dimension): Promise<OutcomeRow[]> {
  const col = by === undefined ? undefined : sql.raw(dimensionColumn[by]);
  const groups = col === undefined ? sql`outcome, code` : sql`${col}, outcome, code`;
  const { rows } = await sql<Record<string, unknown>>`select ${col ?? sql`''`} as k, outcome, code, sum(count) as n, sum(latency_ms) as ms
    from report_attempts where ${where(f)} group by ${groups} order by ${groups}`.execute(db);
  return rows.map((r) => ({
    key: r.k as string,
    outcome: r.outcome as string,
    code: r.code as string,
    count: Number(r.n),
    latencyMsSum: Number(r.ms),
  }));
}

export function attemptFiguresOf(rows: readonly OutcomeRow[]): AttemptFigures {
  const a: AttemptFigures = { approved: 0, declined: 0, timeouts: 0, latencyMsSum: 0 };
  for (const r of rows) {
    if (r.outcome === 'approved') a.approved += r.count;
    else if (r.outcome === 'declined') a.declined += r.count;
    else a.timeouts += r.count;
    a.latencyMsSum += r.latencyMsSum;
  }
  return a;
}

export interface ChannelHealth {
  readonly channel: string;
  readonly attempts: AttemptFigures;
  /** Upper bounds of the latency buckets holding the 50th and 99th percentiles; null without data; -1 off the scale. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

/** Approval rate, latency percentiles and timeouts per channel (acquirers and wallets). */
export async function channelHealth(db: Kysely<Database>, f: ReportFilter): Promise<ChannelHealth[]> {
  const byChannel = new Map<string, OutcomeRow[]>();
  for (const r of await outcomes(db, f, 'channel')) byChannel.set(r.key, [...(byChannel.get(r.key) ?? []), r]);
  const { fromHour, toHour } = hoursOf(f);
  const { rows } = await sql<{ channel: string; bucket_ms: string | number; n: string | number }>`select channel, bucket_ms,
    sum(count) as n from report_latency where hour >= ${fromHour} and hour < ${toHour} group by channel, bucket_ms`.execute(db);
  const buckets = new Map<string, { bound: number; n: number }[]>();
  for (const r of rows) buckets.set(r.channel, [...(buckets.get(r.channel) ?? []), { bound: Number(r.bucket_ms), n: Number(r.n) }]);
  const channels = new Set([...byChannel.keys(), ...(f.merchantId === undefined ? buckets.keys() : [])]);
  return [...channels].sort().map((channel) => {
    const hist = (buckets.get(channel) ?? []).sort((x, y) => (x.bound === -1 ? 1 : y.bound === -1 ? -1 : x.bound - y.bound));
    return {
      channel,
      attempts: attemptFiguresOf(byChannel.get(channel) ?? []),
      p50Ms: percentile(hist, 0.5),
      p99Ms: percentile(hist, 0.99),
    };
  });
}

function percentile(hist: readonly { bound: number; n: number }[], q: number): number | null {
  const total = hist.reduce((s, b) => s + b.n, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const b of hist) {
    seen += b.n;
    if (seen >= q * total) return b.bound;
  }
  return (hist[hist.length - 1] as { bound: number }).bound;
}

export interface StatementLine {
  readonly currency: string;
  /** The merchant's account: available, pending (awaiting settlement), escrow, reserve, payout. */
  readonly account: string;
  readonly opening: bigint;
  readonly credits: bigint;
  readonly debits: bigint;
  readonly closing: bigint;
}

/**
 * Opening and closing balance per currency and account of a merchant, from the ledger: the
 * account's posted balance now, less what moved since each end of the range (the merchant's own
 * postings, read by the (account, entry) index).
 */
export async function balanceStatement(db: Kysely<Database>, merchantId: string, range: ReportRange): Promise<StatementLine[]> {
  const from = new Date(utcStartOf(range.from, range.timeZone)).toISOString();
  const to = new Date(utcStartOf(nextDay(range.to), range.timeZone)).toISOString();
  const accounts = await db
    .selectFrom('ledger_accounts')
    .select(['id', 'code', 'currency', 'normal_side', 'debits_posted', 'credits_posted'])
    .where('owner_type', '=', 'merchant')
    .where('owner_id', '=', merchantId)
    .execute();
  if (accounts.length === 0) return [];
  const { rows } = await sql<Record<string, unknown>>`select p.account_id,
      sum(case when e.created_at >= ${to} then p.amount else 0 end) as after_to,
      sum(case when e.created_at < ${to} and p.amount > 0 then p.amount else 0 end) as debits,
      sum(case when e.created_at < ${to} and p.amount < 0 then -p.amount else 0 end) as credits
    from ledger_postings p join ledger_entries e on e.id = p.entry_id
    where p.account_id in (${sql.join(accounts.map((a) => a.id))}) and e.created_at >= ${from} and e.kind <> 'pending'
    group by p.account_id`.execute(db);
  const moved = new Map(rows.map((r) => [r.account_id as string, r]));
  const big = (v: unknown) => BigInt((v as string | number | bigint | null) ?? 0);
  return accounts
    .map((a) => {
      const sign = a.normal_side === 'credit' ? -1n : 1n;
      const now = sign * (BigInt(a.debits_posted) - BigInt(a.credits_posted));
      const m = moved.get(a.id);
      const debits = big(m?.debits);
      const credits = big(m?.credits);
      const closing = now - sign * big(m?.after_to);
      const opening = closing - sign * (debits - credits);
      return { currency: a.currency, account: a.code, opening, credits, debits, closing };
    })
    .sort((x, y) => (x.currency + x.account < y.currency + y.account ? -1 : 1));
}

export interface PayoutLine {
  readonly entryId: string;
  readonly reason: string;
  readonly linkType: string | null;
  readonly linkId: string | null;
  /** What the line added to the payout's statement (the merchant's side, credit positive). */
  readonly amount: bigint;
  readonly at: string;
}

export interface PayoutReconciliation {
  readonly payoutId: string;
  readonly statementId: string;
  readonly currency: string;
  readonly amount: bigint;
  readonly status: string;
  readonly carriedIn: bigint;
  readonly linesTotal: bigint;
  readonly reserve: bigint;
  readonly carriedOut: bigint;
  readonly lines: PayoutLine[];
}

/** A payout and the ledger lines (payments, refunds, fees, chargebacks) its statement settled. */
export async function payoutReconciliation(
  db: Kysely<Database>,
  merchantId: string,
  payoutId: string,
): Promise<PayoutReconciliation | undefined> {
  const payout = await db
    .selectFrom('payouts')
    .innerJoin('settlement_statements as s', 's.id', 'payouts.statement_id')
    .select([
      'payouts.id',
      'payouts.statement_id',
      'payouts.currency',
      'payouts.amount',
      'payouts.status',
      's.carried_in',
      's.lines_total',
      's.reserve',
      's.carried_out',
    ])
    .where('payouts.id', '=', payoutId)
    .where('payouts.merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (payout === undefined) return undefined;
  const lines = await db
    .selectFrom('settlement_lines')
    .select(['entry_id', 'reason', 'link_type', 'link_id', 'amount', 'entry_created_at'])
    .where('statement_id', '=', payout.statement_id)
    .orderBy('entry_created_at')
    .orderBy('entry_id')
    .execute();
  return {
    payoutId: payout.id,
    statementId: payout.statement_id,
    currency: payout.currency,
    amount: BigInt(payout.amount),
    status: payout.status,
    carriedIn: BigInt(payout.carried_in),
    linesTotal: BigInt(payout.lines_total),
    reserve: BigInt(payout.reserve),
    carriedOut: BigInt(payout.carried_out),
    lines: lines.map((l) => ({
      entryId: l.entry_id,
      reason: l.reason,
      linkType: l.link_type,
      linkId: l.link_id,
      amount: BigInt(l.amount),
      at: l.entry_created_at,
    })),
  };
}

/** Payouts of a merchant whose statements closed in a range (net settled). */
export async function payoutsIn(
  db: Kysely<Database>,
  merchantId: string,
  range: ReportRange,
): Promise<{ id: string; currency: string; amount: bigint; status: string; createdAt: string }[]> {
  const from = new Date(utcStartOf(range.from, range.timeZone)).toISOString();
  const to = new Date(utcStartOf(nextDay(range.to), range.timeZone)).toISOString();
  const rows = await db
    .selectFrom('payouts')
    .select(['id', 'currency', 'amount', 'status', 'created_at'])
    .where('merchant_id', '=', merchantId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({ id: r.id, currency: r.currency, amount: BigInt(r.amount), status: r.status, createdAt: r.created_at }));
}

export interface ReserveLine {
  readonly currency: string;
  /** The reserve (备付金) bank account: the asset. */
  readonly bank: bigint;
  /** What acquirers and outside wallets owe for captured payments not yet received at the bank. */
  readonly channelReceivables: bigint;
  /** What the platform owes: customer wallets, merchant balances in every state. */
  readonly customerWallets: bigint;
  readonly merchantBalances: bigint;
  /** Of the merchant balances, withheld as rolling reserve. */
  readonly rollingReserve: bigint;
}

/** The reserve position per currency, from the ledger's account sums. */
export async function reservePosition(db: Kysely<Database>): Promise<ReserveLine[]> {
  const rows = await db
    .selectFrom('ledger_accounts')
    .select((eb) => [
      'owner_type',
      'code',
      'currency',
      eb.fn.sum<string>('debits_posted').as('d'),
      eb.fn.sum<string>('credits_posted').as('c'),
    ])
    .where('owner_type', 'in', ['bank', 'channel', 'customer', 'merchant'])
    .groupBy(['owner_type', 'code', 'currency'])
    .execute();
  const out = new Map<
    string,
    { bank: bigint; channelReceivables: bigint; customerWallets: bigint; merchantBalances: bigint; rollingReserve: bigint }
  >();
  for (const r of rows) {
    const line = out.get(r.currency) ?? { bank: 0n, channelReceivables: 0n, customerWallets: 0n, merchantBalances: 0n, rollingReserve: 0n };
    const debit = BigInt(r.d ?? 0) - BigInt(r.c ?? 0);
    if (r.owner_type === 'bank' && r.code === 'reserve') line.bank += debit;
    else if (r.owner_type === 'channel' && r.code === 'receivable') line.channelReceivables += debit;
    else if (r.owner_type === 'customer') line.customerWallets -= debit;
    else if (r.owner_type === 'merchant') {
      line.merchantBalances -= debit;
      if (r.code === 'reserve') line.rollingReserve -= debit;
    }
    out.set(r.currency, line);
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, l]) => ({ currency, ...l }));
}

/** Reconciliation exceptions per day and kind (`open` only, or all). */
export async function reconExceptionsByDay(
  db: Kysely<Database>,
  range: ReportRange,
  openOnly: boolean,
): Promise<{ day: string; kind: string; count: number }[]> {
  const from = new Date(utcStartOf(range.from, range.timeZone)).toISOString();
  const to = new Date(utcStartOf(nextDay(range.to), range.timeZone)).toISOString();
  let q = db.selectFrom('recon_exceptions').select(['created_at', 'kind']).where('created_at', '>=', from).where('created_at', '<', to);
  if (openOnly) q = q.where('status', '=', 'open');
  const rows = await q.execute();
  const out = new Map<string, { day: string; kind: string; count: number }>();
  for (const r of rows) {
    const day = periodOf(r.created_at.slice(0, 13), 'day', range.timeZone);
    const k = `${day}/${r.kind}`;
    const row = out.get(k) ?? { day, kind: r.kind, count: 0 };
    row.count += 1;
    out.set(k, row);
  }
  return [...out.values()].sort((a, b) => (a.day + a.kind < b.day + b.kind ? -1 : 1));
}

/** Open reconciliation exceptions per kind and currency (any date). */
export async function openExceptions(db: Kysely<Database>): Promise<{ kind: string; currency: string; count: number }[]> {
  const rows = await db
    .selectFrom('recon_exceptions')
    .select((eb) => ['kind', 'currency', eb.fn.countAll<string>().as('n')])
    .where('status', '=', 'open')
    .groupBy(['kind', 'currency'])
    .orderBy('kind')
    .execute();
  return rows.map((r) => ({ kind: r.kind, currency: r.currency ?? '', count: Number(r.n) }));
}

/** Merchant names for operator reports. */
export async function merchantNames(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('merchants')
    .select(['id', 'name'])
    .where('id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The account ids the property test compares against (the rollup's view of a merchant's money). */
export const reportAccounts = {
  merchantPending: (merchantId: string, currency: string) => accountIdFor(chart.merchantPending(merchantId, currency)),
  fees: (currency: string) => accountIdFor(chart.feeRevenue(currency)),
  fxMargin: (currency: string) => accountIdFor(chart.fxRevenue(currency)),
  escrow: (merchantId: string, currency: string) => accountIdFor(chart.escrowHeld(merchantId, currency)),
};
