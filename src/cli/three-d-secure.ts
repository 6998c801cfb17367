import { checkThreeDSecureConnector } from '../channels/index.js';
import { createThreeDSecureClient } from '../channels/three-d-secure/index.js';
import type { Clock } from '../core/index.js';
import type { HutongConfig } from '../config.js';
import type { ThreeDSecurePort } from '../payments/index.js';
import { sandboxSecretDefault, startThreeDSecureWorld } from '../../sandbox/three-d-secure/index.js';

/**
 * 3-D Secure for `hutong start`: the directory server at HUTONG_3DS_URL (with HUTONG_3DS_SECRET),
 * or the sandbox 3-D Secure world started in-process with the sandbox secret.
 */
export async function startThreeDSecure(
  config: HutongConfig,
  clock: Clock,
): Promise<{ port: ThreeDSecurePort; url: string; sandbox: boolean; close(): Promise<void> }> {
  if (config.threeDSecure.url !== undefined) {
    if (config.threeDSecure.secret === undefined) throw new Error('HUTONG_3DS_URL needs HUTONG_3DS_SECRET');
    const client = checkThreeDSecureConnector(
      createThreeDSecureClient({ baseUrl: config.threeDSecure.url, secret: config.threeDSecure.secret, clock }),
    );
    return { port: client, url: config.threeDSecure.url, sandbox: false, close: async () => undefined };
  }
  const secret = config.threeDSecure.secret ?? sandboxSecretDefault;
  const world = await startThreeDSecureWorld({ port: 0, secret, clock });
  const client = checkThreeDSecureConnector(createThreeDSecureClient({ baseUrl: world.baseUrl, secret, clock }));
  return { port: client, url: world.baseUrl, sandbox: true, close: () => world.close() };
}
