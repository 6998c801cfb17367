import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { escrowView, goodsTypes, refundReasons, type Escrow, type EscrowPeriods, type EscrowService } from '../../escrow/index.js';
import { paymentView, PaymentView } from './payments.js';
import { amountFromBody } from '../amounts.js';
import { merchantIdOf } from '../auth.js';
import { idempotencyKeyOf } from '../idempotency.js';
import { listView } from '../presenters.js';
import { ProblemError } from '../problems.js';
import { AmountMinor, Currency, IdempotencyHeaders, ListOf, ListQuery, problemResponses, Timestamp } from '../schemas.js';
import { problemFromFailure } from '../problems.js';
import { requireTestMode } from './test-clocks.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const EscrowView = Type.Object({
  id: Type.String(),
  object: Type.Literal('escrow'),
  status: Type.String({ description: 'awaiting_payment, held, shipped, refunding, disputed, completed, refunded or closed' }),
  amount: Type.Integer(),
  currency: Currency,
  amount_held: Type.Integer({ description: 'What Hutong holds for this trade now' }),
  amount_released: Type.Integer({ description: 'Released to the seller (gross; the fee is taken from it)' }),
  amount_refunded: Type.Integer(),
  fee: Type.Optional(Type.Integer({ description: "Hutong's fee on the released amount (merchant only)" })),
  customer: Type.Optional(Nullable(Type.String())),
  goods_type: Type.String(),
  merchant_order_id: Type.String(),
  description: Nullable(Type.String()),
  payment: Type.String({ description: 'The payment the buyer pays (POST /v1/payments/{id}/confirm)' }),
  shipping: Nullable(Type.Object({ carrier: Type.String(), waybill_number: Type.String(), shipped_at: Timestamp })),
  confirm_due_at: Nullable(Timestamp),
  confirm_paused_remaining_ms: Nullable(
    Type.Integer({ description: 'While a refund request pauses the confirm timer: what is left of it' }),
  ),
  extensions: Type.Integer(),
  refund_request: Nullable(
    Type.Object({ amount: Type.Integer(), reason: Type.String(), note: Nullable(Type.String()), requested_at: Timestamp }),
  ),
  dispute: Nullable(Type.Object({ seller_reason: Type.String(), opened_at: Timestamp })),
  resolution: Nullable(
    Type.Object({
      by: Type.String(),
      decision: Type.String(),
      refunded: Type.Integer(),
      released: Type.Integer(),
      note: Nullable(Type.String()),
      at: Timestamp,
    }),
  ),
  settling: Type.Boolean({ description: 'A decided refund is being paid out; other steps wait' }),
  close_due_at: Nullable(Timestamp),
  test_clock: Nullable(Type.String({ description: 'The test clock the trade runs on (test mode), or null' })),
  merchant: Type.Optional(Type.String({ description: "The trade's merchant (operator only)" })),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const CreatedView = Type.Intersect([
  EscrowView,
  Type.Object({
    payment_object: PaymentView,
  }),
]);

const CreateEscrow = Type.Object(
  {
    amount: AmountMinor,
    currency: Currency,
    merchant_order_id: Type.String({ minLength: 1, maxLength: 64 }),
    goods_type: Type.Union(
      goodsTypes.map((g) => Type.Literal(g)),
      { description: 'Sets the auto-confirm period: physical 10 days, virtual 3, auto_delivery 1' },
    ),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    customer: Type.Optional(Type.String({ maxLength: 40 })),
    metadata: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), { maxProperties: 20 })),
    test_clock: Type.Optional(
      Type.String({
        maxLength: 40,
        description: "A test clock of yours (test keys only): the trade runs on its time, and advancing it fires the trade's timers",
      }),
    ),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ maxLength: 40 }) });
const GoodsTypeSchema = Type.Union(goodsTypes.map((g) => Type.Literal(g)));
/** A minute to a year, in whole seconds (src/escrow/service.ts checks the same bounds). */
const PeriodSeconds = Type.Integer({ minimum: 60, maximum: 365 * 86_400 });
const SetPeriods = Type.Object(
  {
    confirm_after_seconds: Type.Optional(PeriodSeconds),
    unpaid_close_after_seconds: Type.Optional(PeriodSeconds),
    seller_answer_after_seconds: Type.Optional(PeriodSeconds),
  },
  { additionalProperties: false, minProperties: 1 },
);
const PeriodsView = Type.Object({
  object: Type.Literal('escrow_periods'),
  goods_type: Type.String(),
  confirm_after_seconds: Type.Integer({ description: 'Auto-confirm after shipment' }),
  unpaid_close_after_seconds: Type.Integer({ description: 'An unpaid trade closes after this' }),
  seller_answer_after_seconds: Type.Integer({ description: 'An unanswered refund request is agreed to after this' }),
  updated_at: Type.Union([Timestamp, Type.Null()], { description: 'null: the defaults' }),
});

function periodsView(p: EscrowPeriods) {
  return {
    object: 'escrow_periods' as const,
    goods_type: p.goodsType,
    confirm_after_seconds: Math.round(p.confirmAfterMs / 1000),
    unpaid_close_after_seconds: Math.round(p.unpaidCloseAfterMs / 1000),
    seller_answer_after_seconds: Math.round(p.sellerAnswerAfterMs / 1000),
    updated_at: p.updatedAt,
  };
}
const BuyerQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) });
const stepResponses = { 200: EscrowView, 409: Type.Ref('Problem'), 403: Type.Ref('Problem'), ...problemResponses };
const NoBody = Type.Object({}, { additionalProperties: false });

/** Buyer routes log their URL without the link token (the token is the buyer's credential). */
const buyerLogSerializers = {
  req: (req: FastifyRequest) => ({
    method: req.method,
    url: req.url.replace(/([?&]token=)[^&]*/g, '$1[redacted]'),
    host: req.host,
    remoteAddress: req.ip,
  }),
};

/** The buyer's link token: `?token=` (what the link carries) or the `Hutong-Buyer-Token` header. */
function buyerTokenOf(request: FastifyRequest): string {
  const header = request.headers['hutong-buyer-token'];
  const token = typeof header === 'string' ? header : (request.query as { token?: string }).token;
  if (token === undefined || token === '')
    throw new ProblemError('escrow_buyer_token_invalid', "send the buyer link's token as ?token= or the Hutong-Buyer-Token header");
  return token;
}

export function registerEscrowRoutes(fastify: FastifyInstance, services: { escrow: EscrowService }): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { escrow } = services;
  const answer = (result: Escrow | { failure: string; detail: string }, audience: 'merchant' | 'buyer' = 'merchant') => {
    if (isFailure(result)) throw problemFromFailure(result);
    return escrowView(result, audience);
  };
  const emptyBody = async (request: FastifyRequest) => {
    request.body ??= {};
  };

  app.post(
    '/v1/escrows',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['escrows'],
        summary: 'Create an escrow trade and the payment the buyer pays',
        headers: IdempotencyHeaders,
        body: CreateEscrow,
        response: { 201: CreatedView, 409: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (b.test_clock !== undefined) requireTestMode(request);
      const result = await escrow.create(
        merchantIdOf(request),
        {
          amount: amountFromBody(b.amount, b.currency),
          merchantOrderId: b.merchant_order_id,
          goodsType: b.goods_type,
          description: b.description,
          customerId: b.customer,
          metadata: b.metadata,
          testClockId: b.test_clock,
        },
        idempotencyKeyOf(request.headers),
      );
      if (isFailure(result)) throw problemFromFailure(result);
      // No buyer link here: its token confirms receipt, which releases the money to this merchant.
      // The buyer gets it from the cashier when paying (docs/escrow.md).
      return reply.code(201).send({ ...escrowView(result.escrow), payment_object: paymentView(result.payment) });
    },
  );

  app.get(
    '/v1/escrows',
    {
      config: { auth: 'any' },
      schema: {
        tags: ['escrows'],
        summary: "A merchant's trades; with the operator key, every merchant's (e.g. ?status=disputed)",
        querystring: Type.Object(
          { ...ListQuery.properties, status: Type.Optional(Type.String({ maxLength: 40 })) },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(EscrowView), ...problemResponses },
      },
    },
    async (request) => {
      const page = await escrow.list(request.principal?.type === 'merchant' ? request.principal.merchantId : undefined, request.query);
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, (e) => (request.principal?.type === 'operator' ? { ...escrowView(e), merchant: e.merchantId } : escrowView(e)));
    },
  );

  app.get(
    '/v1/escrows/:id',
    {
      config: { auth: 'any' },
      schema: {
        tags: ['escrows'],
        summary: 'A trade (its merchant, or the operator)',
        params: IdParams,
        response: { 200: EscrowView, ...problemResponses },
      },
    },
    async (request) => {
      const principal = request.principal;
      const actor =
        principal?.type === 'merchant' ? { kind: 'merchant' as const, merchantId: principal.merchantId } : { kind: 'operator' as const };
      const found = await escrow.get(actor, request.params.id);
      if (isFailure(found)) throw problemFromFailure(found);
      return actor.kind === 'merchant' ? escrowView(found) : { ...escrowView(found), merchant: found.merchantId };
    },
  );

  const ShipBody = Type.Object(
    { carrier: Type.String({ minLength: 1, maxLength: 60 }), waybill_number: Type.String({ minLength: 1, maxLength: 60 }) },
    { additionalProperties: false },
  );
  app.post(
    '/v1/escrows/:id/ship',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['escrows'],
        summary: 'The seller shipped: carrier and waybill; the confirm timer starts',
        headers: IdempotencyHeaders,
        params: IdParams,
        body: ShipBody,
        response: stepResponses,
      },
    },
    async (request) =>
      answer(
        await escrow.ship(merchantIdOf(request), request.params.id, {
          carrier: request.body.carrier,
          waybillNumber: request.body.waybill_number,
        }),
      ),
  );

  const ExtendBody = Type.Object({ days: Type.Integer({ minimum: 1, maximum: 30 }) }, { additionalProperties: false });
  app.post(
    '/v1/escrows/:id/extend',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['escrows'],
        summary: "The seller extends the buyer's confirm period",
        headers: IdempotencyHeaders,
        params: IdParams,
        body: ExtendBody,
        response: stepResponses,
      },
    },
    async (request) => answer(await escrow.extend(merchantIdOf(request), request.params.id, request.body.days)),
  );

  app.post(
    '/v1/escrows/:id/agree_refund',
    {
      config: { auth: 'merchant' },
      preValidation: emptyBody,
      schema: {
        tags: ['escrows'],
        summary: "The seller agrees to the buyer's refund request; the refund is paid",
        headers: IdempotencyHeaders,
        params: IdParams,
        body: NoBody,
        response: stepResponses,
      },
    },
    async (request) => answer(await escrow.agreeRefund(merchantIdOf(request), request.params.id)),
  );

  const RefuseBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });
  app.post(
    '/v1/escrows/:id/refuse_refund',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['escrows'],
        summary: 'The seller refuses; the trade is disputed and the operator arbitrates',
        headers: IdempotencyHeaders,
        params: IdParams,
        body: RefuseBody,
        response: stepResponses,
      },
    },
    async (request) => answer(await escrow.refuseRefund(merchantIdOf(request), request.params.id, request.body.reason)),
  );

  app.post(
    '/v1/escrows/:id/cancel',
    {
      config: { auth: 'merchant' },
      preValidation: emptyBody,
      schema: {
        tags: ['escrows'],
        summary: 'Close a trade nobody paid (its payment is canceled)',
        headers: IdempotencyHeaders,
        params: IdParams,
        body: NoBody,
        response: stepResponses,
      },
    },
    async (request) => answer(await escrow.cancel(merchantIdOf(request), request.params.id)),
  );

  const ArbitrateBody = Type.Object(
    {
      decision: Type.Union([Type.Literal('refund'), Type.Literal('release'), Type.Literal('split')], {
        description: 'refund all to the buyer, release all to the seller, or split',
      }),
      refund_amount: Type.Optional(AmountMinor),
      note: Type.Optional(Type.String({ maxLength: 500 })),
    },
    { additionalProperties: false },
  );
  app.post(
    '/v1/escrows/:id/arbitrate',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['escrows'],
        summary: 'The operator decides a disputed trade',
        headers: IdempotencyHeaders,
        params: IdParams,
        body: ArbitrateBody,
        response: stepResponses,
      },
    },
    async (request) => {
      const { decision, refund_amount: refundAmount, note } = request.body;
      if (decision === 'split' && refundAmount === undefined) throw new ProblemError('request_invalid', 'a split names refund_amount');
      return answer(
        await escrow.arbitrate(request.params.id, {
          decision,
          refundMinor: refundAmount === undefined ? undefined : BigInt(refundAmount),
          note,
        }),
      );
    },
  );

  // The operator sets the escrow timer periods per goods type (issue 12); timers take them when they start.
  app.get(
    '/v1/operator/escrow_periods',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['escrows'],
        summary: 'The escrow timer periods of each goods type',
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(PeriodsView) }), ...problemResponses },
      },
    },
    async () => ({ object: 'list' as const, data: (await escrow.periods()).map(periodsView) }),
  );
  app.post(
    '/v1/operator/escrow_periods/:goods_type',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['escrows'],
        summary: "Sets a goods type's escrow timer periods (the ones named; the others stay)",
        headers: IdempotencyHeaders,
        params: Type.Object({ goods_type: GoodsTypeSchema }),
        body: SetPeriods,
        response: { 200: PeriodsView, ...problemResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const seconds = (value: number | undefined) => (value === undefined ? undefined : value * 1000);
      const result = await escrow.setPeriods(request.params.goods_type, {
        ...(b.confirm_after_seconds === undefined ? {} : { confirmAfterMs: seconds(b.confirm_after_seconds) }),
        ...(b.unpaid_close_after_seconds === undefined ? {} : { unpaidCloseAfterMs: seconds(b.unpaid_close_after_seconds) }),
        ...(b.seller_answer_after_seconds === undefined ? {} : { sellerAnswerAfterMs: seconds(b.seller_answer_after_seconds) }),
      });
      if (isFailure(result)) throw problemFromFailure(result);
      return periodsView(result);
    },
  );

  // The buyer's side: no API key; the signed link's token names this one trade.
  app.get(
    '/v1/buyer/escrows/:id',
    {
      logSerializers: buyerLogSerializers,
      schema: {
        tags: ['escrows (buyer)'],
        summary: "The buyer's view of the trade (status, shipping, deadlines)",
        params: IdParams,
        querystring: BuyerQuery,
        response: { 200: EscrowView, 403: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request) => answer(await escrow.get({ kind: 'buyer', token: buyerTokenOf(request) }, request.params.id), 'buyer'),
  );

  app.post(
    '/v1/buyer/escrows/:id/confirm_receipt',
    {
      logSerializers: buyerLogSerializers,
      preValidation: emptyBody,
      schema: {
        tags: ['escrows (buyer)'],
        summary: 'The buyer confirms receipt: the money is released to the seller',
        headers: IdempotencyHeaders,
        params: IdParams,
        querystring: BuyerQuery,
        body: NoBody,
        response: stepResponses,
      },
    },
    async (request) => answer(await escrow.confirmReceipt(buyerTokenOf(request), request.params.id), 'buyer'),
  );

  const RefundRequestBody = Type.Object(
    {
      amount: Type.Optional(AmountMinor),
      reason: Type.Union(refundReasons.map((r) => Type.Literal(r))),
      note: Type.Optional(Type.String({ maxLength: 500 })),
    },
    { additionalProperties: false },
  );
  app.post(
    '/v1/buyer/escrows/:id/refund_request',
    {
      logSerializers: buyerLogSerializers,
      schema: {
        tags: ['escrows (buyer)'],
        summary: 'The buyer asks for a full (no amount) or partial refund; the confirm timer pauses',
        headers: IdempotencyHeaders,
        params: IdParams,
        querystring: BuyerQuery,
        body: RefundRequestBody,
        response: stepResponses,
      },
    },
    async (request) => {
      const { amount, reason, note } = request.body;
      return answer(
        await escrow.requestRefund(buyerTokenOf(request), request.params.id, {
          amountMinor: amount === undefined ? undefined : BigInt(amount),
          reason,
          note,
        }),
        'buyer',
      );
    },
  );

  app.post(
    '/v1/buyer/escrows/:id/withdraw_refund_request',
    {
      logSerializers: buyerLogSerializers,
      preValidation: emptyBody,
      schema: {
        tags: ['escrows (buyer)'],
        summary: 'The buyer withdraws the refund request; the confirm timer resumes',
        headers: IdempotencyHeaders,
        params: IdParams,
        querystring: BuyerQuery,
        body: NoBody,
        response: stepResponses,
      },
    },
    async (request) => answer(await escrow.withdrawRefundRequest(buyerTokenOf(request), request.params.id), 'buyer'),
  );
}
