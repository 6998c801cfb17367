import type { Database } from '../store/index.js';
import type { Kysely } from 'kysely';

/**
 * Read model for the large-value transaction report (src/risk, docs/risk.md): a day's succeeded
 * wallet movements (`wallet_movements`, owned by wallets), summed per party, direction and
 * currency. Customers are natural persons; a merchant receiving a transfer is another party.
 */
export interface PartyDayTotal {
  readonly partyId: string;
  readonly partyKind: 'natural_person' | 'other';
  readonly merchantId: string;
  readonly direction: 'paid' | 'received';
  readonly currency: string;
  readonly totalMinor: bigint;
  readonly count: number;
  /** Cross-border totals have thresholds of their own (absent: domestic). */
  readonly scope?: 'domestic' | 'cross_border';
}

export async function walletDayTotals(db: Kysely<Database>, range: { fromIso: string; toIso: string }): Promise<PartyDayTotal[]> {
  const base = db
    .selectFrom('wallet_movements')
    .where('status', '=', 'succeeded')
    .where('type', 'in', ['transfer', 'withdrawal'])
    .where('created_at', '>=', range.fromIso)
    .where('created_at', '<', range.toIso);
  const paid = await base
    .select((eb) => [
      'source_id as party',
      'merchant_id',
      'currency',
      eb.fn.sum<bigint>('amount').as('total'),
      eb.fn.countAll<bigint>().as('n'),
    ])
    .where('source_id', 'is not', null)
    .groupBy(['source_id', 'merchant_id', 'currency'])
    .execute();
  const received = await base
    .select((eb) => [
      'destination_id as party',
      'merchant_id',
      'currency',
      eb.fn.sum<bigint>('amount').as('total'),
      eb.fn.countAll<bigint>().as('n'),
    ])
    .where('destination_id', 'is not', null)
    .groupBy(['destination_id', 'merchant_id', 'currency'])
    .execute();
  const row =
    (direction: PartyDayTotal['direction']) =>
    (r: (typeof paid)[number]): PartyDayTotal => ({
      partyId: r.party as string,
      partyKind: r.party === r.merchant_id ? 'other' : 'natural_person',
      merchantId: r.merchant_id,
      direction,
      currency: r.currency,
      totalMinor: BigInt(r.total),
      count: Number(r.n),
    });
  return [...paid.map(row('paid')), ...received.map(row('received'))];
}

/** One succeeded wallet movement of a day, for the suspicious-activity scan (src/risk/cases.ts). */
export interface DayMovementRow {
  readonly id: string;
  readonly merchantId: string;
  readonly type: 'top_up' | 'transfer' | 'withdrawal';
  readonly sourceId: string | null;
  readonly destinationId: string | null;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly createdAt: string;
}

export async function walletDayMovements(db: Kysely<Database>, range: { fromIso: string; toIso: string }): Promise<DayMovementRow[]> {
  const rows = await db
    .selectFrom('wallet_movements')
    .select(['id', 'merchant_id', 'type', 'source_id', 'destination_id', 'currency', 'amount', 'created_at'])
    .where('status', '=', 'succeeded')
    .where('type', 'in', ['top_up', 'transfer', 'withdrawal'])
    .where('created_at', '>=', range.fromIso)
    .where('created_at', '<', range.toIso)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    merchantId: r.merchant_id,
    type: r.type as DayMovementRow['type'],
    sourceId: r.source_id,
    destinationId: r.destination_id,
    currency: r.currency,
    amountMinor: BigInt(r.amount),
    createdAt: r.created_at,
  }));
}

/**
 * Cross-border totals of a day for the large-value report: captured import orders (`payment_fx`,
 * owned by fx) summed per payer (a natural person, the order's customer) and presentment currency,
 * by the day they were captured.
 */
export async function crossBorderDayTotals(db: Kysely<Database>, range: { fromIso: string; toIso: string }): Promise<PartyDayTotal[]> {
  const rows = await db
    .selectFrom('payment_fx')
    .select((eb) => [
      'customer_id',
      'merchant_id',
      'presentment_currency',
      eb.fn.sum<bigint>('captured_presentment').as('total'),
      eb.fn.countAll<bigint>().as('n'),
    ])
    .where('import_order', '=', 1n)
    .where('customer_id', 'is not', null)
    .where('captured_at', '>=', range.fromIso)
    .where('captured_at', '<', range.toIso)
    .groupBy(['customer_id', 'merchant_id', 'presentment_currency'])
    .execute();
  return rows.map((r) => ({
    partyId: r.customer_id as string,
    partyKind: 'natural_person' as const,
    merchantId: r.merchant_id,
    direction: 'paid' as const,
    currency: r.presentment_currency,
    totalMinor: BigInt(r.total),
    count: Number(r.n),
    scope: 'cross_border' as const,
  }));
}
