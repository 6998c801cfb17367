import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { merchantIdOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import type { AuditRecord } from '../../risk/index.js';
import { hitView, HitView, limitsView, LimitsView, tierView, TierView, verificationView, VerificationView } from '../presenters/risk.js';
import { Currency, IdempotencyHeaders, problemResponses } from '../schemas.js';
import { isProblemCode, ProblemError } from '../problems.js';

const CustomerParams = Type.Object({ id: Type.String({ maxLength: 40 }) });

const CreateVerification = Type.Object(
  {
    level: Type.Union([Type.Literal('id'), Type.Literal('id_bank_card')], {
      description: 'id: name + ID number (PBOC class I); id_bank_card: plus the bank card four elements (class II)',
    }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    id_number: Type.String({
      pattern: '^[0-9]{17}[0-9X]$',
      description: 'PRC resident ID number; sent to the identity service, not stored',
    }),
    bank_card: Type.Optional(
      Type.Object(
        { number: Type.String({ pattern: '^[0-9]{12,19}$' }), phone: Type.String({ pattern: '^1[3-9][0-9]{9}$' }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const LimitOrNull = Type.Union([Type.Integer({ minimum: 0, maximum: 10_000_000_000 }), Type.Null()]);
const ChangeTier = Type.Object(
  {
    debits_allowed: Type.Optional(Type.Boolean()),
    currency: Type.Optional(Currency),
    cumulative_limit: Type.Optional(LimitOrNull),
    yearly_limit: Type.Optional(LimitOrNull),
    daily_limit: Type.Optional(LimitOrNull),
  },
  { additionalProperties: false, minProperties: 1 },
);

const Decision = Type.Object(
  {
    decision: Type.Union([Type.Literal('confirmed'), Type.Literal('false_positive')]),
    reason: Type.String({ minLength: 3, maxLength: 500 }),
  },
  { additionalProperties: false },
);

/** A risk failure as a problem (the codes are catalogued in problems.ts). */
function problemFromFailure(failure: { failure: string; detail: string }): ProblemError {
  return new ProblemError(isProblemCode(failure.failure) ? failure.failure : 'internal_error', failure.detail);
}

const Onboarding = Type.Object(
  {
    business_licence: Type.String({ minLength: 18, maxLength: 18, description: 'Unified Social Credit Code (统一社会信用代码)' }),
    legal_person: Type.String({ minLength: 1, maxLength: 200 }),
    beneficial_owners: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 20 }),
  },
  { additionalProperties: false },
);

const big = (value: number | null | undefined) => (value === undefined ? undefined : value === null ? null : BigInt(value));

export function registerRiskRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { risk } = services;

  app.post(
    '/v1/customers/:id/verifications',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['risk'],
        summary: 'Verify a customer’s real name with the identity service; raises its PBOC class and limits',
        headers: IdempotencyHeaders,
        params: CustomerParams,
        body: CreateVerification,
        response: { 201: VerificationView, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { level, name, id_number: idNumber, bank_card: card } = request.body;
      const done = await risk.verify(merchantIdOf(request), request.params.id, {
        level,
        name,
        idNumber,
        ...(card === undefined ? {} : { bankCard: card }),
      });
      if (isFailure(done)) throw problemFromFailure(done);
      return reply.code(201).send(verificationView(done));
    },
  );

  app.get(
    '/v1/customers/:id/limits',
    {
      config: { auth: 'merchant' },
      schema: { tags: ['risk'], params: CustomerParams, response: { 200: LimitsView, ...problemResponses } },
    },
    async (request) => {
      const limits = await risk.limitsOf(merchantIdOf(request), request.params.id);
      if (isFailure(limits)) throw problemFromFailure(limits);
      return limitsView(limits);
    },
  );

  app.post(
    '/v1/risk/customers/:id/in_person_verification',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['risk'],
        summary: 'Record that a customer was verified in person (PBOC class III); the name is screened',
        params: CustomerParams,
        body: Type.Object(
          { merchant: Type.String({ maxLength: 40 }), name: Type.String({ minLength: 1, maxLength: 100 }) },
          { additionalProperties: false },
        ),
        response: { 200: VerificationView, ...problemResponses },
      },
    },
    async (request) => {
      const done = await risk.verifyInPerson(request.body.merchant, request.params.id, request.body.name);
      if (isFailure(done)) throw problemFromFailure(done);
      return verificationView(done);
    },
  );

  app.get(
    '/v1/risk/limits',
    { config: { auth: 'operator' }, schema: { tags: ['risk'], summary: 'The real-name table: levels, PBOC classes and limits' } },
    async () => ({ object: 'list' as const, data: (await risk.tiers()).map(tierView) }),
  );

  app.patch(
    '/v1/risk/limits/:level',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['risk'],
        params: Type.Object({ level: Type.String({ maxLength: 20 }) }),
        body: ChangeTier,
        response: { 200: TierView, ...problemResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const changed = await risk.changeTier(request.params.level, {
        debitsAllowed: b.debits_allowed,
        currency: b.currency,
        cumulativeMinor: big(b.cumulative_limit),
        yearlyMinor: big(b.yearly_limit),
        dailyMinor: big(b.daily_limit),
      });
      if (isFailure(changed)) throw problemFromFailure(changed);
      request.auditBefore = tierView(changed.before);
      return tierView(changed.after);
    },
  );

  app.get(
    '/v1/risk/hits',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['risk'],
        summary: 'The screening review queue',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('confirmed'), Type.Literal('false_positive')])),
            party: Type.Optional(Type.String({ maxLength: 40 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: (await risk.hits({ status: request.query.status, partyId: request.query.party })).map(hitView),
    }),
  );

  app.post(
    '/v1/risk/hits/:id/decision',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['risk'],
        summary: 'Confirm a screening hit (the party can no longer move money) or clear it as a false positive',
        params: Type.Object({ id: Type.String({ maxLength: 40 }) }),
        body: Decision,
        response: { 200: HitView, ...problemResponses },
      },
    },
    async (request) => {
      const decided = await risk.decideHit(request.params.id, request.body.decision, request.body.reason);
      if (isFailure(decided)) throw problemFromFailure(decided);
      request.auditBefore = hitView(decided.before);
      return hitView(decided.after);
    },
  );

  app.get(
    '/v1/risk/lists',
    { config: { auth: 'operator' }, schema: { tags: ['risk'], summary: 'The sanctions lists loaded' } },
    async () => ({
      object: 'list' as const,
      data: (await risk.lists()).map((l) => ({
        object: 'sanctions_list',
        list: l.list,
        source: l.source,
        entries: l.entries,
        imported_at: l.importedAt,
      })),
    }),
  );

  app.post(
    '/v1/risk/merchants/:id/onboarding',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['risk'],
        summary: "The operator's onboarding check: licence number, and sanctions screening of the merchant, its legal person and owners",
        params: Type.Object({ id: Type.String({ maxLength: 40 }) }),
        body: Onboarding,
      },
    },
    async (request) => {
      const done = await risk.onboardMerchant(request.params.id, {
        businessLicence: request.body.business_licence,
        legalPerson: request.body.legal_person,
        beneficialOwners: request.body.beneficial_owners,
      });
      if (isFailure(done)) throw problemFromFailure(done);
      return {
        object: 'merchant_onboarding',
        merchant: done.merchantId,
        screening: done.screening,
        parties: done.parties.map((p) => ({ party: p.partyId, name: p.name, screening: p.screening })),
      };
    },
  );

  app.get(
    '/v1/audit_log',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['risk'],
        summary: 'The audit log of operator actions and setting changes, newest first',
        querystring: Type.Object(
          {
            before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: (await risk.audit.list({ beforeSeq: request.query.before, limit: request.query.limit })).map(auditView),
    }),
  );

  app.get(
    '/v1/audit_log/verify',
    { config: { auth: 'operator' }, schema: { tags: ['risk'], summary: "Checks the audit log's hash chain" } },
    async () => {
      const report = await risk.audit.verify();
      return { object: 'audit_verification', ok: report.ok, rows: report.rows, broken_at: report.brokenAt, problem: report.problem };
    },
  );
}

function auditView(r: AuditRecord) {
  return {
    object: 'audit_record',
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    target: r.target,
    before: r.before === null ? null : (JSON.parse(r.before) as unknown),
    after: r.after === null ? null : (JSON.parse(r.after) as unknown),
    request_id: r.requestId,
    hash: r.hash,
  };
}
