import fc from 'fast-check';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { useTestApp } from '../../test/support/app.js';
import { describeEachStore } from '../../test/support/stores.js';
import { isFailure } from '../core/failure.js';
import { verifyLedger } from '../ledger/index.js';
import { amount } from '../money/index.js';

describeEachStore('wallets under concurrency', (dialect) => {
  const t = useTestApp(dialect);

  it('concurrent transfers out of one wallet never push it below zero', async () => {
    const { parties, wallets, store } = t.hutong.services;
    const m = await t.makeMerchant();
    const source = await t.makeCustomer(m.key, 'payer');
    const sinks = await Promise.all(Array.from({ length: 5 }, (_, i) => t.makeCustomer(m.key, `sink${i}`)));
    await wallets.topUp(m.id, source, { amount: amount(1_000n, 'CNY') });
    // 50 concurrent transfers of 30 from a wallet of 1,000: exactly 33 can succeed.
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        wallets.transfer(m.id, { sourceId: source, destinationId: sinks[i % 5]!, amount: amount(30n, 'CNY') }),
      ),
    );
    const ok = results.filter((r) => !isFailure(r));
    expect(ok).toHaveLength(33);
    expect(new Set(results.flatMap((r) => (isFailure(r) ? [r.failure] : [])))).toEqual(new Set(['insufficient_funds']));
    const balance = await wallets.customerBalances(m.id, source);
    expect(!isFailure(balance) && balance[0]!.availableMinor).toBe(10n);
    expect((await verifyLedger(store.reader)).ok).toBe(true);
    expect(await parties.getCustomer(m.id, source)).toBeTruthy();
  });

  it('property: random concurrent top-ups, transfers and withdrawals keep each currency at zero and no wallet below zero', async () => {
    const { wallets, store } = t.hutong.services;
    const m = await t.makeMerchant();
    const customers = await Promise.all(Array.from({ length: 6 }, (_, i) => t.makeCustomer(m.key, `p${i}`)));
    const currencies = ['CNY', 'USD', 'JPY', 'KWD'] as const;
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('top_up' as const),
        to: fc.nat(5),
        currency: fc.constantFrom(...currencies),
        minor: fc.bigInt(1n, 5_000n),
      }),
      fc.record({
        kind: fc.constant('transfer' as const),
        from: fc.nat(5),
        to: fc.nat(6),
        currency: fc.constantFrom(...currencies),
        minor: fc.bigInt(1n, 5_000n),
      }),
      fc.record({
        kind: fc.constant('withdrawal' as const),
        from: fc.nat(5),
        currency: fc.constantFrom(...currencies),
        minor: fc.bigInt(1n, 5_000n),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
        await Promise.all(
          ops.map((o) => {
            const value = amount(o.minor, o.currency);
            if (o.kind === 'top_up') return wallets.topUp(m.id, customers[o.to]!, { amount: value });
            if (o.kind === 'withdrawal') return wallets.withdraw(m.id, customers[o.from]!, { amount: value });
            // Index 6 is the merchant itself.
            const destination = o.to === 6 ? m.id : customers[o.to]!;
            return wallets.transfer(m.id, { sourceId: customers[o.from]!, destinationId: destination, amount: value });
          }),
        );
        const totals = await sql<{ currency: string; net: bigint }>`
          select currency, sum(debits_posted - credits_posted) as net from ledger_accounts group by currency`.execute(store.reader);
        for (const row of totals.rows) expect(row.net, row.currency).toBe(0n);
        const negative = await sql<{
          id: string;
        }>`select id from ledger_accounts where no_negative = 1 and credits_posted - debits_posted - debits_pending < 0`.execute(
          store.reader,
        );
        expect(negative.rows).toEqual([]);
        const report = await verifyLedger(store.reader);
        expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });
});
