/**
 * A background loop: runs `work` now, then again `intervalMs` after each run ends (never two runs at
 * once), until stopped. `stop` waits for a run in progress, so a worker never outlives its store.
 */
export interface Loop {
  start(): void;
  stop(): Promise<void>;
}

export function repeatEvery(intervalMs: number, work: () => Promise<unknown>, onError: (error: unknown) => void): Loop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  return {
    start() {
      const tick = () => {
        running = work().catch(onError);
        void running.finally(() => {
          if (timer !== undefined) timer = setTimeout(tick, intervalMs);
        });
      };
      timer = setTimeout(tick, 0);
    },
    async stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
