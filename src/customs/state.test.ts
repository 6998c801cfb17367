import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFailure } from '../core/index.js';
import { declarationEvents, declarationStatuses, eventOfReturnStatus, transition, type DeclarationStatus } from './state.js';

describe('the declaration state machine', () => {
  it('any sequence of receipts and modifications: answers only leave pending/submitted, modify only leaves an answer, a version ends once', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...declarationEvents), { maxLength: 40 }), (events) => {
        let status: DeclarationStatus = 'pending';
        let answers = 0;
        for (const event of events) {
          const next = transition(status, event);
          if (isFailure(next)) {
            expect(next.failure).toBe('customs_declaration_state_invalid');
            continue;
          }
          expect(declarationStatuses).toContain(next);
          if (event === 'modify') {
            expect(['accepted', 'returned', 'failed', 'withdrawn']).toContain(status);
            expect(next).toBe('pending');
            answers = 0;
          } else if (event === 'withdraw') {
            // Only a slip customs stored is withdrawn (a refund of the whole payment).
            expect(status).toBe('accepted');
            expect(next).toBe('withdrawing');
            answers = 0;
          } else {
            expect(['pending', 'submitted', 'withdrawing']).toContain(status);
            if (next !== 'submitted' && next !== 'withdrawing') answers++;
          }
          // A withdrawal ends in withdrawn or failed, never back in accepted.
          if (status === 'withdrawing') expect(['withdrawing', 'withdrawn', 'failed']).toContain(next);
          expect(answers).toBeLessThanOrEqual(1);
          status = next;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('maps customs returnStatus codes (domain.md §7)', () => {
    expect(['2', '3', '120', '100', '-621049', '-621041', '4', '399', 'x'].map(eventOfReturnStatus)).toEqual([
      'declaring',
      'declaring',
      'stored',
      'returned',
      'error',
      'error',
      'error',
      undefined,
      undefined,
    ]);
  });
});
