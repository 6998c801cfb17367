import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { casesCsv, caseTypologies } from '../../risk/index.js';
import type { ApiServices } from '../context.js';
import { caseView } from '../presenters/risk-cases.js';
import { problemResponses } from '../schemas.js';
import { isProblemCode, ProblemError } from '../problems.js';

/** Suspicious-activity cases (issue 16 AML, docs/risk.md "Suspicious-activity cases"): scan, list, assign, decide, export. */
const Open = (description: string) => ({ 200: Type.Object({}, { additionalProperties: true, description }), ...problemResponses });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10, description: 'a Beijing calendar day, YYYY-MM-DD' });
const CaseId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 40 }) });

const problemOf = (failure: { failure: string; detail: string }) =>
  new ProblemError(isProblemCode(failure.failure) ? failure.failure : 'internal_error', failure.detail);
const actorOf = (request: FastifyRequest) =>
  request.operatorAccount === undefined ? 'operator' : `operator:${request.operatorAccount.login}`;

export function registerRiskCaseRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { risk } = services;
  const operator = { config: { auth: 'operator' as const } };

  app.post(
    '/v1/risk/cases/scan',
    {
      ...operator,
      schema: {
        tags: ['risk'],
        summary:
          "Scans one Beijing day's wallet movements and opens the cases they call for (a case is opened once per party, typology and day)",
        body: Type.Object({ day: Day }, { additionalProperties: false }),
        response: Open('the cases newly opened'),
      },
    },
    async (request) => {
      const opened = await risk.scanCases(request.body.day);
      if (isFailure(opened)) throw problemOf(opened);
      return { object: 'list' as const, data: opened.map(caseView) };
    },
  );

  app.get(
    '/v1/risk/cases',
    {
      ...operator,
      schema: {
        tags: ['risk'],
        summary: 'Suspicious-activity cases, newest first (?format=csv: the export)',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('reported'), Type.Literal('closed')])),
            party: Type.Optional(Type.String({ maxLength: 40 })),
            typology: Type.Optional(Type.Union(caseTypologies.map((t) => Type.Literal(t)))),
            format: Type.Optional(Type.Literal('csv')),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { format, ...filter } = request.query;
      const cases = await risk.cases(filter);
      if (format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="hutong-risk-cases.csv"')
          .send(casesCsv(cases));
      return { object: 'list' as const, data: cases.map(caseView) };
    },
  );

  app.post(
    '/v1/risk/cases/:id/assign',
    {
      ...operator,
      schema: {
        tags: ['risk'],
        summary: 'Assigns an open case to an analyst (default: the operator asking)',
        params: CaseId,
        body: Type.Object({ analyst: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }, { additionalProperties: false }),
        response: Open('the case'),
      },
    },
    async (request) => {
      const done = await risk.assignCase(request.params.id, request.body.analyst ?? actorOf(request));
      if (isFailure(done)) throw problemOf(done);
      request.auditBefore = caseView(done.before);
      return caseView(done.after);
    },
  );

  app.post(
    '/v1/risk/cases/:id/decision',
    {
      ...operator,
      schema: {
        tags: ['risk'],
        summary: 'Ends an open case: reported (a suspicious transaction report is filed) or closed (no suspicion), with a reason',
        params: CaseId,
        body: Type.Object(
          {
            decision: Type.Union([Type.Literal('reported'), Type.Literal('closed')]),
            reason: Type.String({ minLength: 3, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: Open('the case'),
      },
    },
    async (request) => {
      const done = await risk.decideCase(request.params.id, request.body.decision, request.body.reason, actorOf(request));
      if (isFailure(done)) throw problemOf(done);
      request.auditBefore = caseView(done.before);
      return caseView(done.after);
    },
  );
}
