import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { fixedRateText, markupBpsMax, recordsCsv, type CrossBorderRecord, type Quote } from '../../fx/index.js';
import { isCurrencyCode, toJSONMinor } from '../../money/index.js';
import { merchantIdOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { idempotencyKeyOf } from '../idempotency.js';
import { ProblemError } from '../problems.js';
import { AmountMinor, Currency, IdempotencyHeaders, problemResponses, Timestamp } from '../schemas.js';
import { problemFromFailure } from '../problems.js';
import { PaymentView, paymentViewFor, ShopperPaymentView } from './payments.js';

const QuoteView = Type.Object({
  id: Type.String(),
  object: Type.Literal('fx_quote'),
  sell_currency: Currency,
  sell_amount: Type.Integer({ description: 'What the shopper pays, in sell_currency minor units' }),
  buy_currency: Currency,
  buy_amount: Type.Integer({ description: 'What the merchant is credited (before fees), in buy_currency minor units' }),
  rate: Type.String({
    description: 'Units of buy_currency per unit of sell_currency, markup included: buy_amount = round_half_up(sell_amount × rate)',
  }),
  mid_rate: Type.String({ description: "The feed's cross rate, before markup" }),
  markup_bps: Type.Integer(),
  rate_as_of: Timestamp,
  expires_at: Timestamp,
  created_at: Timestamp,
});

/** The offer as a cashier (checkout token) sees it: no mid rate, markup or rate date. */
const ShopperQuoteView = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('fx_quote'),
    sell_currency: Currency,
    sell_amount: Type.Integer(),
    buy_currency: Currency,
    buy_amount: Type.Integer(),
    rate: Type.String(),
    expires_at: Timestamp,
    created_at: Timestamp,
  },
  { additionalProperties: false },
);

function quoteView(q: Quote) {
  return {
    id: q.id,
    object: 'fx_quote' as const,
    sell_currency: q.sell.currency,
    sell_amount: toJSONMinor(q.sell),
    buy_currency: q.buy.currency,
    buy_amount: toJSONMinor(q.buy),
    rate: q.rate,
    mid_rate: q.midRate,
    markup_bps: q.markupBps,
    rate_as_of: q.rateAsOf,
    expires_at: q.expiresAt,
    created_at: q.createdAt,
  };
}

const RecordView = Type.Object({
  payment: Type.String(),
  merchant: Type.String(),
  merchant_name: Type.String(),
  merchant_country: Type.String(),
  direction: Type.String({ description: 'export: a foreign shopper pays this merchant; import: a cross-border retail import order' }),
  payer: Type.Object({
    customer: Type.Union([Type.String(), Type.Null()]),
    name: Type.Union([Type.String(), Type.Null()]),
    id_type: Type.Union([Type.String(), Type.Null()]),
    id_number_masked: Type.Union([Type.String(), Type.Null()]),
  }),
  presentment_currency: Currency,
  presentment_amount: Type.Integer(),
  settlement_currency: Currency,
  settlement_amount: Type.Integer(),
  rate: Type.Union([Type.String(), Type.Null()]),
  mid_rate: Type.Union([Type.String(), Type.Null()]),
  fx_margin: Type.Integer(),
  refunded_presentment: Type.Integer(),
  refunded_settlement: Type.Integer(),
  amount_cny: Type.Union([Type.Integer(), Type.Null()]),
  captured_at: Timestamp,
});

function recordView(r: CrossBorderRecord) {
  const p = (minor: bigint) => toJSONMinor({ minor, currency: r.presentment.currency });
  const s = (minor: bigint) => toJSONMinor({ minor, currency: r.settlement.currency });
  return {
    payment: r.paymentId,
    merchant: r.merchantId,
    merchant_name: r.merchantName,
    merchant_country: r.merchantCountry,
    direction: r.direction,
    payer: { customer: r.payer.customerId, name: r.payer.name, id_type: r.payer.idType, id_number_masked: r.payer.idNumberMasked },
    presentment_currency: r.presentment.currency,
    presentment_amount: p(r.presentment.minor),
    settlement_currency: r.settlement.currency,
    settlement_amount: s(r.settlement.minor),
    rate: r.rate,
    mid_rate: r.midRate,
    fx_margin: s(r.marginMinor),
    refunded_presentment: p(r.refundedPresentmentMinor),
    refunded_settlement: s(r.refundedSettlementMinor),
    amount_cny: r.amountCnyMinor === null ? null : toJSONMinor({ minor: r.amountCnyMinor, currency: 'CNY' }),
    captured_at: r.capturedAt,
  };
}

const RecordsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Captured at or after (ISO 8601)' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'Captured before (ISO 8601)' })),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ maxLength: 40 }) });

function isoOrUndefined(text: string | undefined, field: string): string | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new ProblemError('request_invalid', `${field} is not an ISO 8601 date-time`);
  return at.toISOString();
}

/** FX: rates, quotes, merchants' markups, the cashier's currency offer, cross-border records. */
export function registerFxRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { fx } = services;

  app.get(
    '/v1/fx/rates',
    {
      config: { auth: 'any' },
      schema: {
        tags: ['fx'],
        summary: 'The rates Hutong converts with, against their base (mid rates, before markup)',
        response: {
          200: Type.Object({
            base: Type.Union([Type.String(), Type.Null()]),
            loaded_at: Type.Union([Timestamp, Type.Null()]),
            stale_after_seconds: Type.Integer(),
            rates: Type.Array(Type.Object({ currency: Currency, rate: Type.String(), as_of: Timestamp, source: Type.String() })),
          }),
          ...problemResponses,
        },
      },
    },
    async () => {
      const held = fx.rates.list();
      return {
        base: held.base ?? null,
        loaded_at: held.loadedAt ?? null,
        stale_after_seconds: Math.round(fx.settings.staleAfterMs / 1000),
        rates: held.rates.map((r) => ({ currency: r.currency, rate: fixedRateText(r.rate), as_of: r.asOf, source: r.source })),
      };
    },
  );

  app.post(
    '/v1/fx/rates',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['fx'],
        summary: 'Load rates (operator): an ECB euro reference-rate XML document, CSV text, or a feed URL to fetch now',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            format: Type.Union([Type.Literal('ecb_xml'), Type.Literal('csv'), Type.Literal('url')]),
            content: Type.String({ minLength: 1, maxLength: 60_000 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ loaded: Type.Integer() }), ...problemResponses },
      },
    },
    async (request) => {
      const { format, content } = request.body;
      const result =
        format === 'ecb_xml'
          ? fx.loadEcbXml(content, 'operator')
          : format === 'csv'
            ? fx.loadCsv(content, 'operator')
            : await fx.fetchFeed(content);
      if (isFailure(result)) throw problemFromFailure(result);
      return result;
    },
  );

  const CreateQuote = Type.Object(
    {
      sell_currency: Currency,
      buy_currency: Currency,
      sell_amount: Type.Optional(AmountMinor),
      buy_amount: Type.Optional(AmountMinor),
    },
    {
      additionalProperties: false,
      description: 'Give sell_amount (what the shopper pays) or buy_amount (the price in your currency), not both',
    },
  );
  app.post(
    '/v1/fx/quotes',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['fx'],
        summary: 'Quote a conversion at your rate (mid + markup); a payment with this quote locks the rate until expires_at',
        headers: IdempotencyHeaders,
        body: CreateQuote,
        response: { 201: QuoteView, ...problemResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      for (const code of [b.sell_currency, b.buy_currency])
        if (!isCurrencyCode(code)) throw new ProblemError('currency_unsupported', `${code} is not a supported ISO 4217 currency`);
      const result = await fx.createQuote(
        merchantIdOf(request),
        {
          sellCurrency: b.sell_currency,
          buyCurrency: b.buy_currency,
          sellAmountMinor: b.sell_amount === undefined ? undefined : BigInt(b.sell_amount),
          buyAmountMinor: b.buy_amount === undefined ? undefined : BigInt(b.buy_amount),
        },
        idempotencyKeyOf(request.headers),
      );
      if (isFailure(result)) throw problemFromFailure(result);
      return reply.code(201).send(quoteView(result));
    },
  );

  app.get(
    '/v1/fx/quotes/:id',
    { config: { auth: 'merchant' }, schema: { tags: ['fx'], params: IdParams, response: { 200: QuoteView, ...problemResponses } } },
    async (request) => {
      const result = await fx.getQuote(merchantIdOf(request), request.params.id);
      if (isFailure(result)) throw problemFromFailure(result);
      return quoteView(result);
    },
  );

  const FxSettingsBody = Type.Object(
    {
      markup_bps: Type.Integer({ minimum: 0, maximum: markupBpsMax, description: 'Markup over the mid rate, in basis points (50 = 0.5%)' }),
    },
    { additionalProperties: false },
  );
  app.post(
    '/v1/merchants/:id/fx_settings',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['merchants'],
        summary: "Set a merchant's FX markup (operator)",
        headers: IdempotencyHeaders,
        params: IdParams,
        body: FxSettingsBody,
        response: { 200: FxSettingsBody, ...problemResponses },
      },
    },
    async (request) => {
      const result = await fx.setMarkup(request.params.id, request.body.markup_bps);
      if (isFailure(result)) throw problemFromFailure(result);
      return { markup_bps: result.markupBps };
    },
  );

  const Options = Type.Object({
    card: Type.Object({ bin: Type.String(), brand: Type.String(), country: Type.String(), currency: Currency }),
    payment: Type.Object({ amount: Type.Integer(), currency: Currency }),
    offer: Type.Union([QuoteView, ShopperQuoteView, Type.Null()], {
      description:
        "The price in the card's currency (null when the card bills in the payment's currency); POST /v1/payments/{id}/presentment with its id to accept",
    }),
  });
  app.get(
    '/v1/payments/:id/presentment_options',
    {
      config: { auth: 'merchant', checkout: true },
      schema: {
        tags: ['fx'],
        summary: "For the cashier: the card's issuer by BIN and the price in the shopper's currency",
        params: IdParams,
        querystring: Type.Object(
          { bin: Type.String({ pattern: '^[0-9]{6,8}$', description: 'The first 6 to 8 digits of the card number' }) },
          { additionalProperties: false },
        ),
        response: { 200: Options, ...problemResponses },
      },
    },
    async (request) => {
      const result = await fx.presentmentOptions(merchantIdOf(request), request.params.id, request.query.bin);
      if (isFailure(result)) throw problemFromFailure(result);
      const offer = result.quote === null ? null : quoteView(result.quote);
      // The shopper sees the price and the rate it pays at, not the merchant's markup over the mid rate.
      const shown =
        offer === null || request.principal?.type !== 'checkout'
          ? offer
          : {
              id: offer.id,
              object: offer.object,
              sell_currency: offer.sell_currency,
              sell_amount: offer.sell_amount,
              buy_currency: offer.buy_currency,
              buy_amount: offer.buy_amount,
              rate: offer.rate,
              expires_at: offer.expires_at,
              created_at: offer.created_at,
            };
      return { card: result.card, payment: { amount: toJSONMinor(result.payment), currency: result.payment.currency }, offer: shown };
    },
  );

  app.post(
    '/v1/payments/:id/presentment',
    {
      config: { auth: 'merchant', checkout: true },
      schema: {
        tags: ['fx'],
        summary: "The shopper pays in its own currency: switch an unpaid payment to a quote's amount (it settles in the original currency)",
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Type.Object({ quote: Type.String({ maxLength: 40 }) }, { additionalProperties: false }),
        response: { 200: Type.Union([PaymentView, ShopperPaymentView]), ...problemResponses },
      },
    },
    async (request) => {
      const merchantId = merchantIdOf(request);
      const payment = await services.payments.applyPresentment(merchantId, request.params.id, request.body.quote);
      if (isFailure(payment)) throw problemFromFailure(payment);
      return paymentViewFor(request.principal, payment);
    },
  );

  app.get(
    '/v1/customers/:id/import_allowance',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['fx'],
        summary: "The customer's cross-border import allowance this year (counted across all merchants, in CNY)",
        params: IdParams,
        response: {
          200: Type.Object({
            year: Type.Integer(),
            used_cny: Type.Integer(),
            remaining_cny: Type.Integer(),
            single_max_cny: Type.Integer(),
            annual_max_cny: Type.Integer(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const result = await fx.allowanceOf(merchantIdOf(request), request.params.id);
      if (isFailure(result)) throw problemFromFailure(result);
      const cny = (minor: bigint) => toJSONMinor({ minor, currency: 'CNY' });
      return {
        year: result.year,
        used_cny: cny(result.usedCnyMinor),
        remaining_cny: cny(result.remainingCnyMinor),
        single_max_cny: cny(result.singleMaxCnyMinor),
        annual_max_cny: cny(result.annualMaxCnyMinor),
      };
    },
  );

  app.get(
    '/v1/fx/records',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['fx'],
        summary: 'Your cross-border records (captured conversions and import orders)',
        querystring: RecordsQuery,
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(RecordView) }), ...problemResponses },
      },
    },
    async (request) => {
      const rows = await fx.records({
        merchantId: merchantIdOf(request),
        from: isoOrUndefined(request.query.from, 'from'),
        to: isoOrUndefined(request.query.to, 'to'),
        limit: 1000,
      });
      return { object: 'list' as const, data: rows.map(recordView) };
    },
  );

  app.get(
    '/v1/fx/records.csv',
    {
      config: { auth: 'any' },
      schema: {
        tags: ['fx'],
        summary:
          "Cross-border records as CSV for foreign-exchange reporting: a merchant key gets its own, the operator key every merchant's",
        querystring: RecordsQuery,
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      const merchantId = principal?.type === 'merchant' ? principal.merchantId : undefined;
      const rows = await fx.records({
        merchantId,
        from: isoOrUndefined(request.query.from, 'from'),
        to: isoOrUndefined(request.query.to, 'to'),
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="hutong-cross-border-records.csv"')
        .send(recordsCsv(rows));
    },
  );
}
