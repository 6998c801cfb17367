import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { merchantIdOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { balanceView, BalanceView } from '../presenters.js';
import { problemResponses } from '../schemas.js';

export function registerBalanceRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/balance',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['balance'],
        summary: "The calling merchant's balances, one per currency",
        response: { 200: Type.Object({ object: Type.Literal('balance'), data: Type.Array(BalanceView) }), ...problemResponses },
      },
    },
    async (request) => {
      const balances = await services.wallets.merchantBalances(merchantIdOf(request));
      return { object: 'balance' as const, data: balances.map(balanceView) };
    },
  );
}
