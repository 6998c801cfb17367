import type { FastifyInstance } from 'fastify';
import type { ApiServices } from './context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The object before an operator's change, set by routes that can read it (the audit log keeps it). */
    auditBefore: unknown;
  }
}

/**
 * Every operator action that changes something (any method but GET/HEAD, answered below 400) goes
 * to the audit log before its answer leaves: who, the route, the object's id, the object before
 * (when the route knows it) and after (the answer, secrets removed), and the request id.
 */
export function registerAudit(app: FastifyInstance, services: ApiServices): void {
  app.decorateRequest('auditBefore', undefined);
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.principal?.type !== 'operator' || request.method === 'GET' || request.method === 'HEAD' || reply.statusCode >= 400)
      return payload;
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    let after: unknown = null;
    if (typeof payload === 'string' && payload !== '') {
      try {
        after = JSON.parse(payload);
      } catch {
        after = null;
      }
    }
    await services.risk.audit.append({
      actor: request.operatorAccount === undefined ? 'operator' : `operator:${request.operatorAccount.login}`,
      action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
      target: params.id ?? params.level ?? params.payment ?? undefined,
      before: request.auditBefore ?? undefined,
      after,
      requestId: request.id,
    });
    return payload;
  });
}
