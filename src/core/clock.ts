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
