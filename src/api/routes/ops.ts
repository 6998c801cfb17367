import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiServices } from '../context.js';
import { problemResponses } from '../schemas.js';
import type { ScheduledRun } from '../../settlement/index.js';
import { clearingView } from './settlements.js';

const runView = (r: ScheduledRun) => ({
  id: r.id,
  object: 'scheduled_run' as const,
  kind: r.kind,
  occurrence: r.occurrence,
  status: r.status,
  attempts: r.attempts,
  result: r.result,
  started_at: r.startedAt,
  finished_at: r.finishedAt,
});

/** Settlement operations (docs/settlement.md, "The daily cycle"): the cycle's runs and timers, the netting windows. */
export function registerOpsRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const operator = { config: { auth: 'operator' as const } };
  const { cycle, clearing } = services;

  app.get(
    '/v1/operator/scheduled_runs',
    {
      ...operator,
      schema: {
        tags: ['operator'],
        summary: 'The daily cycle: its runs (newest first) and when each job runs next',
        querystring: Type.Object(
          {
            kind: Type.Optional(Type.Union([Type.Literal('settlement'), Type.Literal('reserve_check')])),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
        response: problemResponses,
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: (await cycle.listRuns(request.query)).map(runView),
      upcoming: (await cycle.upcoming()).map((t) => ({
        key: t.key,
        kind: t.kind,
        due_at: t.dueAt,
        status: t.status,
        last_error: t.lastError,
      })),
    }),
  );
  app.get(
    '/v1/operator/netting_windows',
    {
      ...operator,
      schema: {
        tags: ['operator'],
        summary: 'The latest netting windows, newest first',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }, { additionalProperties: false }),
        response: problemResponses,
      },
    },
    async (request) => ({ object: 'list' as const, data: (await clearing.list(request.query.limit ?? 50)).map(clearingView) }),
  );
}
