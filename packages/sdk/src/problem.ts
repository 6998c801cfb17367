import type { components } from './schema.js';

/** The problem+json body every Hutong error answers with (RFC 9457 plus a stable `code`). */
export type Problem = components['schemas']['Problem'];

/**
 * A request Hutong refused or failed: the problem+json fields as properties. `code` is the stable
 * value to branch on (`amount_invalid`, `card_declined`, …); `status` the HTTP status.
 */
export class HutongProblemError extends Error {
  override readonly name = 'HutongProblemError';
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly instance: string;
  readonly requestId: string;
  readonly errors: NonNullable<Problem['errors']>;
  readonly declineCode: string | undefined;
  readonly declineMessage: string | undefined;
  /** The body as Hutong sent it. */
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.problem = problem;
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.instance = problem.instance;
    this.requestId = problem.request_id;
    this.errors = problem.errors ?? [];
    this.declineCode = problem.decline_code;
    this.declineMessage = problem.decline_message;
  }
}

/**
 * The problem in an error answer. An answer that is not problem+json (a proxy's HTML 502, an empty
 * body) becomes a problem with code `http_<status>`, so callers always get one kind of error.
 */
export function problemOf(body: unknown, response: Response): Problem {
  if (isProblem(body)) return body;
  const detail = typeof body === 'string' && body !== '' ? body.slice(0, 500) : `HTTP ${response.status} ${response.statusText}`.trim();
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    code: `http_${response.status}`,
    detail,
    instance: new URL(response.url || 'http://unknown/').pathname,
    request_id: response.headers.get('x-request-id') ?? '',
  };
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const fields = body as Record<string, unknown>;
  return typeof fields.code === 'string' && typeof fields.status === 'number' && typeof fields.detail === 'string';
}
