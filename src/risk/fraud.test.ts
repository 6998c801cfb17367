import fc from 'fast-check';
import type { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import type { Executor } from './fraud.js';
import { actionOf, runRules } from './fraud.js';
import { engineOf } from './rules.js';
import { ruleActions, type FraudCheck, type FraudRule } from './model.js';

const check: FraudCheck = {
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  amount: { minor: 12_345n, currency: 'USD' },
  customerId: null,
  card: { fingerprint: 'fp', bin: '453912', brand: 'visa', last4: '4242' },
  ip: '203.0.113.9',
  deviceId: null,
  email: null,
  at: new Date('2026-12-03T00:00:00Z'),
};
const rule = (id: string, conditions: unknown, failMode: 'open' | 'closed' = 'open'): FraudRule => ({
  id,
  version: 1,
  name: id,
  action: 'review',
  conditions,
  status: 'enabled',
  failMode,
  createdBy: 't',
  createdAt: '',
});
// Rules without velocity never touch the database.
const noDb = undefined as unknown as Executor;

describe('fraud actions', () => {
  it('combine in Radar order: allow beats block beats review beats request_3ds', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ruleActions), { maxLength: 8 }), (actions) => {
        const got = actionOf(actions.map((action, i) => ({ id: `r${i}`, version: 1, name: '', action })));
        const expected = (['allow', 'block', 'review', 'request_3ds'] as const).find((a) => actions.includes(a)) ?? 'allow';
        expect(got).toBe(expected);
      }),
    );
  });

  it('evaluates conditions over the facts', async () => {
    const big = rule('big', {
      all: [
        { fact: 'amount', operator: 'greaterThan', value: 10_000 },
        { fact: 'card_bin', operator: 'equal', value: '453912' },
      ],
    });
    const small = rule('small', { all: [{ fact: 'amount', operator: 'lessThan', value: 100 }] });
    const { fired } = await runRules(
      noDb,
      [big, small].map((r) => ({ rule: r, engine: engineOf(r) })),
      check,
    );
    expect(fired.map((f) => f.id)).toEqual(['big']);
  });

  it('a rule that fails to evaluate follows its fail mode, and is reported', async () => {
    const broken = { run: () => Promise.reject(new Error('fact source down')) } as unknown as Engine;
    const { fired, errors } = await runRules(
      noDb,
      [
        { rule: rule('closed', {}, 'closed'), engine: broken },
        { rule: rule('open', {}, 'open'), engine: broken },
      ],
      check,
    );
    expect(fired.map((f) => f.id)).toEqual(['closed']);
    expect(errors.map((e) => [e.id, e.failMode, e.error])).toEqual(
      expect.arrayContaining([
        ['closed', 'closed', 'fact source down'],
        ['open', 'open', 'fact source down'],
      ]),
    );
  });
});
