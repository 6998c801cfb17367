import { generateKeyPairSync } from 'node:crypto';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { startPartners, type PartnersServer } from './partners.js';
import { startSingleWindowServer, type SingleWindowServer } from './server.js';

export { carrier, platform } from './partners.js';
export { reasons, status } from './rules.js';
export type { SingleWindowServer } from './server.js';

/**
 * The customs world: the single window (CEB messages in, signed receipts out) and, beside it, the
 * e-commerce platform and the logistics carrier that send the order, the waybill and the
 * inventory list. `customsPort` / `partnersPort` 0 pick free ports.
 */
export interface CustomsWorld {
  readonly customs: SingleWindowServer;
  readonly partners: PartnersServer;
  close(): Promise<void>;
}

export async function startCustomsWorld(
  options: { customsPort?: number; partnersPort?: number; clock?: Clock; annualMaxFen?: bigint; log?: (line: string) => void } = {},
): Promise<CustomsWorld> {
  const clock = options.clock ?? systemClock;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const customs = await startSingleWindowServer({
    port: options.customsPort ?? 0,
    clock,
    annualMaxFen: options.annualMaxFen,
    log: options.log,
    key: {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      certNo: 'CUSTOMS-CA-01',
    },
  });
  const partners = await startPartners({ port: options.partnersPort ?? 0, customsUrl: customs.baseUrl, clock });
  return {
    customs,
    partners,
    async close() {
      await partners.close();
      await customs.close();
    },
  };
}
