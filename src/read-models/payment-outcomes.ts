import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';

/**
 * Read model for fraud rule backtests (src/risk, docs/risk.md): the status of payments (owned by
 * payments) that risk's decisions name, so a backtest can say what a rule would have caught
 * (succeeded, refunded, disputed…) without risk reading the payments table itself.
 */
export async function paymentOutcomes(
  db: Kysely<Database>,
  paymentIds: readonly string[],
): Promise<Map<string, { status: string; refundedMinor: bigint }>> {
  const out = new Map<string, { status: string; refundedMinor: bigint }>();
  for (let i = 0; i < paymentIds.length; i += 500) {
    const rows = await db
      .selectFrom('payments')
      .select(['id', 'status', 'amount_refunded'])
      .where('id', 'in', paymentIds.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.id, { status: r.status, refundedMinor: BigInt(r.amount_refunded) });
  }
  return out;
}
