import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where `hutong start` put its sandbox counterparts (random ports unless fixed), written into the
 * data directory so that other `hutong` commands on the same data find them: `hutong settle
 * --payouts` reaches the sandbox bank that `npm start` runs without HUTONG_BANK_URL.
 */
export interface SandboxEndpoints {
  readonly bank_url?: string;
  readonly acquirer?: string;
  readonly three_d_secure_url?: string;
  readonly wallets_url?: string;
  readonly fx_feed_url?: string;
  readonly [name: string]: string | undefined;
}

const endpointsFile = 'sandbox-endpoints.json';

export function writeSandboxEndpoints(dataDir: string | undefined, endpoints: SandboxEndpoints): void {
  if (dataDir === undefined) return;
  writeFileSync(join(dataDir, endpointsFile), JSON.stringify(endpoints, null, 2) + '\n');
}

export function readSandboxEndpoints(dataDir: string | undefined): SandboxEndpoints {
  if (dataDir === undefined) return {};
  const file = join(dataDir, endpointsFile);
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as SandboxEndpoints;
}
