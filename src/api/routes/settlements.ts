import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { merchantIdOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { idempotencyKeyOf } from '../idempotency.js';
import { AmountMinor, Currency, IdempotencyHeaders, ListQuery, problemResponses } from '../schemas.js';
import { amountMinorMax } from '../../money/index.js';
import { problemFromFailure } from '../problems.js';
import { ProblemError } from '../problems.js';
import {
  payoutJson,
  type BankAccount,
  type ClearingWindow,
  type Statement,
  type StatementLine,
  type StatementSummary,
} from '../../settlement/index.js';
import type { ReserveReport } from '../../reconciliation/index.js';
import { exceptionView, importView } from '../presenters/reconciliation.js';
import { fileKinds, type FileKind } from '../../reconciliation/index.js';
import { bankAccountNames } from '../../settlement/index.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 60 }) });
/** Statement files ride in JSON bodies; bigger ones go through `hutong reconcile FILE`. */
const importBodyLimitBytes = 32 * 1024 * 1024;

export const statementView = (s: Statement, sum?: StatementSummary) => ({
  id: s.id,
  object: 'settlement' as const,
  currency: s.currency,
  window_end: s.windowEnd,
  carried_in: Number(s.carriedIn),
  lines_total: Number(s.linesTotal),
  lines_count: s.linesCount,
  reserve: Number(s.reserve),
  payout_amount: Number(s.payout),
  carried_out: Number(s.carriedOut),
  reserve_release_at: s.reserveReleaseAt,
  payout: s.payoutId,
  created_at: s.createdAt,
  ...(sum === undefined
    ? {}
    : {
        summary: {
          gross: Number(sum.grossMinor),
          fees: Number(sum.feesMinor),
          refunds: Number(sum.refundsMinor),
          chargebacks: Number(sum.chargebacksMinor),
          other: Number(sum.otherMinor),
          payout_status: sum.payoutStatus,
        },
      }),
});

/** A statement line's cursor: its posting time and entry id (the order lines are listed in). */
const lineCursor = (l: StatementLine) => Buffer.from(JSON.stringify([l.postedAt, l.entryId])).toString('base64url');
function lineFrom(cursor: string): { at: string; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string')
      return { at: value[0], id: value[1] };
  } catch {
    // not one of ours
  }
  return undefined;
}

const lineView = (l: StatementLine) => ({
  entry: l.entryId,
  reason: l.reason,
  object_type: l.linkType,
  object_id: l.linkId,
  amount: Number(l.amountMinor),
  posted_at: l.postedAt,
});

const bankAccountView = (b: BankAccount) => ({
  id: b.id,
  object: 'bank_account' as const,
  currency: b.currency,
  holder_name: b.holderName,
  iban: b.iban,
  account_number: b.accountNumber,
  bank_code: b.bankCode,
  created_at: b.createdAt,
  bic: b.bic,
  clearing_system: b.clearingSystem,
  address:
    b.country === null && b.town === null && b.addressLine === null
      ? null
      : {
          line: b.addressLine,
          postcode: b.postcode,
          town: b.town,
          country: b.country,
        },
});

export const clearingView = (w: ClearingWindow) => ({
  id: w.id,
  object: 'clearing_window' as const,
  currency: w.currency,
  window_start: w.windowStart === '' ? null : w.windowStart,
  window_end: w.windowEnd,
  positions: w.positions.map((p) => ({
    participant: p.participant,
    owes: Number(p.owesMinor),
    owed: Number(p.owedMinor),
    net: Number(p.netMinor),
  })),
  proof_sum: Number(w.proofSumMinor),
  settled: w.settled.map((s) => ({ participant: s.participant, reference: s.reference, amount: Number(s.amountMinor) })),
});

const reserveView = (r: ReserveReport) => ({
  currency: r.currency,
  liabilities: Number(r.liabilitiesMinor),
  ledger_bank_balance: Number(r.ledgerBankMinor),
  statement_bank_balance: r.statementBankMinor === null ? null : Number(r.statementBankMinor),
  receivables_in_transit: Number(r.receivablesMinor),
  shortfall: Number(r.shortfallMinor),
  ok: r.ok,
  alerts: r.alerts,
});

function csvCell(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function registerSettlementRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { settlement, payouts, clearing, reconciliation } = services;
  const merchant = { config: { auth: 'merchant' as const } };
  const operator = { config: { auth: 'operator' as const } };

  // ---- merchant: settlements, lines, CSV, schedule, bank accounts, payouts
  app.get(
    '/v1/settlements',
    {
      ...merchant,
      schema: {
        tags: ['settlements'],
        summary: 'Your settlement statements, newest first',
        querystring: ListQuery,
        response: problemResponses,
      },
    },
    async (request) => {
      const page = await settlement.listStatements(merchantIdOf(request), request.query);
      if (isFailure(page)) throw problemFromFailure(page);
      const sums = await settlement.summaries(page.data.map((s) => s.id));
      return {
        object: 'list' as const,
        data: page.data.map((s) => statementView(s, sums.get(s.id))),
        has_more: page.hasMore,
        next_cursor: page.nextCursor,
      };
    },
  );
  app.get(
    '/v1/settlements/:id',
    { ...merchant, schema: { tags: ['settlements'], params: IdParams, response: problemResponses } },
    async (request) => {
      const s = await settlement.getStatement(merchantIdOf(request), request.params.id);
      if (isFailure(s)) throw problemFromFailure(s);
      return statementView(s, (await settlement.summaries([s.id])).get(s.id));
    },
  );
  app.get(
    '/v1/settlements/:id/lines',
    {
      ...merchant,
      schema: {
        tags: ['settlements'],
        summary: 'The statement lines: every payment, fee, refund and chargeback settled, once',
        params: IdParams,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
            cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: problemResponses,
      },
    },
    // Pages like every list: has_more with the next_cursor that continues after the last line.
    async (request) => {
      const s = await settlement.getStatement(merchantIdOf(request), request.params.id);
      if (isFailure(s)) throw problemFromFailure(s);
      const from = request.query.cursor === undefined ? undefined : lineFrom(request.query.cursor);
      if (request.query.cursor !== undefined && from === undefined)
        throw new ProblemError('cursor_invalid', 'the cursor is not one we gave');
      const limit = request.query.limit ?? 1000;
      const kept: StatementLine[] = [];
      let hasMore = false;
      for await (const line of settlement.lines(s.id, Math.min(limit + 1, 1000), from)) {
        if (kept.length === limit) {
          hasMore = true;
          break;
        }
        kept.push(line);
      }
      const last = kept[kept.length - 1];
      const nextCursor = hasMore && last !== undefined ? lineCursor(last) : null;
      return {
        object: 'list' as const,
        settlement: statementView(s),
        data: kept.map(lineView),
        has_more: hasMore,
        next_cursor: nextCursor,
      };
    },
  );
  app.get(
    '/v1/settlements/:id/lines.csv',
    { ...merchant, schema: { tags: ['settlements'], summary: 'The statement lines as CSV (streamed)', params: IdParams } },
    async (request, reply) => {
      const s = await settlement.getStatement(merchantIdOf(request), request.params.id);
      if (isFailure(s)) throw problemFromFailure(s);
      const st = s;
      const lines = settlement.lines(st.id);
      async function* csv(): AsyncGenerator<string> {
        yield 'settlement,posted_at,reason,object_type,object_id,entry,amount,currency\n';
        for await (const l of lines)
          yield (
            [st.id, l.postedAt, l.reason, l.linkType, l.linkId, l.entryId, Number(l.amountMinor), st.currency].map(csvCell).join(',') + '\n'
          );
        yield `# total,${st.linesCount} lines,${Number(st.linesTotal)},carried_in ${Number(st.carriedIn)},reserve ${Number(st.reserve)},payout ${Number(st.payout)},carried_out ${Number(st.carriedOut)}\n`;
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${s.id}.csv"`)
        .send(Readable.from(csv()));
    },
  );

  // An operator naming a merchant that does not exist gets a 404, not a schedule or an empty run.
  const merchantMustExist = async (merchantId: string) => {
    if ((await services.parties.getMerchant(merchantId)) === undefined)
      throw new ProblemError('merchant_not_found', `no merchant ${merchantId}`);
  };
  const ScheduleBody = Type.Object(
    {
      delay_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 30, description: 'T+N' })),
      cutoff_hour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
      time_zone: Type.Optional(Type.String({ maxLength: 64, examples: ['Asia/Shanghai'] })),
      minimum_payout: Type.Optional(Type.Integer({ minimum: 0, maximum: Number(amountMinorMax) })),
      reserve_percent_bps: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 10_000, description: 'Rolling reserve in basis points (1000 = 10%)' }),
      ),
      reserve_hold_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
    },
    { additionalProperties: false },
  );
  const scheduleView = (s: Awaited<ReturnType<typeof settlement.getSchedule>>) => ({
    object: 'settlement_schedule' as const,
    delay_days: s.delayDays,
    cutoff_hour: s.cutoffHour,
    time_zone: s.timeZone,
    minimum_payout: Number(s.minimumPayoutMinor),
    reserve_percent_bps: s.reserveBps,
    reserve_hold_days: s.reserveHoldDays,
  });
  app.get('/v1/settlement_schedule', { ...merchant, schema: { tags: ['settlements'], response: problemResponses } }, async (request) =>
    scheduleView(await settlement.getSchedule(merchantIdOf(request))),
  );
  const setSchedule = async (merchantId: string, b: typeof ScheduleBody.static) => {
    const s = await settlement.setSchedule(merchantId, {
      ...(b.delay_days === undefined ? {} : { delayDays: b.delay_days }),
      ...(b.cutoff_hour === undefined ? {} : { cutoffHour: b.cutoff_hour }),
      ...(b.time_zone === undefined ? {} : { timeZone: b.time_zone }),
      ...(b.minimum_payout === undefined ? {} : { minimumPayoutMinor: BigInt(b.minimum_payout) }),
      ...(b.reserve_percent_bps === undefined ? {} : { reserveBps: b.reserve_percent_bps }),
      ...(b.reserve_hold_days === undefined ? {} : { reserveHoldDays: b.reserve_hold_days }),
    });
    if (isFailure(s)) throw problemFromFailure(s);
    return scheduleView(s);
  };
  // The schedule is part of the merchant's contract: the operator sets it.
  app.post(
    '/v1/merchants/:id/settlement_schedule',
    {
      ...operator,
      schema: { tags: ['settlements'], headers: IdempotencyHeaders, params: IdParams, body: ScheduleBody, response: problemResponses },
    },
    async (request) => {
      await merchantMustExist(request.params.id);
      return setSchedule(request.params.id, request.body);
    },
  );

  const BankAccountBody = Type.Object(
    {
      currency: Currency,
      holder_name: Type.String({ minLength: 1, maxLength: 140 }),
      iban: Type.Optional(Type.String({ maxLength: 42 })),
      account_number: Type.Optional(Type.String({ maxLength: 34 })),
      bank_code: Type.Optional(Type.String({ maxLength: 12 })),
      // Cross-border payouts (pain.001 CdtrAgt and Cdtr/PstlAdr).
      bic: Type.Optional(Type.String({ minLength: 8, maxLength: 11 })),
      clearing_system: Type.Optional(Type.String({ minLength: 2, maxLength: 5 })),
      address: Type.Optional(
        Type.Object(
          {
            line: Type.Optional(Type.String({ minLength: 1, maxLength: 70 })),
            postcode: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
            town: Type.Optional(Type.String({ minLength: 1, maxLength: 35 })),
            country: Type.String({ minLength: 2, maxLength: 2 }),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  );
  app.post(
    '/v1/bank_accounts',
    {
      ...merchant,
      schema: {
        tags: ['settlements'],
        summary: 'Where payouts in this currency go (replaces the previous one)',
        headers: IdempotencyHeaders,
        body: BankAccountBody,
        response: { 201: Type.Unknown(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const saved = await settlement.addBankAccount(merchantIdOf(request), {
        currency: b.currency,
        holderName: b.holder_name,
        iban: b.iban,
        accountNumber: b.account_number,
        bankCode: b.bank_code,
        bic: b.bic,
        clearingSystem: b.clearing_system,
        country: b.address?.country,
        town: b.address?.town,
        postcode: b.address?.postcode,
        addressLine: b.address?.line,
        idempotencyKey: idempotencyKeyOf(request.headers),
      });
      if (isFailure(saved)) throw problemFromFailure(saved);
      return reply.code(201).send(bankAccountView(saved));
    },
  );
  app.get('/v1/bank_accounts', { ...merchant, schema: { tags: ['settlements'], response: problemResponses } }, async (request) => ({
    object: 'list' as const,
    data: (await settlement.listBankAccounts(merchantIdOf(request))).map(bankAccountView),
  }));

  app.get(
    '/v1/payouts',
    { ...merchant, schema: { tags: ['settlements'], querystring: ListQuery, response: problemResponses } },
    async (request) => {
      const page = await payouts.list(merchantIdOf(request), request.query);
      if (isFailure(page)) throw problemFromFailure(page);
      return { object: 'list' as const, data: page.data.map(payoutJson), has_more: page.hasMore, next_cursor: page.nextCursor };
    },
  );
  app.get(
    '/v1/payouts/:id',
    { ...merchant, schema: { tags: ['settlements'], params: IdParams, response: problemResponses } },
    async (request) => {
      const p = await payouts.get(merchantIdOf(request), request.params.id);
      if (isFailure(p)) throw problemFromFailure(p);
      return payoutJson(p);
    },
  );

  // ---- operator: runs, netting, chargebacks, reconciliation, reserve check
  app.post(
    '/v1/operator/settlement_runs',
    {
      ...operator,
      schema: {
        tags: ['operator'],
        summary: 'Settle every merchant (or one) for the windows that are due; idempotent',
        headers: IdempotencyHeaders,
        body: Type.Optional(
          Type.Object(
            {
              merchant: Type.Optional(Type.String({ maxLength: 40 })),
              window_end: Type.Optional(
                Type.String({
                  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T',
                  maxLength: 40,
                  description: "An operator cut-off in the past (intraday run); default: each merchant's schedule",
                }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: problemResponses,
      },
    },
    async (request) => {
      if (request.body?.merchant !== undefined) await merchantMustExist(request.body.merchant);
      const windowEnd = request.body?.window_end;
      const result = await settlement.run({
        merchantId: request.body?.merchant,
        windowEnd: windowEnd === undefined ? undefined : new Date(windowEnd),
      });
      if (isFailure(result)) throw problemFromFailure(result);
      return {
        object: 'settlement_run' as const,
        statements: result.statements.map((s) => statementView(s)),
        replayed: result.replayed,
        reserves_released: result.reservesReleased,
      };
    },
  );
  app.post(
    '/v1/operator/payout_runs',
    {
      ...operator,
      schema: {
        tags: ['operator'],
        summary: 'Send pending payouts to the bank as pain.001 and apply its pain.002',
        headers: IdempotencyHeaders,
        response: problemResponses,
      },
    },
    async () => {
      const result = await payouts.send();
      if (isFailure(result)) throw problemFromFailure(result);
      return { object: 'payout_run' as const, files: result.files, paid: result.paid, failed: result.failed, waiting: result.waiting };
    },
  );
  app.post(
    '/v1/operator/netting_windows',
    {
      ...operator,
      schema: {
        tags: ['operator'],
        summary: 'Net the gross obligations of a window into one position per participant',
        headers: IdempotencyHeaders,
        body: Type.Object(
          { currency: Currency, window_end: Type.Optional(Type.String({ maxLength: 40 })) },
          { additionalProperties: false },
        ),
        response: problemResponses,
      },
    },
    async (request) => clearingView(await clearing.net(request.body.currency, request.body.window_end)),
  );
  app.post(
    '/v1/operator/netting_windows/:id/settle',
    {
      ...operator,
      schema: {
        tags: ['operator'],
        summary: "The channels pay their net positions into Hutong's reserve account",
        headers: IdempotencyHeaders,
        params: IdParams,
        response: problemResponses,
      },
    },
    async (request) => {
      const w = await clearing.settleWindow(request.params.id);
      if (isFailure(w)) throw problemFromFailure(w);
      return clearingView(w);
    },
  );
  app.post(
    '/v1/operator/chargebacks',
    {
      ...operator,
      schema: {
        tags: ['operator'],
        summary: 'Book a chargeback the channel reported; it settles against the merchant',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            payment: Type.String({ maxLength: 40 }),
            amount: AmountMinor,
            reference: Type.String({ minLength: 1, maxLength: 64 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Unknown(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const c = await settlement.chargeback({
        paymentId: request.body.payment,
        amountMinor: BigInt(request.body.amount),
        reference: request.body.reference,
      });
      if (isFailure(c)) throw problemFromFailure(c);
      return reply.code(201).send({
        object: 'chargeback' as const,
        entry: c.entryId,
        merchant: c.merchantId,
        payment: request.body.payment,
        amount: Number(c.amountMinor),
        currency: c.currency,
      });
    },
  );
  app.post(
    '/v1/operator/reconciliation/imports',
    {
      ...operator,
      bodyLimit: importBodyLimitBytes,
      schema: {
        tags: ['operator'],
        summary: 'Import a statement file (acquirer CSV, wallet bill, camt.053) and match it against the ledger',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            kind: Type.Union(fileKinds.map((k) => Type.Literal(k))),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            content: Type.String({ maxLength: importBodyLimitBytes }),
            channel: Type.Optional(Type.String({ maxLength: 40 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Unknown(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { kind, name, content, channel } = request.body;
      const report = await reconciliation.importFile({ kind: kind as FileKind, name, channel, open: () => linesOf(content) });
      if (isFailure(report)) throw problemFromFailure(report);
      return reply.code(201).send(importView(report));
    },
  );
  app.post(
    '/v1/operator/reconciliation/bank_statements',
    {
      ...operator,
      schema: {
        tags: ['operator'],
        summary: "Fetch the bank's next camt.053 for Hutong's reserve account and reconcile it",
        headers: IdempotencyHeaders,
        body: Type.Object({ currency: Currency }, { additionalProperties: false }),
        response: { 201: Type.Unknown(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const bankClient = services.bank();
      if (bankClient === undefined) throw problemFromFailure({ failure: 'bank_unavailable', detail: 'no settlement bank is configured' });
      const xml = await bankClient.nextStatement(bankAccountNames.reserve(request.body.currency));
      if (isFailure(xml)) throw problemFromFailure(xml);
      const report = await reconciliation.importFile({
        kind: 'camt053',
        name: `camt.053 ${bankAccountNames.reserve(request.body.currency)} ${services.clock.now().toISOString()}`,
        open: () => linesOf(xml),
      });
      if (isFailure(report)) throw problemFromFailure(report);
      return reply.code(201).send(importView(report));
    },
  );
  app.get('/v1/operator/reconciliation/imports', { ...operator, schema: { tags: ['operator'], response: problemResponses } }, async () => ({
    object: 'list' as const,
    data: (await reconciliation.listImports()).map(importView),
  }));
  app.get(
    '/v1/operator/reconciliation/exceptions',
    {
      ...operator,
      schema: {
        tags: ['operator'],
        querystring: Type.Object(
          {
            ...ListQuery.properties,
            status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('explained')])),
          },
          { additionalProperties: false },
        ),
        response: problemResponses,
      },
    },
    async (request) => {
      const page = await reconciliation.listExceptions(request.query);
      if (isFailure(page)) throw problemFromFailure(page);
      return { object: 'list' as const, data: page.data.map(exceptionView), has_more: page.hasMore, next_cursor: page.nextCursor };
    },
  );
  app.post(
    '/v1/operator/reconciliation/exceptions/:id/resolve',
    {
      ...operator,
      schema: {
        tags: ['operator'],
        summary: 'adjust: book the difference in the ledger; explain: close with a note',
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Type.Object(
          { action: Type.Union([Type.Literal('adjust'), Type.Literal('explain')]), note: Type.String({ minLength: 1, maxLength: 500 }) },
          { additionalProperties: false },
        ),
        response: problemResponses,
      },
    },
    async (request) => {
      const e = await reconciliation.resolve(request.params.id, request.body);
      if (isFailure(e)) throw problemFromFailure(e);
      return exceptionView(e);
    },
  );
  app.get(
    '/v1/operator/reserve_check',
    {
      ...operator,
      schema: { tags: ['operator'], summary: 'Customer and merchant money held vs the reserve bank account', response: problemResponses },
    },
    async () => {
      const reports = await reconciliation.reserveCheck();
      return { object: 'reserve_check' as const, ok: reports.every((r) => r.ok), currencies: reports.map(reserveView) };
    },
  );
}

/** A text body as lines, the same shape a file stream gives. */
export async function* linesOf(text: string): AsyncGenerator<string> {
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    if (end === -1) {
      yield text.slice(start);
      return;
    }
    yield text.slice(start, end);
    start = end + 1;
  }
}
