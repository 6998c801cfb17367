import type { HutongConfig } from '../config.js';
import type { Fx } from '../fx/index.js';
import { startFxFeed } from '../../sandbox/fx/index.js';

/**
 * The rate feed `hutong start` polls: HUTONG_FX_FEED_URL (the ECB's eurofxref-daily.xml, a CSV
 * URL, or a file path), or — when none is configured — the sandbox FX market started in-process,
 * whose rates move every minute. A failed poll keeps the last good rates (docs/fx.md).
 */
export async function startFx(
  config: HutongConfig,
  fx: Fx,
  warn: (message: string) => void,
): Promise<{ url: string; sandbox: boolean; close(): Promise<void> }> {
  const feed = config.fx?.feedUrl === undefined ? await startFxFeed({ port: 0 }) : undefined;
  const url = config.fx?.feedUrl ?? (feed?.xmlUrl as string);
  await fx.startPolling(url, config.fx?.feedIntervalMs ?? 60_000, (message) => warn(`fx feed: ${message}`));
  return {
    url,
    sandbox: feed !== undefined,
    async close() {
      fx.stopPolling();
      await feed?.close();
    },
  };
}
