import type { SelectQueryBuilder } from 'kysely';

/** Lists page by an opaque cursor over (created_at, id), newest first; `limit` is bounded. */
export const pageLimitMax = 100;
export const pageLimitDefault = 20;

export interface PageRequest {
  readonly limit?: number;
  readonly cursor?: string;
}

export interface Page<T> {
  readonly data: T[];
  readonly hasMore: boolean;
  readonly nextCursor: string | null;
}

export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** Undefined when the cursor was not made by us: the API answers that with a 400. */
export function decodeCursor(cursor: string): { createdAt: string; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  return undefined;
}

export function pageLimit(request: PageRequest): number {
  return Math.min(Math.max(request.limit ?? pageLimitDefault, 1), pageLimitMax);
}

/** Applies cursor, order and limit+1 to a query over a table with created_at and id columns. */
export function pageQuery<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  after: { createdAt: string; id: string } | undefined,
  limit: number,
): SelectQueryBuilder<DB, TB, O> {
  // Kysely cannot type column names generically here; the callers' tables all have both columns.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let q = query as SelectQueryBuilder<any, any, O>;
  if (after !== undefined) {
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
    );
  }
  return q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1) as SelectQueryBuilder<DB, TB, O>;
}

export function toPage<Row extends { created_at: string; id: string }, T>(rows: Row[], limit: number, map: (row: Row) => T): Page<T> {
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { data: kept.map(map), hasMore, nextCursor: hasMore && last !== undefined ? encodeCursor(last.created_at, last.id) : null };
}
