import { createIso8583Acquirer } from '../channels/iso8583-acquirer/index.js';
import { createConnectorRegistry, type RouteQuery } from '../channels/registry.js';
import type { HutongConfig } from '../config.js';
import type { ChannelsPort } from '../payments/index.js';
import { startCardWorld, type CardWorld } from '../../sandbox/card-world/index.js';

/**
 * The card channels `hutong start` runs with: the acquirer at HUTONG_ACQUIRER_HOST, or — when none
 * is configured — the sandbox card world started in-process, on its own port, spoken to over
 * ISO 8583 exactly as a real acquirer would be. Pointing Hutong at another host is configuration.
 */
export async function startChannels(
  config: HutongConfig,
): Promise<{ channels: ChannelsPort; world: CardWorld | undefined; acquirer: string; close(): Promise<void> }> {
  const world = config.acquirer.host === undefined ? await startCardWorld({ port: config.acquirer.sandboxAcquirerPort }) : undefined;
  const host = config.acquirer.host ?? '127.0.0.1';
  const port = world?.acquirerPort ?? config.acquirer.port;
  const connector = createIso8583Acquirer({
    name: world === undefined ? 'acquirer' : 'sandbox_acquirer',
    host,
    port,
    timeoutMs: config.acquirer.timeoutMs,
  });
  const registry = createConnectorRegistry({ connectors: [connector] });
  return {
    channels: {
      route: (query: RouteQuery) => registry.route(query),
      connector: (name: string) => registry.connector(name),
      acceptsBrand: (brand) => registry.acceptsBrand(brand),
    },
    world,
    acquirer: `${host}:${port}`,
    async close() {
      await registry.close();
      await world?.close();
    },
  };
}
