import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import { balanceOf, verifyLedger } from '../../ledger/index.js';
import { toJSONMinor } from '../../money/index.js';
import { webSessionTtlMs, type DashboardLogin } from '../../web/index.js';
import { amountFromBody } from '../amounts.js';
import { cookieOf, csrfCookie, merchantIdOf, sessionCookie } from '../auth.js';
import { operatorSessionPrefix } from '../../risk/index.js';
import type { ApiServices } from '../context.js';
import { idempotencyKeyOf } from '../idempotency.js';
import { apiKeyView, ApiKeyView, listView, merchantView, MerchantView } from '../presenters.js';
import { ProblemError } from '../problems.js';
import { AmountMinor, Currency, IdempotencyHeaders, ListOf, ListQuery, problemResponses, Timestamp } from '../schemas.js';
import { problemFromFailure } from '../problems.js';
import { paymentView, PaymentView } from './payments.js';

/**
 * The API the web pages use (docs/web.md): hosted checkout sessions, browser sessions for the
 * dashboard and the console, and the read models they show. Public API like any other.
 */
const CheckoutSessionView = Type.Object({
  id: Type.String(),
  object: Type.Literal('checkout_session'),
  url: Type.String({
    description: 'The hosted cashier for this one payment; send the shopper here. It carries the session token: treat it as a secret',
  }),
  payment: PaymentView,
  expires_at: Timestamp,
  created_at: Timestamp,
});

const CreateCheckoutSession = Type.Object(
  {
    payment: Type.Optional(
      Type.String({ maxLength: 40, description: 'An open payment of yours; or give amount, currency and merchant_order_id to create one' }),
    ),
    amount: Type.Optional(AmountMinor),
    currency: Type.Optional(Currency),
    merchant_order_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    customer: Type.Optional(Type.String({ maxLength: 40, description: "Offers this customer's Hutong wallet at the cashier" })),
    return_url: Type.Optional(Type.String({ maxLength: 2000, pattern: '^https?://' })),
    expires_in: Type.Optional(
      Type.Integer({
        minimum: 60,
        maximum: 86_400,
        description: "Seconds the link stays valid (default 3600; never past the payment's expiry)",
      }),
    ),
  },
  { additionalProperties: false },
);

const LedgerLineView = Type.Object({
  entry: Type.String(),
  kind: Type.String(),
  reason: Type.String(),
  pending_entry: Type.Union([Type.String(), Type.Null()]),
  account: Type.String(),
  account_code: Type.String(),
  account_owner_type: Type.String(),
  currency: Currency,
  amount: Type.Integer({ description: 'Minor units; positive is a debit, negative a credit' }),
  created_at: Timestamp,
});

const VolumeView = Type.Object({
  date: Type.String(),
  currency: Currency,
  method: Type.String(),
  count: Type.Integer(),
  amount: Type.Integer(),
});
const IdParams = Type.Object({ id: Type.String({ maxLength: 40 }) });

export function registerWebApiRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { web, payments, parties } = services;
  const secure = (url: string) => (url.startsWith('https://') ? '; Secure' : '');

  app.post(
    '/v1/checkout_sessions',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['checkout'],
        summary: 'A hosted cashier link for one payment (an existing one, or one created here)',
        headers: IdempotencyHeaders,
        body: CreateCheckoutSession,
        response: { 201: CheckoutSessionView, 409: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request, reply) => {
      // The response carries a bearer token: never replay it from the idempotency store.
      request.idempotency = undefined;
      const merchantId = merchantIdOf(request);
      const b = request.body;
      let paymentId = b.payment;
      if (paymentId === undefined) {
        if (b.amount === undefined || b.currency === undefined || b.merchant_order_id === undefined)
          throw new ProblemError('request_invalid', 'give payment, or amount, currency and merchant_order_id');
        const created = await payments.create(
          merchantId,
          {
            amount: amountFromBody(b.amount, b.currency),
            merchantOrderId: b.merchant_order_id,
            description: b.description,
            customerId: b.customer,
            returnUrl: b.return_url,
          },
          idempotencyKeyOf(request.headers),
        );
        if (isFailure(created)) throw problemFromFailure(created);
        paymentId = created.id;
      }
      const result = await web.createCheckoutSession(merchantId, paymentId, (b.expires_in ?? 3600) * 1000);
      if (isFailure(result)) throw problemFromFailure(result);
      const s = result.session;
      return reply.code(201).send({
        id: s.id,
        object: 'checkout_session' as const,
        url: web.checkoutUrl(result.token),
        payment: paymentView(result.payment),
        expires_at: s.expiresAt,
        created_at: s.createdAt,
      });
    },
  );

  app.post(
    '/v1/dashboard_sessions',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Sign a browser in with a secret key: sets an httpOnly session cookie and a CSRF cookie; the key itself is not kept',
        body: Type.Union([
          Type.Object({ secret_key: Type.String({ minLength: 8, maxLength: 200 }) }, { additionalProperties: false }),
          Type.Object(
            { email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 200 }) },
            { additionalProperties: false },
          ),
        ]),
        response: {
          201: Type.Object({
            object: Type.Literal('dashboard_session'),
            kind: Type.String(),
            merchant: Type.Union([Type.String(), Type.Null()]),
            csrf_token: Type.String(),
            expires_at: Timestamp,
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      request.idempotency = undefined;
      const b = request.body;
      if (web.signInBlocked(request.ip))
        throw new ProblemError('rate_limited', 'too many failed sign-ins from this address; wait 15 minutes');
      // The operator key is for automation; the console signs in with an operator account (issue 16).
      if ('secret_key' in b && b.secret_key.startsWith('ok_'))
        throw new ProblemError(
          'operator_key_not_for_browser',
          'the operator key is for automation; sign in to the console with an operator account (email, password and one-time code)',
        );
      const signedIn = 'secret_key' in b ? await web.signIn(b.secret_key) : await web.signInWithPassword(b.email, b.password);
      if (signedIn === undefined) web.signInFailed(request.ip);
      if (signedIn === undefined && 'secret_key' in b)
        throw new ProblemError('api_key_invalid', 'the key is unknown, revoked, or its merchant is suspended');
      if (signedIn === undefined) throw new ProblemError('sign_in_failed', 'the email or password is wrong, or the login is disabled');
      const { token, session } = signedIn;
      const maxAge = Math.floor(webSessionTtlMs / 1000);
      const base = request.headers.origin ?? `${request.protocol}://${request.host}`;
      reply.header('set-cookie', [
        `${sessionCookie}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure(base)}`,
        `${csrfCookie}=${session.csrfToken}; Path=/; SameSite=Strict; Max-Age=${maxAge}${secure(base)}`,
      ]);
      const p = session.principal;
      return reply.code(201).send({
        object: 'dashboard_session' as const,
        kind: p.type,
        merchant: p.type === 'merchant' ? p.merchantId : null,
        csrf_token: session.csrfToken,
        expires_at: session.expiresAt,
      });
    },
  );

  app.delete(
    '/v1/dashboard_sessions/current',
    {
      config: { auth: 'any' },
      schema: {
        tags: ['dashboard'],
        summary: 'Sign out',
        response: { 200: Type.Object({ object: Type.Literal('dashboard_session'), deleted: Type.Boolean() }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const token = cookieOf(request, sessionCookie);
      if (token?.startsWith(operatorSessionPrefix) === true) await services.risk.operators.signOut(token);
      else if (token !== undefined) await web.signOut(token);
      reply.header('set-cookie', [
        `${sessionCookie}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`,
        `${csrfCookie}=; Path=/; SameSite=Strict; Max-Age=0`,
      ]);
      return { object: 'dashboard_session' as const, deleted: token !== undefined };
    },
  );

  app.get(
    '/v1/payments/:id/ledger_entries',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['payments'],
        summary: 'The ledger lines of a payment: authorization, capture, fee, refunds',
        params: IdParams,
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(LedgerLineView) }), ...problemResponses },
      },
    },
    async (request) => {
      const lines = await web.paymentLedgerLines(merchantIdOf(request), request.params.id);
      if (isFailure(lines)) throw problemFromFailure(lines);
      return {
        object: 'list' as const,
        data: lines.map((l) => ({
          entry: l.entryId,
          kind: l.kind,
          reason: l.reason,
          pending_entry: l.pendingId,
          account: l.accountId,
          account_code: l.accountCode,
          account_owner_type: l.ownerType,
          currency: l.currency,
          amount: toJSONMinor({ minor: l.amountMinor, currency: l.currency }),
          created_at: l.createdAt,
        })),
      };
    },
  );

  app.get(
    '/v1/reports/daily_volume',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['reports'],
        summary: 'Captured volume per UTC day, currency and payment method',
        querystring: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 366, default: 14 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(VolumeView) }), ...problemResponses },
      },
    },
    async (request) => {
      const rows = await web.dailyVolume(merchantIdOf(request), request.query.days);
      return {
        object: 'list' as const,
        data: rows.map((r) => ({
          date: r.date,
          currency: r.currency,
          method: r.method,
          count: r.count,
          amount: toJSONMinor({ minor: r.amountMinor, currency: r.currency }),
        })),
      };
    },
  );

  const AccountBalanceView = Type.Object({
    currency: Currency,
    account: Type.String({ description: 'available (can be paid out) or pending (captured, awaiting settlement)' }),
    posted: Type.Integer(),
    pending_in: Type.Integer({ description: 'Authorized, not yet captured' }),
    pending_out: Type.Integer({ description: 'Held for outgoing movements' }),
  });
  app.get(
    '/v1/reports/balances',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['reports'],
        summary: 'Every balance of the calling merchant, per currency and ledger account (available and awaiting settlement)',
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(AccountBalanceView) }), ...problemResponses },
      },
    },
    async (request) => {
      const accounts = await services.ledger.listAccounts(services.store.reader, { ownerType: 'merchant', ownerId: merchantIdOf(request) });
      const minor = (value: bigint, currency: string) => toJSONMinor({ minor: value, currency });
      return {
        object: 'list' as const,
        data: accounts.map((a) => {
          const b = balanceOf(a);
          return {
            currency: a.currency,
            account: a.code,
            posted: minor(b.postedMinor, a.currency),
            pending_in: minor(b.pendingInMinor, a.currency),
            pending_out: minor(b.pendingOutMinor, a.currency),
          };
        }),
      };
    },
  );

  app.get(
    '/v1/api_keys',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['merchants'],
        summary: "The calling merchant's API keys (hints only)",
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(ApiKeyView) }), ...problemResponses },
      },
    },
    async (request) => {
      const keys = await parties.listApiKeys(merchantIdOf(request));
      return { object: 'list' as const, data: keys.map((k) => apiKeyView(k, null)) };
    },
  );

  app.get(
    '/v1/merchants',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['merchants'],
        summary: 'Every merchant, newest first (operator)',
        querystring: ListQuery,
        response: { 200: ListOf(MerchantView), ...problemResponses },
      },
    },
    async (request) => {
      const page = await web.listMerchants(request.query);
      if (isFailure(page)) throw problemFromFailure(page);
      return listView(page, merchantView);
    },
  );

  const LoginView = Type.Object({
    id: Type.String(),
    object: Type.Literal('dashboard_login'),
    merchant: Type.String(),
    email: Type.String(),
    created_at: Timestamp,
    disabled_at: Type.Union([Timestamp, Type.Null()]),
  });
  const loginView = (l: DashboardLogin) => ({
    id: l.id,
    object: 'dashboard_login' as const,
    merchant: l.merchantId,
    email: l.email,
    created_at: l.createdAt,
    disabled_at: l.disabledAt,
  });
  const MerchantParams = Type.Object({ id: Type.String({ maxLength: 40 }) });
  app.post(
    '/v1/merchants/:id/logins',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['merchants'],
        summary: "A dashboard login (email and password) for a merchant's staff (operator)",
        headers: IdempotencyHeaders,
        params: MerchantParams,
        body: Type.Object(
          { email: Type.String({ maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 201: LoginView, 409: Type.Ref('Problem'), ...problemResponses },
      },
    },
    async (request, reply) => {
      // The body holds a password: never keep it in the idempotency store.
      request.idempotency = undefined;
      const login = await web.createLogin(request.params.id, request.body);
      if (isFailure(login)) throw problemFromFailure(login);
      return reply.code(201).send(loginView(login));
    },
  );
  app.get(
    '/v1/merchants/:id/logins',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['merchants'],
        params: MerchantParams,
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(LoginView) }), ...problemResponses },
      },
    },
    async (request) => {
      return { object: 'list' as const, data: (await web.listLogins(request.params.id)).map(loginView) };
    },
  );
  app.post(
    '/v1/merchants/:id/logins/:loginId/disable',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['merchants'],
        summary: 'Disable a dashboard login; its sessions end at once',
        params: Type.Object({ id: Type.String({ maxLength: 40 }), loginId: Type.String({ maxLength: 40 }) }),
        response: { 200: Type.Object({ id: Type.String(), disabled: Type.Boolean() }), ...problemResponses },
      },
    },
    async (request) => {
      if (!(await web.disableLogin(request.params.id, request.params.loginId)))
        throw new ProblemError('login_not_found', `no active login ${request.params.loginId}`);
      return { id: request.params.loginId, disabled: true };
    },
  );

  const CheckView = Type.Object({ name: Type.String(), ok: Type.Boolean(), offenders: Type.Array(Type.String()) });
  app.post(
    '/v1/ledger/verify',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['ledger'],
        summary: 'Prove the ledger invariants now (operator); the same checks as `hutong ledger verify`',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            checks: Type.Array(CheckView),
            counts: Type.Object({ accounts: Type.Integer(), entries: Type.Integer(), postings: Type.Integer() }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      request.idempotency = undefined;
      const report = await verifyLedger(services.store.reader);
      return {
        ok: report.ok,
        checks: report.checks.map((c) => ({ name: c.name, ok: c.ok, offenders: [...c.offenders] })),
        counts: report.counts,
      };
    },
  );
}
