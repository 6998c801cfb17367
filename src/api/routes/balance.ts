import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { merchantIdOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { BalanceView } from '../presenters.js';
import { problemResponses } from '../schemas.js';
import { amount as amountOf, toJSONMinor } from '../../money/index.js';

/**
 * A merchant's money in every state, per currency (issue 12: the balance of a merchant paid only by
 * card or wallet used to be empty). `available` is the merchant's spendable wallet balance as
 * before; the other states are the ledger accounts a payment's money moves through on its way to
 * the merchant's bank: earned but not yet settled, held in escrow, withheld as rolling reserve,
 * settled and on its way out in a payout. `total` is their sum.
 */
const FundsView = Type.Intersect([
  BalanceView,
  Type.Object({
    pending_settlement: Type.Integer({ description: 'Captured net of fees, not yet settled (may be negative: refunds after settlement)' }),
    escrow: Type.Integer({ description: "Buyers' money held for your escrow trades until release" }),
    reserve: Type.Integer({ description: 'Withheld by the rolling reserve, released after its hold days' }),
    in_payout: Type.Integer({ description: 'Settled and on its way to your bank account' }),
    total: Type.Integer({ description: 'available (posted) + pending_settlement + escrow + reserve + in_payout' }),
  }),
]);

/** Account code → the balance field its posted balance shows as. */
const stateOf: Readonly<Record<string, 'pending_settlement' | 'escrow' | 'reserve' | 'in_payout'>> = {
  pending: 'pending_settlement',
  escrow: 'escrow',
  reserve: 'reserve',
  payout: 'in_payout',
};

export function registerBalanceRoutes(fastify: FastifyInstance, services: ApiServices): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/balance',
    {
      config: { auth: 'merchant' },
      schema: {
        tags: ['balance'],
        summary: "The calling merchant's money in every state, one entry per currency",
        response: { 200: Type.Object({ object: Type.Literal('balance'), data: Type.Array(FundsView) }), ...problemResponses },
      },
    },
    async (request) => {
      const accounts = await services.wallets.merchantAccountBalances(merchantIdOf(request));
      const byCurrency = new Map<
        string,
        Record<'available' | 'pending' | 'posted' | 'pending_settlement' | 'escrow' | 'reserve' | 'in_payout', bigint>
      >();
      for (const a of accounts) {
        const state = a.code === 'available' ? undefined : stateOf[a.code];
        if (a.code !== 'available' && state === undefined) continue;
        const row = byCurrency.get(a.currency) ?? {
          available: 0n,
          pending: 0n,
          posted: 0n,
          pending_settlement: 0n,
          escrow: 0n,
          reserve: 0n,
          in_payout: 0n,
        };
        if (state === undefined) Object.assign(row, { available: a.availableMinor, pending: a.pendingOutMinor, posted: a.postedMinor });
        else row[state] += a.postedMinor;
        byCurrency.set(a.currency, row);
      }
      const data = [...byCurrency.entries()]
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([currency, r]) => {
          const minor = (value: bigint) => toJSONMinor(amountOf(value, currency));
          const total = r.posted + r.pending_settlement + r.escrow + r.reserve + r.in_payout;
          return {
            currency,
            available: minor(r.available),
            pending: minor(r.pending),
            posted: minor(r.posted),
            pending_settlement: minor(r.pending_settlement),
            escrow: minor(r.escrow),
            reserve: minor(r.reserve),
            in_payout: minor(r.in_payout),
            total: minor(total),
          };
        });
      return { object: 'balance' as const, data };
    },
  );
}
