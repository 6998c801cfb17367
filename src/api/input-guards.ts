import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem, problemCatalog, ProblemError, type ProblemCode } from './problems.js';

/**
 * Guards at the edge, before validation and before any service runs (issue 12, "Input"):
 *
 * - A NUL character (U+0000) anywhere in the path, the query or a body string is refused. PostgreSQL
 *   cannot store it in text (a 500), SQLite stores it silently; neither is a value anyone means.
 * - A route that takes a body takes a JSON object: `null`, an array, a string or a number is a 400,
 *   never "no body" (a `null` partial capture used to capture the full amount).
 * - A route that takes no body refuses one, so a client's misplaced parameters are not ignored. An
 *   empty object `{}` is let through: it carries nothing, and many clients send it on every POST.
 *
 * Routes that read their body as raw text (wallet notifications, signed over the exact bytes) say so
 * with `config: { rawBody: true }`; they get the NUL check on their path only.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads the body as the exact text that arrived (signature over raw bytes). */
    rawBody?: boolean;
  }
}

/** Fastify's router default (maxParamLength); a longer segment is a 414. */
const pathParamLengthMax = 100;
/** How much of an over-long path a problem's `instance` echoes back. */
const pathShownMax = 200;

/** How deep a body may nest before it is refused rather than walked. */
const bodyDepthMax = 32;

export function registerInputGuards(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (hasNul(request.url)) throw new ProblemError('request_invalid', 'the path or query contains a NUL character (%00)');
  });
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.config.rawBody === true) return;
    const takesBody = request.routeOptions.schema?.body !== undefined;
    const arrived = bodyArrived(request);
    if (!takesBody) {
      if (arrived && !isEmptyObject(request.body))
        throw new ProblemError('request_invalid', `${request.method} ${request.routeOptions.url ?? ''} takes no body; send none`);
      return;
    }
    if (!arrived) return;
    if (request.body === null || typeof request.body !== 'object' || Array.isArray(request.body))
      throw new ProblemError('request_invalid', `the body must be a JSON object, not ${describe(request.body)}`);
    const where = nulPath(request.body, 'body', 0);
    if (where !== undefined)
      throw new ProblemError('request_invalid', `${where} contains a NUL character (\\u0000)`, [
        { field: where, message: 'contains a NUL character' },
      ]);
  });
}

/** A body arrived when the parser produced one, `null` included (JSON `null` is a body). */
function bodyArrived(request: FastifyRequest): boolean {
  if (request.body !== undefined) return true;
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

function hasNul(url: string): boolean {
  return url.includes('\u0000') || /%00/i.test(url);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The JSON pointer-ish path of the first string (value or key) holding a NUL, if any. */
function nulPath(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= bodyDepthMax) throw new ProblemError('request_invalid', `the body nests deeper than ${bodyDepthMax} levels`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}/${i}`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) return `${path}/${key.replaceAll('\u0000', '\\u0000')}`;
    const found = nulPath(inner, `${path}/${key}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Errors the router raises before any route or hook runs (a path segment over the router's length
 * bound, a malformed percent-encoding) answer as problem documents like every other error.
 */
export function frameworkProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const code: ProblemCode = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'uri_too_long' : 'request_invalid';
  const detail =
    code === 'uri_too_long' ? `a path segment is longer than ${pathParamLengthMax} characters` : 'the path is not valid percent-encoding';
  const instance = (request.raw.url ?? '').split('?')[0]?.slice(0, pathShownMax) ?? '';
  void reply
    .code(problemCatalog[code].status)
    .type('application/problem+json')
    .send(problem(code, detail, instance, request.id));
}
