// Starts the sandbox customs world on its own: `tsx sandbox/customs/main.ts`.
// SANDBOX_CUSTOMS_PORT (default 5806) is the single window; SANDBOX_CUSTOMS_PARTNERS_PORT (default
// 5807) the e-commerce platform and the logistics carrier. 0 picks a free port.
import { startCustomsWorld } from './index.js';

function portFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`${name} must be a TCP port (0–65535), got ${JSON.stringify(text)}`);
  return port;
}

const world = await startCustomsWorld({
  customsPort: portFromEnv('SANDBOX_CUSTOMS_PORT', 5806),
  partnersPort: portFromEnv('SANDBOX_CUSTOMS_PARTNERS_PORT', 5807),
  log: (line) => console.log(line),
});
console.log(`customs single window: ${world.customs.baseUrl}/ceb/messages (CEB311/411/511/621, signed receipts)`);
console.log(`e-commerce platform and carrier: ${world.partners.baseUrl}/platform/orders, /carrier/waybills, /carrier/inventories`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void world.close().then(() => process.exit(0));
  });
}
