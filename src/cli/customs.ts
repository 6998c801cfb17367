import type { CreateOptions, Hutong } from '../app.js';
import { createSingleWindowClient } from '../channels/customs/index.js';
import type { HutongConfig } from '../config.js';
import { startCustomsWorld } from '../../sandbox/customs/index.js';

/**
 * The customs single window `hutong start` talks to. HUTONG_CUSTOMS_URL set: that one (with
 * customs' public key from HUTONG_CUSTOMS_PUBLIC_KEY_FILE; Hutong's certificate is filed with
 * customs beforehand). Unset: the sandbox customs world in-process — the single window and, beside
 * it, the e-commerce platform and the carrier — with Hutong registered as a declarant whose
 * receipts are pushed to `/v1/customs/receipts` (and polled as well).
 */
export interface StartedCustoms {
  readonly options: CreateOptions['customs'];
  readonly url: string;
  readonly partnersUrl: string | undefined;
  register(hutong: Hutong, publicBaseUrl: string): Promise<void>;
  close(): Promise<void>;
}

export async function startCustoms(config: HutongConfig, env: NodeJS.ProcessEnv = process.env): Promise<StartedCustoms> {
  const configured = config.customs?.url;
  if (configured !== undefined)
    return { options: undefined, url: configured, partnersUrl: undefined, register: async () => undefined, close: async () => undefined };
  const world = await startCustomsWorld({
    customsPort: Number(env.SANDBOX_CUSTOMS_PORT ?? 0),
    partnersPort: Number(env.SANDBOX_CUSTOMS_PARTNERS_PORT ?? 0),
  });
  return {
    options: {
      gateway: createSingleWindowClient(world.customs.baseUrl),
      customsPublicKeyPem: world.customs.certificate.publicKeyPem,
      endpoints: { singleWindowUrl: world.customs.baseUrl, sandboxPartnersUrl: world.partners.baseUrl },
    },
    url: world.customs.baseUrl,
    partnersUrl: world.partners.baseUrl,
    async register(hutong, publicBaseUrl) {
      const d = hutong.customsDeclarant;
      const answer = await fetch(`${world.customs.baseUrl}/ceb/declarants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          ...d,
          receiptUrl: `${publicBaseUrl}/v1/customs/receipts`,
          queryUrl: `${publicBaseUrl}/v1/customs/payment_data_queries`,
        }),
      });
      if (answer.status !== 201) throw new Error(`the sandbox single window refused Hutong's certificate: ${answer.status}`);
    },
    close: () => world.close(),
  };
}
