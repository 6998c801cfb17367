import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IllegalTransition, type StateMachine } from '../core/index.js';
import { escrowMachine } from '../escrow/state.js';
import { payoutMachine } from '../settlement/state.js';
import { paymentMachine, refundMachine } from './state.js';

/**
 * The four state tables (DESIGN.md §8), as properties: over any sequence of proposed moves, the
 * check accepts exactly the table's moves, a terminal status never moves again, and every status
 * can be reached from the initial one and can reach a terminal one (no dead rooms, no traps).
 */
const machines: StateMachine<string>[] = [paymentMachine, refundMachine, escrowMachine, payoutMachine];

function reachable(machine: StateMachine<string>, from: string): Set<string> {
  const seen = new Set([from]);
  const queue = [from];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const to of machine.table[next] ?? []) {
      if (seen.has(to)) continue;
      seen.add(to);
      queue.push(to);
    }
  }
  return seen;
}

describe.each(machines.map((m) => [m.name, m] as const))('the %s state table', (_name, machine) => {
  it('accepts exactly its moves, over any walk, and a terminal status never moves', () => {
    const status = fc.constantFrom(...machine.statuses);
    fc.assert(
      fc.property(fc.array(status, { maxLength: 30 }), (proposals) => {
        let current = machine.initial;
        for (const to of proposals) {
          const allowed = (machine.table[current] ?? []).includes(to);
          expect(machine.canMove(current, to)).toBe(allowed);
          if (!allowed) {
            expect(() => machine.assertMove(current, to)).toThrow(IllegalTransition);
            expect(() => machine.assertMove(current, to)).toThrow(`${current} → ${to}`);
            continue;
          }
          expect(machine.terminal).not.toContain(current);
          machine.assertMove(current, to);
          current = to;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('has no unreachable status and no status without a way to an end', () => {
    expect([...reachable(machine, machine.initial)].sort()).toEqual([...machine.statuses].sort());
    for (const status of machine.statuses) {
      expect(
        [...reachable(machine, status)].some((s) => machine.terminal.includes(s)),
        status,
      ).toBe(true);
    }
  });
});

describe('the payment table', () => {
  it('holds the rules the flows rely on', () => {
    // Money moved only from processing or an authorization: nothing else reaches succeeded.
    const intoSucceeded = paymentMachine.statuses.filter((s) => paymentMachine.canMove(s, 'succeeded'));
    expect(intoSucceeded.sort()).toEqual(['processing', 'requires_capture']);
    // A captured, failed or canceled payment is final; a declined attempt reopens the payment.
    expect([...paymentMachine.terminal].sort()).toEqual(['canceled', 'failed', 'succeeded']);
    expect(paymentMachine.canMove('processing', 'requires_payment_method')).toBe(true);
    expect(paymentMachine.canMove('requires_capture', 'requires_payment_method')).toBe(false);
  });
});
