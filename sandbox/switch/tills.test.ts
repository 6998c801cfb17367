import fc from 'fast-check';
import { expect, it } from 'vitest';
import { openJournal } from './journal.js';
import { defaultWalletLimits } from './limits.js';
import { sandboxParticipants } from './participants.js';
import { createTills, type IssuedCode, type TillCharge } from './tills.js';

/**
 * The sandbox switch's till charges as a state machine, under any interleaving of charges (the same
 * order reference asked again, or another till with the same code), confirmations, queries,
 * reversals and refunds: the shopper's money is conserved (balance + what merchants keep = start),
 * a code pays at most once, the balance never goes negative, and refunds never exceed the charge.
 */
const start = 500_000n;

const op = fc.oneof(
  fc.record({ kind: fc.constant('charge' as const), order: fc.integer({ min: 0, max: 3 }), amount: fc.integer({ min: 1, max: 300_000 }) }),
  fc.record({ kind: fc.constant('confirm' as const), approve: fc.boolean() }),
  fc.record({ kind: fc.constant('query' as const), order: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('reverse' as const), order: fc.integer({ min: 0, max: 3 }) }),
  fc.record({
    kind: fc.constant('refund' as const),
    order: fc.integer({ min: 0, max: 3 }),
    refund: fc.integer({ min: 0, max: 2 }),
    amount: fc.integer({ min: 1, max: 300_000 }),
  }),
);

it('conserves the shopper’s money, pays a code once and never refunds more than was paid', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
      const balances = new Map<string, bigint>();
      const charges = new Map<string, TillCharge>();
      const codes = new Map<string, IssuedCode>();
      const bookings = new Map<string, { amountMinor: bigint; kind?: string; voided?: boolean }>();
      let seq = 0;
      const tills = createTills({
        participants: () => sandboxParticipants(undefined, 'k'),
        codes,
        charges,
        journal: openJournal(undefined),
        limits: { ...defaultWalletLimits, dynamicDailyMaxMinor: 10_000_000n },
        now: () => 0,
        nextReference: () => `SW${++seq}`,
        balanceOf: (key) => balances.get(key) ?? start,
        setBalance: (key, value) => void balances.set(key, value),
        book: (_payer, _payee, _currency, amountMinor, extra, reference = `SW${++seq}`) =>
          void bookings.set(reference, { amountMinor, kind: extra.kind }),
        voidBooking: (reference) => {
          const booking = bookings.get(reference);
          if (booking !== undefined) booking.voided = true;
        },
        overLimit: () => undefined,
        call: async () => undefined,
      });
      const code = tills.issueCode('wechat_sandbox', 'u')?.code as string;
      for (const step of ops) {
        if (step.kind === 'charge') await tills.charge('alipay_sandbox', `o${step.order}`, code, 'CNY', BigInt(step.amount));
        if (step.kind === 'confirm') tills.confirm('wechat_sandbox', 'u', step.approve);
        if (step.kind === 'query') await tills.query('alipay_sandbox', `o${step.order}`);
        if (step.kind === 'reverse') await tills.reverse('alipay_sandbox', `o${step.order}`);
        if (step.kind === 'refund') await tills.refund('alipay_sandbox', `o${step.order}`, `r${step.refund}`, BigInt(step.amount));
      }
      const balance = balances.get('wechat_sandbox/u') ?? start;
      const live = [...bookings.values()].filter((b) => !b.voided);
      const kept =
        live.filter((b) => b.kind === 'payment_code').reduce((s, b) => s + b.amountMinor, 0n) -
        live.filter((b) => b.kind === 'refund').reduce((s, b) => s + b.amountMinor, 0n);
      expect(balance).toBeGreaterThanOrEqual(0n);
      expect(balance + kept).toBe(start);
      expect([...charges.values()].filter((c) => c.status === 'paid' || c.status === 'user_paying').length).toBeLessThanOrEqual(1);
      for (const c of charges.values()) {
        const refunded = Object.values(c.refunds)
          .filter((r) => r.status === 'succeeded')
          .reduce((s, r) => s + r.amountMinor, 0n);
        expect(refunded).toBeLessThanOrEqual(c.amountMinor);
      }
    }),
    { numRuns: 300 },
  );
});
