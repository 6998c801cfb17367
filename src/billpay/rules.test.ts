import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountNumberProblem, accountRuleProblem } from './account-rules.js';
import { checkAmount, type AmountContext } from './amount-rules.js';
import type { AccountRule, BillPaymentStatus } from './model.js';
import { billPaymentTransitions, terminalStatuses, transition, type BillPaymentEvent } from './state.js';

const luhnRule: AccountRule = {
  label: 'Account number',
  labelZh: '户号',
  pattern: '\\d{10}',
  lengthMin: 10,
  lengthMax: 10,
  checkDigit: 'luhn',
};
const rule731: AccountRule = { ...luhnRule, pattern: '\\d{9}', lengthMin: 9, lengthMax: 9, checkDigit: 'weights_731' };

/** Check digits computed here independently, digit by digit, to test the module's checkers against. */
function luhnDigit(body: string): number {
  const sum = [...body].reverse().reduce((acc, ch, i) => {
    const d = Number(ch) * (i % 2 === 0 ? 2 : 1);
    return acc + (d > 9 ? d - 9 : d);
  }, 0);
  return (10 - (sum % 10)) % 10;
}
const digit731 = (body: string) => [...body].reduce((acc, ch, i) => acc + Number(ch) * ([7, 3, 1][i % 3] as number), 0) % 10;

describe('account numbers', () => {
  it('known values: ISO/IEC 7812 Luhn and ICAO 9303 7-3-1', () => {
    expect(accountNumberProblem(luhnRule, '3100000011')).toBeUndefined();
    expect(accountNumberProblem(luhnRule, '3100000012')).toContain('check digit');
    expect(accountNumberProblem(rule731, '100000010')).toBeUndefined();
    expect(accountNumberProblem(rule731, '100000011')).toContain('check digit');
    expect(accountNumberProblem(luhnRule, '310000001')).toContain('10 characters');
    expect(accountNumberProblem({ ...luhnRule, checkDigit: 'none', pattern: '1[3-9]\\d{8}' }, '2100000011')).toContain('format');
  });

  it('the right check digit passes and every other digit fails (Luhn and 7-3-1)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), fc.integer({ min: 1, max: 9 }), (body, shift) => {
        const good = luhnDigit(body);
        expect(accountNumberProblem(luhnRule, `${body}${good}`)).toBeUndefined();
        expect(accountNumberProblem(luhnRule, `${body}${(good + shift) % 10}`)).toBeDefined();
        const body8 = body.slice(0, 8);
        const good731 = digit731(body8);
        expect(accountNumberProblem(rule731, `${body8}${good731}`)).toBeUndefined();
        expect(accountNumberProblem(rule731, `${body8}${(good731 + shift) % 10}`)).toBeDefined();
      }),
    );
  });

  it('a rule must compile and bound its lengths', () => {
    expect(accountRuleProblem({ ...luhnRule, pattern: '(' })).toContain('regular expression');
    expect(accountRuleProblem({ ...luhnRule, lengthMin: 12 })).toContain('length_min');
    expect(accountRuleProblem({ ...luhnRule, lengthMax: 41 })).toContain('1–40');
  });
});

describe('amount rules', () => {
  const contexts = fc.record({
    rule: fc.constantFrom('exact', 'at_least', 'at_most', 'any', 'whole_periods') as fc.Arbitrary<AmountContext['rule']>,
    minMinor: fc.bigInt({ min: 1n, max: 1_000n }),
    maxMinor: fc.bigInt({ min: 1_000n, max: 10_000_000n }),
    dueMinor: fc.option(fc.bigInt({ min: 1n, max: 1_000_000n }), { nil: null }),
    periods: fc.array(fc.bigInt({ min: 1n, max: 100_000n }), { maxLength: 6 }),
  });

  it('never accepts an amount outside the limits; accepts exactly what each rule allows', () => {
    fc.assert(
      fc.property(contexts, fc.bigInt({ min: -10n, max: 12_000_000n }), (context, amount) => {
        const verdict = checkAmount(context, amount);
        const inLimits = amount >= context.minMinor && amount <= context.maxMinor && amount > 0n;
        if (!inLimits) {
          expect(verdict.ok).toBe(false);
          return;
        }
        const prefixSums = context.periods.map((_, i) => context.periods.slice(0, i + 1).reduce((a, b) => a + b, 0n));
        const due = context.dueMinor;
        const expected = {
          any: true,
          exact: due !== null && amount === due,
          at_least: due !== null && amount >= due,
          at_most: due !== null && amount <= due,
          whole_periods: prefixSums.includes(amount),
        }[context.rule];
        expect(verdict.ok).toBe(expected);
        if (verdict.ok && context.rule === 'whole_periods') expect(prefixSums[(verdict.periods as number) - 1]).toBe(amount);
      }),
    );
  });
});

describe('the bill payment state machine', () => {
  const events: BillPaymentEvent[] = ['accepted', 'rejected', 'no_answer', 'not_booked'];

  it('money moves at most once: a payment reaches accepted or refunded once and never leaves it', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...events), { maxLength: 30 }), (sequence) => {
        let status: BillPaymentStatus = 'posting';
        let settledCount = 0;
        for (const event of sequence) {
          const next = transition(status, event);
          if (next === undefined) {
            expect(terminalStatuses).toContain(status);
            continue;
          }
          if (terminalStatuses.includes(next)) settledCount += 1;
          status = next;
        }
        expect(settledCount).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('an answer is never guessed: only the biller’s word accepts, only a refusal or a confirmed absence refunds', () => {
    for (const [from, moves] of Object.entries(billPaymentTransitions)) {
      if (moves.accepted !== undefined) expect(moves.accepted, from).toBe('accepted');
      if (moves.no_answer !== undefined) expect(moves.no_answer, from).toBe('awaiting_biller');
      for (const event of ['rejected', 'not_booked'] as const) if (moves[event] !== undefined) expect(moves[event], from).toBe('refunded');
    }
  });
});

describe('the card-funded bill payment state machine', () => {
  const events: BillPaymentEvent[] = ['charged', 'charge_failed', 'accepted', 'rejected', 'no_answer', 'not_booked'];

  it('the card funds the payable at most once, a failed charge moves nothing, and the payment settles at most once', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...events), { maxLength: 40 }), (sequence) => {
        let status: BillPaymentStatus = 'charging';
        let funded = 0;
        let settled = 0;
        for (const event of sequence) {
          const next = transition(status, event);
          if (next === undefined) continue;
          if (status === 'charging' && next === 'posting') funded += 1;
          if (next === 'accepted' || next === 'refunded') {
            expect(funded).toBe(1);
            settled += 1;
          }
          if (next === 'failed') expect(funded).toBe(0);
          status = next;
        }
        expect(funded).toBeLessThanOrEqual(1);
        expect(settled).toBeLessThanOrEqual(1);
        if (terminalStatuses.includes(status)) for (const e of events) expect(transition(status, e)).toBeUndefined();
      }),
    );
  });

  it('only the gateway’s word leaves charging: charged to posting, not charged to failed', () => {
    expect(billPaymentTransitions.charging).toEqual({ charged: 'posting', charge_failed: 'failed' });
    for (const [from, moves] of Object.entries(billPaymentTransitions))
      if (from !== 'charging') expect([moves.charged, moves.charge_failed], from).toEqual([undefined, undefined]);
  });
});
