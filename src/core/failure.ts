/**
 * Business failures are values, not exceptions (STYLE.md, after Rafiki): a service returns
 * `T | Failure<E>`, and the API maps each error code to an HTTP status in one table.
 * Exceptions stay for bugs and I/O.
 */
export interface Failure<E extends string = string> {
  readonly failure: E;
  readonly detail: string;
}

export function fail<E extends string>(failure: E, detail: string): Failure<E> {
  return { failure, detail };
}

export function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && typeof (value as { failure?: unknown }).failure === 'string';
}
