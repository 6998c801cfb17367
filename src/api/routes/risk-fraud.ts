import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { ruleActions } from '../../risk/index.js';
import type { ApiServices } from '../context.js';
import { backtestView, decisionView, reviewView, ruleView } from '../presenters/risk.js';
import { problemResponses } from '../schemas.js';
import { isProblemCode, ProblemError } from '../problems.js';

/** Fraud rules, decisions, review holds, block/allow lists and backtests (issue 16, docs/risk.md "Fraud rules"). */
const Action = Type.Union(ruleActions.map((a) => Type.Literal(a)));
const Status = Type.Union([Type.Literal('draft'), Type.Literal('enabled'), Type.Literal('disabled')]);
const FailMode = Type.Union([Type.Literal('open'), Type.Literal('closed')]);
const Conditions = Type.Object({}, { additionalProperties: true, description: 'json-rules-engine conditions (all / any / not)' });
const Open = (description: string) => ({ 200: Type.Object({}, { additionalProperties: true, description }), ...problemResponses });
const NewRuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    action: Action,
    conditions: Conditions,
    status: Type.Optional(Status),
    fail_mode: Type.Optional(FailMode),
  },
  { additionalProperties: false },
);

const problemOf = (failure: { failure: string; detail: string }) =>
  new ProblemError(isProblemCode(failure.failure) ? failure.failure : 'internal_error', failure.detail);
const actorOf = (request: FastifyRequest) =>
  request.operatorAccount === undefined ? 'operator' : `operator:${request.operatorAccount.login}`;

export function registerRiskFraudRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { risk } = services;
  const operator = { config: { auth: 'operator' as const } };

  app.get('/v1/risk/rules', { ...operator, schema: { tags: ['risk'], response: Open('every rule at its latest version') } }, async () => ({
    object: 'list' as const,
    data: (await risk.rules()).map(ruleView),
  }));

  app.post(
    '/v1/risk/rules',
    {
      ...operator,
      schema: {
        tags: ['risk'],
        summary: 'Add a fraud rule (draft unless status says otherwise)',
        body: NewRuleBody,
        response: { ...Open('the rule'), 201: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async (request, reply) => {
      const { fail_mode: failMode, ...rest } = request.body;
      const made = await risk.createRule({ ...rest, ...(failMode === undefined ? {} : { failMode }) }, actorOf(request));
      if (isFailure(made)) throw problemOf(made);
      return reply.code(201).send(ruleView(made));
    },
  );

  app.patch(
    '/v1/risk/rules/:id',
    {
      ...operator,
      schema: {
        tags: ['risk'],
        summary: 'Change a rule: a new version (enable, disable, new conditions)',
        params: Type.Object({ id: Type.String({ maxLength: 40 }) }),
        body: Type.Partial(NewRuleBody, { additionalProperties: false, minProperties: 1 }),
        response: Open('the new version'),
      },
    },
    async (request) => {
      const { fail_mode: failMode, ...rest } = request.body;
      const changed = await risk.changeRule(
        request.params.id,
        { ...rest, ...(failMode === undefined ? {} : { failMode }) },
        actorOf(request),
      );
      if (isFailure(changed)) throw problemOf(changed);
      request.auditBefore = ruleView(changed.before);
      return ruleView(changed.after);
    },
  );

  app.post(
    '/v1/risk/rules/backtest',
    {
      ...operator,
      schema: {
        tags: ['risk'],
        summary: 'What a rule would have done to past card payments (their stored facts, velocity as it was then)',
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ maxLength: 200 })),
            action: Action,
            conditions: Conditions,
            from: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$', description: 'ISO 8601 UTC time' })),
            to: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$', description: 'ISO 8601 UTC time' })),
          },
          { additionalProperties: false },
        ),
        response: Open('the backtest'),
      },
    },
    async (request) => {
      const { name, action, conditions, from, to } = request.body;
      const result = await risk.backtest({ name: name ?? 'backtest', action, conditions }, { fromIso: from, toIso: to });
      if (isFailure(result)) throw problemOf(result);
      return backtestView(result);
    },
  );

  app.get(
    '/v1/risk/decisions',
    {
      ...operator,
      schema: {
        tags: ['risk'],
        querystring: Type.Object({ payment: Type.String({ maxLength: 40 }) }, { additionalProperties: false }),
        response: Open('decisions'),
      },
    },
    async (request) => ({ object: 'list' as const, data: (await risk.decisions(request.query.payment)).map(decisionView) }),
  );

  app.get(
    '/v1/risk/reviews',
    {
      ...operator,
      schema: {
        tags: ['risk'],
        querystring: Type.Object({ status: Type.Optional(Type.String({ maxLength: 20 })) }, { additionalProperties: false }),
        response: Open('payments held for review'),
      },
    },
    async (request) => ({ object: 'list' as const, data: (await risk.reviews({ status: request.query.status })).map(reviewView) }),
  );

  app.post(
    '/v1/risk/reviews/:payment/decision',
    {
      ...operator,
      schema: {
        tags: ['risk'],
        summary: 'An analyst releases (captures) or cancels (reverses) a payment held for review',
        params: Type.Object({ payment: Type.String({ maxLength: 40 }) }),
        body: Type.Object(
          {
            decision: Type.Union([Type.Literal('release'), Type.Literal('cancel')]),
            reason: Type.String({ minLength: 3, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: Open('the review'),
      },
    },
    async (request) => {
      const done = await risk.decideReview(request.params.payment, request.body.decision, request.body.reason, actorOf(request));
      if (isFailure(done)) throw problemOf(done);
      request.auditBefore = reviewView(done.before);
      return reviewView(done.after);
    },
  );

  app.get('/v1/risk/list_items', { ...operator, schema: { tags: ['risk'], response: Open('block and allow lists') } }, async () => ({
    object: 'list' as const,
    data: (await risk.listItems()).map((i) => ({
      object: 'risk_list_item' as const,
      kind: i.kind,
      value: i.value,
      list: i.list,
      reason: i.reason,
      created_at: i.createdAt,
    })),
  }));

  app.post(
    '/v1/risk/list_items',
    {
      ...operator,
      schema: {
        tags: ['risk'],
        summary: 'Put a card fingerprint, email or IP on the block or allow list',
        body: Type.Object(
          {
            kind: Type.Union([Type.Literal('card'), Type.Literal('email'), Type.Literal('ip')]),
            value: Type.String({ minLength: 1, maxLength: 200 }),
            list: Type.Union([Type.Literal('block'), Type.Literal('allow')]),
            reason: Type.String({ minLength: 3, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: Open('the item'),
      },
    },
    async (request) => {
      await risk.listItem(request.body);
      return { object: 'risk_list_item' as const, ...request.body };
    },
  );
}
