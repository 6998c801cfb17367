import createClient, { type Client, type FetchResponse, type MaybeOptionalInit } from 'openapi-fetch';
import type { HttpMethod, PathsWithMethod, RequiredKeysOf } from 'openapi-typescript-helpers';
import { HutongProblemError, problemOf } from './problem.js';
import { retryingFetch, type RetryInfo, type RetryPolicy } from './retry.js';
import type { paths } from './schema.js';

export interface HutongClientOptions {
  /** Where Hutong answers, e.g. http://127.0.0.1:4000 */
  readonly baseUrl: string;
  /** A merchant's secret key (sk_test_…) or the operator key (ok_…). */
  readonly apiKey: string;
  readonly retry?: Partial<RetryPolicy>;
  /** Told before each retry (for logs). */
  readonly onRetry?: (info: RetryInfo) => void;
  /** The fetch to send with (default the global one). */
  readonly fetch?: (request: Request) => Promise<Response>;
}

type Media = 'application/json';
type InitParam<Init> = RequiredKeysOf<Init> extends never ? [(Init & { [key: string]: unknown })?] : [Init & { [key: string]: unknown }];
type Success<T extends Record<string | number, unknown>, Init> = NonNullable<
  Extract<FetchResponse<T, Init, Media>, { error?: never }>['data']
>;

/** A call that returns the answer's body, or throws HutongProblemError (4xx/5xx) or HutongConnectionError. */
type Call<M extends HttpMethod> = <Path extends PathsWithMethod<paths, M>, Init extends MaybeOptionalInit<paths[Path], M>>(
  url: Path,
  ...init: InitParam<Init>
) => Promise<Success<paths[Path][M] & Record<string | number, unknown>, Init>>;

export interface HutongClient {
  get: Call<'get'>;
  post: Call<'post'>;
  patch: Call<'patch'>;
  delete: Call<'delete'>;
  /** The openapi-fetch client underneath: `{ data, error, response }` instead of throwing. */
  readonly raw: Client<paths, Media>;
}

/**
 * A typed Hutong client. Paths, parameters, bodies and answers are checked against the API's
 * OpenAPI document (src/schema.ts, generated); every POST carries an Idempotency-Key that retries reuse.
 *
 *   const hutong = createHutongClient({ baseUrl, apiKey: 'sk_test_…' });
 *   const payment = await hutong.post('/v1/payments', { body: { amount: 12_800, currency: 'CNY', merchant_order_id: 'A-1' } });
 */
export function createHutongClient(options: HutongClientOptions): HutongClient {
  const raw = createClient<paths, Media>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json, application/problem+json' },
    fetch: retryingFetch({ policy: options.retry, onRetry: options.onRetry, fetch: options.fetch }),
  });
  const unwrap = async (pending: Promise<{ data?: unknown; error?: unknown; response: Response }>) => {
    const { data, error, response } = await pending;
    if (!response.ok) throw new HutongProblemError(problemOf(error, response));
    return data;
  };
  // The casts only forward the generic signature: each method passes its arguments through unchanged.
  return {
    raw,
    get: ((url: never, ...init: never[]) => unwrap(raw.GET(url, ...init))) as Call<'get'>,
    post: ((url: never, ...init: never[]) => unwrap(raw.POST(url, ...init))) as Call<'post'>,
    patch: ((url: never, ...init: never[]) => unwrap(raw.PATCH(url, ...init))) as Call<'patch'>,
    delete: ((url: never, ...init: never[]) => unwrap(raw.DELETE(url, ...init))) as Call<'delete'>,
  };
}
