import { describe, expect, it } from 'vitest';
import { createTraceRegistry, stanOf } from './stan.js';

/** Two operation ids whose derived STANs are equal (a birthday search: ~1,300 ids on average). */
function collidingIds(): [string, string] {
  const seen = new Map<string, string>();
  for (let i = 0; ; i++) {
    const id = `att_${i}`;
    const stan = stanOf(id);
    const other = seen.get(stan);
    if (other !== undefined) return [other, id];
    seen.set(stan, id);
  }
}

describe('trace registry (one sender never sends two operations with one STAN in one second)', () => {
  const at = new Date('2026-03-01T08:00:00.250Z');

  it('refuses a second operation whose derived STAN is taken in the same second', () => {
    const [a, b] = collidingIds();
    expect(stanOf(a)).toBe(stanOf(b));
    const traces = createTraceRegistry();
    expect(traces.reserve(stanOf(a), at, a)).toBe(true);
    expect(traces.reserve(stanOf(b), new Date('2026-03-01T08:00:00.900Z'), b)).toBe(false);
  });

  it('lets the same operation ask again (a resend is the same message) and other seconds go', () => {
    const [a, b] = collidingIds();
    const traces = createTraceRegistry();
    expect(traces.reserve(stanOf(a), at, a)).toBe(true);
    expect(traces.reserve(stanOf(a), at, a)).toBe(true);
    expect(traces.reserve(stanOf(b), new Date('2026-03-01T08:00:01.000Z'), b)).toBe(true);
  });

  it('forgets seconds older than its window', () => {
    const [a, b] = collidingIds();
    const traces = createTraceRegistry(5);
    expect(traces.reserve(stanOf(a), at, a)).toBe(true);
    traces.reserve('000001', new Date('2026-03-01T08:00:10.000Z'), 'later');
    // The old second was dropped: a late resend of `b` in it is no longer compared with `a`.
    expect(traces.reserve(stanOf(b), at, b)).toBe(true);
  });
});
