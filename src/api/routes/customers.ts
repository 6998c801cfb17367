import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { idTypes } from '../../parties/index.js';
import { amountFromBody } from '../amounts.js';
import { merchantIdOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { idempotencyKeyOf } from '../idempotency.js';
import { balanceView, BalanceView, customerView, CustomerView, listView, movementView, MovementView } from '../presenters.js';
import { AmountMinor, Currency, IdempotencyHeaders, ListOf, ListQuery, problemResponses } from '../schemas.js';
import { problemFromFailure } from '../problems.js';

const CreateCustomer = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Type.String({ maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' })),
    phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 -]{5,20}$' })),
    identity: Type.Optional(
      Type.Object(
        {
          type: Type.Union(idTypes.map((t) => Type.Literal(t))),
          number: Type.String({ minLength: 5, maxLength: 20, description: 'Stored encrypted; shown masked' }),
        },
        { additionalProperties: false, description: 'Real-name identity document' },
      ),
    ),
  },
  { additionalProperties: false },
);

const MoneyBody = Type.Object(
  { amount: AmountMinor, currency: Currency, description: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

const CustomerParams = Type.Object({ id: Type.String({ maxLength: 40 }) });

export function registerCustomerRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { parties, wallets } = services;

  app.post(
    '/v1/customers',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['customers'],
        headers: IdempotencyHeaders,
        body: CreateCustomer,
        response: { 201: CustomerView, ...problemResponses },
      },
    },
    async (request, reply) => {
      const merchantId = merchantIdOf(request);
      const key = idempotencyKeyOf(request.headers);
      const customer = await parties.createCustomer(
        merchantId,
        request.body,
        key === undefined ? undefined : { scope: `${merchantId}/customers`, key },
      );
      if (isFailure(customer)) throw problemFromFailure(customer);
      return reply.code(201).send(customerView(customer));
    },
  );

  app.get(
    '/v1/customers',
    {
      config: { auth: 'merchant' },
      schema: { tags: ['customers'], querystring: ListQuery, response: { 200: ListOf(CustomerView), ...problemResponses } },
    },
    async (request) => {
      const page = await parties.listCustomers(merchantIdOf(request), request.query);
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, customerView);
    },
  );

  app.get(
    '/v1/customers/:id',
    {
      config: { auth: 'merchant' },
      schema: { tags: ['customers'], params: CustomerParams, response: { 200: CustomerView, ...problemResponses } },
    },
    async (request) => {
      const customer = await parties.getCustomer(merchantIdOf(request), request.params.id);
      if (isFailure(customer)) throw problemFromFailure(customer);
      return customerView(customer);
    },
  );

  // Money into and out of a wallet: the same request shape, one service call each.
  const movements = [
    { path: 'top_ups', summary: "Credit the customer's wallet from the (sandbox) bank", run: wallets.topUp },
    { path: 'withdrawals', summary: "Pay wallet money out to the customer's bank account", run: wallets.withdraw },
  ] as const;
  for (const movement of movements) {
    app.post(
      `/v1/customers/:id/${movement.path}`,
      {
        config: { auth: 'merchant' },
        schema: {
          tags: ['wallets'],
          summary: movement.summary,
          headers: IdempotencyHeaders,
          params: CustomerParams,
          body: MoneyBody,
          response: { 201: MovementView, ...problemResponses },
        },
      },
      async (request, reply) => {
        const result = await movement.run(merchantIdOf(request), request.params.id, {
          amount: amountFromBody(request.body.amount, request.body.currency),
          description: request.body.description,
          idempotencyKey: idempotencyKeyOf(request.headers),
        });
        if (isFailure(result)) throw problemFromFailure(result);
        return reply.code(201).send(movementView(result));
      },
    );
  }

  app.get(
    '/v1/customers/:id/balances',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['wallets'],
        params: CustomerParams,
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(BalanceView) }), ...problemResponses },
      },
    },
    async (request) => {
      const balances = await wallets.customerBalances(merchantIdOf(request), request.params.id);
      if (isFailure(balances)) throw problemFromFailure(balances);
      return { object: 'list' as const, data: balances.map(balanceView) };
    },
  );

  app.get(
    '/v1/customers/:id/transfers',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['wallets'],
        params: CustomerParams,
        querystring: ListQuery,
        response: { 200: ListOf(MovementView), ...problemResponses },
      },
    },
    async (request) => {
      const merchantId = merchantIdOf(request);
      const customer = await parties.getCustomer(merchantId, request.params.id);
      if (isFailure(customer)) throw problemFromFailure(customer);
      const page = await wallets.listMovements(merchantId, { ...request.query, customerId: customer.id });
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, movementView);
    },
  );
}
