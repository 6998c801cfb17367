import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';

/**
 * Global search (issue 17 §3, docs/reports.md): one box for a payment id, a merchant order id, a
 * card's last four digits with the amount, an RRN (the acquirer's retrieval reference, DE 37, kept
 * on the attempt), a waybill (escrow trades) or a customer's email. Reads `payments`,
 * `payment_attempts` (payments), `escrows` (escrow) and `customers` (parties): every lookup is an
 * exact match on an index, and every one is filtered by the merchant when a merchant searches.
 */
export interface SearchQuery {
  readonly q: string;
  /** Minor units: with four digits in `q`, the card's last four and this amount. */
  readonly amountMinor?: bigint;
  /** Absent: the operator, every merchant. */
  readonly merchantId?: string;
  readonly limit: number;
}

export interface SearchHit {
  readonly object: 'payment' | 'customer' | 'escrow';
  readonly id: string;
  readonly merchantId: string;
  /** What matched: payment_id, order_id, card_last4_amount, rrn, waybill, email. */
  readonly matched: string;
  readonly currency: string | null;
  readonly amountMinor: bigint | null;
  readonly status: string | null;
  readonly createdAt: string;
}

const paymentCols = ['p.id', 'p.merchant_id', 'p.currency', 'p.amount', 'p.status', 'p.created_at'] as const;

export async function search(db: Kysely<Database>, query: SearchQuery): Promise<SearchHit[]> {
  const q = query.q.trim();
  const m = query.merchantId;
  const hits: SearchHit[] = [];
  const payment =
    (matched: string) => (r: { id: string; merchant_id: string; currency: string; amount: bigint; status: string; created_at: string }) =>
      hits.push({
        object: 'payment',
        id: r.id,
        merchantId: r.merchant_id,
        matched,
        currency: r.currency,
        amountMinor: BigInt(r.amount),
        status: r.status,
        createdAt: r.created_at,
      });
  const payments = () => {
    let b = db.selectFrom('payments as p').select(paymentCols);
    if (m !== undefined) b = b.where('p.merchant_id', '=', m);
    return b;
  };
  const lookups: Promise<void>[] = [];
  if (q.startsWith('pay_'))
    lookups.push(
      payments()
        .where('p.id', '=', q)
        .execute()
        .then((rows) => void rows.forEach(payment('payment_id'))),
    );
  lookups.push(
    payments()
      .where('p.merchant_order_id', '=', q)
      .limit(query.limit)
      .execute()
      .then((rows) => void rows.forEach(payment('order_id'))),
  );
  if (/^\d{4}$/.test(q) && query.amountMinor !== undefined) {
    lookups.push(
      payments()
        .where('p.card_last4', '=', q)
        .where('p.amount', '=', query.amountMinor)
        .orderBy('p.created_at', 'desc')
        .limit(query.limit)
        .execute()
        .then((rows) => void rows.forEach(payment('card_last4_amount'))),
    );
  }
  lookups.push(
    payments()
      .innerJoin('payment_attempts as a', 'a.payment_id', 'p.id')
      .where('a.reference', '=', q)
      .distinct()
      .limit(query.limit)
      .execute()
      .then((rows) => void rows.forEach(payment('rrn'))),
  );
  let escrows = db
    .selectFrom('escrows')
    .select(['id', 'merchant_id', 'currency', 'amount', 'status', 'created_at'])
    .where('waybill_number', '=', q);
  if (m !== undefined) escrows = escrows.where('merchant_id', '=', m);
  lookups.push(
    escrows
      .limit(query.limit)
      .execute()
      .then(
        (rows) =>
          void rows.forEach((r) =>
            hits.push({
              object: 'escrow',
              id: r.id,
              merchantId: r.merchant_id,
              matched: 'waybill',
              currency: r.currency,
              amountMinor: BigInt(r.amount),
              status: r.status,
              createdAt: r.created_at,
            }),
          ),
      ),
  );
  if (q.includes('@')) {
    let customers = db
      .selectFrom('customers')
      .select(['id', 'merchant_id', 'created_at'])
      .where('email', 'in', [...new Set([q, q.toLowerCase()])]);
    if (m !== undefined) customers = customers.where('merchant_id', '=', m);
    lookups.push(
      customers
        .limit(query.limit)
        .execute()
        .then(
          (rows) =>
            void rows.forEach((r) =>
              hits.push({
                object: 'customer',
                id: r.id,
                merchantId: r.merchant_id,
                matched: 'email',
                currency: null,
                amountMinor: null,
                status: null,
                createdAt: r.created_at,
              }),
            ),
        ),
    );
  }
  await Promise.all(lookups);
  const seen = new Set<string>();
  return hits
    .filter((h) => !seen.has(`${h.object}/${h.id}`) && seen.add(`${h.object}/${h.id}`))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
    .slice(0, query.limit);
}

/** A page of a merchant's payments in a time range, oldest first, for exports (keyset on created_at, id). */
export async function paymentsForExport(
  db: Kysely<Database>,
  p: { merchantId: string; fromIso: string; toIso: string; after?: { createdAt: string; id: string }; limit: number },
) {
  let b = db
    .selectFrom('payments')
    .select([
      'id',
      'merchant_order_id',
      'status',
      'currency',
      'amount',
      'amount_captured',
      'amount_refunded',
      'fee',
      'method_type',
      'card_brand',
      'card_last4',
      'channel',
      'customer_id',
      'created_at',
    ])
    .where('merchant_id', '=', p.merchantId)
    .where('created_at', '>=', p.fromIso)
    .where('created_at', '<', p.toIso);
  if (p.after !== undefined) {
    const a = p.after;
    b = b.where((eb) => eb.or([eb('created_at', '>', a.createdAt), eb.and([eb('created_at', '=', a.createdAt), eb('id', '>', a.id)])]));
  }
  return b.orderBy('created_at').orderBy('id').limit(p.limit).execute();
}
