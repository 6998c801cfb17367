import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  amountRules,
  billerCodePattern,
  billerFeeBpsMax,
  billerModels,
  checkDigits,
  complaintReasons,
  propertyCsv,
  type BillCard,
  type BillpayError,
} from '../../billpay/index.js';
import { isFailure, type Failure } from '../../core/index.js';
import { amountFromBody } from '../amounts.js';
import { merchantIdOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { idempotencyKeyOf } from '../idempotency.js';
import {
  BillerView,
  billerView,
  BillPaymentView,
  billPaymentView,
  BillView,
  billView,
  ComplaintView,
  complaintView,
  PropertyUnitRow,
  propertyUnitView,
  ReceiptView,
  receiptView,
  AutopayRunView,
  autopayRunView,
  SavedBillerView,
  savedBillerView,
  BillerDayReportView,
  billerDayReportView,
} from '../presenters/billpay.js';
import { isProblemCode, ProblemError } from '../problems.js';
import { billerAccount } from '../../reconciliation/index.js';
import { exceptionView, importView } from '../presenters/reconciliation.js';

const problemFromFailure = (f: { failure: string; detail: string }) =>
  new ProblemError(isProblemCode(f.failure) ? f.failure : 'internal_error', f.detail);

async function* linesOfText(text: string): AsyncGenerator<string> {
  yield* text.split('\n');
}
import { AmountMinor, Currency, IdempotencyHeaders, problemResponses } from '../schemas.js';

/** Bill payment over HTTP (issue 15; docs/billpay.md): thin routes over src/billpay. */
const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const IdParams = Type.Object({ id: Type.String({ maxLength: 40 }) });
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const responses = { ...problemResponses, 403: Type.Ref('Problem'), 409: Type.Ref('Problem'), 503: Type.Ref('Problem') };

const RegisterBiller = Type.Object(
  {
    code: Type.String({ pattern: billerCodePattern.source }),
    name: Text(100),
    name_zh: Text(100),
    category: Type.String({ pattern: '^[a-z_]{2,30}$' }),
    region: Type.String({ pattern: '^[A-Z]{2}(-[A-Z0-9]{1,8})?$', description: 'ISO 3166-2 style, e.g. CN-SH' }),
    connector: Type.String({ pattern: '^[a-z0-9_]{1,40}$' }),
    model: literals(billerModels),
    account: Type.Object(
      {
        label: Text(60),
        label_zh: Text(60),
        pattern: Text(200),
        length_min: Type.Integer({ minimum: 1, maximum: 40 }),
        length_max: Type.Integer({ minimum: 1, maximum: 40 }),
        check_digit: literals(checkDigits),
      },
      { additionalProperties: false },
    ),
    amount_rule: literals(amountRules),
    min_amount: AmountMinor,
    max_amount: AmountMinor,
    currency: Currency,
    payer_fee: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    biller_fee_bps: Type.Optional(Type.Integer({ minimum: 0, maximum: billerFeeBpsMax })),
    merchant: Type.String({ maxLength: 40, description: 'The Hutong merchant the biller settles to (its settlement account)' }),
  },
  { additionalProperties: false },
);

const FetchBody = Type.Object(
  { biller: Type.String({ maxLength: 40 }), account_number: Text(40), customer: Type.Optional(Type.String({ maxLength: 40 })) },
  { additionalProperties: false },
);

const PayBody = Type.Object(
  {
    customer: Type.String({ maxLength: 40, description: 'The paying customer: their Hutong wallet is debited' }),
    biller: Type.String({ maxLength: 40 }),
    bill: Type.Optional(Type.String({ maxLength: 40, description: 'A fetched bill (fetch-model billers)' })),
    account_number: Type.Optional(Text(40)),
    amount: AmountMinor,
    currency: Currency,
    periods: Type.Optional(Type.Integer({ minimum: 1, maximum: 120, description: 'Whole periods paid (property fees)' })),
    payment_method: Type.Optional(
      Type.Union(
        [
          Type.Object({ type: Type.Literal('wallet') }, { additionalProperties: false }),
          Type.Object(
            {
              type: Type.Literal('card'),
              card_id: Type.String({ maxLength: 40 }),
              cvc: Type.Optional(Type.String({ pattern: '^\\d{3,4}$' })),
            },
            { additionalProperties: false },
          ),
          Type.Object(
            {
              type: Type.Literal('card'),
              card: Type.Object(
                {
                  number: Type.String({ pattern: '^\\d{12,19}$' }),
                  exp_month: Type.Integer({ minimum: 1, maximum: 12 }),
                  exp_year: Type.Integer({ minimum: 2000, maximum: 2099 }),
                  cvc: Type.Optional(Type.String({ pattern: '^\\d{3,4}$' })),
                  holder_name: Type.Optional(Type.String({ maxLength: 100 })),
                },
                { additionalProperties: false },
              ),
            },
            { additionalProperties: false },
          ),
        ],
        { description: "How the payer pays: the customer's Hutong wallet (the default) or a card, charged through the payment gateway" },
      ),
    ),
  },
  { additionalProperties: false },
);

const SaveBody = Type.Object(
  {
    customer: Type.String({ maxLength: 40 }),
    biller: Type.String({ maxLength: 40 }),
    account_number: Text(40),
    nickname: Type.Optional(Text(60)),
    autopay: Type.Optional(
      Type.Object(
        {
          limit: AmountMinor,
          currency: Currency,
          card_id: Type.Optional(Type.String({ maxLength: 40, description: 'A stored card to charge; absent: the Hutong wallet' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

function billCardOf(method: Static<typeof PayBody>['payment_method']): BillCard | undefined {
  if (method === undefined || method.type === 'wallet') return undefined;
  return 'card' in method ? { card: method.card } : { cardId: method.card_id, cvc: method.cvc };
}

function problemOf(failure: Failure<BillpayError>): ProblemError {
  return new ProblemError(isProblemCode(failure.failure) ? failure.failure : 'internal_error', failure.detail);
}

function unwrap<T>(result: T | Failure<BillpayError>): T {
  if (isFailure(result)) throw problemOf(result as Failure<BillpayError>);
  return result as T;
}

/** The operator sees any object; a merchant only its own. */
const scopeOf = (request: FastifyRequest) => (request.principal?.type === 'operator' ? undefined : merchantIdOf(request));

export function registerBillpayRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { billpay } = services;
  const tags = ['bill payment'];

  app.post(
    '/v1/billers',
    {
      config: { auth: 'operator' },
      schema: { tags, summary: 'Register a biller (operator)', body: RegisterBiller, response: { 201: BillerView, ...responses } },
    },
    async (request, reply) => {
      const b = request.body;
      const biller = unwrap(
        await billpay.registerBiller({
          code: b.code,
          name: b.name,
          nameZh: b.name_zh,
          category: b.category,
          region: b.region,
          connector: b.connector,
          model: b.model,
          accountRule: {
            label: b.account.label,
            labelZh: b.account.label_zh,
            pattern: b.account.pattern,
            lengthMin: b.account.length_min,
            lengthMax: b.account.length_max,
            checkDigit: b.account.check_digit,
          },
          amountRule: b.amount_rule,
          minAmountMinor: BigInt(b.min_amount),
          maxAmountMinor: BigInt(b.max_amount),
          currency: b.currency,
          payerFeeFixedMinor: BigInt(b.payer_fee ?? 0),
          billerFeeBps: b.biller_fee_bps ?? 0,
          merchantId: b.merchant,
        }),
      );
      return reply.code(201).send(billerView(biller, 'operator'));
    },
  );

  app.get(
    '/v1/billers',
    {
      // The registry is public, as BBPS's biller list is: what a payer needs to find a biller.
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Find billers by category and region',
        querystring: Type.Object({
          category: Type.Optional(Type.String({ maxLength: 30 })),
          region: Type.Optional(Type.String({ maxLength: 12 })),
        }),
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(BillerView) }), ...responses },
      },
    },
    async (request) => {
      const billers = await billpay.listBillers(request.query);
      return { object: 'list' as const, data: billers.map((b) => billerView(b)) };
    },
  );

  app.get(
    '/v1/billers/:id',
    { config: { auth: 'none' }, schema: { tags, params: IdParams, response: { 200: BillerView, ...responses } } },
    async (request) => {
      const biller = await billpay.getBiller(request.params.id);
      if (biller === undefined) throw new ProblemError('biller_not_found', `no biller ${request.params.id}`);
      return billerView(biller);
    },
  );

  app.post(
    '/v1/bills',
    {
      config: { auth: 'merchant' },
      schema: {
        tags,
        summary: "Fetch a bill (or validate an account) at the biller; 202 with the bill's id while a slow biller answers",
        body: FetchBody,
        response: { 201: BillView, 202: BillView, ...responses },
      },
    },
    async (request, reply) => {
      const fetched = unwrap(
        await billpay.fetchBill(merchantIdOf(request), {
          billerId: request.body.biller,
          accountNumber: request.body.account_number,
          customerId: request.body.customer,
        }),
      );
      return reply.code(fetched.complete ? 201 : 202).send(billView(fetched.bill));
    },
  );

  app.get(
    '/v1/bills/:id',
    { config: { auth: 'merchant' }, schema: { tags, params: IdParams, response: { 200: BillView, ...responses } } },
    async (request) => billView(unwrap(await billpay.getBill(merchantIdOf(request), request.params.id))),
  );

  app.post(
    '/v1/bill_payments',
    {
      config: { auth: 'merchant' },
      schema: {
        tags,
        summary: "Pay a bill from the customer's Hutong wallet or by card; 202 while the card or the biller has not answered",
        headers: IdempotencyHeaders,
        body: PayBody,
        response: { 201: BillPaymentView, 202: BillPaymentView, ...responses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const payment = unwrap(
        await billpay.payBill(merchantIdOf(request), {
          customerId: b.customer,
          billerId: b.biller,
          billId: b.bill,
          accountNumber: b.account_number,
          amount: amountFromBody(b.amount, b.currency),
          periods: b.periods,
          idempotencyKey: idempotencyKeyOf(request.headers),
          card: billCardOf(b.payment_method),
        }),
      );
      const done = payment.status === 'accepted' || payment.status === 'refunded' || payment.status === 'failed';
      return reply.code(done ? 201 : 202).send(billPaymentView(payment));
    },
  );

  app.get(
    '/v1/bill_payments',
    {
      config: { auth: 'merchant' },
      schema: {
        tags,
        summary: 'Bill history, newest first',
        querystring: Type.Object({
          customer: Type.Optional(Type.String({ maxLength: 40 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        }),
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(BillPaymentView) }), ...responses },
      },
    },
    async (request) => {
      const payments = await billpay.listPayments(merchantIdOf(request), {
        customerId: request.query.customer,
        limit: request.query.limit,
      });
      return { object: 'list' as const, data: payments.map(billPaymentView) };
    },
  );

  app.get(
    '/v1/bill_payments/:id',
    { config: { auth: 'any' }, schema: { tags, params: IdParams, response: { 200: BillPaymentView, ...responses } } },
    async (request) => billPaymentView(unwrap(await billpay.getPayment(scopeOf(request), request.params.id))),
  );

  app.get(
    '/v1/bill_payments/:id/receipt',
    {
      config: { auth: 'merchant' },
      schema: {
        tags,
        summary: "The receipt, with the biller's receipt number",
        params: IdParams,
        response: { 200: ReceiptView, ...responses },
      },
    },
    async (request) => {
      const payment = unwrap(await billpay.getPayment(merchantIdOf(request), request.params.id));
      if (payment.status !== 'accepted')
        throw new ProblemError('bill_not_payable', `bill payment ${payment.id} is ${payment.status}: no receipt`);
      const biller = await billpay.getBiller(payment.billerId);
      if (biller === undefined) throw new ProblemError('biller_not_found', `no biller ${payment.billerId}`);
      return receiptView(payment, biller);
    },
  );

  app.post(
    '/v1/bill_payments/:id/complaints',
    {
      config: { auth: 'merchant' },
      schema: {
        tags,
        summary: 'Raise a complaint on a bill payment',
        params: IdParams,
        body: Type.Object(
          { reason: literals(complaintReasons), description: Type.Optional(Type.String({ maxLength: 500 })) },
          { additionalProperties: false },
        ),
        response: { 201: ComplaintView, ...responses },
      },
    },
    async (request, reply) => {
      const complaint = unwrap(
        await billpay.raiseComplaint(merchantIdOf(request), {
          paymentId: request.params.id,
          reason: request.body.reason,
          description: request.body.description,
        }),
      );
      return reply.code(201).send(complaintView(complaint));
    },
  );

  app.get(
    '/v1/bill_complaints/:id',
    {
      config: { auth: 'any' },
      schema: { tags, summary: "A complaint's status", params: IdParams, response: { 200: ComplaintView, ...responses } },
    },
    async (request) => complaintView(unwrap(await billpay.getComplaint(scopeOf(request), request.params.id))),
  );

  app.post(
    '/v1/bill_complaints/:id/resolve',
    {
      config: { auth: 'operator' },
      schema: {
        tags,
        summary: 'Resolve a complaint (operator)',
        params: IdParams,
        body: Type.Object({ resolution: Text(500) }, { additionalProperties: false }),
        response: { 200: ComplaintView, ...responses },
      },
    },
    async (request) => complaintView(unwrap(await billpay.resolveComplaint(request.params.id, request.body.resolution))),
  );

  // A biller's end-of-day file, fetched from the biller and imported by reconciliation (kind
  // biller_eod): its breaks join the operators' one exception queue.
  app.post(
    '/v1/billers/:id/reconciliations',
    {
      config: { auth: 'operator' },
      schema: {
        tags,
        summary: "Fetch the biller's end-of-day file and reconcile it (operator): a reconciliation import, its exceptions",
        params: IdParams,
        body: Type.Object({ date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }) }, { additionalProperties: false }),
        response: { 201: Type.Unknown(), ...responses },
      },
    },
    async (request, reply) => {
      const { reconciliation } = services;
      const file = unwrap(await billpay.billerFile(request.params.id, request.body.date));
      const report = await reconciliation.importFile({
        kind: 'biller_eod',
        name: `biller ${request.params.id} end-of-day ${request.body.date}`,
        channel: request.params.id,
        date: request.body.date,
        open: () => linesOfText(file),
      });
      if (isFailure(report)) throw problemFromFailure(report);
      const found = await reconciliation.listExceptions({ importId: report.id, limit: 100 });
      const exceptions = isFailure(found) ? [] : found.data.map(exceptionView);
      return reply.code(201).send({ ...importView(report), exceptions_list: exceptions });
    },
  );

  app.get(
    '/v1/billers/:id/reconciliation_exceptions',
    {
      config: { auth: 'operator' },
      schema: {
        tags,
        summary: "The biller's reconciliation exceptions (the reconciliation queue, this biller's account)",
        params: IdParams,
        querystring: Type.Object(
          { status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('explained')])) },
          { additionalProperties: false },
        ),
        response: responses,
      },
    },
    async (request) => {
      const page = await services.reconciliation.listExceptions({
        account: billerAccount(request.params.id),
        limit: 100,
        ...(request.query.status === undefined ? {} : { status: request.query.status }),
      });
      if (isFailure(page)) throw problemFromFailure(page);
      return { object: 'list' as const, data: page.data.map(exceptionView), has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/billers/:id/property_roll',
    {
      config: { auth: 'merchant' },
      schema: {
        tags,
        summary: "The property company's units: months owed, paid through Hutong (CSV with format=csv)",
        params: IdParams,
        querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) }),
        response: {
          200: Type.Union([Type.Object({ object: Type.Literal('list'), data: Type.Array(PropertyUnitRow) }), Type.String()]),
          ...responses,
        },
      },
    },
    async (request, reply) => {
      const roll = unwrap(await billpay.propertyRoll(merchantIdOf(request), request.params.id));
      if (request.query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="property-roll.csv"')
          .send(propertyCsv(roll));
      return { object: 'list' as const, data: roll.map(propertyUnitView) };
    },
  );

  app.post(
    '/v1/saved_billers',
    {
      config: { auth: 'merchant' },
      schema: {
        tags,
        summary: "Save a customer's biller account; with autopay, each new bill is paid on its due date up to the limit",
        body: SaveBody,
        response: { 201: SavedBillerView, ...responses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const saved = unwrap(
        await billpay.saveBiller(merchantIdOf(request), {
          customerId: b.customer,
          billerId: b.biller,
          accountNumber: b.account_number,
          nickname: b.nickname,
          autopay:
            b.autopay === undefined ? undefined : { limit: amountFromBody(b.autopay.limit, b.autopay.currency), cardId: b.autopay.card_id },
        }),
      );
      return reply.code(201).send(savedBillerView(saved));
    },
  );

  app.get(
    '/v1/saved_billers',
    {
      config: { auth: 'merchant' },
      schema: {
        tags,
        summary: "A merchant's saved billers, newest first, optionally one customer's",
        querystring: Type.Object({ customer: Type.Optional(Type.String({ maxLength: 40 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(SavedBillerView) }), ...responses },
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: (await billpay.listSavedBillers(merchantIdOf(request), request.query.customer)).map(savedBillerView),
    }),
  );

  app.get(
    '/v1/saved_billers/:id',
    { config: { auth: 'merchant' }, schema: { tags, params: IdParams, response: { 200: SavedBillerView, ...responses } } },
    async (request) => savedBillerView(unwrap(await billpay.getSavedBiller(merchantIdOf(request), request.params.id))),
  );

  app.delete(
    '/v1/saved_billers/:id',
    {
      config: { auth: 'merchant' },
      schema: {
        tags,
        summary: 'Remove a saved biller; its auto-pay stops',
        params: IdParams,
        response: { 200: SavedBillerView, ...responses },
      },
    },
    async (request) => savedBillerView(unwrap(await billpay.removeSavedBiller(merchantIdOf(request), request.params.id))),
  );

  app.get(
    '/v1/saved_billers/:id/autopay_runs',
    {
      config: { auth: 'merchant' },
      schema: {
        tags,
        summary: 'What auto-pay did with each bill of this saved biller',
        params: IdParams,
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(AutopayRunView) }), ...responses },
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: unwrap(await billpay.listAutopayRuns(merchantIdOf(request), request.params.id)).map(autopayRunView),
    }),
  );

  app.get(
    '/v1/billers/:id/report',
    {
      config: { auth: 'any' },
      schema: {
        tags,
        summary: "A biller's day of bill payments by status and funding (the operator, or the biller's own merchant)",
        params: IdParams,
        querystring: Type.Object({ date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }) }, { additionalProperties: false }),
        response: { 200: BillerDayReportView, ...responses },
      },
    },
    async (request) => billerDayReportView(unwrap(await billpay.billerDayReport(scopeOf(request), request.params.id, request.query.date))),
  );
}
