import fc from 'fast-check';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { accountIdFor, chart } from '../../src/ledger/index.js';
import { createConvertedPaymentLedger, createPaymentLedger } from '../../src/payments/postings.js';
import { createRollups, observeLedger, reports } from '../../src/read-models/index.js';
import type { Database } from '../../src/store/index.js';
import { uniqueOwner, useLedger } from '../support/ledger.js';
import { describeEachStore } from '../support/stores.js';

/**
 * Issue 17 §3: report figures equal what the ledger says, for random payment histories. Each run
 * records payments through the payments module's own postings (automatic capture, a hold captured
 * in part, escrow, a cross-currency capture) and refunds, with the clock moving across hours and
 * days, then reads the reports and compares them with sums over the ledger's postings.
 */
const brands = ['visa', 'mastercard', 'unionpay'] as const;
const channels = ['acq_a', 'acq_b'] as const;
const paymentArb = fc.record({
  mode: fc.constantFrom('now', 'hold', 'escrow', 'fx'),
  gross: fc.integer({ min: 1, max: 5_000_000 }),
  feePermille: fc.integer({ min: 0, max: 100 }),
  capturePermille: fc.integer({ min: 1, max: 1000 }),
  refundPermilles: fc.array(fc.integer({ min: 1, max: 600 }), { maxLength: 2 }),
  brand: fc.constantFrom(...brands),
  channel: fc.constantFrom(...channels),
  advanceMinutes: fc.integer({ min: 0, max: 600 }),
});

describeEachStore('report rollups against the ledger', (dialect) => {
  const f = useLedger(dialect);

  it('captured, refunded, fees, FX margin, net and escrow equal the ledger for random histories', async () => {
    const ledger = observeLedger(f.ledger, createRollups({ exec: f.store.exec }));
    const pl = createPaymentLedger(ledger, accountIdFor);
    const cl = createConvertedPaymentLedger(ledger, accountIdFor);
    const db = f.store.db;
    await fc.assert(
      fc.asyncProperty(fc.array(paymentArb, { minLength: 1, maxLength: 8 }), async (history) => {
        const m = uniqueOwner('m');
        await db
          .insertInto('merchants')
          .values({ id: m, name: m, country: 'CN', settlement_currency: 'USD', status: 'active', created_at: f.clock.now().toISOString() })
          .execute();
        const start = f.clock.now();
        const expected = { captured: new Map<string, bigint>(), refunded: new Map<string, bigint>(), count: 0n, refunds: 0n };
        const bump = (map: Map<string, bigint>, c: string, v: bigint) => map.set(c, (map.get(c) ?? 0n) + v);
        const ids: string[] = [];
        for (const [i, p] of history.entries()) {
          f.clock.advance(p.advanceMinutes * 60_000);
          const id = `pay_${m}_${i}`;
          ids.push(id);
          const currency = p.mode === 'fx' ? 'EUR' : 'USD';
          await insertPayment(db, {
            id,
            merchantId: m,
            currency,
            amount: BigInt(p.gross),
            brand: p.brand,
            channel: p.channel,
            at: f.clock.now(),
          });
          const source = { kind: 'channel' as const, channel: p.channel };
          const gross = BigInt(p.gross);
          const fee = p.mode === 'escrow' ? 0n : (gross * BigInt(p.feePermille)) / 1000n;
          const common = { paymentId: id, merchantId: m, source, currency };
          let captured = gross;
          const ok = await f.writer.run(async (trx) => {
            if (p.mode === 'now' || p.mode === 'escrow') {
              return pl.captureNow(trx, {
                ...common,
                entryId: `${id}:cap`,
                grossMinor: gross,
                feeMinor: fee,
                destination: p.mode === 'escrow' ? 'escrow' : 'merchant',
              });
            }
            if (p.mode === 'fx') {
              const mid = (gross * 11n) / 10n;
              const conversion = { currency: 'USD', midMinor: mid, merchantMinor: (mid * 98n) / 100n };
              return cl.captureNow(trx, { ...common, entryId: `${id}:cap`, grossMinor: gross, feeMinor: fee, conversion });
            }
            captured = (gross * BigInt(p.capturePermille)) / 1000n || 1n;
            const held = await pl.hold(trx, { ...common, entryId: `${id}:auth`, grossMinor: gross });
            expect(held).toHaveProperty('id');
            return pl.captureHold(trx, {
              ...common,
              entryId: `${id}:cap`,
              holdId: `${id}:auth`,
              capturedMinor: captured,
              feeMinor: (captured * BigInt(p.feePermille)) / 1000n,
            });
          });
          expect(
            ok,
            JSON.stringify(ok, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
          ).toHaveProperty('id');
          bump(expected.captured, currency, captured);
          expected.count += 1n;
          let left = captured;
          for (const [j, permille] of p.refundPermilles.entries()) {
            const amount = (captured * BigInt(permille)) / 1000n;
            if (amount === 0n || amount > left) continue;
            left -= amount;
            f.clock.advance(37 * 60_000);
            const refunded = await f.writer.run((trx) =>
              p.mode === 'fx'
                ? cl.refund(trx, {
                    ...common,
                    entryId: `${id}:ref${j}`,
                    refundMinor: amount,
                    feeReturnedMinor: 0n,
                    conversion: { currency: 'USD', midMinor: (amount * 11n) / 10n, merchantMinor: (((amount * 11n) / 10n) * 98n) / 100n },
                  })
                : pl.refund(trx, {
                    ...common,
                    entryId: `${id}:ref${j}`,
                    refundMinor: amount,
                    feeReturnedMinor: 0n,
                    destination: p.mode === 'escrow' ? 'escrow' : 'merchant',
                  }),
            );
            expect(refunded).toHaveProperty('id');
            bump(expected.refunded, currency, amount);
            expected.refunds += 1n;
          }
        }
        const range = {
          from: start.toISOString().slice(0, 10),
          to: f.clock.now().toISOString().slice(0, 10),
          timeZone: 'UTC',
          merchantId: m,
        };
        const totals = await reports.moneyTotals(db, range);
        const of = (c: string) => totals.find((t) => t.currency === c)?.figures;
        // What the ledger says, for this merchant's payments.
        const ledgerSum = async (account: string) => {
          const { rows } = await sql<{
            s: string | null;
          }>`select sum(p.amount) as s from ledger_postings p join ledger_entries e on e.id = p.entry_id
            where p.account_id = ${account} and e.link_id in (${sql.join(ids)}) and e.kind <> 'pending'`.execute(db);
          return BigInt(rows[0]?.s ?? 0);
        };
        for (const c of ['USD', 'EUR']) {
          const got = of(c);
          const want = {
            net: -(await ledgerSum(accountIdFor(chart.merchantPending(m, c)))),
            fees: -(await ledgerSum(accountIdFor(chart.feeRevenue(c)))),
            fx_margin: -(await ledgerSum(accountIdFor(chart.fxRevenue(c)))),
            escrowBalance: -(await ledgerSum(accountIdFor(chart.escrowHeld(m, c)))),
          };
          expect({
            net: got?.net ?? 0n,
            fees: got?.fees ?? 0n,
            fx_margin: got?.fx_margin ?? 0n,
            escrowBalance: (got?.escrow_held ?? 0n) - (got?.escrow_released ?? 0n),
            captured: got?.captured ?? 0n,
            refunded: got?.refunded ?? 0n,
          }).toEqual({ ...want, captured: expected.captured.get(c) ?? 0n, refunded: expected.refunded.get(c) ?? 0n });
        }
        const counted = totals.reduce((s, t) => s + t.figures.captured_count, 0n);
        expect([counted, totals.reduce((s, t) => s + t.figures.refunded_count, 0n)]).toEqual([expected.count, expected.refunds]);
        // Any grouping sums to the totals: days in Shanghai, and the brand breakdown.
        for (const rows of [
          await reports.moneySeries(db, { ...range, from: range.from, timeZone: 'UTC' }, 'day'),
          await reports.moneyBreakdown(db, range, 'brand'),
        ]) {
          const net = rows.filter((r) => r.currency === 'USD').reduce((s, r) => s + r.figures.net, 0n);
          expect(net).toBe(of('USD')?.net ?? 0n);
        }
      }),
      { numRuns: dialect === 'postgres' ? 12 : 25 },
    );
  });
});

async function insertPayment(
  db: import('kysely').Kysely<Database>,
  p: { id: string; merchantId: string; currency: string; amount: bigint; brand: string; channel: string; at: Date },
) {
  const at = p.at.toISOString();
  await db
    .insertInto('payments')
    .values({
      id: p.id,
      merchant_id: p.merchantId,
      merchant_order_id: p.id,
      amount: p.amount,
      currency: p.currency,
      amount_captured: 0n,
      amount_refunded: 0n,
      fee: 0n,
      status: 'processing',
      capture_method: 'automatic',
      description: null,
      metadata: '{}',
      customer_id: null,
      return_url: null,
      method_type: 'card',
      card_id: null,
      card_brand: p.brand,
      card_last4: '4242',
      card_expiry_yymm: null,
      channel: p.channel,
      hold_entry_id: null,
      three_ds_transaction_id: null,
      next_action_url: null,
      next_action_qr: null,
      last_error_code: null,
      last_error_message: null,
      request_digest: 'x',
      expires_at: at,
      created_at: at,
      updated_at: at,
    })
    .execute();
}
