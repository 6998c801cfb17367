import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { amountFromBody } from '../amounts.js';
import { merchantIdOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { idempotencyKeyOf } from '../idempotency.js';
import { listView, movementView, MovementView } from '../presenters.js';
import { AmountMinor, Currency, IdempotencyHeaders, ListOf, ListQuery, problemResponses } from '../schemas.js';
import { problemFromFailure } from '../problems.js';

const CreateTransfer = Type.Object(
  {
    source: Type.String({ maxLength: 40, description: 'The paying customer (cus_…)' }),
    destination: Type.String({ maxLength: 40, description: 'Another customer of yours (cus_…) or your own merchant id (mer_…)' }),
    amount: AmountMinor,
    currency: Currency,
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export function registerTransferRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { wallets } = services;

  app.post(
    '/v1/transfers',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['wallets'],
        summary: 'Move wallet money; never overdraws the source',
        headers: IdempotencyHeaders,
        body: CreateTransfer,
        response: { 201: MovementView, ...problemResponses },
      },
    },
    async (request, reply) => {
      const movement = await wallets.transfer(merchantIdOf(request), {
        sourceId: request.body.source,
        destinationId: request.body.destination,
        amount: amountFromBody(request.body.amount, request.body.currency),
        description: request.body.description,
        idempotencyKey: idempotencyKeyOf(request.headers),
      });
      if (isFailure(movement)) throw problemFromFailure(movement);
      return reply.code(201).send(movementView(movement));
    },
  );

  app.get(
    '/v1/transfers',
    {
      config: { auth: 'merchant' },
      schema: { tags: ['wallets'], querystring: ListQuery, response: { 200: ListOf(MovementView), ...problemResponses } },
    },
    async (request) => {
      const page = await wallets.listMovements(merchantIdOf(request), request.query);
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, movementView);
    },
  );

  app.get(
    '/v1/transfers/:id',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['wallets'],
        params: Type.Object({ id: Type.String({ maxLength: 40 }) }),
        response: { 200: MovementView, ...problemResponses },
      },
    },
    async (request) => {
      const movement = await wallets.getMovement(merchantIdOf(request), request.params.id);
      if (isFailure(movement)) throw problemFromFailure(movement);
      return movementView(movement);
    },
  );
}
