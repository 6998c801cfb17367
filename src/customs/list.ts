import { fail, type Failure } from '../core/index.js';
import { CustomsError } from './errors.js';
import type { CustomsDeclaration, CustomsDeps } from './model.js';
import { toDeclaration } from './rows.js';

export interface DeclarationQuery {
  readonly limit?: number;
  readonly cursor?: string;
  readonly paymentId?: string;
  readonly status?: string;
  readonly orderNo?: string;
}

export interface Page<T> {
  readonly data: T[];
  readonly hasMore: boolean;
  readonly nextCursor: string | null;
}

// The same opaque cursor over (created_at, id), newest first, as every other list of the API.
export const pageLimitMax = 100;
const pageLimitDefault = 20;

function decodeCursor(cursor: string): [string, string] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string')
      return [value[0], value[1]];
  } catch {
    // not ours
  }
  return undefined;
}

/** A merchant's declarations (or, for the console, everyone's: `merchantId` undefined), newest first. */
export async function listDeclarations(
  deps: CustomsDeps,
  merchantId: string | undefined,
  request: DeclarationQuery,
): Promise<Page<CustomsDeclaration> | Failure<CustomsError>> {
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
  if (request.cursor !== undefined && after === undefined) return fail(CustomsError.CursorInvalid, 'the cursor was not issued by this API');
  const limit = Math.min(Math.max(request.limit ?? pageLimitDefault, 1), pageLimitMax);
  let query = deps.store.reader.selectFrom('customs_declarations').selectAll();
  if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
  if (request.paymentId !== undefined) query = query.where('payment_id', '=', request.paymentId);
  if (request.status !== undefined) query = query.where('status', '=', request.status);
  if (request.orderNo !== undefined) query = query.where('order_no', '=', request.orderNo);
  if (after !== undefined)
    query = query.where((eb) =>
      eb.or([eb('created_at', '<', after[0]), eb.and([eb('created_at', '=', after[0]), eb('id', '<', after[1])])]),
    );
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    data: kept.map((row) => toDeclaration(row, [])),
    hasMore,
    nextCursor: hasMore && last !== undefined ? Buffer.from(JSON.stringify([last.created_at, last.id])).toString('base64url') : null,
  };
}
