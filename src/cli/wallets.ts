import { checkWalletConnector } from '../channels/index.js';
import { createWalletConnector, walletNames, type WalletName } from '../channels/wallets/index.js';
import type { Clock } from '../core/index.js';
import type { WalletConnectorPort, WalletsPort } from '../payments/index.js';
import { startWalletWorld, walletProfiles as sandboxProfiles } from '../../sandbox/wallets/index.js';

/**
 * The outside wallets `hutong start` talks to: the sandbox wallet world started in-process (its
 * keys are the sandbox defaults). A real deployment points each connector at the wallet's own API
 * with its own key: configuration, not code.
 */
export async function startWallets(clock: Clock): Promise<{ port: WalletsPort; url: string; close(): Promise<void> }> {
  const world = await startWalletWorld({ port: 0, clock });
  const connectors = new Map<string, WalletConnectorPort>();
  for (const name of walletNames) {
    connectors.set(
      name,
      checkWalletConnector(
        createWalletConnector(name, { baseUrl: world.baseUrl, key: sandboxProfiles[name as WalletName].keyDefault, clock }),
      ),
    );
  }
  return { port: { wallet: (name) => connectors.get(name) }, url: world.baseUrl, close: () => world.close() };
}
