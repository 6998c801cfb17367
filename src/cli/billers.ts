import { createBillerConnector, billerKinds, type BillerConnector, type BillerKind } from '../channels/billers/index.js';
import type { HutongConfig } from '../config.js';
import { sandboxBillerKeys, startBillerWorld, type SandboxBillerName } from '../../sandbox/billers/index.js';

/**
 * The billers `hutong start` talks to: HUTONG_BILLERS (`electricity=http://…,property=http://…`)
 * names each connector's biller, with HUTONG_BILLER_KEYS for the keys; unset, the five sandbox
 * billers run in-process (their keys are the public sandbox defaults).
 */
export async function startBillers(
  config: HutongConfig,
): Promise<{ connectors: (name: string) => BillerConnector | undefined; url: string; sandbox: boolean; close(): Promise<void> }> {
  const settings = config.billpay;
  const timeoutMs = settings?.billerTimeoutMs ?? 2_000;
  const connectors = new Map<string, BillerConnector>();
  const configured = settings?.billerUrls;
  if (configured !== undefined) {
    for (const [name, baseUrl] of Object.entries(configured)) {
      if (!billerKinds.includes(name as BillerKind))
        throw new Error(`HUTONG_BILLERS: ${name} is not a biller connector (${billerKinds.join(', ')})`);
      const key = settings?.billerKeys[name] ?? sandboxBillerKeys[name as SandboxBillerName];
      connectors.set(name, createBillerConnector(name as BillerKind, { baseUrl, key, timeoutMs }));
    }
    return {
      connectors: (name) => connectors.get(name),
      url: Object.values(configured).join(' '),
      sandbox: false,
      close: async () => undefined,
    };
  }
  const world = await startBillerWorld({});
  for (const name of billerKinds) {
    const sandboxName = name as SandboxBillerName;
    connectors.set(name, createBillerConnector(name, { baseUrl: world.urls[sandboxName], key: world.keys[sandboxName], timeoutMs }));
  }
  return {
    connectors: (name) => connectors.get(name),
    url: Object.entries(world.urls)
      .map(([name, url]) => `${name} ${url}`)
      .join(', '),
    sandbox: true,
    close: () => world.close(),
  };
}
