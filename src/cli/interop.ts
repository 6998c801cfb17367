import { join } from 'node:path';
import type { HutongConfig } from '../config.js';
import { startSwitch, switchHutongKeyDefault } from '../../sandbox/switch/index.js';

/**
 * The interconnection switch `hutong start` talks to: HUTONG_SWITCH_URL if set, otherwise the
 * sandbox switch started in-process (SANDBOX_SWITCH_PORT, 0 = any free port), which reaches Hutong
 * at its public URL. A real deployment points at the real switch: configuration, not code.
 */
export async function startInteropSwitch(
  config: HutongConfig,
  sandboxPort: number,
): Promise<{ url: string; sandbox: boolean; close(): Promise<void> }> {
  if (config.interop?.switchUrl !== undefined) return { url: config.interop.switchUrl, sandbox: false, close: async () => undefined };
  const world = await startSwitch({
    port: sandboxPort,
    hutongUrl: config.publicBaseUrl,
    hutongKey: config.interop?.switchKey ?? switchHutongKeyDefault,
    // Durable across restarts: the journal in the data directory (or SANDBOX_SWITCH_JOURNAL).
    journalPath:
      config.interop?.sandboxSwitchJournal ?? (config.dataDir === undefined ? undefined : join(config.dataDir, 'switch-journal.jsonl')),
  });
  return { url: world.url, sandbox: true, close: () => world.close() };
}
