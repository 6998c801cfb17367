import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import QRCode from 'qrcode';
import { switchSignatureHeader, type InteropService } from '../../interop/index.js';
import { merchantIdOf } from '../auth.js';
import { idempotencyKeyOf } from '../idempotency.js';
import {
  collectionCodeOrderDetailView,
  collectionCodeRefundView,
  collectionCodeView,
  CollectionCodeView,
  decodedQrView,
  DecodedQrView,
} from '../presenters/interop.js';
import { isProblemCode, ProblemError } from '../problems.js';
import { AmountMinor, Currency, IdempotencyHeaders, problemResponses } from '../schemas.js';

/** EMV MPM payloads are at most 512 characters; CPM base64 of 1 KB is about 1,400. */
const payloadCharsMax = 1400;

const DecodeBody = Type.Object(
  {
    payload: Type.String({ minLength: 1, maxLength: payloadCharsMax, description: 'The text a QR code or bar code carries' }),
    mode: Type.Optional(
      Type.Union([Type.Literal('strict'), Type.Literal('lenient')], {
        description: 'strict (default): a code that breaks any rule is refused, each violation named; lenient: read what can be read',
      }),
    ),
  },
  { additionalProperties: false },
);

const CreateCollectionCode = Type.Object(
  {
    kind: Type.Union([Type.Literal('static'), Type.Literal('dynamic')]),
    currency: Currency,
    amount: Type.Optional(AmountMinor),
    merchant_order_id: Type.Optional(Type.String({ minLength: 1, maxLength: 25, pattern: '^[\\x21-\\x7e]+$' })),
    expires_in_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    merchant_category_code: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
    merchant_name: Type.Optional(Type.String({ minLength: 1, maxLength: 60, description: 'Romanised into tag 59 (≤ 25 characters)' })),
    merchant_name_local: Type.Optional(Type.String({ minLength: 1, maxLength: 25, description: 'Tag 64, e.g. the Chinese name' })),
    city: Type.String({ minLength: 1, maxLength: 40, description: 'Romanised into tag 60 (≤ 15 characters)' }),
    bill_number: Type.Optional(Type.String({ minLength: 1, maxLength: 25 })),
    store_label: Type.Optional(Type.String({ minLength: 1, maxLength: 25 })),
    terminal_label: Type.Optional(Type.String({ minLength: 1, maxLength: 25 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ maxLength: 40 }) });

export function registerInteropRoutes(fastify: FastifyInstance, services: { interop: InteropService }): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { interop } = services;

  app.post(
    '/v1/qr_codes/decode',
    {
      config: { auth: 'merchant' },
      schema: {
        summary: 'Decode an EMV QR code (MPM or CPM) or a payment code, naming every violation of the standard',
        tags: ['interop'],
        body: DecodeBody,
        response: { 200: DecodedQrView, ...problemResponses },
      },
    },
    async (request) => {
      const result = interop.decode(request.body.payload, request.body.mode ?? 'strict');
      if (!isFailure(result)) return decodedQrView(result);
      if ('violations' in result) {
        throw new ProblemError(
          'qr_code_invalid',
          result.detail,
          result.violations.map((v) => ({ field: v.field, message: `${v.code}: ${v.message}` })),
        );
      }
      throw new ProblemError(isProblemCode(result.failure) ? result.failure : 'internal_error', result.detail);
    },
  );

  const fail = (result: { failure: string; detail: string }) =>
    new ProblemError(isProblemCode(result.failure) ? result.failure : 'internal_error', result.detail);

  app.post(
    '/v1/collection_codes',
    {
      config: { auth: 'merchant' },
      schema: {
        summary: 'Create a collection code (EMV MPM) any participant of the switch can pay',
        tags: ['interop'],
        headers: IdempotencyHeaders,
        body: CreateCollectionCode,
        response: { 201: CollectionCodeView, 403: Type.Ref('Problem'), 409: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await interop.createCollectionCode(merchantIdOf(request), {
        kind: body.kind,
        currency: body.currency,
        amountMinor: body.amount === undefined ? undefined : BigInt(body.amount),
        merchantOrderId: body.merchant_order_id,
        expiresInMs: body.expires_in_seconds === undefined ? undefined : body.expires_in_seconds * 1000,
        description: body.description,
        mcc: body.merchant_category_code,
        merchantName: body.merchant_name,
        merchantNameLocal: body.merchant_name_local,
        city: body.city,
        billNumber: body.bill_number,
        storeLabel: body.store_label,
        terminalLabel: body.terminal_label,
        idempotencyKey: idempotencyKeyOf(request.headers),
      });
      if (isFailure(result)) throw fail(result);
      return reply.code(201).send(collectionCodeView(result));
    },
  );

  app.get(
    '/v1/collection_codes/:id',
    {
      config: { auth: 'merchant' },
      schema: {
        summary: 'A collection code',
        tags: ['interop'],
        params: IdParams,
        response: { 200: CollectionCodeView, ...problemResponses },
      },
    },
    async (request) => {
      const result = await interop.getCollectionCode(merchantIdOf(request), request.params.id);
      if (isFailure(result)) throw fail(result);
      return collectionCodeView(result);
    },
  );

  for (const format of ['svg', 'png'] as const) {
    app.get(
      `/v1/collection_codes/:id/qr.${format}`,
      {
        config: { auth: 'merchant' },
        schema: { summary: `The code as a ${format.toUpperCase()} for printing`, tags: ['interop'], params: IdParams },
      },
      async (request, reply) => {
        const result = await interop.getCollectionCode(merchantIdOf(request), request.params.id);
        if (isFailure(result)) throw fail(result);
        // Error correction M, as printed merchant codes use; the quiet zone is the standard's 4 modules.
        const options = { errorCorrectionLevel: 'M' as const, margin: 4 };
        if (format === 'svg') return reply.type('image/svg+xml').send(await QRCode.toString(result.payload, { ...options, type: 'svg' }));
        return reply.type('image/png').send(await QRCode.toBuffer(result.payload, { ...options, type: 'png', scale: 8 }));
      },
    );
  }

  app.post(
    '/v1/customers/:id/payment_codes',
    {
      config: { auth: 'merchant' },
      schema: {
        summary: "A one-time payment code for the customer's Hutong wallet (any participant's till takes it through the switch)",
        tags: ['interop'],
        params: IdParams,
        body: Type.Object({ currency: Currency }, { additionalProperties: false }),
        response: {
          201: Type.Object({
            id: Type.String(),
            object: Type.Literal('payment_code'),
            customer: Type.String(),
            currency: Type.String(),
            code: Type.String({ description: 'Shown once; Hutong keeps only its digest' }),
            expires_at: Type.String(),
            created_at: Type.String(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const result = await interop.issuePaymentCode(merchantIdOf(request), request.params.id, request.body.currency);
      if (isFailure(result)) throw fail(result);
      return reply.code(201).send({
        id: result.id,
        object: 'payment_code' as const,
        customer: result.customerId,
        currency: result.currency,
        code: result.code,
        expires_at: result.expiresAt,
        created_at: result.createdAt,
      });
    },
  );

  app.get(
    '/v1/interop/switch',
    {
      config: { auth: 'merchant' },
      schema: {
        summary: 'The interconnection switch Hutong is a participant of, and its participants',
        tags: ['interop'],
        response: {
          200: Type.Object({
            object: Type.Literal('interop_switch'),
            url: Type.Union([Type.String(), Type.Null()]),
            participants: Type.Array(
              Type.Object({ id: Type.String(), name: Type.String(), institution_id: Type.String(), guids: Type.Array(Type.String()) }),
            ),
          }),
          ...problemResponses,
        },
      },
    },
    async () => {
      const info = interop.switchInfo();
      return {
        object: 'interop_switch' as const,
        url: info.url ?? null,
        participants: info.participants.map((p) => ({ id: p.id, name: p.name, institution_id: p.institutionId, guids: [...p.guids] })),
      };
    },
  );

  app.get(
    '/v1/operator/interop/clearing',
    {
      config: { auth: 'operator' },
      schema: {
        summary:
          "A day's clearing with the switch: Hutong's positions per participant, reconciliation of the switch's file, the zero-sum proof",
        tags: ['interop'],
        querystring: Type.Object({ date: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }) }),
      },
    },
    async (request) => {
      const report = await interop.clearDay(request.query.date);
      if (isFailure(report)) throw fail(report);
      return {
        object: 'interop_clearing' as const,
        date: report.date,
        positions: report.positions.map((p) => ({
          institution: p.institution,
          currency: p.currency,
          receivable: Number(p.receivableMinor),
          payable: Number(p.payableMinor),
          net: Number(p.receivableMinor - p.payableMinor),
        })),
        matched: report.matched,
        exceptions: report.exceptions,
        participant_nets: report.participantNets.map((n) => ({
          institution: n.institution,
          currency: n.currency,
          net: Number(n.netMinor),
        })),
        zero_sum: report.zeroSum,
      };
    },
  );

  app.post(
    '/v1/scans',
    {
      config: { auth: 'merchant' },
      schema: {
        summary: "A Hutong wallet user pays a scanned collection code of any participant (the phone app's confirm step)",
        tags: ['interop'],
        body: Type.Object(
          {
            customer: Type.String({ maxLength: 40 }),
            payload: Type.String({ minLength: 1, maxLength: payloadCharsMax }),
            amount: Type.Optional(AmountMinor),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const result = await interop.scan(merchantIdOf(request), {
        customerId: request.body.customer,
        payload: request.body.payload,
        amountMinor: request.body.amount === undefined ? undefined : BigInt(request.body.amount),
      });
      if (isFailure(result)) throw fail(result);
      return reply.code(201).send({
        id: result.id,
        object: 'scan' as const,
        customer: result.customerId,
        status: result.status,
        payee_institution: result.payeeInstitution,
        merchant_name: result.merchantName,
        currency: result.currency,
        amount: Number(result.amountMinor),
        switch_reference: result.switchReference,
        created_at: result.createdAt,
      });
    },
  );

  app.get(
    '/v1/collection_code_payments/:id',
    {
      config: { auth: 'merchant' },
      schema: { summary: 'A payment of a collection code through the switch, with its refunds', tags: ['interop'], params: IdParams },
    },
    async (request) => {
      const result = await interop.getCodeOrder(merchantIdOf(request), request.params.id);
      if (isFailure(result)) throw fail(result);
      return collectionCodeOrderDetailView(result);
    },
  );

  app.post(
    '/v1/collection_code_payments/:id/refunds',
    {
      config: { auth: 'merchant' },
      schema: {
        summary: "Refund a collection-code payment, in full or in part, back through the switch to the payer's wallet",
        tags: ['interop'],
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Type.Object(
          {
            amount: Type.Optional(AmountMinor),
            reason: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { amount, reason } = request.body;
      if (amount !== undefined && !Number.isSafeInteger(amount))
        throw new ProblemError('amount_invalid', 'amount must be an integer of minor units');
      const result = await interop.refundCodeOrder(merchantIdOf(request), request.params.id, {
        amountMinor: amount === undefined ? undefined : BigInt(amount),
        reason,
        idempotencyKey: idempotencyKeyOf(request.headers),
      });
      if (isFailure(result)) throw fail(result);
      // 201 once the switch answered; 202 while the answer is unknown (the sweep resolves it).
      return reply.code(result.status === 'pending' ? 202 : 201).send(collectionCodeRefundView(result));
    },
  );

  app.get(
    '/v1/scans/:id',
    {
      config: { auth: 'merchant' },
      schema: {
        summary: "A Hutong wallet user's scan; a pending one is asked about at the switch first (paid or closed, never both)",
        tags: ['interop'],
        params: IdParams,
      },
    },
    async (request) => {
      const result = await interop.getScan(merchantIdOf(request), request.params.id);
      if (isFailure(result)) throw fail(result);
      return {
        id: result.id,
        object: 'scan' as const,
        customer: result.customerId,
        status: result.status,
        payee_institution: result.payeeInstitution,
        merchant_name: result.merchantName,
        currency: result.currency,
        amount: Number(result.amountMinor),
        switch_reference: result.switchReference,
        failure_reason: result.failureReason,
        created_at: result.createdAt,
      };
    },
  );

  // The switch calls here. No API key: its signature over the raw bytes is the credential, so this
  // scope keeps bodies as the exact text that arrived.
  void fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => done(null, body));
    scope.post('/v1/interop/switch/messages', { schema: { hide: true }, config: { rawBody: true } }, async (request, reply) => {
      const signature = request.headers[switchSignatureHeader];
      const result = await interop.receiveSwitchMessage(
        typeof request.body === 'string' ? request.body : '',
        typeof signature === 'string' ? signature : undefined,
      );
      if (isFailure(result)) throw fail(result);
      return reply.code(200).type('application/json').header(switchSignatureHeader, result.signature).send(result.body);
    });
  });
}
