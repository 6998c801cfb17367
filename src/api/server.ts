import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { newId } from '../core/index.js';
import { WriterOverloadedError } from '../store/index.js';
import { registerAuth } from './auth.js';
import type { ApiServices } from './context.js';
import { forgetOutcome, registerIdempotency } from './idempotency.js';
import { problem, ProblemError, problemCatalog, retryLaterProblems, type Problem, type ProblemCode } from './problems.js';
import { registerBalanceRoutes } from './routes/balance.js';
import { registerCustomerRoutes } from './routes/customers.js';
import { registerMerchantRoutes } from './routes/merchants.js';
import { registerEventRoutes } from './routes/events.js';
import { registerPaymentRoutes } from './routes/payments.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerTransferRoutes } from './routes/transfers.js';
import { registerWebApiRoutes } from './routes/web.js';
import { registerWebPages } from './pages.js';
import { registerFxRoutes } from './routes/fx.js';
import { registerSettlementRoutes } from './routes/settlements.js';
import { ProblemSchema } from './schemas.js';
import { registerEscrowRoutes } from './routes/escrows.js';
import { registerTestClockRoutes } from './routes/test-clocks.js';
import { registerBuyerPages } from './buyer-page.js';
import { registerOpsRoutes } from './routes/ops.js';
import { frameworkProblem, registerInputGuards } from './input-guards.js';
import { boundConnectionsPerIp, connectionLimitsDefault, httpServerOptions, type ConnectionLimits } from './connections.js';
import { registerCustomsRoutes } from './routes/customs.js';
import { registerInteropRoutes } from './routes/interop.js';
import { registerBillpayRoutes } from './routes/billpay.js';
import { registerRiskRoutes } from './routes/risk.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerAudit } from './audit.js';
import { registerOperatorRoutes } from './routes/operators.js';
import { registerRiskFraudRoutes } from './routes/risk-fraud.js';
import { registerRiskCaseRoutes } from './routes/risk-cases.js';

export interface ServerOptions {
  readonly logger: FastifyBaseLogger | false;
  /** Largest request body accepted; bigger bodies get a 413 problem. */
  readonly bodyLimitBytes?: number;
  /** Header and request timeouts and the per-address connection bound (src/api/connections.ts). */
  readonly connections?: ConnectionLimits;
}

export const bodyLimitBytesDefault = 64 * 1024;
const requestIdPattern = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Bodies are validated strictly: no type coercion (a "1999" string is not an amount) and no silent
 * dropping of unknown fields. Query strings and path params are strings on the wire, so those are
 * coerced (limit=10).
 */
function validators() {
  const common = { allErrors: false, useDefaults: true, removeAdditional: false as const, strict: false };
  const body = new Ajv({ ...common, coerceTypes: false });
  const other = new Ajv({ ...common, coerceTypes: true });
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) => (httpPart === 'body' ? body : other).compile(schema);
}

export async function buildServer(services: ApiServices, options: ServerOptions): Promise<FastifyInstance> {
  const limits = options.connections ?? connectionLimitsDefault;
  const app = Fastify({
    http: httpServerOptions(limits),
    // Fastify sets the server's requestTimeout itself (0, unbounded, by default).
    requestTimeout: httpServerOptions(limits).requestTimeout,
    loggerInstance: options.logger === false ? undefined : options.logger,
    logger: options.logger === false ? false : undefined,
    bodyLimit: options.bodyLimitBytes ?? bodyLimitBytesDefault,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : newId('req');
    },
    requestIdHeader: false,
    return503OnClosing: true,
    frameworkErrors: frameworkProblem,
  }).withTypeProvider<TypeBoxTypeProvider>();
  boundConnectionsPerIp(app.server, limits.connectionsPerIpMax, (address) =>
    app.log.warn({ address, connectionsPerIpMax: limits.connectionsPerIpMax }, 'connection refused: too many from one address'),
  );
  app.setValidatorCompiler(validators());
  // The API speaks JSON only; other media types get a 415 rather than a confusing 400.
  app.removeContentTypeParser('text/plain');
  app.addSchema(ProblemSchema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Hutong API',
        version: '1',
        description: 'One API for cross-border payments: wallets, ledger, and (soon) cards, escrow, FX.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'sk_test_… merchant key, or the ok_… operator key' } },
      },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    services.metrics.httpDuration.observe(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  registerInputGuards(app);
  registerAuth(app, services);
  registerIdempotency(app, services);
  registerAudit(app, services);
  app.setErrorHandler((error, request, reply) => {
    const rendered = toProblem(error as Error, instanceOf(request.url), request.id);
    if (rendered.status >= 500) request.log.error({ err: error }, 'request failed');
    services.metrics.problems.inc({ code: rendered.code });
    if (retryLaterProblems.has(rendered.code)) {
      // Not an outcome: the Idempotency-Key is given back, and a retry with it runs again.
      forgetOutcome(request);
      reply.header('retry-after', '1');
    }
    return reply.code(rendered.status).type('application/problem+json').send(rendered);
  });
  app.setNotFoundHandler((request, reply) => {
    const rendered = problem('not_found', `no route ${request.method} ${request.url.split('?')[0]}`, instanceOf(request.url), request.id);
    return reply.code(404).type('application/problem+json').send(rendered);
  });

  registerSystemRoutes(app, services);
  registerMerchantRoutes(app, services);
  registerCustomerRoutes(app, services);
  registerTransferRoutes(app, services);
  registerBalanceRoutes(app, services);
  registerPaymentRoutes(app, services);
  registerEventRoutes(app, services);
  registerWebApiRoutes(app, services);
  registerWebPages(app, services);
  registerFxRoutes(app, services);
  registerEscrowRoutes(app, services);
  registerTestClockRoutes(app, services);
  registerSettlementRoutes(app, services);
  registerBuyerPages(app, services);
  registerOpsRoutes(app, services);
  registerCustomsRoutes(app, services);
  registerInteropRoutes(app, services);
  registerBillpayRoutes(app, services);
  registerRiskRoutes(app, services);
  registerOperatorRoutes(app, services);
  registerRiskFraudRoutes(app, services);
  registerReportRoutes(app, services);
  registerRiskCaseRoutes(app, services);
  return app;
}

/** Maps every kind of error to a problem with a specific code. */
/**
 * A problem's `instance` is the request's path without its query: a query may carry a credential
 * (the escrow buyer link's token), and an error answer must not echo it back.
 */
function instanceOf(url: string): string {
  return url.split('?')[0] ?? url;
}

function toProblem(error: FastifyError | Error, instance: string, requestId: string): Problem {
  if (error instanceof ProblemError) {
    const rendered = { ...problem(error.code, error.message, instance, requestId), ...error.extensions };
    return error.errors === undefined ? rendered : { ...rendered, errors: error.errors };
  }
  if (error instanceof WriterOverloadedError) return problem('overloaded', error.message, instance, requestId);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) {
    const first = fastifyError.validation[0];
    const field = `${fastifyError.validationContext ?? 'body'}${first?.instancePath ?? ''}`;
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    const where = missing !== undefined ? `${field}/${missing}` : extra !== undefined ? `${field}/${extra}` : field;
    const message = extra !== undefined ? 'is not a known field' : (first?.message ?? 'is invalid');
    return {
      ...problem(validationCode(where, missing, first?.keyword), `${where} ${message}`, instance, requestId),
      errors: [{ field: where, message }],
    };
  }
  const byCode: Record<string, ProblemCode> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'json_invalid',
    FST_ERR_CTP_INVALID_JSON_BODY: 'json_invalid',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request_invalid',
  };
  const mapped = fastifyError.code === undefined ? undefined : byCode[fastifyError.code];
  if (mapped !== undefined) return problem(mapped, error.message, instance, requestId);
  if (fastifyError.statusCode === 400 && error instanceof SyntaxError) return problem('json_invalid', error.message, instance, requestId);
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode < 500) {
    const code: ProblemCode = fastifyError.statusCode === 405 ? 'method_not_allowed' : 'request_invalid';
    return problem(code, error.message, instance, requestId);
  }
  return problem('internal_error', 'something went wrong; the request id identifies it in our logs', instance, requestId);
}

/** A wrong amount or currency gets its own code, so clients can branch without parsing text. */
function validationCode(field: string, missing: string | undefined, keyword: string | undefined): ProblemCode {
  if (missing === undefined && /\/amount$/.test(field)) return keyword === 'maximum' ? 'amount_too_large' : 'amount_invalid';
  if (missing === undefined && /\/(\w+_)?currency$/.test(field)) return 'currency_unsupported';
  if (missing === undefined && /\/country$/.test(field)) return 'country_invalid';
  return 'request_invalid';
}

export { problemCatalog };
