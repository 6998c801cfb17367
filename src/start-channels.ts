import { createAcquirer, createConnectorRegistry, type RouteQuery } from './channels/index.js';
import { createIso8583Acquirer } from './channels/iso8583-acquirer/index.js';
import type { HutongConfig } from './config.js';
import type { ChannelsPort } from './payments/index.js';
import { startCardWorld, type CardWorld } from '../sandbox/card-world/index.js';

/**
 * The card channels `hutong start` runs with: the acquirers of HUTONG_ACQUIRERS, tried in that
 * order (failover: src/channels/failover.ts); else the acquirer at HUTONG_ACQUIRER_HOST; else —
 * when none is configured — the sandbox card world started in-process, on its own port, spoken
 * to over ISO 8583 exactly as a real acquirer would be. Pointing Hutong elsewhere is configuration.
 */
export async function startChannels(
  config: HutongConfig,
): Promise<{ channels: ChannelsPort; world: CardWorld | undefined; acquirer: string; close(): Promise<void> }> {
  const list = config.acquirer.list ?? [];
  const world =
    list.length === 0 && config.acquirer.host === undefined
      ? await startCardWorld({ port: config.acquirer.sandboxAcquirerPort })
      : undefined;
  const host = config.acquirer.host ?? '127.0.0.1';
  const port = world?.acquirerPort ?? config.acquirer.port;
  const connectors =
    list.length > 0
      ? list.map((a) => createAcquirer(a.kind, { name: a.name, host: a.host, port: a.port, timeoutMs: config.acquirer.timeoutMs }))
      : [
          createIso8583Acquirer({
            name: world === undefined ? 'acquirer' : 'sandbox_acquirer',
            host,
            port,
            timeoutMs: config.acquirer.timeoutMs,
          }),
        ];
  const registry = createConnectorRegistry({ connectors });
  return {
    channels: {
      route: (query: RouteQuery) => registry.route(query),
      connector: (name: string) => registry.connector(name),
      acceptsBrand: (brand) => registry.acceptsBrand(brand),
    },
    world,
    acquirer: list.length > 0 ? list.map((a) => `${a.name}=${a.kind}://${a.host}:${a.port}`).join(', ') : `${host}:${port}`,
    async close() {
      await registry.close();
      await world?.close();
    },
  };
}
