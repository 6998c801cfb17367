import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { isFailure } from '../../core/index.js';
import type { CustomsDeclaration, CustomsService } from '../../customs/index.js';
import { merchantIdOf } from '../auth.js';
import {
  BopRecordView,
  bopRecordView,
  CustomsDeclarationView,
  customsDeclarationView,
  CustomsRegistrationView,
  customsRegistrationView,
  ExportTradeView,
  exportTradeView,
} from '../presenters/customs.js';
import { IdempotencyHeaders, ListOf, ListQuery, problemResponses } from '../schemas.js';
import { isProblemCode, ProblemError } from '../problems.js';

/**
 * Customs declarations (docs/customs.md): the merchant's customs registration per office, the
 * declaration of a succeeded payment (Alipay's trade.customs.declare / WeChat's declare shape),
 * its history, modification and re-push; the receipts customs pushes.
 */
const IdParams = Type.Object({ id: Type.String({ maxLength: 40 }) });
const receiptBytesMax = 256 * 1024;

function problemFromFailure(failure: { failure: string; detail: string }): ProblemError {
  return new ProblemError(isProblemCode(failure.failure) ? failure.failure : 'internal_error', failure.detail);
}

function listView<T, V>(page: { data: T[]; hasMore: boolean; nextCursor: string | null }, view: (item: T) => V) {
  return { object: 'list' as const, data: page.data.map(view), has_more: page.hasMore, next_cursor: page.nextCursor };
}

const Declare = Type.Object(
  {
    payment: Type.String({ maxLength: 40 }),
    customs_office: Type.String({ maxLength: 8, description: 'The 4-digit customs office code, e.g. 0101' }),
    order_no: Type.String({ minLength: 1, maxLength: 60, description: "The platform's order number (CEB311 orderNo)" }),
    sub_order_no: Type.Optional(Type.String({ minLength: 1, maxLength: 60, description: 'A split: this sub-order only' })),
    amount: Type.Optional(Type.Integer({ minimum: 1, maximum: 999_999_999_999, description: "A sub-order's share, CNY fen" })),
    payer: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 60 }),
        id_type: Type.Literal('resident_id', { description: 'customs payerIdType 1: the PRC resident identity card' }),
        id_number: Type.String({ minLength: 1, maxLength: 40 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export function registerCustomsRoutes(fastify: FastifyInstance, services: { customs: CustomsService }): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { customs } = services;
  const answer = (result: CustomsDeclaration | { failure: string; detail: string }) => {
    if (isFailure(result)) throw problemFromFailure(result);
    return customsDeclarationView(result);
  };

  app.post(
    '/v1/customs/registrations',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['customs'],
        summary: "The platform's customs codes at one customs office (created, or replaced)",
        body: Type.Object(
          {
            customs_office: Type.String({ maxLength: 8, description: 'The 4-digit customs office code, e.g. 0101' }),
            ebp_code: Type.String({ maxLength: 18 }),
            ebp_name: Type.String({ maxLength: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: CustomsRegistrationView, ...problemResponses },
      },
    },
    async (request) => {
      const result = await customs.register(merchantIdOf(request), {
        customsOffice: request.body.customs_office,
        ebpCode: request.body.ebp_code,
        ebpName: request.body.ebp_name,
      });
      if (isFailure(result)) throw problemFromFailure(result);
      return customsRegistrationView(result);
    },
  );

  app.get(
    '/v1/customs/registrations',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['customs'],
        summary: "The merchant's customs registrations",
        response: { 200: Type.Object({ data: Type.Array(CustomsRegistrationView) }), ...problemResponses },
      },
    },
    async (request) => ({ data: (await customs.registrations(merchantIdOf(request))).map(customsRegistrationView) }),
  );

  app.post(
    '/v1/customs_declarations',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['customs'],
        summary: 'Declare a succeeded payment to customs (CEB411); idempotent per (payment, office, sub-order)',
        headers: IdempotencyHeaders,
        body: Declare,
        response: { 200: CustomsDeclarationView, 201: CustomsDeclarationView, ...problemResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await customs.declare(merchantIdOf(request), {
        paymentId: b.payment,
        customsOffice: b.customs_office,
        orderNo: b.order_no,
        subOrderNo: b.sub_order_no,
        amountMinor: b.amount === undefined ? undefined : BigInt(b.amount),
        payer: { name: b.payer.name, idType: b.payer.id_type, idNumber: b.payer.id_number },
      });
      if (isFailure(result)) throw problemFromFailure(result);
      return reply.code(result.replayed ? 200 : 201).send(customsDeclarationView(result.declaration));
    },
  );

  app.get(
    '/v1/customs_declarations',
    {
      config: { auth: 'any' },
      schema: {
        tags: ['customs'],
        summary: "A merchant's declarations; with the operator key, everyone's (e.g. ?status=returned)",
        querystring: Type.Object(
          {
            ...ListQuery.properties,
            status: Type.Optional(Type.String({ maxLength: 20 })),
            payment: Type.Optional(Type.String({ maxLength: 40 })),
            order_no: Type.Optional(Type.String({ maxLength: 60 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(CustomsDeclarationView), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const operator = request.principal?.type === 'operator';
      const page = await customs.list(operator ? undefined : merchantIdOf(request), {
        limit: q.limit,
        cursor: q.cursor,
        status: q.status,
        paymentId: q.payment,
        orderNo: q.order_no,
      });
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, (d) => (operator ? { ...customsDeclarationView(d), merchant: d.merchantId } : customsDeclarationView(d)));
    },
  );

  app.get(
    '/v1/customs_declarations/:id',
    {
      config: { auth: 'any' },
      schema: {
        tags: ['customs'],
        summary: 'A declaration with its status history',
        params: IdParams,
        response: { 200: CustomsDeclarationView, ...problemResponses },
      },
    },
    async (request) => {
      const operator = request.principal?.type === 'operator';
      const found = await customs.get(operator ? undefined : merchantIdOf(request), request.params.id);
      if (isFailure(found)) throw problemFromFailure(found);
      return operator ? { ...customsDeclarationView(found), merchant: found.merchantId } : customsDeclarationView(found);
    },
  );

  app.post(
    '/v1/customs_declarations/:id/modify',
    {
      config: { auth: 'merchant' },
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['customs'],
        summary: 'Modify (appType 2) and re-push, or re-push unchanged; allowed once customs answered',
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Type.Object({ order_no: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })) }, { additionalProperties: false }),
        response: { 200: CustomsDeclarationView, ...problemResponses },
      },
    },
    async (request) => answer(await customs.modify(merchantIdOf(request), request.params.id, { orderNo: request.body.order_no })),
  );

  // Customs pushes receipts as signed XML; the signature (customs' key) is what authenticates them.
  void app.register(async (scope) => {
    scope.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string', bodyLimit: receiptBytesMax }, (_request, body, done) =>
      done(null, body),
    );
    scope.post(
      '/v1/customs/receipts',
      {
        config: { auth: 'none', rawBody: true },
        schema: {
          tags: ['customs'],
          summary: 'Where customs pushes receipts (CEB412, signed XML)',
          response: { 200: Type.Object({ outcome: Type.String() }) },
        },
      },
      async (request) => ({ outcome: await customs.acceptReceipt(typeof request.body === 'string' ? request.body : '') }),
    );
  });

  app.get(
    '/v1/customs/single_window',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['customs'],
        summary: 'Where Hutong sends CEB messages (and, with the sandbox, where the platform and the carrier listen)',
        response: {
          200: Type.Object({
            url: Type.Union([Type.String(), Type.Null()]),
            sandbox_partners_url: Type.Union([Type.String(), Type.Null()]),
            pay_code: Type.String(),
          }),
          ...problemResponses,
        },
      },
    },
    async () => ({
      url: customs.endpoints?.singleWindowUrl ?? null,
      sandbox_partners_url: customs.endpoints?.sandboxPartnersUrl ?? null,
      pay_code: customs.settings.payCode,
    }),
  );

  app.post(
    '/v1/customs/payment_data_queries',
    {
      config: { auth: 'none' },
      schema: {
        tags: ['customs'],
        summary: "Customs' query for the raw payment record of an order (signed by customs; the answer is signed by Hutong)",
        body: Type.Object(
          {
            orderNo: Type.String({ minLength: 1, maxLength: 60 }),
            sessionID: Type.String({ minLength: 1, maxLength: 64 }),
            serviceTime: Type.String({ minLength: 1, maxLength: 20 }),
            signValue: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const answer = await customs.answerRawDataQuery(request.body);
      if (isFailure(answer)) throw problemFromFailure(answer);
      return answer;
    },
  );

  app.post(
    '/v1/customs/receipts/poll',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['customs'],
        summary: 'Poll customs for receipts now (the worker does it every few seconds)',
        response: { 200: Type.Object({ applied: Type.Integer() }), ...problemResponses },
      },
    },
    async () => ({ applied: await customs.pollReceipts() }),
  );

  // The export side (docs/customs.md "Export"): order and shipment of a payment from abroad, its
  // authenticity, the balance-of-payments records.
  const Shipment = Type.Object(
    {
      carrier: Type.String({ minLength: 1, maxLength: 60, description: "The carrier's code" }),
      waybill_no: Type.String({ minLength: 1, maxLength: 60 }),
      destination_country: Type.String({ minLength: 2, maxLength: 2, description: 'ISO 3166 alpha-2' }),
      shipped_at: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601; default now' })),
    },
    { additionalProperties: false },
  );
  const shipmentOf = (s: { carrier: string; waybill_no: string; destination_country: string; shipped_at?: string }) => ({
    carrier: s.carrier,
    waybillNo: s.waybill_no,
    destinationCountry: s.destination_country,
    shippedAt: s.shipped_at,
  });
  const PaymentParams = Type.Object({ payment: Type.String({ maxLength: 40 }) });

  app.post(
    '/v1/customs/export_trades',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['customs'],
        summary: 'The order (and, if shipped, the shipment) of an export payment; records its balance-of-payments record',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            payment: Type.String({ maxLength: 40 }),
            order_no: Type.String({ minLength: 1, maxLength: 60 }),
            shipment: Type.Optional(Shipment),
          },
          { additionalProperties: false },
        ),
        response: { 200: ExportTradeView, 201: ExportTradeView, ...problemResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await customs.recordExport(merchantIdOf(request), {
        paymentId: b.payment,
        orderNo: b.order_no,
        shipment: b.shipment === undefined ? undefined : shipmentOf(b.shipment),
      });
      if (isFailure(result)) throw problemFromFailure(result);
      return reply.code(result.created ? 201 : 200).send(exportTradeView(result.trade));
    },
  );

  app.post(
    '/v1/customs/export_trades/:payment/shipment',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['customs'],
        summary: 'Attach (or replace) the shipment of an export payment: carrier, waybill, destination',
        headers: IdempotencyHeaders,
        params: PaymentParams,
        body: Shipment,
        response: { 200: ExportTradeView, ...problemResponses },
      },
    },
    async (request) => {
      const result = await customs.attachShipment(merchantIdOf(request), request.params.payment, shipmentOf(request.body));
      if (isFailure(result)) throw problemFromFailure(result);
      return exportTradeView(result);
    },
  );

  app.get(
    '/v1/customs/export_trades',
    {
      config: { auth: 'any' },
      schema: {
        tags: ['customs'],
        summary: "Export trades, newest first (?authenticity=flagged: the review queue); the operator's key sees everyone's",
        querystring: Type.Object(
          {
            authenticity: Type.Optional(Type.Union([Type.Literal('matched'), Type.Literal('awaiting_shipment'), Type.Literal('flagged')])),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(ExportTradeView) }), ...problemResponses },
      },
    },
    async (request) => {
      const operator = request.principal?.type === 'operator';
      const trades = await customs.listExports(operator ? undefined : merchantIdOf(request), request.query);
      return {
        object: 'list' as const,
        data: trades.map((t) => (operator ? { ...exportTradeView(t), merchant: t.merchantId } : exportTradeView(t))),
      };
    },
  );

  app.get(
    '/v1/customs/export_trades/:payment',
    {
      config: { auth: 'any' },
      schema: {
        tags: ['customs'],
        summary: 'One export trade',
        params: PaymentParams,
        response: { 200: ExportTradeView, ...problemResponses },
      },
    },
    async (request) => {
      const operator = request.principal?.type === 'operator';
      const found = await customs.getExport(operator ? undefined : merchantIdOf(request), request.params.payment);
      if (isFailure(found)) throw problemFromFailure(found);
      return operator ? { ...exportTradeView(found), merchant: found.merchantId } : exportTradeView(found);
    },
  );

  app.get(
    '/v1/customs/bop_records',
    {
      config: { auth: 'any' },
      schema: {
        tags: ['customs'],
        summary: "One day's balance-of-payments records of cross-border receipts (?format=csv: the file)",
        querystring: Type.Object(
          {
            date: Type.Optional(Type.String({ minLength: 10, maxLength: 10, description: 'yyyy-mm-dd, China time; default today' })),
            format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Union([
            Type.Object({ object: Type.Literal('list'), data: Type.Array(BopRecordView) }),
            Type.String({ description: 'CSV' }),
          ]),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const operator = request.principal?.type === 'operator';
      const records = await customs.bopRecords(operator ? undefined : merchantIdOf(request), request.query.date);
      if (isFailure(records)) throw problemFromFailure(records);
      if (request.query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="bop-${records[0]?.recordedOn ?? request.query.date ?? 'today'}.csv"`)
          .send(customs.bopCsv(records));
      return { object: 'list', data: records.map((r) => (operator ? { ...bopRecordView(r), merchant: r.merchantId } : bopRecordView(r))) };
    },
  );
}
