import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { merchantIdOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { idempotencyKeyOf } from '../idempotency.js';
import { apiKeyView, ApiKeyView, merchantView, MerchantView } from '../presenters.js';
import { Currency, IdempotencyHeaders, problemResponses } from '../schemas.js';
import { problemFromFailure } from '../problems.js';

const CreateMerchant = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
    settlement_currency: Currency,
    city: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'where the merchant trades (EMV QR tag 60)' })),
  },
  { additionalProperties: false },
);

export function registerMerchantRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { parties } = services;

  app.post(
    '/v1/merchants',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['merchants'],
        summary: 'Onboard a merchant (operator); returns its first test secret key, shown once',
        headers: IdempotencyHeaders,
        body: CreateMerchant,
        response: { 201: Type.Intersect([MerchantView, Type.Object({ api_key: ApiKeyView })]), ...problemResponses },
      },
    },
    async (request, reply) => {
      const key = idempotencyKeyOf(request.headers);
      const result = await parties.createMerchant(
        {
          name: request.body.name,
          country: request.body.country,
          settlementCurrency: request.body.settlement_currency,
          city: request.body.city,
        },
        key === undefined ? undefined : { scope: 'operator/merchants', key },
      );
      if (isFailure(result)) throw problemFromFailure(result);
      return reply.code(201).send({ ...merchantView(result.merchant), api_key: apiKeyView(result.apiKey, result.secretKey) });
    },
  );

  app.get(
    '/v1/account',
    {
      config: { auth: 'merchant' },
      schema: { tags: ['merchants'], summary: 'The calling merchant itself', response: { 200: MerchantView, ...problemResponses } },
    },
    async (request) => {
      const id = merchantIdOf(request);
      const merchant = await parties.getMerchant(id);
      if (merchant === undefined) throw problemFromFailure({ failure: 'merchant_not_found', detail: `no merchant ${id}` });
      return merchantView(merchant);
    },
  );

  app.get(
    '/v1/merchants/:id',
    {
      config: { auth: 'operator' },
      schema: { tags: ['merchants'], params: Type.Object({ id: Type.String() }), response: { 200: MerchantView, ...problemResponses } },
    },
    async (request) => {
      const merchant = await parties.getMerchant(request.params.id);
      if (merchant === undefined) throw problemFromFailure({ failure: 'merchant_not_found', detail: `no merchant ${request.params.id}` });
      return merchantView(merchant);
    },
  );

  app.post(
    '/v1/merchants/:id/api_keys',
    {
      config: { auth: 'operator' },
      // No body at all is the old call (a test key): validated as an empty object.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      schema: {
        tags: ['merchants'],
        summary: 'Issue another secret key (shown once); mode live for a live key (test clocks refuse it)',
        headers: IdempotencyHeaders,
        params: Type.Object({ id: Type.String() }),
        body: Type.Object(
          { mode: Type.Optional(Type.Union([Type.Literal('test'), Type.Literal('live')])) },
          { additionalProperties: false },
        ),
        response: { 201: ApiKeyView, ...problemResponses },
      },
    },
    async (request, reply) => {
      const result = await parties.createApiKey(request.params.id, request.body?.mode ?? 'test');
      if (isFailure(result)) throw problemFromFailure(result);
      return reply.code(201).send(apiKeyView(result.apiKey, result.secretKey));
    },
  );

  app.post(
    '/v1/merchants/:id/api_keys/:keyId/revoke',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['merchants'],
        summary: 'Revoke a secret key at once',
        headers: IdempotencyHeaders,
        params: Type.Object({ id: Type.String(), keyId: Type.String() }),
        response: { 200: ApiKeyView, ...problemResponses },
      },
    },
    async (request) => {
      const result = await parties.revokeApiKey(request.params.id, request.params.keyId);
      if (isFailure(result)) throw problemFromFailure(result);
      return apiKeyView(result, null);
    },
  );

  app.post(
    '/v1/merchants/:id/suspend',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['merchants'],
        headers: IdempotencyHeaders,
        params: Type.Object({ id: Type.String() }),
        response: { 200: MerchantView, ...problemResponses },
      },
    },
    async (request) => {
      const result = await parties.setMerchantStatus(request.params.id, 'suspended');
      if (isFailure(result)) throw problemFromFailure(result);
      return merchantView(result);
    },
  );
}
