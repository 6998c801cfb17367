import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { operatorRoles } from '../../risk/index.js';
import type { ApiServices } from '../context.js';
import { operatorView, OperatorView } from '../presenters/risk.js';
import { problemResponses } from '../schemas.js';
import { isProblemCode, ProblemError } from '../problems.js';
import { cookieOf, csrfCookie, sessionCookie } from '../auth.js';
import { operatorSessionPrefix } from '../../risk/index.js';

/** Operator accounts and their sessions (issue 16, docs/risk.md "Operators"). */
const Role = Type.Union(operatorRoles.map((r) => Type.Literal(r)));
const OperatorParams = Type.Object({ id: Type.String({ maxLength: 40 }) });

const problemOf = (failure: { failure: string; detail: string }) =>
  new ProblemError(isProblemCode(failure.failure) ? failure.failure : 'internal_error', failure.detail);

export function registerOperatorRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { operators, audit } = services.risk;

  app.post(
    '/v1/operator_sessions',
    {
      schema: {
        tags: ['operator'],
        summary: 'Sign an operator in: login, password and the current TOTP code; answers an os_ bearer token',
        body: Type.Object(
          {
            login: Type.String({ minLength: 1, maxLength: 100 }),
            password: Type.String({ minLength: 1, maxLength: 200 }),
            code: Type.String({ pattern: '^[0-9]{6}$' }),
            /** The console's sign-in page: the session becomes an httpOnly cookie (with a CSRF cookie), not a token in the answer. */
            browser: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({}, { additionalProperties: true }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { login, password, code } = request.body;
      const session = await operators.signIn(login, password, code);
      // Sign-ins, failed ones too, are operator actions: they go to the audit log.
      await audit.append({
        actor: `operator:${login}`,
        action: isFailure(session) ? 'sign in refused' : 'sign in',
        after: isFailure(session) ? { code: session.failure } : { expires_at: session.expiresAt },
        requestId: request.id,
      });
      if (isFailure(session)) throw problemOf(session);
      if (request.body.browser === true) {
        const maxAge = Math.max(0, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000));
        const base = request.headers.origin ?? `${request.protocol}://${request.host}`;
        const secure = base.startsWith('https://') ? '; Secure' : '';
        reply.header('set-cookie', [
          `${sessionCookie}=${session.token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`,
          `${csrfCookie}=${session.csrfToken}; Path=/; SameSite=Strict; Max-Age=${maxAge}${secure}`,
        ]);
        return reply.code(201).send({
          object: 'operator_session',
          expires_at: session.expiresAt,
          csrf_token: session.csrfToken,
          operator: operatorView(session.operator),
        });
      }
      return reply.code(201).send({
        object: 'operator_session',
        token: session.token,
        expires_at: session.expiresAt,
        operator: operatorView(session.operator),
      });
    },
  );

  app.delete(
    '/v1/operator_sessions/current',
    {
      config: { auth: 'operator' },
      schema: { tags: ['operator'], summary: 'Sign the calling operator session out', response: { 204: Type.Null(), ...problemResponses } },
    },
    async (request, reply) => {
      const cookie = cookieOf(request, sessionCookie);
      const token =
        /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? (cookie?.startsWith(operatorSessionPrefix) ? cookie : undefined);
      if (request.operatorAccount === undefined || token === undefined)
        throw new ProblemError('operator_invalid', 'only an operator session (os_ token) can sign out');
      await operators.signOut(token);
      if (cookie !== undefined)
        reply.header('set-cookie', [
          `${sessionCookie}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`,
          `${csrfCookie}=; Path=/; SameSite=Strict; Max-Age=0`,
        ]);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/operator_sessions/current',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['operator'],
        summary: 'Who is calling: the signed-in operator and role, or the operator key (role automation)',
        response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses },
      },
    },
    async (request) => ({
      object: 'operator_session',
      role: request.operatorAccount?.role ?? 'automation',
      operator: request.operatorAccount === undefined ? null : operatorView(request.operatorAccount),
    }),
  );

  app.post(
    '/v1/operators',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['operator'],
        summary: 'Create an operator account; the TOTP secret is shown once (enrol it in an authenticator app)',
        body: Type.Object(
          {
            // A short login or an email address (the console signs in with email, issue 16).
            login: Type.String({ pattern: '^[a-z0-9._+-]+(@[a-z0-9-]+(\\.[a-z0-9-]+)+)?$', minLength: 3, maxLength: 100 }),
            name: Type.String({ minLength: 1, maxLength: 100 }),
            role: Role,
            password: Type.String({ minLength: 12, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({}, { additionalProperties: true }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const created = await operators.create(request.body);
      if (isFailure(created)) throw problemOf(created);
      return reply.code(201).send({ ...operatorView(created.operator), totp_secret: created.totpSecret, totp_uri: created.totpUri });
    },
  );

  app.get(
    '/v1/operators',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['operator'],
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(OperatorView) }), ...problemResponses },
      },
    },
    async () => ({ object: 'list' as const, data: (await operators.list()).map(operatorView) }),
  );

  app.patch(
    '/v1/operators/:id',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['operator'],
        summary: 'Change an operator’s role or disable it (its sessions end); never one’s own account',
        params: OperatorParams,
        body: Type.Object(
          { role: Type.Optional(Role), status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: OperatorView, ...problemResponses },
      },
    },
    async (request) => {
      // Four-eyes on privileges: an operator never raises, lowers or re-enables its own account.
      if (request.operatorAccount?.id === request.params.id)
        throw new ProblemError('four_eyes_required', 'another admin has to change your own account');
      const changed = await operators.change(request.params.id, request.body);
      if (isFailure(changed)) throw problemOf(changed);
      request.auditBefore = operatorView(changed.before);
      return operatorView(changed.after);
    },
  );
}
