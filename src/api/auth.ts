import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../parties/index.js';
import type { ApiServices, AuthRequirement } from './context.js';
import { ProblemError } from './problems.js';
import { checkoutTokenPrefix, sameToken } from '../web/index.js';
import { isFailure } from '../core/index.js';
import { mayAct, operatorSessionPrefix, type Operator } from '../risk/index.js';
import { operatorAreaOf } from './operator-access.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in operator account (an `os_` session); undefined for the `ok_` key (role automation). */
    operatorAccount: Operator | undefined;
  }
}

/** Bearer authentication: merchant secret keys (sk_…) and the operator key (ok_…). */
export function registerAuth(app: FastifyInstance, services: ApiServices): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('operatorAccount', undefined);
  app.addHook('onRequest', async (request) => {
    const requirement: AuthRequirement = request.routeOptions.config.auth ?? 'none';
    if (requirement === 'none') return;
    request.principal = await principalOf(request, services);
    const kind = request.principal.type;
    if (kind === 'checkout') {
      // A cashier's token reads and confirms its own payment, nothing else.
      const id = (request.params as { id?: string } | undefined)?.id;
      if (request.routeOptions.config.checkout === true && requirement === 'merchant' && id === request.principal.paymentId) return;
      throw new ProblemError('forbidden', 'a checkout session may only read and confirm its own payment');
    }
    if (requirement !== 'any' && requirement !== kind) {
      throw new ProblemError(
        'forbidden',
        requirement === 'operator' ? 'this endpoint needs the operator key' : 'this endpoint needs a merchant secret key',
      );
    }
    if (kind === 'operator') {
      // Least privilege (issue 16): the route's area must be granted to the operator's role.
      const role = request.operatorAccount?.role ?? 'automation';
      const area = operatorAreaOf(request.method, request.routeOptions.url ?? '');
      if (!mayAct(role, area)) throw new ProblemError('operator_forbidden', `the ${role} role may not do this (${area})`);
    }
  });
}

async function principalOf(request: FastifyRequest, services: ApiServices): Promise<Principal> {
  const header = request.headers.authorization;
  if ((header === undefined || header === '') && cookieOf(request, sessionCookie) !== undefined) return sessionPrincipal(request, services);
  if (header === undefined || header === '') throw new ProblemError('authentication_required', 'send Authorization: Bearer <secret key>');
  const match = /^Bearer ([A-Za-z0-9_-]{8,200})$/.exec(header);
  if (match === null) throw new ProblemError('api_key_invalid', 'the Authorization header must be "Bearer <secret key>"');
  if ((match[1] as string).startsWith(checkoutTokenPrefix)) {
    const checkout = await services.web.checkoutPrincipal(match[1] as string);
    if (isFailure(checkout)) throw new ProblemError('merchant_suspended', checkout.detail);
    if (checkout === undefined)
      throw new ProblemError('checkout_session_not_found', 'the checkout session is unknown or expired; ask the shop for a new link');
    return checkout;
  }
  if ((match[1] as string).startsWith(operatorSessionPrefix)) {
    const operator = await services.risk.operators.authenticate(match[1] as string);
    if (operator === undefined) throw new ProblemError('authentication_required', 'the operator session is unknown, expired or signed out');
    request.operatorAccount = operator;
    return { type: 'operator' };
  }
  const principal = await services.parties.authenticate(match[1] as string);
  if (principal === undefined) throw new ProblemError('api_key_invalid', 'the API key is unknown, revoked, or its merchant is suspended');
  return principal;
}

/**
 * The dashboard and the operator console: an httpOnly SameSite=Strict session cookie, and on every
 * unsafe method the X-CSRF-Token header, which must equal the session's token (double submit: the
 * page reads it from the hutong_csrf cookie, which another site can neither read nor set).
 */
export const sessionCookie = 'hutong_session';
export const csrfCookie = 'hutong_csrf';

export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

async function sessionPrincipal(request: FastifyRequest, services: ApiServices): Promise<Principal> {
  const cookie = cookieOf(request, sessionCookie) as string;
  if (cookie.startsWith(operatorSessionPrefix)) {
    // The console signed in with an operator account (issue 16): the cookie is the os_ session.
    const operatorSession = await services.risk.operators.session(cookie);
    if (operatorSession === undefined || operatorSession.csrfToken === '')
      throw new ProblemError('authentication_required', 'the session expired or was signed out; sign in again');
    checkCsrf(request, operatorSession.csrfToken);
    request.operatorAccount = operatorSession.operator;
    return { type: 'operator' };
  }
  const session = await services.web.webSession(cookie);
  if (session === undefined) throw new ProblemError('authentication_required', 'the session expired; sign in again');
  checkCsrf(request, session.csrfToken);
  return session.principal;
}

function checkCsrf(request: FastifyRequest, expected: string): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const given = request.headers['x-csrf-token'];
    if (typeof given !== 'string' || !sameToken(given, expected))
      throw new ProblemError('csrf_token_invalid', 'send the X-CSRF-Token header with the token from the hutong_csrf cookie');
  }
}

/** The calling merchant's id; routes with auth 'merchant' always have one. */
export function merchantIdOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.type === 'checkout') return principal.merchantId;
  if (principal?.type !== 'merchant') throw new ProblemError('forbidden', 'this endpoint needs a merchant secret key');
  return principal.merchantId;
}

export function scopeOf(principal: Principal | undefined): string {
  if (principal?.type === 'checkout') return `checkout:${principal.sessionId}`;
  return principal === undefined ? 'anonymous' : principal.type === 'operator' ? 'operator' : principal.merchantId;
}
