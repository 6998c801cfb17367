import { createIso8583Acquirer } from '../../src/channels/iso8583-acquirer/index.js';
import { createConnectorRegistry, type RouteQuery } from '../../src/channels/registry.js';
import { startCardWorld, type CardWorld } from '../../sandbox/card-world/index.js';
import type { ChannelsPort } from '../../src/payments/index.js';

/**
 * The sandbox card world on a free port, and Hutong's ISO 8583 connector pointed at it: the same
 * wiring `hutong start` does, over a real TCP socket.
 */
export interface CardWorldFixture {
  world: CardWorld;
  channels: ChannelsPort;
}

export function cardWorldChannels(fixture: CardWorldFixture, options: { timeoutMs?: number; switchInoperative?: boolean } = {}) {
  return async () => {
    fixture.world = await startCardWorld({ port: 0, switchInoperative: options.switchInoperative });
    const acquirer = createIso8583Acquirer({
      name: 'sandbox_acquirer',
      host: '127.0.0.1',
      port: fixture.world.acquirerPort,
      timeoutMs: options.timeoutMs ?? 400,
    });
    const registry = createConnectorRegistry({ connectors: [acquirer] });
    fixture.channels = {
      route: (query: RouteQuery) => registry.route(query),
      connector: (name: string) => registry.connector(name),
      acceptsBrand: (brand) => registry.acceptsBrand(brand),
    };
    return {
      ...fixture.channels,
      async close() {
        await registry.close();
        await fixture.world.close();
      },
    };
  };
}

/** Two card worlds behind two connectors, routed in order: the first one's switch is down. */
export function failoverChannels(fixture: { first: CardWorld; second: CardWorld }) {
  return async () => {
    fixture.first = await startCardWorld({ port: 0, switchInoperative: true });
    fixture.second = await startCardWorld({ port: 0 });
    const a = createIso8583Acquirer({ name: 'acquirer_a', host: '127.0.0.1', port: fixture.first.acquirerPort, timeoutMs: 400 });
    const b = createIso8583Acquirer({ name: 'acquirer_b', host: '127.0.0.1', port: fixture.second.acquirerPort, timeoutMs: 400 });
    const registry = createConnectorRegistry({ connectors: [a, b], defaultRoute: ['acquirer_a', 'acquirer_b'] });
    return {
      route: (query: RouteQuery) => registry.route(query),
      connector: (name: string) => registry.connector(name),
      acceptsBrand: (brand: RouteQuery['brand']) => registry.acceptsBrand(brand),
      async close() {
        await registry.close();
        await fixture.first.close();
        await fixture.second.close();
      },
    };
  };
}
