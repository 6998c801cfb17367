import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { toJSONMinor } from '../../money/index.js';
import type { Attempt, Payment, PaymentMethodInput, Refund, Transition } from '../../payments/index.js';
import { percentBpsMax, type PaymentServices } from '../../payments/index.js';
import type { PaymentFxInput } from '../../payments/index.js';
import type { Principal } from '../../parties/index.js';
import { amountFromBody } from '../amounts.js';
import { merchantIdOf } from '../auth.js';
import { idempotencyKeyOf, recoveredRetryOf } from '../idempotency.js';
import { listView } from '../presenters.js';
import { ProblemError } from '../problems.js';
import { AmountMinor, Currency, IdempotencyHeaders, ListOf, ListQuery, problemResponses, Timestamp } from '../schemas.js';
import { problemFromFailure } from '../problems.js';
import { challengeResultPage } from '../pages.js';
import type { EscrowService } from '../../escrow/index.js';
import { pageHeaders } from '../../web/index.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const LastErrorView = Type.Object({
  code: Type.String(),
  message: Type.String(),
  decline_code: Type.Optional(Type.String({ description: 'card_declined only: the stable reason (docs/payments.md, "Declines")' })),
});

export const PaymentView = Type.Object({
  id: Type.String(),
  object: Type.Literal('payment'),
  amount: Type.Integer(),
  currency: Currency,
  amount_captured: Type.Integer(),
  amount_refunded: Type.Integer(),
  fee: Type.Integer({ description: "Hutong's fee on the captured amount, in minor units" }),
  status: Type.String(),
  capture_method: Type.String(),
  merchant_order_id: Type.String(),
  description: Nullable(Type.String()),
  metadata: Type.Record(Type.String(), Type.String()),
  customer: Nullable(Type.String()),
  return_url: Nullable(Type.String()),
  payment_method: Nullable(
    Type.Object({
      type: Type.String(),
      card: Nullable(
        Type.Object({
          id: Type.String(),
          brand: Type.String(),
          last4: Type.String(),
          exp_month: Nullable(Type.Integer()),
          exp_year: Nullable(Type.Integer()),
        }),
      ),
    }),
  ),
  channel: Nullable(Type.String()),
  last_error: Nullable(LastErrorView),
  next_action: Nullable(
    Type.Object({
      type: Type.Literal('redirect_to_url'),
      url: Type.String({ description: "Send the shopper here (3-D Secure challenge, or the wallet's pay page)" }),
      qr_code: Nullable(Type.String({ description: 'An EMV merchant-presented QR payload the shopper can scan with the wallet' })),
    }),
  ),
  expires_at: Timestamp,
  created_at: Timestamp,
  updated_at: Timestamp,
  settlement_currency: Type.Optional(Nullable(Currency)),
  settlement_amount: Type.Optional(
    Nullable(
      Type.Integer({
        description:
          'What the merchant is credited in settlement_currency (gross of fee; the fee is then in settlement_currency too); set at capture',
      }),
    ),
  ),
  fx_rate: Type.Optional(
    Nullable(
      Type.String({ description: 'Units of settlement_currency per unit of currency, locked when the payment was confirmed (docs/fx.md)' }),
    ),
  ),
  fx_quote: Type.Optional(Nullable(Type.String())),
});

export function paymentView(p: Payment) {
  const minor = (value: bigint) => toJSONMinor({ minor: value, currency: p.amount.currency });
  return {
    id: p.id,
    object: 'payment' as const,
    amount: minor(p.amount.minor),
    currency: p.amount.currency,
    amount_captured: minor(p.amountCapturedMinor),
    amount_refunded: minor(p.amountRefundedMinor),
    fee: minor(p.feeMinor),
    status: p.status,
    capture_method: p.captureMethod,
    merchant_order_id: p.merchantOrderId,
    description: p.description,
    metadata: p.metadata,
    customer: p.customerId,
    return_url: p.returnUrl,
    payment_method:
      p.method === null
        ? null
        : {
            type: p.method.type,
            card:
              p.method.cardId === null
                ? null
                : { id: p.method.cardId, brand: p.method.brand ?? '', last4: p.method.last4 ?? '', ...expiryOf(p.method.expiryYymm) },
          },
    channel: p.channel,
    last_error:
      p.lastError === null
        ? null
        : {
            code: p.lastError.code,
            message: p.lastError.message,
            ...(p.lastError.declineCode === undefined ? {} : { decline_code: p.lastError.declineCode }),
          },
    next_action: p.nextAction === null ? null : { type: p.nextAction.type, url: p.nextAction.url, qr_code: p.nextAction.qrCode },
    expires_at: p.expiresAt,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    settlement_currency: p.settlement?.currency ?? null,
    settlement_amount:
      p.settlement?.amountMinor == null ? null : toJSONMinor({ minor: p.settlement.amountMinor, currency: p.settlement.currency }),
    fx_rate: p.settlement?.fxRate ?? null,
    fx_quote: p.settlement?.quoteId ?? null,
  };
}

/**
 * What a cashier (checkout session token) sees of its payment: what the shopper's page shows and
 * acts on, nothing of the merchant's side (fee, metadata, customer, captures, channel, attempts,
 * timeline, settlement and FX margin, the stored card's id). docs/web.md, "Security summary".
 */
export const ShopperPaymentView = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('payment'),
    amount: Type.Integer(),
    currency: Currency,
    status: Type.String(),
    merchant_order_id: Type.String(),
    description: Nullable(Type.String()),
    return_url: Nullable(Type.String()),
    payment_method: Nullable(
      Type.Object({
        type: Type.String(),
        card: Nullable(
          Type.Object({
            brand: Type.String(),
            last4: Type.String(),
            exp_month: Nullable(Type.Integer()),
            exp_year: Nullable(Type.Integer()),
          }),
        ),
      }),
    ),
    last_error: Nullable(LastErrorView),
    next_action: Nullable(Type.Object({ type: Type.Literal('redirect_to_url'), url: Type.String(), qr_code: Nullable(Type.String()) })),
    expires_at: Timestamp,
    updated_at: Timestamp,
    buyer_url: Type.Optional(
      Type.String({ description: "An escrow trade's buyer link, in the answer to the buyer's own confirm only (never the merchant's)" }),
    ),
  },
  { additionalProperties: false },
);

export function shopperPaymentView(p: Payment) {
  const full = paymentView(p);
  const card = full.payment_method?.card ?? null;
  return {
    id: full.id,
    object: full.object,
    amount: full.amount,
    currency: full.currency,
    status: full.status,
    merchant_order_id: full.merchant_order_id,
    description: full.description,
    return_url: full.return_url,
    payment_method:
      full.payment_method === null
        ? null
        : {
            type: full.payment_method.type,
            card: card === null ? null : { brand: card.brand, last4: card.last4, exp_month: card.exp_month, exp_year: card.exp_year },
          },
    last_error: full.last_error,
    next_action: full.next_action,
    expires_at: full.expires_at,
    updated_at: full.updated_at,
  };
}

/** The merchant's view, or the shopper's when the caller is the payment's cashier. */
export function paymentViewFor(principal: Principal | undefined, p: Payment) {
  return principal?.type === 'checkout' ? shopperPaymentView(p) : paymentView(p);
}

/** YYMM → month and four-digit year (cards carry two digits; Hutong only accepts this century's). */
function expiryOf(yymm: string | null): { exp_month: number | null; exp_year: number | null } {
  if (yymm === null || !/^\d{4}$/.test(yymm)) return { exp_month: null, exp_year: null };
  return { exp_month: Number(yymm.slice(2)), exp_year: 2000 + Number(yymm.slice(0, 2)) };
}

const AttemptView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  channel: Type.String(),
  status: Type.String(),
  amount: Type.Integer(),
  response_code: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  reference: Nullable(Type.String()),
  authorization_code: Nullable(Type.String()),
  original_attempt: Nullable(Type.String()),
  sent_at: Timestamp,
});

function attemptView(a: Attempt) {
  return {
    id: a.id,
    kind: a.kind,
    channel: a.channel,
    status: a.status,
    amount: toJSONMinor(a.amount),
    response_code: a.responseCode,
    reason: a.reason,
    reference: a.reference,
    authorization_code: a.authorizationCode,
    original_attempt: a.originalAttemptId,
    sent_at: a.sentAt,
  };
}

const TransitionView = Type.Object({ from: Nullable(Type.String()), to: Type.String(), reason: Type.String(), at: Timestamp });
const transitionView = (t: Transition) => ({ from: t.from, to: t.to, reason: t.reason, at: t.at });

export const RefundView = Type.Object({
  id: Type.String(),
  object: Type.Literal('refund'),
  payment: Type.String(),
  amount: Type.Integer(),
  currency: Currency,
  fee_returned: Type.Integer(),
  status: Type.String(),
  reason: Nullable(Type.String()),
  failure_reason: Nullable(Type.String()),
  channel_reference: Nullable(
    Type.String({
      description: "The channel's reference of the refund: the acquirer's RRN (ISO 8583 DE 37), or the wallet's own refund number",
    }),
  ),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function refundView(r: Refund) {
  return {
    id: r.id,
    object: 'refund' as const,
    payment: r.paymentId,
    amount: toJSONMinor(r.amount),
    currency: r.amount.currency,
    fee_returned: toJSONMinor({ minor: r.feeReturnedMinor, currency: r.amount.currency }),
    status: r.status,
    reason: r.reason,
    failure_reason: r.failureCode,
    channel_reference: r.channelReference ?? null,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

const CreatePayment = Type.Object(
  {
    amount: AmountMinor,
    currency: Currency,
    merchant_order_id: Type.String({ minLength: 1, maxLength: 64, description: 'Your order number; unique per merchant' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    metadata: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), { maxProperties: 20 })),
    capture_method: Type.Optional(Type.Union([Type.Literal('automatic'), Type.Literal('manual')])),
    customer: Type.Optional(Type.String({ maxLength: 40 })),
    return_url: Type.Optional(Type.String({ maxLength: 2000, pattern: '^https?://' })),
    settlement_currency: Type.Optional({
      ...Currency,
      description: "Defaults to the merchant's; may only be the merchant's or this payment's currency (docs/fx.md)",
    }),
    fx_quote: Type.Optional(
      Type.String({ maxLength: 40, description: 'A quote from POST /v1/fx/quotes: locks its rate (amount and currencies must match)' }),
    ),
    payment_code: Type.Optional(
      Type.String({
        pattern: '^[0-9]{14,24}$',
        description:
          "The shopper's payment code scanned at the till (any participant of the switch, Hutong's own included): the payment is confirmed with it at once (docs/interop.md)",
      }),
    ),
    import_order: Type.Optional(
      Type.Object(
        {
          payer_name: Type.String({ minLength: 1, maxLength: 100 }),
          id_type: Type.Union([Type.Literal('resident_id'), Type.Literal('passport')]),
          id_number: Type.String({
            minLength: 5,
            maxLength: 20,
            description: "Checked against the customer's verified identity; never stored in clear or shown",
          }),
        },
        {
          additionalProperties: false,
          description: "A cross-border retail import order: needs `customer`, counts against the payer's CNY limits",
        },
      ),
    ),
  },
  { additionalProperties: false },
);

const CardBody = Type.Object(
  {
    number: Type.String({ minLength: 12, maxLength: 23, description: 'Sent to Hutong only; stored encrypted, shown as brand and last 4' }),
    exp_month: Type.Integer({ minimum: 1, maximum: 12 }),
    exp_year: Type.Integer({ minimum: 0, maximum: 9999 }),
    cvc: Type.Optional(Type.String({ maxLength: 8, description: 'Used for this authorization only; never stored' })),
    holder_name: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

const ConfirmPayment = Type.Object(
  {
    payment_method: Type.Union([
      Type.Object({ type: Type.Literal('card'), card: CardBody }, { additionalProperties: false }),
      Type.Object(
        { type: Type.Literal('card'), card_id: Type.String({ maxLength: 40 }), cvc: Type.Optional(Type.String({ maxLength: 8 })) },
        { additionalProperties: false },
      ),
      Type.Object({ type: Type.Literal('wallet'), customer: Type.String({ maxLength: 40 }) }, { additionalProperties: false }),
      Type.Object(
        {
          type: Type.Literal('external_wallet'),
          wallet: Type.String({ maxLength: 40, description: 'alipay_sandbox, wechat_sandbox or quickpass_sandbox' }),
        },
        { additionalProperties: false },
      ),
    ]),
  },
  { additionalProperties: false },
);

/** The FX part of a new payment (src/fx), only when one of its fields is given. */
function fxInputOf(b: Static<typeof CreatePayment>): { fx?: PaymentFxInput } {
  if (b.settlement_currency === undefined && b.fx_quote === undefined && b.import_order === undefined) return {};
  const order = b.import_order;
  return {
    fx: {
      settlementCurrency: b.settlement_currency,
      quoteId: b.fx_quote,
      importOrder: order === undefined ? undefined : { payerName: order.payer_name, idType: order.id_type, idNumber: order.id_number },
    },
  };
}

function methodOf(body: Static<typeof ConfirmPayment>): PaymentMethodInput {
  const m = body.payment_method;
  if (m.type === 'wallet') return { type: 'wallet', customerId: m.customer };
  if (m.type === 'external_wallet') return { type: 'external_wallet', wallet: m.wallet };
  if ('card' in m) return { type: 'card', card: m.card };
  return { type: 'card', cardId: m.card_id, cvc: m.cvc };
}

const IdParams = Type.Object({ id: Type.String({ maxLength: 40 }) });

/**
 * A cashier (checkout session token) pays with a card it enters, or with the wallet of the payment's
 * own customer: never another customer's wallet, never a card stored with the merchant.
 */
async function checkCashierMethod(
  payments: PaymentServices,
  merchantId: string,
  paymentId: string,
  method: PaymentMethodInput,
): Promise<void> {
  if (method.type === 'card' && 'cardId' in method)
    throw new ProblemError('forbidden', "at the cashier, enter the card: stored cards are for the merchant's own requests");
  if (method.type !== 'wallet') return;
  const payment = await payments.get(merchantId, paymentId);
  if (isFailure(payment)) return;
  if (payment.customerId !== method.customerId)
    throw new ProblemError('forbidden', "at the cashier, only the wallet of the payment's own customer can pay");
}
const PaymentListQuery = Type.Object(
  {
    ...ListQuery.properties,
    status: Type.Optional(Type.String({ maxLength: 40 })),
    method: Type.Optional(Type.String({ maxLength: 40, description: 'card, wallet or external_wallet' })),
    brand: Type.Optional(Type.String({ maxLength: 30, description: 'Card brand, e.g. visa' })),
    currency: Type.Optional(Currency),
    merchant_order_id: Type.Optional(Type.String({ maxLength: 64 })),
    created_gte: Type.Optional(Type.String({ maxLength: 40, description: 'Created at or after this ISO 8601 time or date' })),
    created_lt: Type.Optional(Type.String({ maxLength: 40, description: 'Created before this ISO 8601 time or date' })),
  },
  { additionalProperties: false },
);
const DetailView = Type.Intersect([PaymentView, Type.Object({ attempts: Type.Array(AttemptView), timeline: Type.Array(TransitionView) })]);
const paymentResponses = {
  200: PaymentView,
  402: Type.Ref('Problem'),
  409: Type.Ref('Problem'),
  503: Type.Ref('Problem'),
  ...problemResponses,
};

export function registerPaymentRoutes(fastify: FastifyInstance, services: { payments: PaymentServices; escrow?: EscrowService }): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { payments } = services;

  app.post(
    '/v1/payments',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['payments'],
        headers: IdempotencyHeaders,
        body: CreatePayment,
        response: { 201: PaymentView, 409: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await payments.create(
        merchantIdOf(request),
        {
          amount: amountFromBody(b.amount, b.currency),
          merchantOrderId: b.merchant_order_id,
          description: b.description,
          metadata: b.metadata,
          captureMethod: b.capture_method,
          customerId: b.customer,
          returnUrl: b.return_url,
          ...fxInputOf(b),
        },
        idempotencyKeyOf(request.headers),
      );
      if (isFailure(result)) throw problemFromFailure(result);
      // A till's payment code: confirmed at once. A retry of the same request finds its payment past requires_payment_method and answers it as it is.
      if (b.payment_code !== undefined && result.status === 'requires_payment_method') {
        const paid = await payments.confirm(merchantIdOf(request), result.id, { type: 'payment_code', code: b.payment_code });
        if (isFailure(paid)) throw problemFromFailure(paid);
        return reply.code(201).send(paymentView(paid));
      }
      return reply.code(201).send(paymentView(result));
    },
  );

  app.get(
    '/v1/payments',
    {
      config: { auth: 'merchant' },
      schema: { tags: ['payments'], querystring: PaymentListQuery, response: { 200: ListOf(PaymentView), ...problemResponses } },
    },
    async (request) => {
      const { merchant_order_id: merchantOrderId, created_gte: createdGte, created_lt: createdLt, ...rest } = request.query;
      const page = await payments.list(merchantIdOf(request), { ...rest, merchantOrderId, createdGte, createdLt });
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, paymentView);
    },
  );

  app.get(
    '/v1/payments/:id',
    {
      config: { auth: 'merchant', checkout: true },
      schema: {
        tags: ['payments'],
        summary:
          "A payment with its attempts at channels and its timeline (a checkout session's token: the shopper's view of its own payment)",
        params: IdParams,
        response: { 200: Type.Union([DetailView, ShopperPaymentView]), ...problemResponses },
      },
    },
    async (request) => {
      const found = await payments.details(merchantIdOf(request), request.params.id);
      if (isFailure(found)) throw problemFromFailure(found);
      if (request.principal?.type === 'checkout') return shopperPaymentView(found.payment);
      return { ...paymentView(found.payment), attempts: found.attempts.map(attemptView), timeline: found.timeline.map(transitionView) };
    },
  );

  app.post(
    '/v1/payments/:id/confirm',
    {
      config: { auth: 'merchant', checkout: true },
      schema: {
        tags: ['payments'],
        summary: 'Pay with a card or the Hutong wallet',
        headers: IdempotencyHeaders,
        params: IdParams,
        body: ConfirmPayment,
        response: { ...paymentResponses, 200: Type.Union([PaymentView, ShopperPaymentView]) },
      },
    },
    async (request) => {
      const method = methodOf(request.body);
      if (request.principal?.type === 'checkout')
        await checkCashierMethod(payments, request.principal.merchantId, request.params.id, method);
      const result = await payments.confirm(merchantIdOf(request), request.params.id, method);
      if (isFailure(result)) {
        const committed = await confirmedByFirstTry(payments, request, request.params.id, result.failure);
        if (committed !== undefined) return paymentViewFor(request.principal, committed);
        throw problemFromFailure(result);
      }
      const buyerUrl = request.principal?.type === 'checkout' ? await buyerUrlOf(services.escrow, result) : undefined;
      return buyerUrl === undefined ? paymentViewFor(request.principal, result) : { ...shopperPaymentView(result), buyer_url: buyerUrl };
    },
  );

  app.post(
    '/v1/payments/:id/capture',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['payments'],
        summary: 'Capture an authorization, in full (no body) or in part, once',
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Type.Object({ amount: Type.Optional(AmountMinor) }, { additionalProperties: false }),
        response: paymentResponses,
      },
      // No body means "capture it all".
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const amount = request.body.amount;
      const result = await payments.capture(merchantIdOf(request), request.params.id, amount === undefined ? undefined : BigInt(amount));
      if (isFailure(result)) throw problemFromFailure(result);
      return paymentView(result);
    },
  );

  app.post(
    '/v1/payments/:id/cancel',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['payments'],
        summary: 'Cancel an unpaid payment or release an authorization',
        headers: IdempotencyHeaders,
        params: IdParams,
        response: paymentResponses,
      },
    },
    async (request) => {
      const result = await payments.cancel(merchantIdOf(request), request.params.id);
      if (isFailure(result)) throw problemFromFailure(result);
      return paymentView(result);
    },
  );

  // The shopper's browser returns here from the issuer's 3-D Secure page. No API key: the signed
  // result is the credential, and it must name this payment and its challenge.
  app.get(
    '/v1/payments/:id/3ds_return',
    {
      schema: {
        tags: ['payments'],
        summary: 'Where the 3-D Secure challenge returns the shopper',
        params: IdParams,
        querystring: Type.Object({ result: Type.String({ maxLength: 4096 }) }),
        response: { 200: PaymentView, 303: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const result = await payments.completeChallenge(request.params.id, request.query.result);
      if (isFailure(result)) throw problemFromFailure(result);
      // An escrow trade paid after the challenge: the browser that passed it is the buyer's (the
      // cashier's confirm answer, which carries the link, was left for the issuer's page), so it goes
      // to the trade's buyer page — not to the shop, which must never see the buyer's credential.
      const buyerUrl = await buyerUrlOf(services.escrow, result);
      if (buyerUrl !== undefined)
        return reply.code(303).headers({ location: buyerUrl, 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' }).send();
      // A shopper's browser with no shop to go back to gets a page rather than JSON (src/web).
      if (result.returnUrl === null && (request.headers.accept ?? '').includes('text/html'))
        return reply.headers(pageHeaders).send(challengeResultPage(result, request.headers['accept-language']));
      if (result.returnUrl === null) return paymentView(result);
      const target = new URL(result.returnUrl);
      target.searchParams.set('payment_id', result.id);
      target.searchParams.set('status', result.status);
      return reply.code(303).header('location', target.toString()).send();
    },
  );

  // Outside wallets call back here. No API key: the wallet's signature over the raw bytes is the
  // credential, so this scope keeps bodies as the exact text that arrived.
  void fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, body));
    scope.post('/v1/channels/:wallet/notifications', { schema: { hide: true }, config: { rawBody: true } }, async (request, reply) => {
      const { wallet } = request.params as { wallet: string };
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      const result = await payments.acceptWalletNotification(wallet, typeof request.body === 'string' ? request.body : '', headers);
      if (isFailure(result)) throw problemFromFailure(result);
      return reply.code(200).type(result.ack.contentType).send(result.ack.body);
    });
  });

  const FeeRuleBody = Type.Object(
    {
      method: Type.Union([Type.Literal('card'), Type.Literal('wallet'), Type.Literal('*')]),
      brand: Type.String({ maxLength: 30, default: '*' }),
      percent_bps: Type.Integer({ minimum: 0, maximum: percentBpsMax }),
      fixed_amount: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
      fixed_currency: Type.Optional(Currency),
    },
    { additionalProperties: false },
  );
  const FeePlanBody = Type.Object(
    {
      rules: Type.Array(FeeRuleBody, { minItems: 1, maxItems: 20 }),
      refund_fee_policy: Type.Union([Type.Literal('proportional'), Type.Literal('none')]),
    },
    { additionalProperties: false },
  );
  app.post(
    '/v1/merchants/:id/fee_plan',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['merchants'],
        summary: "Set a merchant's fee plan (first matching rule wins)",
        headers: IdempotencyHeaders,
        params: IdParams,
        body: FeePlanBody,
        response: { 200: FeePlanBody, ...problemResponses },
      },
    },
    async (request) => {
      const plan = {
        rules: request.body.rules.map((r) => ({
          method: r.method,
          brand: r.brand,
          percentBps: r.percent_bps,
          fixedMinor: BigInt(r.fixed_amount ?? 0),
          fixedCurrency: r.fixed_currency ?? null,
        })),
        refundFeePolicy: request.body.refund_fee_policy,
      };
      const result = await payments.setFeePlan(request.params.id, plan);
      if (isFailure(result)) throw problemFromFailure(result);
      return request.body;
    },
  );

  const CreateRefund = Type.Object(
    { payment: Type.String({ maxLength: 40 }), amount: Type.Optional(AmountMinor), reason: Type.Optional(Type.String({ maxLength: 500 })) },
    { additionalProperties: false },
  );
  app.post(
    '/v1/refunds',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['refunds'],
        summary: 'Refund a payment, in full or in part; several refunds never exceed what was captured',
        headers: IdempotencyHeaders,
        body: CreateRefund,
        response: { 201: RefundView, 402: Type.Ref('Problem'), 409: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { payment, amount, reason } = request.body;
      if (amount !== undefined && !Number.isSafeInteger(amount))
        throw new ProblemError('amount_invalid', 'amount must be an integer of minor units');
      const result = await payments.refund(
        merchantIdOf(request),
        { paymentId: payment, amountMinor: amount === undefined ? undefined : BigInt(amount), reason },
        idempotencyKeyOf(request.headers),
      );
      if (isFailure(result)) throw problemFromFailure(result);
      return reply.code(201).send(refundView(result));
    },
  );

  app.get(
    '/v1/refunds',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['refunds'],
        querystring: Type.Object(
          { ...ListQuery.properties, payment: Type.Optional(Type.String({ maxLength: 40 })) },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(RefundView), ...problemResponses },
      },
    },
    async (request) => {
      const page = await payments.listRefunds(merchantIdOf(request), { ...request.query, paymentId: request.query.payment });
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, refundView);
    },
  );

  app.get(
    '/v1/refunds/:id',
    { config: { auth: 'merchant' }, schema: { tags: ['refunds'], params: IdParams, response: { 200: RefundView, ...problemResponses } } },
    async (request) => {
      const result = await payments.getRefund(merchantIdOf(request), request.params.id);
      if (isFailure(result)) throw problemFromFailure(result);
      return refundView(result);
    },
  );
}

/**
 * A retried confirm whose first try died with its process after confirming (issue 12): the
 * payment is no longer waiting for a method because that try claimed it. The retry answers what
 * the first try committed — the payment as it is — rather than 409 for good. Only for a retry that
 * took over the key (src/api/idempotency.ts), and only when the claim came after the key was first
 * reserved.
 */
async function confirmedByFirstTry(
  payments: PaymentServices,
  request: FastifyRequest,
  id: string,
  failure: string,
): Promise<Payment | undefined> {
  const retry = recoveredRetryOf(request);
  if (retry === undefined || failure !== 'payment_state_invalid') return undefined;
  const details = await payments.details(merchantIdOf(request), id);
  if (isFailure(details) || details.payment.status === 'canceled') return undefined;
  const claimed = details.timeline.some((t) => t.from === 'requires_payment_method' && t.to === 'processing' && t.at >= retry.reservedAt);
  return claimed ? details.payment : undefined;
}

/**
 * The buyer link of an escrow trade goes to the buyer only (issue 12): in the answer to the
 * confirm the buyer made at the hosted cashier (a checkout principal), once the trade is paid —
 * never in a merchant's answer or webhook, since the link's token confirms receipt and so
 * releases the money to the seller.
 */
async function buyerUrlOf(escrow: EscrowService | undefined, payment: Payment): Promise<string | undefined> {
  const tradeId = payment.metadata.escrow;
  if (escrow === undefined || tradeId === undefined || (payment.status !== 'succeeded' && payment.status !== 'requires_capture'))
    return undefined;
  const trade = await escrow.get({ kind: 'operator' }, tradeId);
  return isFailure(trade) || trade.paymentId !== payment.id ? undefined : escrow.buyerLink(trade).url;
}
