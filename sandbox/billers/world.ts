import { systemClock, type Clock } from '../../src/core/clock.js';
import { createCharity } from './charity.js';
import { createElectricity } from './electricity.js';
import { createMobile } from './mobile.js';
import { createProperty } from './property.js';
import { startBillerServer, type BillerMode, type BillerShape, type RunningBiller } from './server.js';
import { createWaterGas } from './water-gas.js';

/** The five sandbox billers, each its own HTTP server on its own port with its own key. */
export const sandboxBillerNames = ['electricity', 'water_gas', 'mobile', 'property', 'charity'] as const;
export type SandboxBillerName = (typeof sandboxBillerNames)[number];

/** The keys each biller shares with Hutong by default: public, for the sandbox only. */
export const sandboxBillerKeys: Record<SandboxBillerName, string> = {
  electricity: 'sandbox-electricity-key-5f1d2c',
  water_gas: 'sandbox-water-gas-key-9a7e31',
  mobile: 'sandbox-mobile-key-c08b44',
  property: 'sandbox-property-key-27d9e0',
  charity: 'sandbox-charity-key-e6f512',
};

const shapes: Record<SandboxBillerName, (clock: Clock) => BillerShape> = {
  electricity: createElectricity,
  water_gas: createWaterGas,
  mobile: createMobile,
  property: createProperty,
  charity: createCharity,
};

export interface BillerWorld {
  readonly urls: Record<SandboxBillerName, string>;
  readonly keys: Record<SandboxBillerName, string>;
  setMode(name: SandboxBillerName, mode: BillerMode, slowMs?: number): void;
  close(): Promise<void>;
}

export interface BillerWorldOptions {
  readonly clock?: Clock;
  /** The first biller's port (the others follow it); 0 = free ports. */
  readonly basePort?: number;
  readonly host?: string;
  readonly keys?: Partial<Record<SandboxBillerName, string>>;
}

export async function startBillerWorld(options: BillerWorldOptions = {}): Promise<BillerWorld> {
  const clock = options.clock ?? systemClock;
  const keys = { ...sandboxBillerKeys, ...options.keys } as Record<SandboxBillerName, string>;
  const running = {} as Record<SandboxBillerName, RunningBiller>;
  for (const [index, name] of sandboxBillerNames.entries()) {
    const port = options.basePort === undefined || options.basePort === 0 ? 0 : options.basePort + index;
    running[name] = await startBillerServer({ shape: shapes[name](clock), key: keys[name], port, host: options.host });
  }
  const urls = Object.fromEntries(sandboxBillerNames.map((name) => [name, running[name].url])) as Record<SandboxBillerName, string>;
  return {
    urls,
    keys,
    setMode: (name, mode, slowMs) => running[name].setMode(mode, slowMs),
    async close() {
      for (const name of sandboxBillerNames) await running[name].close();
    },
  };
}
