import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../parties/service.js';
import type { ApiServices, AuthRequirement } from './context.js';
import { ProblemError } from './problems.js';

/** Bearer authentication: merchant secret keys (sk_…) and the operator key (ok_…). */
export function registerAuth(app: FastifyInstance, services: ApiServices): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    const requirement: AuthRequirement = request.routeOptions.config.auth ?? 'none';
    if (requirement === 'none') return;
    request.principal = await principalOf(request, services);
    const kind = request.principal.type;
    if (requirement !== 'any' && requirement !== kind) {
      throw new ProblemError('forbidden', requirement === 'operator' ? 'this endpoint needs the operator key' : 'this endpoint needs a merchant secret key');
    }
  });
}

async function principalOf(request: FastifyRequest, services: ApiServices): Promise<Principal> {
  const header = request.headers.authorization;
  if (header === undefined || header === '') throw new ProblemError('authentication_required', 'send Authorization: Bearer <secret key>');
  const match = /^Bearer ([A-Za-z0-9_-]{8,200})$/.exec(header);
  if (match === null) throw new ProblemError('api_key_invalid', 'the Authorization header must be "Bearer <secret key>"');
  const principal = await services.parties.authenticate(match[1] as string);
  if (principal === undefined) throw new ProblemError('api_key_invalid', 'the API key is unknown, revoked, or its merchant is suspended');
  return principal;
}

/** The calling merchant's id; routes with auth 'merchant' always have one. */
export function merchantIdOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.type !== 'merchant') throw new ProblemError('forbidden', 'this endpoint needs a merchant secret key');
  return principal.merchantId;
}

export function scopeOf(principal: Principal | undefined): string {
  return principal === undefined ? 'anonymous' : principal.type === 'operator' ? 'operator' : principal.merchantId;
}
