import { AsyncLocalStorage } from 'node:async_hooks';

/** Time comes from an injectable clock so that tests can move it (timers, expiry, limits). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock for tests: starts at `start` and only moves when told. */
export class ManualClock implements Clock {
  #nowMs: number;
  constructor(start: Date = new Date('2026-01-01T00:00:00Z')) {
    this.#nowMs = start.getTime();
  }
  now(): Date {
    return new Date(this.#nowMs);
  }
  advance(ms: number): void {
    this.#nowMs += ms;
  }
  set(at: Date): void {
    this.#nowMs = at.getTime();
  }
}

/**
 * Simulated time for one piece of work (test clocks, src/events/test-clocks.ts): inside `atTime`,
 * a clock made by `scopedClock` answers the given time instead of its own. A module that keeps
 * objects on a test clock's time builds its clock with `scopedClock` and runs each step on such an
 * object inside `atTime(clockTime, …)`; everything else (leases, webhooks, other modules) keeps
 * the wall clock.
 */
const simulatedTime = new AsyncLocalStorage<Date>();

export function atTime<T>(at: Date, work: () => T): T {
  return simulatedTime.run(at, work);
}

/** The simulated time of the work running now, if it runs inside `atTime`. */
export function simulatedNow(): Date | undefined {
  return simulatedTime.getStore();
}

export function scopedClock(clock: Clock): Clock {
  return { now: () => simulatedTime.getStore() ?? clock.now() };
}
