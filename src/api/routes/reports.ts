import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { merchantIdOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { sendExport, type Row } from '../export.js';
import { ProblemError } from '../problems.js';
import { Currency, problemResponses } from '../schemas.js';
import { paymentsForExport, reports, search } from '../../read-models/index.js';
import type { MoneyFigures } from '../../read-models/index.js';

/**
 * Query statistics and reports (issue 17 §3, docs/reports.md): thin routes over the reports read
 * model. Every report answers JSON, or with `format=csv|xlsx` a streamed attachment of the same
 * rows. Merchant reports are the caller's own; operator reports cover every merchant (or one, `merchant`).
 */
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10, description: 'A local date, YYYY-MM-DD' });
const Format = Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')], { default: 'json' });
const Method = Type.Union([Type.Literal('card'), Type.Literal('wallet'), Type.Literal('external_wallet')]);
const rangeFields = {
  from: Type.Optional(Type.Intersect([Day], { description: 'First local day (default: 29 days before `to`)' })),
  to: Type.Optional(Type.Intersect([Day], { description: 'Last local day, inclusive (default: today in the zone)' })),
  time_zone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA time zone of the dates and periods (default UTC)' })),
  currency: Type.Optional(Currency),
  method: Type.Optional(Method),
  format: Type.Optional(Format),
};
const RangeQuery = Type.Object(rangeFields, { additionalProperties: false });
const OperatorRangeQuery = Type.Object(
  { ...rangeFields, merchant: Type.Optional(Type.String({ maxLength: 40, description: 'One merchant only' })) },
  { additionalProperties: false },
);
type RangeQueryT = Static<typeof OperatorRangeQuery>;

const Cell = Type.Union([Type.String(), Type.Number(), Type.Null()]);
const ReportView = Type.Object({
  object: Type.Literal('report'),
  report: Type.String(),
  from: Type.String(),
  to: Type.String(),
  time_zone: Type.String(),
  columns: Type.Array(Type.String()),
  data: Type.Array(Type.Record(Type.String(), Cell)),
});

const rangeDaysMax = 366;

function filterOf(query: RangeQueryT, merchantId: string | undefined, now: Date): reports.ReportFilter {
  const timeZone = query.time_zone ?? 'UTC';
  if (!reports.isTimeZone(timeZone)) throw new ProblemError('request_invalid', `time_zone ${timeZone} is not an IANA time zone`);
  const today = reports.periodOf(now.toISOString().slice(0, 13), 'day', timeZone);
  const to = query.to ?? today;
  const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  for (const d of [from, to]) {
    if (Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) {
      throw new ProblemError('request_invalid', `${d} is not a date`);
    }
  }
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days < 1) throw new ProblemError('request_invalid', '`from` is after `to`');
  if (days > rangeDaysMax) throw new ProblemError('request_invalid', `a range is at most ${rangeDaysMax} days`);
  return { from, to, timeZone, merchantId, currency: query.currency, method: query.method };
}

const num = (v: bigint): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${v} is not a safe JSON integer`);
  return n;
};
const moneyColumns = [
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
] as const satisfies readonly (keyof MoneyFigures)[];
const moneyCells = (f: MoneyFigures): Row => Object.fromEntries(moneyColumns.map((c) => [c, num(f[c])]));
const rate = (approved: number, declined: number): number | null =>
  approved + declined === 0 ? null : Math.round((approved / (approved + declined)) * 10_000) / 10_000;

interface Report {
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}

function answer(reply: FastifyReply, query: RangeQueryT, name: string, f: reports.ReportRange, r: Report) {
  const format = query.format ?? 'json';
  if (format !== 'json') return sendExport(reply, format, name, r.columns, r.rows);
  return reply.send({ object: 'report', report: name, from: f.from, to: f.to, time_zone: f.timeZone, columns: r.columns, data: r.rows });
}

export function registerReportRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = services.store.reader;
  const now = () => services.clock.now();

  /** Registers a report for merchants (`/v1/reports/<name>`) and operators (`/v1/operator/reports/<name>`). */
  function report<Q extends Record<string, TSchema>>(
    name: string,
    summary: string,
    extra: Q,
    build: (f: reports.ReportFilter, query: RangeQueryT & Record<string, unknown>) => Promise<Report>,
    scopes: readonly ('merchant' | 'operator')[] = ['merchant', 'operator'],
  ): void {
    for (const scope of scopes) {
      const base = scope === 'merchant' ? RangeQuery : OperatorRangeQuery;
      app.get(
        scope === 'merchant' ? `/v1/reports/${name}` : `/v1/operator/reports/${name}`,
        {
          config: { auth: scope },
          schema: {
            tags: ['reports'],
            summary,
            querystring: Type.Object({ ...base.properties, ...extra }, { additionalProperties: false }),
            response: { 200: ReportView, ...problemResponses },
          },
        },
        async (request: FastifyRequest, reply: FastifyReply) => {
          const query = request.query as RangeQueryT & Record<string, unknown>;
          const merchantId = scope === 'merchant' ? merchantIdOf(request) : query.merchant;
          const f = filterOf(query, merchantId, now());
          return answer(reply, query, name, f, await build(f, query));
        },
      );
    }
  }

  const Interval = Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { default: 'day' });
  report(
    'volume',
    'Counts and money per period (hour, day, ISO week, month in the zone) and currency: captured, refunded, fees, FX margin, net, escrow',
    { interval: Type.Optional(Interval) },
    async (f, q) => {
      const rows = await reports.moneySeries(db, f, (q.interval as reports.Interval | undefined) ?? 'day');
      return {
        columns: ['period', 'currency', ...moneyColumns],
        rows: rows.map((r) => ({ period: r.key, currency: r.currency, ...moneyCells(r.figures) })),
      };
    },
  );

  const MerchantDimension = Type.Union([Type.Literal('method'), Type.Literal('brand'), Type.Literal('channel'), Type.Literal('currency')]);
  report(
    'breakdown',
    'Counts and money per method, brand, channel or currency',
    { by: Type.Optional(Type.Union(MerchantDimension.anyOf, { default: 'currency' })) },
    async (f, q) => {
      const by = q.by as reports.Dimension;
      const rows = await reports.moneyBreakdown(db, f, by);
      return {
        columns: [by, 'currency', ...moneyColumns],
        rows: rows.map((r) => ({ [by]: r.key, currency: r.currency, ...moneyCells(r.figures) })),
      };
    },
    ['merchant'],
  );
  report(
    'breakdown',
    'Counts and money per merchant, channel, method, brand or currency, platform-wide',
    { by: Type.Optional(Type.Union([...MerchantDimension.anyOf, Type.Literal('merchant')], { default: 'merchant' })) },
    async (f, q) => {
      const by = q.by as reports.Dimension;
      const rows = await reports.moneyBreakdown(db, f, by);
      const names = by === 'merchant' ? await reports.merchantNames(db, [...new Set(rows.map((r) => r.key))]) : new Map<string, string>();
      const columns = by === 'merchant' ? ['merchant', 'merchant_name', 'currency', ...moneyColumns] : [by, 'currency', ...moneyColumns];
      return {
        columns,
        rows: rows.map((r) => ({
          [by]: r.key,
          ...(by === 'merchant' ? { merchant_name: names.get(r.key) ?? null } : {}),
          currency: r.currency,
          ...moneyCells(r.figures),
        })),
      };
    },
    ['operator'],
  );

  report('summary', 'Totals per currency: money, approvals, declines, timeouts and the approval rate', {}, async (f) => {
    const [money, attempts] = await Promise.all([reports.moneyTotals(db, f), reports.outcomes(db, f, 'currency')]);
    const currencies = [...new Set([...money.map((m) => m.currency), ...attempts.map((a) => a.key)])].sort();
    return {
      columns: ['currency', ...moneyColumns, 'approved', 'declined', 'timeouts', 'approval_rate'],
      rows: currencies.map((currency) => {
        const a = reports.attemptFiguresOf(attempts.filter((x) => x.key === currency));
        const m = money.find((x) => x.currency === currency);
        return {
          currency,
          ...moneyCells(m?.figures ?? (Object.fromEntries(moneyColumns.map((c) => [c, 0n])) as MoneyFigures)),
          approved: a.approved,
          declined: a.declined,
          timeouts: a.timeouts,
          approval_rate: rate(a.approved, a.declined),
        };
      }),
    };
  });

  report('declines', 'Authorisation outcomes by response code: the decline reasons and their share of attempts', {}, async (f) => {
    const rows = await reports.outcomes(db, f);
    const total = rows.reduce((s, r) => s + r.count, 0);
    const merged = new Map<string, { outcome: string; code: string; count: number }>();
    for (const r of rows) {
      const k = `${r.outcome}/${r.code}`;
      const m = merged.get(k) ?? { outcome: r.outcome, code: r.code, count: 0 };
      m.count += r.count;
      merged.set(k, m);
    }
    return {
      columns: ['outcome', 'code', 'count', 'share'],
      rows: [...merged.values()].map((r) => ({ ...r, share: total === 0 ? 0 : Math.round((r.count / total) * 10_000) / 10_000 })),
    };
  });

  report(
    'balance_statement',
    'Opening and closing balance per currency and account, from the ledger',
    {},
    async (f) => {
      const lines = await reports.balanceStatement(db, f.merchantId as string, f);
      return {
        columns: ['currency', 'account', 'opening', 'credits', 'debits', 'closing'],
        rows: lines.map((l) => ({
          currency: l.currency,
          account: l.account,
          opening: num(l.opening),
          credits: num(l.credits),
          debits: num(l.debits),
          closing: num(l.closing),
        })),
      };
    },
    ['merchant'],
  );

  report(
    'payouts',
    'Net settled: the payouts of the range',
    {},
    async (f) => {
      const rows = await reports.payoutsIn(db, f.merchantId as string, f);
      return {
        columns: ['payout', 'currency', 'amount', 'status', 'created_at'],
        rows: rows.map((p) => ({ payout: p.id, currency: p.currency, amount: num(p.amount), status: p.status, created_at: p.createdAt })),
      };
    },
    ['merchant'],
  );

  report(
    'channel_health',
    'Per acquirer and wallet: approvals, declines, timeouts, approval rate, latency p50 and p99 (bucket bounds, ms)',
    {},
    async (f) => {
      const rows = await reports.channelHealth(db, f);
      return {
        columns: ['channel', 'approved', 'declined', 'timeouts', 'approval_rate', 'latency_p50_ms', 'latency_p99_ms', 'latency_mean_ms'],
        rows: rows.map((h) => {
          const n = h.attempts.approved + h.attempts.declined + h.attempts.timeouts;
          return {
            channel: h.channel,
            approved: h.attempts.approved,
            declined: h.attempts.declined,
            timeouts: h.attempts.timeouts,
            approval_rate: rate(h.attempts.approved, h.attempts.declined),
            latency_p50_ms: h.p50Ms,
            latency_p99_ms: h.p99Ms,
            latency_mean_ms: n === 0 ? null : Math.round(h.attempts.latencyMsSum / n),
          };
        }),
      };
    },
    ['operator'],
  );

  report(
    'revenue',
    "Hutong's revenue per day and currency: fees and FX margin",
    { interval: Type.Optional(Interval) },
    async (f, q) => {
      const rows = await reports.moneySeries(db, f, (q.interval as reports.Interval | undefined) ?? 'day');
      return {
        columns: ['period', 'currency', 'fees', 'fx_margin', 'total'],
        rows: rows.map((r) => ({
          period: r.key,
          currency: r.currency,
          fees: num(r.figures.fees),
          fx_margin: num(r.figures.fx_margin),
          total: num(r.figures.fees + r.figures.fx_margin),
        })),
      };
    },
    ['operator'],
  );

  report(
    'reserve_position',
    'The reserve (备付金) bank balance and channel receivables against what is owed to customers and merchants, per currency, now',
    {},
    async () => {
      const rows = await reports.reservePosition(db);
      return {
        columns: ['currency', 'reserve_bank', 'channel_receivables', 'customer_wallets', 'merchant_balances', 'rolling_reserve', 'surplus'],
        rows: rows.map((r) => ({
          currency: r.currency,
          reserve_bank: num(r.bank),
          channel_receivables: num(r.channelReceivables),
          customer_wallets: num(r.customerWallets),
          merchant_balances: num(r.merchantBalances),
          rolling_reserve: num(r.rollingReserve),
          surplus: num(r.bank + r.channelReceivables - r.customerWallets - r.merchantBalances),
        })),
      };
    },
    ['operator'],
  );

  report(
    'exceptions',
    'Open reconciliation exceptions per kind and currency, now',
    {},
    async () => {
      const rows = await reports.openExceptions(db);
      return { columns: ['kind', 'currency', 'count'], rows };
    },
    ['operator'],
  );

  report(
    'reconciliation_failures',
    'Reconciliation exceptions raised per day and kind',
    {},
    async (f) => {
      const rows = await reports.reconExceptionsByDay(db, f, false);
      return { columns: ['day', 'kind', 'count'], rows };
    },
    ['operator'],
  );

  const PayoutRecon = Type.Object({
    object: Type.Literal('payout_reconciliation'),
    payout: Type.String(),
    statement: Type.String(),
    currency: Type.String(),
    amount: Type.Integer(),
    status: Type.String(),
    carried_in: Type.Integer(),
    lines_total: Type.Integer(),
    reserve: Type.Integer(),
    carried_out: Type.Integer(),
    columns: Type.Array(Type.String()),
    data: Type.Array(Type.Record(Type.String(), Cell)),
  });
  app.get(
    '/v1/reports/payouts/:id',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['reports'],
        summary: 'Payout reconciliation: the payout and every ledger line (payment, refund, fee, chargeback) it settled',
        params: Type.Object({ id: Type.String({ maxLength: 40 }) }),
        querystring: Type.Object({ format: Type.Optional(Format) }, { additionalProperties: false }),
        response: { 200: PayoutRecon, ...problemResponses },
      },
    },
    async (request, reply) => {
      const r = await reports.payoutReconciliation(db, merchantIdOf(request), request.params.id);
      if (r === undefined) throw new ProblemError('not_found', `no payout ${request.params.id}`);
      const columns = ['entry', 'reason', 'object', 'object_id', 'amount', 'at'];
      const rows = r.lines.map((l) => ({
        entry: l.entryId,
        reason: l.reason,
        object: l.linkType,
        object_id: l.linkId,
        amount: num(l.amount),
        at: l.at,
      }));
      const format = request.query.format ?? 'json';
      if (format !== 'json') return sendExport(reply, format, `payout-${r.payoutId}`, columns, rows);
      return {
        object: 'payout_reconciliation' as const,
        payout: r.payoutId,
        statement: r.statementId,
        currency: r.currency,
        amount: num(r.amount),
        status: r.status,
        carried_in: num(r.carriedIn),
        lines_total: num(r.linesTotal),
        reserve: num(r.reserve),
        carried_out: num(r.carriedOut),
        columns,
        data: rows,
      };
    },
  );

  // The payments list as an export: pages of 1,000 read by keyset and streamed as they come.
  app.get(
    '/v1/reports/payments',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['reports'],
        summary: 'Every payment created in the range, oldest first, streamed as CSV or XLSX (format=json answers the first 1,000)',
        querystring: RangeQuery,
        response: { 200: ReportView, ...problemResponses },
      },
    },
    async (request, reply) => {
      const f = filterOf(request.query, merchantIdOf(request), now());
      const { fromHour, toHour } = reports.hoursOf(f);
      const columns = [
        'id',
        'merchant_order_id',
        'status',
        'currency',
        'amount',
        'amount_captured',
        'amount_refunded',
        'fee',
        'method',
        'card_brand',
        'card_last4',
        'channel',
        'customer',
        'created_at',
      ];
      const range = { merchantId: f.merchantId as string, fromIso: `${fromHour}:00:00.000Z`, toIso: `${toHour}:00:00.000Z` };
      type Key = { createdAt: string; id: string };
      const pageOf = async (after?: Key): Promise<{ rows: Row[]; last?: Key }> => {
        const found = await paymentsForExport(db, { ...range, after, limit: 1000 });
        const tail = found[found.length - 1];
        const rows = found
          .filter((p) => (f.currency === undefined || p.currency === f.currency) && (f.method === undefined || p.method_type === f.method))
          .map((p) => ({
            id: p.id,
            merchant_order_id: p.merchant_order_id,
            status: p.status,
            currency: p.currency,
            amount: num(BigInt(p.amount)),
            amount_captured: num(BigInt(p.amount_captured)),
            amount_refunded: num(BigInt(p.amount_refunded)),
            fee: num(BigInt(p.fee)),
            method: p.method_type,
            card_brand: p.card_brand,
            card_last4: p.card_last4,
            channel: p.channel,
            customer: p.customer_id,
            created_at: p.created_at,
          }));
        return { rows, last: tail === undefined ? undefined : { createdAt: tail.created_at, id: tail.id } };
      };
      const format = request.query.format ?? 'json';
      if (format === 'json') return answer(reply, request.query, 'payments', f, { columns, rows: (await pageOf()).rows });
      async function* pages(): AsyncGenerator<readonly Row[]> {
        let after: Key | undefined;
        for (;;) {
          const page = await pageOf(after);
          if (page.last === undefined) return;
          yield page.rows;
          after = page.last;
        }
      }
      return sendExport(reply, format, 'payments', columns, pages());
    },
  );

  const SearchQuery = Type.Object(
    {
      q: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 200,
          description: 'A payment id, order id, RRN, waybill, customer email, or a card’s last four (with amount); none finds nothing',
        }),
      ),
      amount: Type.Optional(
        Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units, with a last four in q' }),
      ),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    },
    { additionalProperties: false },
  );
  const SearchView = Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(
      Type.Object({
        object: Type.String(),
        id: Type.String(),
        merchant: Type.String(),
        matched: Type.String(),
        currency: Type.Union([Type.String(), Type.Null()]),
        amount: Type.Union([Type.Integer(), Type.Null()]),
        status: Type.Union([Type.String(), Type.Null()]),
        created_at: Type.String(),
      }),
    ),
  });
  for (const scope of ['merchant', 'operator'] as const) {
    app.get(
      scope === 'merchant' ? '/v1/search' : '/v1/operator/search',
      {
        config: { auth: scope },
        schema: {
          tags: ['reports'],
          summary:
            scope === 'merchant' ? 'Search your payments, trades and customers' : 'Search every merchant’s payments, trades and customers',
          querystring: SearchQuery,
          response: { 200: SearchView, ...problemResponses },
        },
      },
      async (request) => {
        const q = request.query;
        if (q.q === undefined) return { object: 'list' as const, data: [] };
        const hits = await search(db, {
          q: q.q,
          amountMinor: q.amount === undefined ? undefined : BigInt(q.amount),
          merchantId: scope === 'merchant' ? merchantIdOf(request) : undefined,
          limit: q.limit ?? 20,
        });
        return {
          object: 'list' as const,
          data: hits.map((h) => ({
            object: h.object,
            id: h.id,
            merchant: h.merchantId,
            matched: h.matched,
            currency: h.currency,
            amount: h.amountMinor === null ? null : num(h.amountMinor),
            status: h.status,
            created_at: h.createdAt,
          })),
        };
      },
    );
  }
}
