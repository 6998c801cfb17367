import { performance } from 'node:perf_hooks';

/**
 * A closed loop: `inFlightMax` callers each start a new operation as soon as their previous one
 * settles, until `durationMs` has passed. Operations already started are awaited, and the elapsed
 * time includes that drain, so a rate computed from it never flatters.
 * `operation` must not throw: the benchmarks count failures themselves.
 */
export async function closedLoop(inFlightMax: number, durationMs: number, operation: () => Promise<void>): Promise<{ durationMs: number }> {
  const startMs = performance.now();
  const deadlineMs = startMs + durationMs;
  const caller = async (): Promise<void> => {
    while (performance.now() < deadlineMs) await operation();
  };
  await Promise.all(Array.from({ length: inFlightMax }, caller));
  return { durationMs: performance.now() - startMs };
}

/** Runs `task` over `items` with at most `inFlightMax` at once; results keep the order of `items`. */
export async function mapBounded<T, R>(items: readonly T[], inFlightMax: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const caller = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlightMax, items.length) }, caller));
  return results;
}

/** Two distinct indexes below `count`, uniformly: the source and destination of a transfer. */
export function randomPair(count: number): [number, number] {
  const source = Math.floor(Math.random() * count);
  const other = Math.floor(Math.random() * (count - 1));
  return [source, other >= source ? other + 1 : other];
}

/** A whole number of minor units from 1 to `max`. */
export function randomMinor(max: number): number {
  return 1 + Math.floor(Math.random() * max);
}

export function ratePerSec(count: number, durationMs: number): number {
  return durationMs > 0 ? (count * 1000) / durationMs : 0;
}

/** Prints a progress line now and a closing one with the elapsed seconds when `work` settles. */
export async function step<T>(label: string, work: () => Promise<T> | T, summary: (result: T) => string = () => 'done'): Promise<T> {
  console.log(`${label} …`);
  const startMs = performance.now();
  const result = await work();
  console.log(`${label}: ${((performance.now() - startMs) / 1000).toFixed(1)} s, ${summary(result)}`);
  return result;
}
