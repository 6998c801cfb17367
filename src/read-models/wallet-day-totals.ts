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
