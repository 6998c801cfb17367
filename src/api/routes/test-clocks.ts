import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { testClockView, type TestClocks } from '../../events/index.js';
import { merchantIdOf } from '../auth.js';
import { listView } from '../presenters.js';
import { isProblemCode, ProblemError } from '../problems.js';
import { IdempotencyHeaders, ListOf, ListQuery, problemResponses, Timestamp } from '../schemas.js';

/**
 * Test clocks over the API (issue 12; Stripe's `/v1/test_helpers/test_clocks` is the model). A
 * merchant's own, test mode only: a live key is refused with 403 `test_mode_only`.
 */
export const TestClockView = Type.Object({
  id: Type.String(),
  object: Type.Literal('test_clock'),
  name: Type.Union([Type.String(), Type.Null()]),
  status: Type.String({ description: 'ready, or advancing while an advance runs its timers' }),
  frozen_time: Timestamp,
  advancing_to: Type.Union([Timestamp, Type.Null()], { description: 'While advancing: the time the clock is moving to' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const DeletedTestClock = Type.Object({ id: Type.String(), object: Type.Literal('test_clock'), deleted: Type.Literal(true) });

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const FrozenTime = Type.String({
  minLength: 16,
  maxLength: 40,
  description: 'ISO 8601 with a zone, e.g. 2026-03-01T08:00:00Z (from 2000 to before 2100)',
});

/** An ISO 8601 time with its zone; anything else is a 400. */
export function timeFromBody(value: string, field: string): Date {
  const at = isoTime.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime()))
    throw new ProblemError('request_invalid', `${field} must be an ISO 8601 time with its zone, e.g. 2026-03-01T08:00:00Z`);
  return at;
}

/** Test clocks (and objects on them) are for test keys only. */
export function requireTestMode(request: FastifyRequest): void {
  const p = request.principal;
  if (p?.type === 'merchant' && p.mode !== 'test')
    throw new ProblemError('test_mode_only', 'test clocks are for test mode; use a test secret key (sk_test_…)');
}

/** A test clock failure as its problem (every TestClockError has its entry in src/api/problems.ts). */
function problemFromFailure(failure: { failure: string; detail: string }): ProblemError {
  return new ProblemError(isProblemCode(failure.failure) ? failure.failure : 'internal_error', failure.detail);
}

const IdParams = Type.Object({ id: Type.String({ maxLength: 40 }) });

export function registerTestClockRoutes(fastify: FastifyInstance, services: { testClocks: TestClocks }): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { testClocks } = services;
  const base = { config: { auth: 'merchant' as const }, preHandler: async (request: FastifyRequest) => requireTestMode(request) };

  app.post(
    '/v1/test_helpers/test_clocks',
    {
      ...base,
      schema: {
        tags: ['test clocks'],
        summary: 'Create a test clock frozen at a time (test mode)',
        headers: IdempotencyHeaders,
        body: Type.Object(
          { frozen_time: FrozenTime, name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
          { additionalProperties: false },
        ),
        response: { 201: TestClockView, 403: Type.Ref('Problem'), 409: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const made = await testClocks.create(merchantIdOf(request), {
        frozenTime: timeFromBody(request.body.frozen_time, 'frozen_time'),
        name: request.body.name,
      });
      if (isFailure(made)) throw problemFromFailure(made);
      return reply.code(201).send(testClockView(made));
    },
  );

  app.get(
    '/v1/test_helpers/test_clocks',
    {
      ...base,
      schema: {
        tags: ['test clocks'],
        summary: "The merchant's test clocks",
        querystring: ListQuery,
        response: { 200: ListOf(TestClockView), 403: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request) => {
      const page = await testClocks.list(merchantIdOf(request), request.query);
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, testClockView);
    },
  );

  app.get(
    '/v1/test_helpers/test_clocks/:id',
    {
      ...base,
      schema: {
        tags: ['test clocks'],
        summary: 'A test clock',
        params: IdParams,
        response: { 200: TestClockView, 403: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request) => {
      const found = await testClocks.get(merchantIdOf(request), request.params.id);
      if (isFailure(found)) throw problemFromFailure(found);
      return testClockView(found);
    },
  );

  app.post(
    '/v1/test_helpers/test_clocks/:id/advance',
    {
      ...base,
      schema: {
        tags: ['test clocks'],
        summary:
          "Move the clock forward to frozen_time: it answers `advancing` at once, then runs every timer of the clock's objects due by then, in due order, and is `ready`",
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Type.Object({ frozen_time: FrozenTime }, { additionalProperties: false }),
        response: { 200: TestClockView, 403: Type.Ref('Problem'), 409: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request) => {
      const advanced = await testClocks.advance(
        merchantIdOf(request),
        request.params.id,
        timeFromBody(request.body.frozen_time, 'frozen_time'),
      );
      if (isFailure(advanced)) throw problemFromFailure(advanced);
      return testClockView(advanced);
    },
  );

  app.delete(
    '/v1/test_helpers/test_clocks/:id',
    {
      ...base,
      schema: {
        tags: ['test clocks'],
        summary: "Delete a ready test clock; its objects' timers go back to the wall clock",
        params: IdParams,
        response: { 200: DeletedTestClock, 403: Type.Ref('Problem'), 409: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request) => {
      const deleted = await testClocks.remove(merchantIdOf(request), request.params.id);
      if (isFailure(deleted)) throw problemFromFailure(deleted);
      return { id: deleted.id, object: 'test_clock' as const, deleted: true as const };
    },
  );
}
